/**
 * `image-pin pin --write` on environments, against a real registry: the digest goes where the finding
 * is (the overlay's `images:` entry, the environment's values file), for the effective reference
 * (after a rename, with the chart's registry), and the base stays as written.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PushedImage, RunningRegistry, seedStandard, startRegistry } from '../helpers/registry';
import { runCliWithoutDockerConfig, writeTree } from '../helpers/cliRun';

const run = runCliWithoutDockerConfig;

describe('image-pin pin on environments', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let ws: string;
  const files: Record<string, string> = {};

  before(async () => {
    reg = await startRegistry();
    seeded = await seedStandard(reg);
    const host = reg.host;
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-env-'));
    files['base/kustomization.yaml'] = 'resources: [deploy.yaml]\n';
    files['base/deploy.yaml'] = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app\n        - name: box\n          image: busybox\n`;
    files['overlays/dev/kustomization.yaml'] = `resources: [../../base]\nimages:\n  - name: app\n    newName: ${host}/app\n    newTag: dev   # moves\n  - name: busybox\n    newName: ${host}/library/busybox\n    newTag: "1.36"\n`;
    files['chart/Chart.yaml'] = 'apiVersion: v2\nname: c\nversion: 0.1.0\nappVersion: "1.0"\n';
    files['chart/values.yaml'] = `image:\n  registry: ${host}\n  repository: app\n  tag: ""\n  digest: ""\n`;
    files['chart/values-prod.yaml'] = 'image:\n  tag: "1.0"\n';
    writeTree(ws, files);
  });
  after(async () => {
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  const read = (rel: string) => fs.readFileSync(path.join(ws, rel), 'utf8');

  it('writes the digest into the overlay entry and the values file, leaves the base as written, and check is then clean', async () => {
    const before = await run(['check', '.', '--no-cache'], ws);
    assert.equal(before.code, 1, before.stdout);
    assert.doesNotMatch(before.stdout, /^base\//m); // every environment overrides the base

    const r = await run(['pin', '.', '--write'], ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const host = reg.host;
    assert.equal(
      read('overlays/dev/kustomization.yaml'),
      `resources: [../../base]\nimages:\n  - name: app\n    newName: ${host}/app\n    newTag: dev   # moves\n    digest: ${seeded['app:dev'].digest}\n  - name: busybox\n    newName: ${host}/library/busybox\n    newTag: "1.36"\n    digest: ${seeded['library/busybox:1.36'].digest}\n`,
    );
    assert.equal(read('chart/values-prod.yaml'), `image:\n  tag: "1.0"\n  digest: ${seeded['app:1.0'].digest}\n`);
    assert.equal(read('base/deploy.yaml'), files['base/deploy.yaml']);
    assert.equal(read('chart/values.yaml'), files['chart/values.yaml']);

    const after = await run(['check', '.', '--no-cache'], ws);
    assert.equal(after.code, 0, after.stdout);
  });

  it('a `sha` key (prometheus-community charts) is refreshed in its own form, hex alone or whole; an empty one leaves the digest to the tag', async () => {
    const host = reg.host;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-sha-'));
    const stale = 'fe'.repeat(32); // not all digits: a plain all-digit hex is a YAML number, never read as a digest
    const values =
      `alertmanager:\n  image:\n    registry: ${host}\n    repository: app\n    tag: "1.0"\n    sha: ${stale} # hex alone\n` +
      `stateMetrics:\n  image:\n    registry: ${host}\n    repository: org/team/app\n    tag: main\n    digest: ""\n    sha: "sha256:${stale}"\n` +
      `sidecar:\n  image:\n    registry: ${host}\n    repository: library/busybox\n    tag: "1.36"\n    sha: ""\n`;
    try {
      writeTree(dir, { 'mon/Chart.yaml': 'apiVersion: v2\nname: mon\nversion: 0.1.0\n', 'mon/values.yaml': values });
      const r = await run(['pin', '.', '--update', '--write', '--no-cache'], dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const hex = (ref: string) => seeded[ref].digest.slice('sha256:'.length);
      const pinned = fs.readFileSync(path.join(dir, 'mon/values.yaml'), 'utf8');
      assert.equal(
        pinned,
        values
          .replace(`sha: ${stale} # hex alone`, `sha: ${hex('app:1.0')} # hex alone`)
          .replace(`sha: "sha256:${stale}"`, `sha: "${seeded['org/team/app:main'].digest}"`)
          .replace('tag: "1.36"\n    sha: ""', `tag: "1.36@${seeded['library/busybox:1.36'].digest}"\n    sha: ""`),
      );
      const again = await run(['pin', '.', '--update', '--write', '--no-cache'], dir);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /^0 pinned, 0 could not be resolved, 3 already current$/m);
      assert.equal(fs.readFileSync(path.join(dir, 'mon/values.yaml'), 'utf8'), pinned);
      const check = await run(['check', '.', '--no-cache'], dir);
      assert.equal(check.code, 0, check.stdout);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
