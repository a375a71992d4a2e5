/**
 * `check` and `promote` on an istio-shaped chart (defaults under `_internal_defaults_do_not_set`,
 * `global.hub`/`global.tag`, sidecar images under `global.proxy`): the images named are the ones the
 * chart deploys, and promotion writes at the environment file's root.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli as run } from '../helpers/cliRun';
import { REPO_ROOT, fixture } from '../helpers/paths';
import { tempDir } from '../helpers/tempDir';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('istio charts on the command line', () => {
  it('check names <global.hub>/<image>:<global.tag>, per environment; paths in notes read like the files checked from another folder', async () => {
    const rel = path.relative(REPO_ROOT, fixture('envs', 'istio')).split(path.sep).join('/');
    const r = await run(['check', rel, '--no-cache'], REPO_ROOT);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, -1), [
      `${rel}/alone/values.yaml:6:10 warning unpinned-tag tag "1.4.0" without a digest can be pushed again: pin it to a digest; deployed as written by default (${rel}/alone/values.yaml) (registry.example.org/mesh/discovery:1.4.0)`,
      `${rel}/alone/values.yaml:11:14 warning unpinned-tag tag "1.4.0" without a digest can be pushed again: pin it to a digest; deployed as written by default (${rel}/alone/values.yaml) (registry.example.org/mesh/sidecar:1.4.0)`,
      `${rel}/alone/values.yaml:14:14 warning unpinned-tag tag "1.4.0" without a digest can be pushed again: pin it to a digest; deployed as written by default (${rel}/alone/values.yaml) (registry.example.org/mesh/sidecar:1.4.0)`,
      `${rel}/mesh/values-prod.yaml:4:8 warning unpinned-tag tag "1.4.0" without a digest can be pushed again: pin it to a digest; in prod (${rel}/mesh/values-prod.yaml) (mirror.example.net/mesh/discovery:1.4.0)`,
      `${rel}/mesh/values-prod.yaml:4:8 warning unpinned-tag tag "1.4.0" without a digest can be pushed again: pin it to a digest; in prod (${rel}/mesh/values-prod.yaml) (mirror.example.net/mesh/sidecar:1.4.0)`,
    ]);
    // From inside a folder of its own, the same notes are relative to what was checked, never `../`.
    const inside = await run(['check', path.join(fixture('envs', 'istio'), 'alone'), '--no-cache'], path.join(REPO_ROOT, 'server'));
    assert.doesNotMatch(inside.stdout, /\(\.\.\//);
    assert.match(inside.stdout, new RegExp(`deployed as written by default \\(${fixture('envs', 'istio', 'alone', 'values.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  });

  it('promote staging → prod: the component gets a root `tag`, the sidecars their whole references under the root `global`; values.yaml unchanged; a second run moves nothing', async () => {
    const dir = tempDir('ip-istio-');
    fs.cpSync(fixture('envs', 'istio'), dir, { recursive: true });
    const r = await run(['promote', '--from', 'staging', '--to', 'prod', '--write', '.'], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(
      fs.readFileSync(path.join(dir, 'mesh/values-prod.yaml'), 'utf8'),
      [
        '# What users write: the root keys, never the wrapped defaults.',
        'global:',
        '  hub: mirror.example.net/mesh',
        '  tag: 1.4.0',
        '  proxy:',
        `    image: mirror.example.net/mesh/sidecar:1.4.1@${B}`,
        '  proxy_init:',
        `    image: mirror.example.net/mesh/sidecar:1.4.1@${B}`,
        `tag: 1.4.1@${A}`,
        '',
      ].join('\n'),
    );
    assert.equal(fs.readFileSync(path.join(dir, 'mesh/values.yaml'), 'utf8'), fs.readFileSync(fixture('envs', 'istio', 'mesh', 'values.yaml'), 'utf8'));
    const again = await run(['promote', '--from', 'staging', '--to', 'prod', '.'], dir);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 to move, 2 already equal, 0 skipped/);
    const check = await run(['check', 'mesh', '--no-cache'], dir);
    assert.equal(check.code, 0, check.stdout);
  });
});
