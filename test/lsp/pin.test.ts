/**
 * Quick fixes and pin commands against a real docker-registry on loopback, seen through a fault
 * proxy that records every request: the action list costs no request, resolving one pins with the
 * digest skopeo reports, a stale document or an untrusted workspace gets no edit (and sends
 * nothing), a hung registry is cancelled promptly, and hovers show what a lookup cached.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, CodeAction, TextDocumentEdit } from 'vscode-languageserver-protocol/node';
import { FaultProxy, PushedImage, RunningRegistry, seedStandard, skopeoDigest, startFaultProxy, startRecorder, startRegistry } from '../helpers/registry';
import { NO_DOCKER_CONFIG, TestClient, rangeOf } from './lspClient';


function pod(image: string, extra = ''): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p   # keep this comment\nspec:\n  containers:\n    - name: app\n      image: ${image}\n${extra}`;
}

describe('pinning over LSP against a real registry', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let proxy: FaultProxy;
  let host: string;
  let ws: string;
  let client: TestClient;

  before(async () => {
    reg = await startRegistry();
    seeded = await seedStandard(reg);
    proxy = await startFaultProxy(reg.url);
    host = proxy.host;
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-pin-'));
    client = await TestClient.start({ folders: [ws], env: NO_DOCKER_CONFIG, initializationOptions: { workspaceTrusted: true } });
  });
  after(async () => {
    await client?.stop();
    await proxy?.stop();
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => {
    const file = path.join(ws, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };

  async function actionsAt(uri: string, needle: string): Promise<CodeAction[]> {
    await client.diagnosticsFor(uri, { version: client.document(uri).version });
    return client.codeActions(uri, rangeOf(client.text(uri), needle));
  }

  it('lists the quick fixes at once without a registry request, then resolving the preferred one pins with the digest skopeo sees', async () => {
    const { uri } = await client.open(write('deploy.yaml', pod(`"${host}/app:dev"`)));
    const before = proxy.requests.length;
    const actions = await actionsAt(uri, `${host}/app:dev`);
    assert.equal(proxy.requests.length, before, 'listing code actions sends no request');
    assert.deepEqual(actions.map((a) => a.title), [
      `Pin \`${host}/app:dev\` to its digest`,
      `Pin \`${host}/app:dev\` as digest only`,
      'Ignore this image (`# image-pin: ignore floating-tag`)',
    ]);
    const preferred = actions.find((a) => a.isPreferred)!;
    assert.equal(preferred.kind, 'quickfix');
    assert.equal(preferred.edit, undefined, 'the lookup is left to codeAction/resolve');
    assert.equal(preferred.diagnostics?.[0].code, 'floating-tag');

    const resolved = await client.resolve(preferred);
    assert.ok(proxy.requests.length > before, 'resolving looks the digest up');
    const change = resolved.edit!.documentChanges![0] as TextDocumentEdit;
    assert.deepEqual(change.textDocument, { uri, version: 1 }, 'the edit names the version it was computed for');
    client.applyLocally(resolved.edit!);
    const digest = await skopeoDigest(reg, 'app:dev');
    assert.equal(digest, seeded['app:dev'].digest);
    assert.equal(client.text(uri), pod(`"${host}/app:dev@${digest}"`));
    assert.ok(client.progress.some((p) => p.value.kind === 'begin' && /Pinning/.test(p.value.title)), 'work-done progress was reported');
    assert.ok(client.progress.some((p) => p.value.kind === 'end'));
  });

  it('"as digest only" writes repo@digest', async () => {
    const { uri } = await client.open(write('digest-only.yaml', pod(`${host}/org/team/app:main`)));
    const actions = await actionsAt(uri, `${host}/org/team/app:main`);
    const resolved = await client.resolve(actions.find((a) => a.title.endsWith('as digest only'))!);
    client.applyLocally(resolved.edit!);
    assert.equal(client.text(uri), pod(`${host}/org/team/app@${await skopeoDigest(reg, 'org/team/app:main')}`));
  });

  it('a document changed after the list was made gets no edit, a message, and no request', async () => {
    const { uri } = await client.open(write('stale.yaml', pod(`${host}/app:1.0`)));
    const actions = await actionsAt(uri, `${host}/app:1.0`);
    const v2 = await client.change(uri, '\n# edited meanwhile', { start: { line: 3, character: 9 }, end: { line: 3, character: 9 } });
    await client.diagnosticsFor(uri, { version: v2 });
    const before = proxy.requests.length;
    const messages = client.messages.length;
    const resolved = await client.resolve(actions.find((a) => a.isPreferred)!);
    assert.equal(resolved.edit, undefined);
    assert.equal(proxy.requests.length, before);
    assert.match(client.messages.slice(messages).map((m) => m.message).join('\n'), /changed since this fix was offered/);
  });

  it('a tag the registry does not have: no edit, and the registry error is shown', async () => {
    const { uri } = await client.open(write('missing.yaml', pod(`${host}/app:no-such-tag`)));
    const actions = await actionsAt(uri, `${host}/app:no-such-tag`);
    const messages = client.messages.length;
    const resolved = await client.resolve(actions.find((a) => a.isPreferred)!);
    assert.equal(resolved.edit, undefined);
    const shown = client.messages.slice(messages);
    assert.equal(shown[0]?.type, 1, 'an error message');
    assert.match(shown[0].message, /could not pin .*app:no-such-tag: tag "no-such-tag" of .* was not found/);
  });

  it('cancelling the request stops a hung lookup promptly', async () => {
    const { uri } = await client.open(write('hang.yaml', pod(`${host}/library/busybox:1.36`)));
    const actions = await actionsAt(uri, `${host}/library/busybox:1.36`);
    proxy.setFault({ kind: 'hang' });
    try {
      const source = new CancellationTokenSource();
      const started = Date.now();
      const pending = client.connection.sendRequest('codeAction/resolve', actions.find((a) => a.isPreferred)!, source.token).then(
        (r) => ({ result: r as CodeAction }),
        (e: Error) => ({ error: e }),
      );
      await client.waitFor('the hung request to reach the proxy', () => proxy.requests.some((r) => r.path.includes('busybox')));
      source.cancel();
      const outcome = await pending;
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 3000, `answered ${elapsed} ms after the start (the registry client's own timeouts are 10 s and more)`);
      if ('result' in outcome) assert.equal(outcome.result.edit, undefined);
      assert.equal(client.text(uri), pod(`${host}/library/busybox:1.36`));
    } finally {
      proxy.setFault(null);
    }
    // The server still pins once the registry answers again.
    const resolved = await client.resolve((await actionsAt(uri, `${host}/library/busybox:1.36`)).find((a) => a.isPreferred)!);
    assert.ok(resolved.edit, 'a later lookup succeeds');
  });

  it('cancelling the work-done progress stops a slow lookup too', async () => {
    const { uri } = await client.open(write('slow.yaml', pod(`${host}/legacy-multi:2.0`)));
    const actions = await actionsAt(uri, `${host}/legacy-multi:2.0`);
    proxy.setFault({ kind: 'delay', ms: 20_000 });
    try {
      const created = client.createdProgress.length;
      const started = Date.now();
      const pending = client.resolve(actions.find((a) => a.isPreferred)!);
      const token = await client.waitFor('a progress token', () => client.createdProgress[created]);
      await client.waitFor('the delayed request', () => proxy.requests.some((r) => r.path.includes('legacy-multi')));
      await client.connection.sendNotification('window/workDoneProgress/cancel', { token });
      const resolved = await pending;
      assert.equal(resolved.edit, undefined);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    } finally {
      proxy.setFault(null);
    }
  });

  it('Pin All Images in File applies one versioned edit; unresolvable references are reported and left alone', async () => {
    const text = pod(`${host}/app:latest`, `    - name: b\n      image: ${host}/multi\n    - name: c\n      image: '${host}/app:no-such-tag'\n`);
    const { uri } = await client.open(write('all.yaml', text));
    await client.diagnosticsFor(uri, { version: 1 });
    const edits = client.appliedEdits.length;
    const result = await client.execute<{ applied: boolean; pinned: number; failed: Array<{ reference: string; error: string }> }>('imagePin.pinAllInFile', [uri]);
    assert.equal(result.applied, true);
    assert.equal(result.pinned, 2);
    assert.deepEqual(result.failed.map((f) => f.reference), [`${host}/app:no-such-tag`]);
    assert.equal(client.appliedEdits.length, edits + 1, 'one workspace/applyEdit');
    const change = client.appliedEdits[edits].edit.documentChanges![0] as TextDocumentEdit;
    assert.equal(change.textDocument.version, 1);
    assert.equal(
      client.text(uri),
      pod(`${host}/app:latest@${seeded['app:latest'].digest}`, `    - name: b\n      image: ${host}/multi:latest@${seeded['multi:latest'].digest}\n    - name: c\n      image: '${host}/app:no-such-tag'\n`),
    );
  });

  it('Pin Image at Cursor pins only the reference under the cursor', async () => {
    const text = pod(`${host}/app:1.0`, `    - name: b\n      image: ${host}/library/busybox:latest\n`);
    const { uri } = await client.open(write('cursor.yaml', text));
    await client.diagnosticsFor(uri, { version: 1 });
    const at = rangeOf(text, `${host}/library/busybox:latest`).start;
    const result = await client.execute<{ pinned: number }>('imagePin.pinAtCursor', [uri, { line: at.line, character: at.character + 3 }]);
    assert.equal(result.pinned, 1);
    assert.equal(client.text(uri), pod(`${host}/app:1.0`, `    - name: b\n      image: ${host}/library/busybox:latest@${seeded['library/busybox:latest'].digest}\n`));
  });

  it('hover: the normalized name before any lookup; digest, media type, platforms and staleness once a lookup is cached', async () => {
    const stalePin = `${host}/app:dev@${seeded['library/busybox:1.36'].digest}`; // a digest app:dev never had
    const text = pod(`${host}/multi:1.0`, `    - name: b\n      image: ${stalePin}\n    - name: c\n      image: busybox\n`);
    const { uri } = await client.open(write('hover.yaml', text));
    await client.diagnosticsFor(uri, { version: 1 });
    const hoverText = async (needle: string) => {
      const h = await client.hover(uri, rangeOf(client.text(uri), needle).start);
      return (h?.contents as { value: string }).value;
    };
    const plain = await hoverText('busybox');
    assert.match(plain, /Name: `docker\.io\/library\/busybox`/);
    assert.match(plain, /Registry: `docker\.io`/);
    assert.match(plain, /Tag: none \(pulls `latest`\)/);
    assert.match(plain, /No registry lookup of this tag is cached/);

    await client.execute('imagePin.clearCache');
    const before = proxy.requests.length;
    assert.match(await hoverText(stalePin), /No registry lookup of this tag is cached/);
    assert.equal(proxy.requests.length, before, 'hover sends no request');

    // Look both tags up (as pinning does), then hover again.
    const pinned = await client.execute<{ pinned: number }>('imagePin.pinAtCursor', [uri, rangeOf(text, `${host}/multi:1.0`).start]);
    assert.equal(pinned.pinned, 1);
    const multi = await hoverText(`${host}/multi:1.0@`);
    assert.match(multi, new RegExp(`points to \`${seeded['multi:1.0'].digest}\``));
    assert.match(multi, /Media type: `application\/vnd\.oci\.image\.index\.v1\+json`/);
    assert.match(multi, /Platforms: linux\/amd64, linux\/arm64/);
    assert.match(multi, /The pinned digest is current/);

    const devTarget = await client.open(write('dev.yaml', pod(`${host}/app:dev`)));
    await client.execute('imagePin.pinAllInFile', [devTarget.uri]);
    const stale = await hoverText(stalePin);
    assert.match(stale, new RegExp(`Stale pin.*${seeded['app:dev'].digest}`));
  });

  it('in a trusted workspace the registries of .image-pin.yaml apply (mirror), as in the CLI; the result names the mirror', async () => {
    write('mirrored/.image-pin.yaml', `registries:\n  ghcr.example:\n    mirror: ${host}\n`);
    const { uri } = await client.open(write('mirrored/deploy.yaml', pod('ghcr.example/app:1.0')));
    await client.diagnosticsFor(uri, { version: 1 });
    const result = await client.execute<{ pinned: number; pins: Array<{ reference: string; digest: string; mirror?: string }> }>('imagePin.pinAllInFile', [uri]);
    assert.deepEqual(result.pins.map((p) => [p.reference, p.digest, p.mirror]), [['ghcr.example/app:1.0', seeded['app:1.0'].digest, host]]);
    assert.equal(client.text(uri), pod(`ghcr.example/app:1.0@${seeded['app:1.0'].digest}`));
  });

  it('insecure from .image-pin.yaml does not allow plain HTTP: only the machine settings can', async () => {
    const recorder = await startRecorder();
    write('insecure/.image-pin.yaml', 'registries:\n  registry.example.net:\n    mirror: http://registry.example.net\n    insecure: true\n');
    try {
      const { uri } = await client.open(write('insecure/deploy.yaml', pod('registry.example.net/app:1.0')));
      await client.diagnosticsFor(uri, { version: 1 });
      const result = await client.execute<{ pinned: number; failed: Array<{ code?: string; error: string }> }>('imagePin.pinAllInFile', [uri]);
      assert.equal(result.pinned, 0);
      assert.equal(result.failed[0]?.code, 'insecure', JSON.stringify(result.failed));

      // A machine mirror wins over the workspace file's for the same host.
      await client.environment({ workspaceTrusted: true, registries: { 'registry.example.net': { mirror: recorder.url } } });
      const other = await client.open(write('insecure/other.yaml', pod('registry.example.net/app:latest')));
      await client.diagnosticsFor(other.uri, { version: 1 });
      await client.execute('imagePin.pinAllInFile', [other.uri]);
      assert.ok(recorder.requests.length > 0, 'the machine setting sent the lookup to its mirror');
    } finally {
      await client.environment({ workspaceTrusted: true });
      await recorder.stop();
    }
  });
});

describe('an untrusted workspace', () => {
  let reg: RunningRegistry;
  let proxy: FaultProxy;
  let ws: string;
  let client: TestClient;

  before(async () => {
    reg = await startRegistry();
    await seedStandard(reg);
    proxy = await startFaultProxy(reg.url);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-untrusted-'));
    fs.writeFileSync(path.join(ws, 'deploy.yaml'), pod(`${proxy.host}/app:dev`));
    fs.writeFileSync(path.join(ws, 'other.yaml'), pod(`${proxy.host}/app:1.0`));
    client = await TestClient.start({ folders: [ws], env: NO_DOCKER_CONFIG, initializationOptions: { workspaceTrusted: false } });
  });
  after(async () => {
    await client?.stop();
    await proxy?.stop();
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('still gets diagnostics, but no quick fix, command or hover sends a request; trusting it enables pinning', async () => {
    const { uri } = await client.open(path.join(ws, 'deploy.yaml'));
    const diagnostics = await client.diagnosticsFor(uri, { version: 1 });
    assert.deepEqual(diagnostics.map((d) => d.code), ['floating-tag']);

    const actions = await client.codeActions(uri, diagnostics[0].range);
    const pinFix = actions.find((a) => a.title.endsWith('to its digest'))!;
    assert.match(pinFix.disabled?.reason ?? '', /untrusted workspace/, 'the pin fix is listed disabled, with the reason');
    assert.equal(pinFix.isPreferred, undefined);
    const ignore = actions.find((a) => a.title.startsWith('Ignore this image'))!;
    assert.equal(ignore.disabled, undefined, 'ignoring needs no registry');
    assert.ok(ignore.edit);
    const resolved = await client.resolve(pinFix);
    assert.equal(resolved.edit, undefined);
    assert.match(client.messages.at(-1)!.message, /untrusted workspace/);
    const file = await client.execute<{ applied: boolean; reason: string }>('imagePin.pinAllInFile', [uri]);
    assert.deepEqual([file.applied, file.reason], [false, 'untrusted']);
    const workspace = await client.execute<{ applied: boolean; reason: string }>('imagePin.pinAllInWorkspace');
    assert.deepEqual([workspace.applied, workspace.reason], [false, 'untrusted']);
    await client.hover(uri, diagnostics[0].range.start);
    assert.equal(proxy.requests.length, 0, 'no request reached the registry');
    assert.equal(client.appliedEdits.length, 0);

    await client.environment({ workspaceTrusted: true });
    const trustedActions = await client.codeActions(uri, diagnostics[0].range);
    const preferred = trustedActions.find((a) => a.isPreferred)!;
    assert.equal(preferred.disabled, undefined);
    const trusted = await client.resolve(preferred);
    assert.ok(trusted.edit, 'after trust is granted the fix resolves');
    assert.ok(proxy.requests.length > 0);
  });
});

describe('credentials from the machine settings', () => {
  it('imagePin.dockerConfigPath supplies registry credentials, and no log line contains them', async () => {
    const password = 'pw-' + Math.random().toString(36).slice(2);
    const reg = await startRegistry({ auth: { kind: 'basic', users: { alice: password } } });
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-creds-'));
    const seeded = await seedStandard(reg);
    const auth = Buffer.from(`alice:${password}`).toString('base64');
    const dockerConfig = path.join(ws, 'docker-config.json');
    fs.writeFileSync(dockerConfig, JSON.stringify({ auths: { [reg.host]: { auth } } }));
    const file = path.join(ws, 'deploy.yaml');
    fs.writeFileSync(file, pod(`${reg.host}/app:dev`));
    const client = await TestClient.start({ folders: [ws], env: NO_DOCKER_CONFIG, initializationOptions: { dockerConfigPath: dockerConfig, workspaceTrusted: true } });
    try {
      const { uri } = await client.open(file);
      await client.diagnosticsFor(uri, { version: 1 });
      const result = await client.execute<{ pinned: number; failed: unknown[] }>('imagePin.pinAllInFile', [uri]);
      assert.deepEqual(result.failed, []);
      assert.equal(client.text(uri), pod(`${reg.host}/app:dev@${seeded['app:dev'].digest}`));
      const log = client.logs.join('\n');
      assert.match(log, /registry: /, 'the registry client logged its requests');
      assert.ok(!log.includes(password) && !log.includes(auth), 'no credential in the log');
    } finally {
      await client.stop();
      await reg.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});

describe('private CAs from the machine settings', () => {
  it('imagePin.caCertificates makes a TLS registry with a private CA resolvable', async () => {
    const reg = await startRegistry({ tls: true });
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-tls-'));
    const seeded = await seedStandard(reg);
    const file = path.join(ws, 'deploy.yaml');
    fs.writeFileSync(file, pod(`${reg.host}/app:1.0`));
    const withoutCa = await TestClient.start({ folders: [ws], env: { ...NO_DOCKER_CONFIG, NODE_EXTRA_CA_CERTS: '' } });
    const withCa = await TestClient.start({ folders: [ws], env: { ...NO_DOCKER_CONFIG, NODE_EXTRA_CA_CERTS: '' }, initializationOptions: { caCertificates: [reg.caCertPath] } });
    try {
      const plain = await withoutCa.open(file);
      await withoutCa.diagnosticsFor(plain.uri, { version: 1 });
      const refused = await withoutCa.execute<{ pinned: number; failed: Array<{ error: string }> }>('imagePin.pinAllInFile', [plain.uri]);
      assert.equal(refused.pinned, 0);
      assert.match(refused.failed[0].error, /could not verify the TLS certificate/);

      const trusted = await withCa.open(file);
      await withCa.diagnosticsFor(trusted.uri, { version: 1 });
      const pinned = await withCa.execute<{ pinned: number }>('imagePin.pinAllInFile', [trusted.uri]);
      assert.equal(pinned.pinned, 1);
      assert.equal(withCa.text(trusted.uri), pod(`${reg.host}/app:1.0@${seeded['app:1.0'].digest}`));
    } finally {
      await withoutCa.stop();
      await withCa.stop();
      await reg.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
