/**
 * Workspace-wide commands over LSP: the scan publishes diagnostics for files nobody opened, with
 * progress and a summary; watched-file events keep them current; a config change re-runs it; and
 * Pin All Images in Workspace asks first, then applies one undoable edit across open and unopened
 * files, against a real registry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TextDocumentEdit, WorkDoneProgressBegin } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fixture } from '../helpers/paths';
import { PushedImage, RunningRegistry, seedStandard, startRegistry } from '../helpers/registry';
import { NO_DOCKER_CONFIG, TestClient, fileUri } from './lspClient';


function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

describe('Scan Workspace', () => {
  let ws: string;
  let cache: string;
  let client: TestClient;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-scan-'));
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-scan-cache-'));
    copyTree(fixture('shapes'), path.join(ws, 'shapes'));
    fs.mkdirSync(path.join(ws, 'ignored'));
    fs.writeFileSync(path.join(ws, '.gitignore'), 'ignored/\n');
    fs.writeFileSync(path.join(ws, 'ignored', 'deploy.yaml'), 'image: nginx:latest\n');
    fs.writeFileSync(path.join(ws, 'notes.txt'), 'image: nginx:latest\n');
    client = await TestClient.start({ folders: [ws], env: { XDG_CACHE_HOME: cache } });
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  const uriOf = (rel: string) => fileUri(path.join(ws, rel));
  const codes = (rel: string) => (client.diagnostics.get(uriOf(rel))?.diagnostics ?? []).map((d) => d.code).sort();

  it('publishes diagnostics for every unopened file, reports progress and returns a summary', async () => {
    const token = 'scan-progress-1';
    const summary = await client.execute<{ cancelled: boolean; files: number; references: number; findings: number; byRule: Record<string, number> }>(
      'imagePin.scanWorkspace',
      [],
      token,
    );
    assert.equal(summary.cancelled, false);
    assert.equal(summary.files, 13, 'the YAML files of the shapes fixtures; .gitignored, non-YAML and test fixture files are not scanned');
    assert.deepEqual(summary.byRule, { 'floating-tag': 15, 'unpinned-tag': 22, 'missing-tag': 4, 'invalid-reference': 1, 'yaml-syntax': 1 });
    assert.equal(summary.findings, 43);

    const kinds = client.progress.filter((p) => p.token === token).map((p) => p.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.ok(kinds.includes('report'), 'progress reports file counts');
    assert.equal(kinds.at(-1), 'end');
    const begin = client.progress.find((p) => p.token === token)!.value as WorkDoneProgressBegin;
    assert.equal(begin.cancellable, true);
    const report = client.progress.find((p) => p.token === token && p.value.kind === 'report')!.value as { message: string };
    assert.match(report.message, /^[^/\\]+: \d+\/\d+ files$/, 'progress names the workspace folder, then file counts');
    assert.ok(!report.message.includes(ws), `progress shows the absolute folder path: ${report.message}`);

    assert.deepEqual(codes('shapes/docker-compose.yaml'), ['missing-tag', 'unpinned-tag']);
    const values = client.diagnostics.get(uriOf('shapes/values.yaml'))!;
    assert.equal(values.version, undefined, 'an unopened file has no version');
    const text = fs.readFileSync(path.join(ws, 'shapes/values.yaml'), 'utf8');
    const doc = TextDocument.create('x:', 'yaml', 0, text);
    const covered = values.diagnostics.map((d) => text.slice(doc.offsetAt(d.range.start), doc.offsetAt(d.range.end))).sort();
    assert.deepEqual(covered, ['1.10', '1.36', '7.2.4-debian-12-r0', 'latest', 'quay.io/prometheus-operator/prometheus-config-reloader']);
    assert.equal(client.diagnostics.get(uriOf('ignored/deploy.yaml')), undefined);
    assert.equal(client.diagnostics.get(uriOf('notes.txt')), undefined);
    assert.match(client.logs.join('\n'), /workspace scan: 13 files, \d+ image references, 43 findings \(/);
  });

  it('after a scan, a changed, created or deleted file updates its own diagnostics', async () => {
    fs.writeFileSync(path.join(ws, 'shapes/docker-compose.yaml'), 'services:\n  db:\n    image: postgres:16@sha256:' + 'a'.repeat(64) + '\n');
    fs.writeFileSync(path.join(ws, 'new.yaml'), 'image: busybox\n');
    fs.rmSync(path.join(ws, 'shapes/action.yml'));
    await client.filesChanged([
      { file: path.join(ws, 'shapes/docker-compose.yaml'), type: 2 },
      { file: path.join(ws, 'new.yaml'), type: 1 },
      { file: path.join(ws, 'shapes/action.yml'), type: 3 },
    ]);
    await client.waitFor('compose cleared', () => client.diagnostics.get(uriOf('shapes/docker-compose.yaml'))?.diagnostics.length === 0);
    await client.waitFor('new file reported', () => codes('new.yaml').join() === 'missing-tag');
    await client.waitFor('deleted file cleared', () => client.diagnostics.get(uriOf('shapes/action.yml'))?.diagnostics.length === 0);
  });

  it('an open document keeps the diagnostics of its unsaved text; closing it returns to what is on disk', async () => {
    const file = path.join(ws, 'new.yaml');
    const { uri } = await client.open(file, 'image: busybox:1.36\n');
    await client.diagnosticsFor(uri, { version: 1, check: (d) => d[0]?.code === 'unpinned-tag' });
    await client.execute('imagePin.scanWorkspace');
    assert.deepEqual(codes('new.yaml'), ['unpinned-tag'], 'the scan did not overwrite the open document');
    await client.close(uri);
    await client.waitFor('disk diagnostics after close', () => codes('new.yaml').join() === 'missing-tag');
  });

  it('a changed .image-pin.yaml re-runs the scan under the new config', async () => {
    fs.writeFileSync(path.join(ws, '.image-pin.yaml'), 'severity:\n  unpinned-tag: "off"\n');
    await client.filesChanged([{ file: path.join(ws, '.image-pin.yaml'), type: 1 }]);
    await client.waitFor('unpinned-tag gone from values.yaml', () => codes('shapes/values.yaml').join() === 'floating-tag');
    fs.rmSync(path.join(ws, '.image-pin.yaml'));
    await client.filesChanged([{ file: path.join(ws, '.image-pin.yaml'), type: 3 }]);
    await client.waitFor('unpinned-tag back', () => codes('shapes/values.yaml').length === 5);
  });
});

describe('Pin All Images in Workspace', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let ws: string;

  before(async () => {
    reg = await startRegistry();
    seeded = await seedStandard(reg);
  });
  after(async () => {
    await reg?.stop();
  });

  function makeWorkspace(): Record<string, string> {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-pinall-'));
    const files: Record<string, string> = {
      'a/deploy.yaml': `kind: Pod\nspec:\n  containers:\n    - name: a\n      image: ${reg.host}/app:dev\n    - name: b\n      image: ${reg.host}/multi:1.0\n`,
      'b/values.yaml': `image:\n  registry: ${reg.host}\n  repository: app\n  tag: "1.0"\n`,
      'c/compose.yaml': `services:\n  db:\n    image: ${reg.host}/app:dev\n  gone:\n    image: ${reg.host}/app:no-such-tag\n`,
    };
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
      fs.writeFileSync(path.join(ws, rel), text);
    }
    // A Latin-1 comment: the editor would save U+FFFD in its place, so this file is not edited from here.
    fs.writeFileSync(path.join(ws, 'd-latin1.yaml'), Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from(`\nimage: ${reg.host}/app:1.0\n`)]));
    return files;
  }

  it('asks with the count, then applies ONE edit: versioned for open documents, version null for the others', async () => {
    const files = makeWorkspace();
    const client = await TestClient.start({ folders: [ws], env: NO_DOCKER_CONFIG });
    try {
      const { uri } = await client.open(path.join(ws, 'a/deploy.yaml'));
      await client.diagnosticsFor(uri, { version: 1 });
      const result = await client.execute<{ applied: boolean; pinned: number; files: number; failed: Array<{ reference: string; error: string }> }>('imagePin.pinAllInWorkspace');

      assert.equal(client.messageRequests.length, 1);
      assert.match(client.messageRequests[0].message, /^Pin 6 image references in 4 files to their digests\? 4 images will be looked up\./);
      assert.equal(client.appliedEdits.length, 1, 'one workspace/applyEdit, so one undo');
      const changes = client.appliedEdits[0].edit.documentChanges as TextDocumentEdit[];
      const byFile = new Map(changes.map((c) => [c.textDocument.uri, c]));
      assert.equal(byFile.get(uri)!.textDocument.version, 1);
      assert.equal(byFile.get(fileUri(path.join(ws, 'b/values.yaml')))!.textDocument.version, null);
      assert.equal(byFile.get(fileUri(path.join(ws, 'c/compose.yaml')))!.textDocument.version, null);

      assert.deepEqual([result.applied, result.pinned, result.files], [true, 4, 3]);
      assert.deepEqual(result.failed.map((f) => f.reference), [`${reg.host}/app:no-such-tag`, `${reg.host}/app:1.0`]);
      assert.match(result.failed[0].error, /not found/);
      assert.match(result.failed[1].error, /bytes that are not valid UTF-8, which the editor would replace; left as it is/);
      assert.ok(!byFile.has(fileUri(path.join(ws, 'd-latin1.yaml'))), 'no edit for the Latin-1 file');

      // The open document changed in the editor; unopened files get exactly these edits.
      assert.equal(client.text(uri), files['a/deploy.yaml'].replace('app:dev', `app:dev@${seeded['app:dev'].digest}`).replace('multi:1.0', `multi:1.0@${seeded['multi:1.0'].digest}`));
      const apply = (rel: string) => {
        const change = byFile.get(fileUri(path.join(ws, rel)))!;
        return TextDocument.applyEdits(TextDocument.create('x:', 'yaml', 0, files[rel]), change.edits as Array<{ range: never; newText: string }>);
      };
      assert.equal(apply('b/values.yaml'), files['b/values.yaml'].replace('tag: "1.0"', `tag: "1.0@${seeded['app:1.0'].digest}"`));
      assert.equal(apply('c/compose.yaml'), files['c/compose.yaml'].replace('app:dev\n', `app:dev@${seeded['app:dev'].digest}\n`));
    } finally {
      await client.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });

  it('declining the question changes nothing and sends no lookup', async () => {
    makeWorkspace();
    const client = await TestClient.start({ folders: [ws], env: NO_DOCKER_CONFIG, answer: (p) => p.actions!.find((a) => a.title === 'Cancel')! });
    try {
      const result = await client.execute<{ applied: boolean; reason: string }>('imagePin.pinAllInWorkspace');
      assert.deepEqual([result.applied, result.reason], [false, 'declined']);
      assert.equal(client.appliedEdits.length, 0);
      assert.ok(!client.progress.some((p) => p.value.kind === 'begin' && /Pinning/.test(p.value.title)), 'no lookup was started');
    } finally {
      await client.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
