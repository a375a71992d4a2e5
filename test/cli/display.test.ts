/**
 * How an environment's root folder is named in a finding's note: like the files checked, whatever
 * folder the command ran from, and the same answer however many files and environments a scan has.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { displayLikeFiles } from '../../server/src/scan/display';

const abs = (...parts: string[]) => path.join(path.sep, 'srv', 'repo', ...parts);

describe('displayLikeFiles', () => {
  it('a listed file is shown as listed; a folder above listed files with their shown prefix; anything else relative to the current folder', () => {
    const show = displayLikeFiles([
      { absolute: abs('apps', 'web', 'base', 'deploy.yaml'), display: 'repo/apps/web/base/deploy.yaml' },
      { absolute: abs('apps', 'web', 'prod', 'kustomization.yaml'), display: 'repo/apps/web/prod/kustomization.yaml' },
      { absolute: abs('charts', 'x', 'values.yaml'), display: 'charts/x/values.yaml' },
    ]);
    assert.equal(show(abs('apps', 'web', 'base', 'deploy.yaml')), 'repo/apps/web/base/deploy.yaml');
    assert.equal(show(abs('apps', 'web', 'prod')), 'repo/apps/web/prod');
    assert.equal(show(abs('apps', 'web')), 'repo/apps/web');
    assert.equal(show(abs()), 'repo');
    // Shown from the checked folder `charts`' parent: the folder above is not named by any file.
    assert.equal(show(abs('charts', 'x')), 'charts/x');
    assert.equal(show(abs('charts')), 'charts');
    assert.equal(show(abs('elsewhere')), path.relative(process.cwd(), abs('elsewhere')));
  });

  it('a file shown by its name alone names no folder above it', () => {
    const show = displayLikeFiles([{ absolute: abs('a', 'values.yaml'), display: 'values.yaml' }]);
    assert.equal(show(abs('a')), path.relative(process.cwd(), abs('a')));
  });

  it('naming 4,000 folders among 12,000 files stays linear (each folder is looked up, not searched for)', () => {
    const files = Array.from({ length: 12_000 }, (_, i) => ({ absolute: abs('svc', `s${Math.floor(i / 3)}`, `f${i % 3}.yaml`), display: `svc/s${Math.floor(i / 3)}/f${i % 3}.yaml` }));
    const show = displayLikeFiles(files);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 4_000; i++) assert.equal(show(abs('svc', `s${i}`)), `svc/s${i}`);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // The search through every file for each folder took about 3 s here; the index takes a few ms.
    assert.ok(ms < 1_000, `took ${ms.toFixed(0)} ms`);
  });
});
