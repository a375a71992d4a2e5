/**
 * `image-pin pin --write` on a values file whose tag is empty, against a real registry, where the
 * chart's templates print `v` + appVersion for it: the digest pinned is the one of `v2.13.0`, the tag
 * the chart deploys, not of `2.13.0` (pushed too, as another image).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PushedImage, RunningRegistry, pushImage, startRegistry } from '../helpers/registry';
import { runCliWithoutDockerConfig as run, writeTree } from '../helpers/cliRun';
import { fixture } from '../helpers/paths';

describe('image-pin pin: an empty tag resolves the tag the chart templates print', () => {
  let reg: RunningRegistry;
  let plain: PushedImage;
  let prefixed: PushedImage;
  let ws: string;
  before(async () => {
    reg = await startRegistry();
    [plain, prefixed] = await Promise.all([
      pushImage(reg, { name: 'team/exporter', tags: ['2.13.0'], kind: 'docker-v2', seed: 'exporter-plain' }),
      pushImage(reg, { name: 'team/exporter', tags: ['v2.13.0'], kind: 'docker-v2', seed: 'exporter-v' }),
    ]);
    assert.notEqual(plain.digest, prefixed.digest);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-tag-default-'));
    for (const chart of ['vprefix', 'bare']) fs.cpSync(fixture('tagDefaults', chart), path.join(ws, chart), { recursive: true });
    fs.cpSync(fixture('tagDefaults', 'vprefix'), path.join(ws, 'solo'), { recursive: true });
    const values = `image:\n  registry: ${reg.host}\n  repository: team/exporter\n  tag: ""\n`;
    writeTree(ws, { 'vprefix/values.yaml': values, 'bare/values.yaml': values, 'solo/values.yaml': values });
  });
  after(async () => {
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });
  const read = (rel: string) => fs.readFileSync(path.join(ws, rel), 'utf8');

  it('one values file alone (its own finding, not an environment): --write pins v2.13.0', async () => {
    const r = await run(['pin', '--write', '--no-cache', 'solo/values.yaml'], ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(read('solo/values.yaml'), `image:\n  registry: ${reg.host}\n  repository: team/exporter\n  tag: "v2.13.0@${prefixed.digest}"\n`);
  });

  it('--write pins v2.13.0 where the templates print `v`, 2.13.0 where they print the appVersion; check is clean after', async () => {
    const r = await run(['pin', '--write', '--no-cache', '.'], ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(read('vprefix/values.yaml'), `image:\n  registry: ${reg.host}\n  repository: team/exporter\n  tag: "v2.13.0@${prefixed.digest}"\n`);
    assert.equal(read('bare/values.yaml'), `image:\n  registry: ${reg.host}\n  repository: team/exporter\n  tag: "2.13.0@${plain.digest}"\n`);
    const check = await run(['check', '--no-cache', '--format', 'json', '.'], ws);
    assert.deepEqual(JSON.parse(check.stdout).findings, []);
  });
});
