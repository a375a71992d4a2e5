/**
 * Settings and `.image-pin.yaml` in the editor: settings are pulled per workspace folder, a change
 * re-validates, the config file wins for the keys it sets (so CLI and editor agree), a broken config
 * gets its own diagnostic and its documents a clear notice, and include/exclude decide what is checked.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { TestClient, fileUri } from './lspClient';

const POD = 'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27\n    - name: b\n      image: acme/api:release\n';

describe('settings and config files', () => {
  let ws: string;
  let client: TestClient;
  let settings: Record<string, unknown>;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-config-'));
    for (const dir of ['plain', 'configured', 'broken', 'scoped']) fs.mkdirSync(path.join(ws, dir));
    settings = {};
    client = await TestClient.start({ folders: [ws], settings: () => settings });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const open = async (rel: string, text = POD) => {
    const file = path.join(ws, rel);
    fs.writeFileSync(file, text);
    const { uri } = await client.open(file, text);
    return { uri, diagnostics: await client.diagnosticsFor(uri, { version: 1 }) };
  };
  const summary = (uri: string) =>
    (client.diagnostics.get(uri)?.diagnostics ?? []).map((d) => `${d.code}:${client.covered(uri, d.range)}:${d.severity}`).sort();

  it('settings are pulled for the workspace folder, and a change re-validates open documents', async () => {
    const { uri, diagnostics } = await open('plain/deploy.yaml');
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['unpinned-tag', DiagnosticSeverity.Warning], ['unpinned-tag', DiagnosticSeverity.Warning]]);
    assert.ok(client.configurationRequests.includes(fileUri(ws)), 'asked for the settings of the workspace folder');

    settings = { severity: { 'unpinned-tag': 'error' }, floatingTags: ['release'] };
    await client.settingsChanged();
    await client.diagnosticsFor(uri, { check: (d) => d.some((x) => x.code === 'floating-tag') });
    assert.deepEqual(summary(uri), ['floating-tag:acme/api:release:1', `unpinned-tag:nginx:1.27:${DiagnosticSeverity.Error}`]);

    settings = { severity: { 'unpinned-tag': 'off' } };
    await client.settingsChanged();
    await client.diagnosticsFor(uri, { check: (d) => d.length === 0 });
  });

  it('.image-pin.yaml wins for the keys it sets; settings fill in the rest', async () => {
    settings = { severity: { 'unpinned-tag': 'error' }, floatingTags: ['release'] };
    await client.settingsChanged();
    fs.writeFileSync(path.join(ws, 'configured', '.image-pin.yaml'), 'severity:\n  unpinned-tag: hint\n');
    const { uri } = await open('configured/deploy.yaml');
    // severity comes from the file (hint, not the settings' error); floatingTags from the settings.
    assert.deepEqual(summary(uri), ['floating-tag:acme/api:release:1', `unpinned-tag:nginx:1.27:${DiagnosticSeverity.Hint}`]);

    // Changing the file on disk (a watched-file event) re-validates.
    fs.writeFileSync(path.join(ws, 'configured', '.image-pin.yaml'), 'severity:\n  unpinned-tag: info\nfloatingTags: [latest]\n');
    await client.filesChanged([{ file: path.join(ws, 'configured', '.image-pin.yaml'), type: 2 }]);
    await client.diagnosticsFor(uri, { check: (d) => d.every((x) => x.code === 'unpinned-tag') });
    assert.deepEqual(summary(uri), [`unpinned-tag:acme/api:release:${DiagnosticSeverity.Information}`, `unpinned-tag:nginx:1.27:${DiagnosticSeverity.Information}`]);
    settings = {};
    await client.settingsChanged();
  });

  it('a broken .image-pin.yaml: a diagnostic at its key, and documents under it are checked with a notice', async () => {
    const config = path.join(ws, 'broken', '.image-pin.yaml');
    fs.writeFileSync(config, 'floatingTags: [latest]\nseverity:\n  unpinned-tag: loud\n');
    const { uri } = await open('broken/deploy.yaml');
    const notice = client.diagnostics.get(uri)!.diagnostics.find((d) => d.code === 'config')!;
    assert.match(String(notice.message), /The Image Pin config \.image-pin\.yaml is invalid \(line 3: severity\.unpinned-tag: must be error, warning, info, hint or off\)/);
    assert.ok(client.diagnostics.get(uri)!.diagnostics.some((d) => d.code === 'unpinned-tag'), 'still checked, with the defaults');

    const onConfig = await client.diagnosticsFor(fileUri(config), { check: (d) => d.length === 1 });
    assert.equal(onConfig[0].source, 'image-pin');
    assert.equal(onConfig[0].severity, DiagnosticSeverity.Error);
    assert.deepEqual(onConfig[0].range.start, { line: 2, character: 16 });
    assert.match(String(onConfig[0].message), /severity\.unpinned-tag: must be error, warning, info, hint or off/);

    fs.writeFileSync(config, 'floatingTags: [latest]\n');
    await client.filesChanged([{ file: config, type: 2 }]);
    await client.diagnosticsFor(fileUri(config), { check: (d) => d.length === 0 });
    await client.diagnosticsFor(uri, { check: (d) => !d.some((x) => x.code === 'config') });
  });

  it('an open .image-pin.yaml is checked as it is typed', async () => {
    const file = path.join(ws, 'scoped', '.image-pin.yaml');
    fs.writeFileSync(file, 'pinStyle: digest\n');
    const { uri } = await client.open(file);
    await client.diagnosticsFor(uri, { version: 1, check: (d) => d.length === 0 });
    const v2 = await client.change(uri, 'pinStyle: sometimes\nimages: []\n');
    const errors = await client.diagnosticsFor(uri, { version: v2 });
    assert.equal(errors.length, 1);
    assert.match(String(errors[0].message), /pinStyle: must be "tag-digest" or "digest"/);
    await client.close(uri);
  });

  it('include and exclude decide which documents are checked, as for the CLI', async () => {
    fs.writeFileSync(path.join(ws, 'scoped', '.image-pin.yaml'), 'exclude: ["vendor/**"]\n');
    await client.filesChanged([{ file: path.join(ws, 'scoped', '.image-pin.yaml'), type: 2 }]);
    fs.mkdirSync(path.join(ws, 'scoped', 'vendor'), { recursive: true });
    const excluded = await open('scoped/vendor/deploy.yaml');
    assert.deepEqual(excluded.diagnostics, []);
    const included = await open('scoped/deploy.yaml');
    assert.equal(included.diagnostics.length, 2);
  });
});

describe('ill-typed settings', () => {
  it('values of the wrong type are ignored with a log line; the rest still apply', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-bad-settings-'));
    const client = await TestClient.start({
      folders: [ws],
      settings: { floatingTags: 'release', severity: { 'unpinned-tag': 'loud', 'no-such-rule': 'error', 'floating-tag': 'warning' }, pinStyle: 7 },
    });
    try {
      const { uri } = await client.open(path.join(ws, 'deploy.yaml'), POD.replace('acme/api:release', 'acme/api:latest'));
      const diagnostics = await client.diagnosticsFor(uri, { version: 1 });
      const severities = Object.fromEntries(diagnostics.map((d) => [d.code, d.severity]));
      assert.deepEqual(severities, { 'unpinned-tag': DiagnosticSeverity.Warning, 'floating-tag': DiagnosticSeverity.Warning });
      const log = client.logs.join('\n');
      assert.match(log, /imagePin\.floatingTags must be a list of non-empty strings; ignored/);
      assert.match(log, /imagePin\.severity\.unpinned-tag: expected a rule id/);
      assert.match(log, /imagePin\.severity\.no-such-rule: expected a rule id/);
      assert.match(log, /imagePin\.pinStyle must be "tag-digest" or "digest"; ignored/);
    } finally {
      await client.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});

describe('settings per workspace folder', () => {
  it('each folder gets its own settings', async () => {
    const a = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-folder-a-'));
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-folder-b-'));
    const client = await TestClient.start({
      folders: [a, b],
      settings: (scope) => (scope === fileUri(b) ? { severity: { 'unpinned-tag': 'off' } } : {}),
    });
    try {
      const inA = await client.open(path.join(a, 'deploy.yaml'), POD);
      const inB = await client.open(path.join(b, 'deploy.yaml'), POD);
      assert.equal((await client.diagnosticsFor(inA.uri, { version: 1 })).length, 2);
      assert.equal((await client.diagnosticsFor(inB.uri, { version: 1 })).length, 0);
    } finally {
      await client.stop();
      fs.rmSync(a, { recursive: true, force: true });
      fs.rmSync(b, { recursive: true, force: true });
    }
  });
});
