/**
 * Pin verification in the language server against a real docker-registry behind a recording
 * proxy: with `verifyPins: onOpen` an opened document's moved tag and unknown digest become
 * diagnostics, a registry that cannot be reached is no diagnostic but shows in the hover and the
 * status notification, quick fixes update or drop the tag, each reference is verified once per cache
 * lifetime, the workspace command reports counts, and with the setting off or in an untrusted
 * workspace not one request reaches the registry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, MarkupContent } from 'vscode-languageserver-protocol/node';
import { FaultProxy, PushedImage, RunningRegistry, pushImage, seedStandard, skopeoDigest, startFaultProxy, startRegistry } from '../helpers/registry';
import { NO_DOCKER_CONFIG, TestClient, rangeOf } from './lspClient';
import { closedPort } from '../helpers/ports';
import type { Connection } from 'vscode-languageserver';
import { RegistryClient } from '../../server/src/registry/client';
import { extractLocated } from '../../server/src/scan/checkText';
import { PinVerification } from '../../server/src/lsp/verification';
import type { PolicyService } from '../../server/src/lsp/policy';
import type { RegistryAccess } from '../../server/src/lsp/registryAccess';
import type { SettingsStore } from '../../server/src/lsp/settings';
import type { WorkspaceFolders } from '../../server/src/lsp/workspaceFolders';

const MISTYPED = `sha256:${'0123456789abcdef'.repeat(4)}`;

function pods(images: string[]): string {
  return `kind: Pod\nspec:\n  containers:\n${images.map((image, i) => `    - name: c${i}\n      image: ${image}\n`).join('')}`;
}

const codes = (ds: Diagnostic[]) => ds.map((d) => d.code).sort();

describe('pin verification over LSP against a real registry', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let proxy: FaultProxy;
  let ws: string;
  let first: PushedImage;
  let second: PushedImage;
  let text: string;
  let moved: string;
  let current: string;
  let unknown: string;
  let unreachable: string;

  before(async () => {
    reg = await startRegistry();
    seeded = await seedStandard(reg);
    proxy = await startFaultProxy(reg.url);
    first = await pushImage(reg, { name: 'rel', tags: ['v1.4.2'], kind: 'docker-v2', seed: 'lsp-rel-first' });
    second = await pushImage(reg, { name: 'rel', tags: ['v1.4.2'], kind: 'docker-v2', seed: 'lsp-rel-second' });
    moved = `${proxy.host}/rel:v1.4.2@${first.digest}`;
    current = `${proxy.host}/app:1.0@${seeded['app:1.0'].digest}`;
    unknown = `${proxy.host}/app@${MISTYPED}`;
    unreachable = `127.0.0.1:${await closedPort()}/svc:2.0@${MISTYPED}`;
    text = pods([moved, current, unknown, unreachable]);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-verify-'));
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  const write = (name: string, content: string) => {
    const file = path.join(ws, name);
    fs.writeFileSync(file, content);
    return file;
  };

  it('onOpen: moved-tag and unknown-digest become diagnostics; registry-error shows in hover and status, not as a diagnostic', async () => {
    assert.equal(await skopeoDigest(reg, 'rel:v1.4.2'), second.digest);
    const client = await TestClient.start({ folders: [ws], env: NO_DOCKER_CONFIG, initializationOptions: { workspaceTrusted: true } });
    try {
      const { uri } = await client.open(write('pods.yaml', text));
      const ds = await client.diagnosticsFor(uri, { check: (d) => d.some((x) => x.code === 'moved-tag'), timeoutMs: 30_000 });
      assert.deepEqual(codes(ds), ['moved-tag', 'unknown-digest']);
      const movedDiagnostic = ds.find((d) => d.code === 'moved-tag')!;
      assert.deepEqual(movedDiagnostic.range, rangeOf(text, moved));
      const movedMessage = movedDiagnostic.message as string;
      assert.ok(movedMessage.includes(first.digest) && movedMessage.includes(second.digest), movedMessage);
      assert.equal(ds.find((d) => d.code === 'unknown-digest')!.severity, 1);

      const hoverText = async (needle: string) => ((await client.hover(uri, rangeOf(text, needle).start))!.contents as MarkupContent).value;
      assert.match(await hoverText(moved), new RegExp(`Verified just now: the tag \`v1\\.4\\.2\` now points to \`${second.digest}\``));
      assert.match(await hoverText(current), /Verified just now: `1\.0` still points here\./);
      assert.match(await hoverText(unknown), new RegExp(`this digest does not exist in ${proxy.host.replace(/\./g, '\\.')}`));
      const status = await client.waitFor('a status with the registry error', () => client.verification.filter((v) => v.uri === uri && v.pending === 0 && v.pins === 4).pop(), 30_000);
      assert.equal(status.registryErrors, 1);
      assert.match(status.errors[0], /^127\.0\.0\.1:\d+\/svc:2\.0@sha256:.*could not reach/);
      assert.match(await hoverText(unreachable), /Could not verify this pin \(.*\): .*could not reach/);

      // A platform manifest of the index the tag points to is verified, and the hover says so.
      const multi = seeded['multi:1.0'];
      const platformPin = `${proxy.host}/multi:1.0@${multi.children!.find((c) => c.platform.architecture === 'arm64')!.digest}`;
      const platformText = pods([platformPin]);
      const platformDoc = await client.open(write('platform.yaml', platformText));
      await client.waitFor('the platform pin verified', () => client.verification.some((v) => v.uri === platformDoc.uri && v.pending === 0 && v.pins === 1) || undefined, 30_000);
      const platformHover = ((await client.hover(platformDoc.uri, rangeOf(platformText, platformPin).start))!.contents as MarkupContent).value;
      assert.match(platformHover, new RegExp(`Verified just now: \`1\.0\` points to the index \`${multi.digest}\`, which still lists this platform's manifest\.`));
      assert.deepEqual(codes(await client.diagnosticsFor(platformDoc.uri)), []);

      // Once per cache lifetime: editing the document does not verify its pins again.
      const before = proxy.requests.length;
      const version = await client.change(uri, `${text}# edited\n`);
      const again = await client.diagnosticsFor(uri, { version });
      assert.deepEqual(codes(again), ['moved-tag', 'unknown-digest'], 'known verdicts stay diagnostics');
      assert.equal(proxy.requests.length, before, 'no request for references verified within the cache lifetime');

      // Quick fixes for the moved tag.
      const actions = await client.codeActions(uri, rangeOf(client.text(uri), moved));
      const titles = actions.map((a) => a.title);
      assert.ok(titles.includes('Update the digest to what `v1.4.2` points to now'), titles.join('\n'));
      const drop = actions.find((a) => a.title.startsWith('Keep the artifact, drop the tag'))!;
      assert.equal(drop.title, `Keep the artifact, drop the tag (\`${proxy.host}/rel@${first.digest}\`)`);
      client.applyLocally(actions.find((a) => a.title.startsWith('Update the digest'))!.edit!);
      assert.ok(client.text(uri).includes(`image: ${proxy.host}/rel:v1.4.2@${second.digest}\n`), client.text(uri));

      // Turning verification off takes its diagnostics away.
      client.settings = { verifyPins: 'off' };
      await client.settingsChanged();
      await client.diagnosticsFor(uri, { check: (d) => !d.some((x) => x.code === 'unknown-digest') });
    } finally {
      await client.stop();
      fs.rmSync(path.join(ws, 'platform.yaml'), { force: true });
    }
  });

  it('Verify Pins in Workspace reports N pins verified, K moved, J unknown, with progress', async () => {
    const client = await TestClient.start({ folders: [ws], env: NO_DOCKER_CONFIG, initializationOptions: { workspaceTrusted: true } });
    try {
      const podsFile = write('pods.yaml', text);
      write('more.yaml', pods([current, `${proxy.host}/multi:1.0@${seeded['multi:1.0'].digest}`]));
      const result = await client.execute<{ pins: number; moved: number; unknown: number; registryErrors: number }>('imagePin.verifyPinsInWorkspace');
      assert.deepEqual({ ...result }, { pins: 6, verified: 3, moved: 1, unknown: 1, registryErrors: 1 });
      assert.ok(client.messages.some((m) => m.message === 'Image Pin: 6 pins verified, 1 moved, 1 unknown, 1 could not be checked.'), JSON.stringify(client.messages));
      assert.ok(client.progress.some((p) => p.value.kind === 'begin' && /verifying pins/.test(p.value.title)));
      // The file is not open: Problems lists its moved and unknown pins all the same (registry-error is no diagnostic).
      const ds = await client.diagnosticsFor(pathToFileURL(podsFile).href, { check: (d) => d.length > 0 });
      assert.deepEqual(codes(ds), ['moved-tag', 'unknown-digest']);
    } finally {
      await client.stop();
      fs.rmSync(path.join(ws, 'more.yaml'), { force: true });
    }
  });

  it('onOpen verifies when a document is opened and pins new since, not on every keystroke once verdicts age', async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-verify-home-'));
    const registry = new RegistryClient({ env: { PATH: process.env.PATH, HOME: scratch, DOCKER_CONFIG: path.join(scratch, 'none') } });
    let clock = 1_000_000;
    const ttl = 600_000;
    const rechecked: string[] = [];
    const verification = new PinVerification({
      connection: { sendNotification: () => Promise.resolve() } as unknown as Connection,
      access: { client: () => registry } as unknown as RegistryAccess,
      settings: { get: () => Promise.resolve({ verifyPins: 'onOpen', cacheTtlSeconds: ttl / 1000 }) } as unknown as SettingsStore,
      policy: undefined as unknown as PolicyService,
      folders: undefined as unknown as WorkspaceFolders,
      recheck: (uri) => rechecked.push(uri),
      publish: () => Promise.resolve(),
      now: () => clock,
    });
    const uri = 'file:///verify-on-open.yaml';
    const check = (images: string[]) => verification.documentChecked(uri, extractLocated(pods(images), { path: '/verify-on-open.yaml' }));
    const verifiedAt = async (reference: string) => (await verification.verdict(reference))?.at;
    try {
      verification.documentOpenedOrClosed(uri);
      await check([current]);
      assert.equal(await verifiedAt(current), 1_000_000, 'verified when opened');
      assert.deepEqual(rechecked, [uri]);

      // The verdict ages past the cache lifetime while the document is edited: a keystroke does not ask again.
      clock += ttl + 1;
      await check([current]);
      assert.equal(await verifiedAt(current), undefined, 'not verified again by a keystroke');
      // A pin typed in is new since the last verification: it is verified, the old one still not.
      await check([current, moved]);
      assert.equal(await verifiedAt(moved), clock);
      assert.equal(await verifiedAt(current), undefined);

      // Opened again (closed, then opened): every pin without a fresh verdict is verified.
      verification.documentOpenedOrClosed(uri);
      verification.documentOpenedOrClosed(uri);
      clock += 1;
      await check([current, moved]);
      assert.equal(await verifiedAt(current), clock, 'verified when opened again');
      assert.equal(await verifiedAt(moved), clock - 1, 'still fresh: not asked again');
    } finally {
      await registry.close();
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  for (const setup of [
    { name: 'with verifyPins off', init: { workspaceTrusted: true }, settings: { verifyPins: 'off' } },
    { name: 'in an untrusted workspace', init: { workspaceTrusted: false }, settings: {} },
  ]) {
    it(`${setup.name}: no verification diagnostics and not one request reaches the registry`, async () => {
      const client = await TestClient.start({ folders: [ws], env: NO_DOCKER_CONFIG, initializationOptions: setup.init, settings: setup.settings });
      try {
        const before = proxy.requests.length;
        const { uri } = await client.open(write('pods.yaml', text));
        const ds = await client.diagnosticsFor(uri);
        assert.deepEqual(codes(ds), []);
        // A second document, a change and a hover: still nothing.
        const version = await client.change(uri, `${text}# edited\n`);
        await client.diagnosticsFor(uri, { version });
        const hover = (await client.hover(uri, rangeOf(text, moved).start))!.contents as MarkupContent;
        assert.match(hover.value, /_Not verified/);
        if (setup.init.workspaceTrusted === false) {
          const result = await client.execute<{ reason?: string }>('imagePin.verifyPinsInWorkspace');
          assert.equal(result.reason, 'untrusted');
        }
        assert.equal(proxy.requests.length, before, 'no request reached the registry');
      } finally {
        await client.stop();
      }
    });
  }
});
