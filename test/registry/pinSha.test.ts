/**
 * `image-pin pin --write` on a chart whose templates render an empty `sha` as the hex alone
 * (`@sha256:{{ .sha }}`) and copy the tag into a `version:` field, against a real registry: the
 * digest goes into `sha` and the tag stays plain; a chart that never renders `sha` gets `tag@digest`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PushedImage, RunningRegistry, seedStandard, startRegistry } from '../helpers/registry';
import { runCliWithoutDockerConfig as run, writeTree } from '../helpers/cliRun';

describe('image-pin pin: an empty `sha` in the form the chart renders', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let ws: string;
  before(async () => {
    reg = await startRegistry();
    seeded = await seedStandard(reg);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-pin-sha-'));
    writeTree(ws, {
      'hex/Chart.yaml': 'apiVersion: v2\nname: hex\nversion: 0.1.0\n',
      // Our own minimal text: the operator's resource, whose `version` is the image tag when empty.
      'hex/templates/server.yaml':
        'spec:\n  image: "{{ .Values.server.image.registry }}/{{ .Values.server.image.repository }}:{{ .Values.server.image.tag }}@sha256:{{ .Values.server.image.sha }}"\n'
        + '  version: "{{ default .Values.server.image.tag .Values.server.version }}"\n',
      'hex/values.yaml': `server:\n  version: ""\n  image:\n    registry: ${reg.host}\n    repository: app\n    tag: dev # follows dev\n    sha: ""\n`,
      'none/Chart.yaml': 'apiVersion: v2\nname: none\nversion: 0.1.0\n',
      'none/templates/server.yaml': 'spec:\n  image: "{{ .Values.server.image.registry }}/{{ .Values.server.image.repository }}:{{ .Values.server.image.tag }}"\n',
      'none/values.yaml': `server:\n  image:\n    registry: ${reg.host}\n    repository: app\n    tag: dev\n    sha: ""\n`,
    });
  });
  after(async () => {
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });
  const read = (rel: string) => fs.readFileSync(path.join(ws, rel), 'utf8');

  it('--write sets `sha` to the hex alone beside the plain tag; tag@digest where the chart never renders `sha`; again changes nothing; check is clean', async () => {
    const digest = seeded['app:dev'].digest;
    const r = await run(['pin', '--write', '.'], ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(read('hex/values.yaml'), `server:\n  version: ""\n  image:\n    registry: ${reg.host}\n    repository: app\n    tag: dev # follows dev\n    sha: "${digest.slice('sha256:'.length)}"\n`);
    assert.equal(read('none/values.yaml'), `server:\n  image:\n    registry: ${reg.host}\n    repository: app\n    tag: dev@${digest}\n    sha: ""\n`);
    const before = [read('hex/values.yaml'), read('none/values.yaml')];
    const again = await run(['pin', '--write', '.'], ws);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual([read('hex/values.yaml'), read('none/values.yaml')], before);
    const check = await run(['check', '--format', 'json', '.'], ws);
    assert.deepEqual(JSON.parse(check.stdout).findings, []);
  });
});
