/**
 * `image-pin pin --write` on an istio-shaped chart against a real registry: the images looked up are
 * `<global.hub>/<image>:<global.tag>` from the wrapped defaults, and each digest is written where istio
 * reads it (the component's own `tag`, the sidecar's whole `image`).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PushedImage, RunningRegistry, pushImage, startRegistry } from '../helpers/registry';
import { runCliWithoutDockerConfig, writeTree } from '../helpers/cliRun';

const run = runCliWithoutDockerConfig;

describe('image-pin pin on an istio chart', () => {
  let reg: RunningRegistry;
  let discovery: PushedImage;
  let sidecar: PushedImage;
  let ws: string;
  let values: string;

  before(async () => {
    reg = await startRegistry();
    [discovery, sidecar] = await Promise.all([
      pushImage(reg, { name: 'mesh/discovery', tags: ['1.4.0'], kind: 'docker-v2', seed: 'mesh/discovery' }),
      pushImage(reg, { name: 'mesh/sidecar', tags: ['1.4.0'], kind: 'oci-manifest', seed: 'mesh/sidecar' }),
    ]);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-istio-'));
    values = `_internal_defaults_do_not_set:\n  hub: ""\n  tag: ""\n  image: discovery\n  global:\n    hub: ${reg.host}/mesh\n    tag: 1.4.0\n    proxy:\n      image: sidecar\n`;
    writeTree(ws, { 'chart/Chart.yaml': 'apiVersion: v2\nname: mesh\nversion: 0.1.0\nappVersion: 0.1.0\n', 'chart/values.yaml': values });
  });
  after(async () => {
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('writes tag@digest into the wrapped map and the sidecar’s whole reference; check is then clean', async () => {
    const r = await run(['pin', '.', '--write'], ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const expected = values
      .replace('tag: ""', `tag: "1.4.0@${discovery.digest}"`)
      .replace('image: sidecar', `image: ${reg.host}/mesh/sidecar:1.4.0@${sidecar.digest}`);
    assert.equal(fs.readFileSync(path.join(ws, 'chart/values.yaml'), 'utf8'), expected);
    const after = await run(['check', '.', '--no-cache'], ws);
    assert.equal(after.code, 0, after.stdout);
  });
});
