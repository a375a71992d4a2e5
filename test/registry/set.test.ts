/** `image-pin set IMAGE:TAG --stage STAGE`: the tag resolved against a real registry, written as tag@digest in every environment of the stage. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PushedImage, RunningRegistry, seedStandard, skopeoDigest, startRegistry } from '../helpers/registry';
import { runCliWithoutDockerConfig, writeTree } from '../helpers/cliRun';

const run = runCliWithoutDockerConfig;

describe('image-pin set against a real registry', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let ws: string;
  const files: Record<string, string> = {};

  before(async () => {
    reg = await startRegistry();
    seeded = await seedStandard(reg);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-set-'));
    const host = reg.host;
    files['base/kustomization.yaml'] = 'resources:\n  - deploy.yaml\n';
    files['base/deploy.yaml'] = `kind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${host}/app\n`;
    files['overlays/dev/kustomization.yaml'] = `resources:\n  - ../../base\nimages:\n  - name: ${host}/app\n    newTag: dev   # moves\n`;
    files['overlays/prod/kustomization.yaml'] = `resources:\n  - ../../base\nimages:\n  - name: ${host}/app\n    newTag: "1.0"\n`;
    files['chart/Chart.yaml'] = 'apiVersion: v2\nname: c\nversion: 0.1.0\nappVersion: "0.9"\n';
    files['chart/values.yaml'] = `image:\n  repository: ${host}/app\n  tag: ""\n`;
    files['chart/values-dev.yaml'] = '# dev\nreplicas: 1\n';
    writeTree(ws, files);
  });
  after(async () => {
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('resolves the tag and writes tag@digest in the overlay and the values file of the stage; prod and the bases stay', async () => {
    const digest = seeded['app:1.0'].digest;
    assert.equal(digest, await skopeoDigest(reg, 'app:1.0'), 'the oracle agrees on the digest');
    const r = await run(['set', `${reg.host}/app:1.0`, '--stage', 'dev', '--write', '.'], ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const read = (rel: string) => fs.readFileSync(path.join(ws, rel), 'utf8');
    assert.equal(read('overlays/dev/kustomization.yaml'), `resources:\n  - ../../base\nimages:\n  - name: ${reg.host}/app\n    newTag: "1.0"   # moves\n    digest: ${digest}\n`);
    assert.equal(read('chart/values-dev.yaml'), `# dev\nreplicas: 1\nimage:\n  tag: 1.0@${digest}\n`);
    for (const rel of ['overlays/prod/kustomization.yaml', 'base/deploy.yaml', 'chart/values.yaml']) assert.equal(read(rel), files[rel], `${rel} unchanged`);
    const again = await run(['set', `${reg.host}/app:1.0`, '--stage', 'dev', '.'], ws);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 to move, 2 already equal/);
  });

  it('a tag the registry does not have: reported, exit 1, nothing written', async () => {
    const before = fs.readFileSync(path.join(ws, 'overlays/dev/kustomization.yaml'), 'utf8');
    const r = await run(['set', `${reg.host}/app:no-such-tag`, '--stage', 'dev', '--write', '.'], ws);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no-such-tag/);
    assert.equal(fs.readFileSync(path.join(ws, 'overlays/dev/kustomization.yaml'), 'utf8'), before);
  });
});
