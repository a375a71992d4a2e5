/**
 * What the server does for a client like VS Code's, which renders `imagePin/report` (buttons),
 * shows annotated workspace edits in its refactor preview and opens rule links itself: the
 * summaries after pins and scans, actionable failures, the reviewed workspace edit, and the rule
 * links. Against a real docker-registry on loopback.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Diagnostic, TextDocumentEdit } from 'vscode-languageserver-protocol/node';
import { closedPort } from '../helpers/ports';
import { PushedImage, RunningRegistry, seedStandard, startRegistry } from '../helpers/registry';
import { NO_DOCKER_CONFIG, TestClient, rangeOf } from './lspClient';

const RULE_LINKS = 'code-oss://image-pin.image-pin/rule';

const pod = (...images: string[]) =>
  `kind: Pod\nspec:\n  containers:\n${images.map((image, i) => `    - name: c${i}\n      image: ${image}\n`).join('')}`;

describe('a VS Code-like client: reports, the reviewed workspace edit, rule links', () => {
  let reg: RunningRegistry;
  let seeded: Record<string, PushedImage>;
  let ws: string;
  let client: TestClient;

  const write = (name: string, text: string) => {
    const file = path.join(ws, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };

  before(async () => {
    reg = await startRegistry();
    seeded = await seedStandard(reg);
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-editor-'));
    client = await TestClient.start({
      folders: [ws],
      env: NO_DOCKER_CONFIG,
      changeAnnotations: true,
      initializationOptions: { workspaceTrusted: true, reports: true, ruleLinkBase: RULE_LINKS },
    });
  });
  after(async () => {
    await client?.stop();
    await reg?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('rule links point at the editor\'s own rule help', async () => {
    const { uri } = await client.open(write('links.yaml', pod(`${reg.host}/app:dev`)));
    const [d] = await client.diagnosticsFor(uri, { version: 1 });
    assert.equal(d.codeDescription?.href, `${RULE_LINKS}#floating-tag`);
  });

  it('one reference pinned: a status-bar report with the reference and the short digest, and an output line with the full one', async () => {
    const text = pod(`${reg.host}/app:1.0`);
    const { uri } = await client.open(write('single.yaml', text));
    await client.diagnosticsFor(uri, { version: 1 });
    const reports = client.reports.length;
    await client.execute('imagePin.pinAtCursor', [uri, rangeOf(text, `${reg.host}/app:1.0`).start]);
    const report = await client.waitFor('a report', () => client.reports[reports]);
    const digest = seeded['app:1.0'].digest;
    assert.equal(report.kind, 'status');
    assert.equal(report.message, `Pinned ${reg.host}/app:1.0 → ${digest.slice(0, 'sha256:'.length + 6)}…`);
    assert.deepEqual(report.details, [`pinned ${reg.host}/app:1.0 → ${digest} in single.yaml`]);
  });

  it('the quick fix carries its report as the command run after the edit', async () => {
    const { uri } = await client.open(write('quickfix.yaml', pod(`${reg.host}/app:dev`)));
    const [d] = await client.diagnosticsFor(uri, { version: 1 });
    const preferred = (await client.codeActions(uri, d.range)).find((a) => a.isPreferred)!;
    const resolved = await client.resolve(preferred);
    assert.ok(resolved.edit);
    assert.equal(resolved.command?.command, 'imagePin.showReport');
    const report = resolved.command?.arguments?.[0] as { kind: string; message: string };
    assert.deepEqual([report.kind, report.message], ['status', `Pinned ${reg.host}/app:dev → ${seeded['app:dev'].digest.slice(0, 13)}…`]);
  });

  it('source.fixAll.imagePin (pin on save) pins the file and reports a status line, not a notification', async () => {
    const text = pod(`${reg.host}/app:latest`, `${reg.host}/multi:1.0`);
    const { uri } = await client.open(write('onsave.yaml', text));
    await client.diagnosticsFor(uri, { version: 1 });
    const [fixAll] = await client.codeActions(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, ['source.fixAll.imagePin']);
    assert.equal(fixAll?.kind, 'source.fixAll.imagePin');
    const resolved = await client.resolve(fixAll);
    assert.ok(resolved.edit);
    const report = resolved.command?.arguments?.[0] as { kind: string; message: string };
    assert.deepEqual([report.kind, report.message], ['status', 'Image Pin pinned 2 references in 1 file']);
  });

  it('an unreachable registry: why, what helps, and Open Settings (imagePin.registries) with Show Output', async () => {
    const port = await closedPort();
    const { uri } = await client.open(write('down.yaml', pod(`127.0.0.1:${port}/app:1.0`)));
    await client.diagnosticsFor(uri, { version: 1 });
    const reports = client.reports.length;
    const result = await client.execute<{ pinned: number }>('imagePin.pinAllInFile', [uri]);
    assert.equal(result.pinned, 0);
    const report = await client.waitFor('a report', () => client.reports[reports]);
    assert.equal(report.kind, 'error');
    assert.match(report.message, new RegExp(`^Image Pin could not pin 127\\.0\\.0\\.1:${port}/app:1\\.0: could not reach 127\\.0\\.0\\.1:${port} .*the connection was refused \\(ECONNREFUSED\\) — check that the registry is running`));
    assert.deepEqual(report.actions, ['openSettings', 'showOutput']);
    assert.equal(report.settingsQuery, 'imagePin.registries');
  });

  it('Pin All Images in File: a summary with the count, Show Output and Save All', async () => {
    const { uri } = await client.open(write('file.yaml', pod(`${reg.host}/app:latest`, `${reg.host}/multi:1.0`, `${reg.host}/app:no-such-tag`)));
    await client.diagnosticsFor(uri, { version: 1 });
    const reports = client.reports.length;
    await client.execute('imagePin.pinAllInFile', [uri]);
    const report = await client.waitFor('a report', () => client.reports[reports]);
    assert.equal(report.kind, 'warning');
    assert.match(report.message, new RegExp(`^Image Pin pinned 2 references in 1 file; 1 could not be pinned \\(${reg.host.replace(/\./g, '\\.')}/app:no-such-tag: tag "no-such-tag"`));
    assert.deepEqual(report.actions, ['showOutput', 'saveAll']);
    assert.equal(report.details?.length, 3, 'each pin and each failure in the output');
  });

  it('Pin All Images in Workspace: one edit annotated for review (grouped by file, needs confirmation), no question first, then the summary', async (t) => {
    const bulk = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-bulk-'));
    fs.mkdirSync(path.join(bulk, 'apps'));
    fs.writeFileSync(path.join(bulk, 'apps', 'a.yaml'), pod(`${reg.host}/app:dev`, `${reg.host}/app:1.0`));
    fs.writeFileSync(path.join(bulk, 'b.yaml'), pod(`${reg.host}/library/busybox`, `${reg.host}/app:gone`));
    const client = await TestClient.start({
      folders: [bulk],
      env: NO_DOCKER_CONFIG,
      changeAnnotations: true,
      initializationOptions: { workspaceTrusted: true, reports: true },
    });
    t.after(async () => {
      await client.stop();
      fs.rmSync(bulk, { recursive: true, force: true });
    });
    const edits = client.appliedEdits.length;
    const reports = client.reports.length;
    const questions = client.messageRequests.length;
    const result = await client.execute<{ applied: boolean; pinned: number; files: number; failed: unknown[] }>('imagePin.pinAllInWorkspace');
    assert.deepEqual([result.applied, result.pinned, result.files, result.failed.length], [true, 3, 2, 1]);
    assert.equal(client.messageRequests.length, questions, 'the preview replaces the question');
    assert.equal(client.appliedEdits.length, edits + 1, 'one workspace/applyEdit');
    const { edit } = client.appliedEdits[edits];
    const annotations = edit.changeAnnotations ?? {};
    const byFile = (edit.documentChanges as TextDocumentEdit[]).map((c) => {
      const ids = new Set(c.edits.map((e) => ('annotationId' in e ? e.annotationId : undefined)));
      assert.equal(ids.size, 1, 'one annotation per file');
      const annotation = annotations[[...ids][0] as string];
      return [path.basename(c.textDocument.uri), annotation.label, annotation.needsConfirmation, annotation.description];
    });
    assert.deepEqual(byFile.sort(), [
      ['a.yaml', 'apps/a.yaml', true, 'pin 2 image references'],
      ['b.yaml', 'b.yaml', true, 'pin 1 image reference'],
    ]);
    const report = await client.waitFor('the summary', () => client.reports[reports]);
    assert.match(report.message, /^Image Pin pinned 3 references in 2 files; 1 could not be pinned /);
    assert.deepEqual(report.actions, ['showOutput', 'saveAll']);
  });

  it('Scan Workspace ends with "N findings in M files (K errors)" and Show Problems', async () => {
    const scanDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-lsp-scan-'));
    fs.writeFileSync(path.join(scanDir, 'one.yaml'), pod('nginx:latest', 'nginx:1.27'));
    fs.writeFileSync(path.join(scanDir, 'two.yaml'), pod('busybox'));
    fs.writeFileSync(path.join(scanDir, 'clean.yaml'), pod(`nginx@sha256:${'a'.repeat(64)}`));
    const scanner = await TestClient.start({ folders: [scanDir], env: NO_DOCKER_CONFIG, initializationOptions: { workspaceTrusted: true, reports: true } });
    try {
      const token = 'scan-progress';
      await scanner.execute('imagePin.scanWorkspace', [], token);
      const report = await scanner.waitFor('the summary', () => scanner.reports[0]);
      assert.deepEqual(report, { kind: 'info', message: 'Image Pin: 3 findings in 2 files (2 errors)', actions: ['showProblems'] });
      const messages = scanner.progress.filter((p) => p.token === token && p.value.kind === 'report').map((p) => (p.value as { message?: string }).message);
      assert.ok(messages.length > 0 && messages.every((m) => m?.startsWith(`${path.basename(scanDir)}: `)), `progress names the folder, not its path: ${JSON.stringify(messages)}`);
    } finally {
      await scanner.stop();
      fs.rmSync(scanDir, { recursive: true, force: true });
    }
  });

  it('hover on an empty Helm tag shows the appVersion it falls back to, and the finding names it', async () => {
    write('chart/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 0.3.0\nappVersion: "2.8.1"\n');
    const text = 'image:\n  repository: acme/web\n  tag: ""   # the chart fills it in\n';
    const { uri } = await client.open(write('chart/values.yaml', text));
    // The file's own finding, or the chart environment's once the folder's index has the new files
    // (which of the two comes first depends on when the index's scan met them): each names the appVersion.
    const names = (version: string) => (ds: Diagnostic[]) => ds.length === 1 && String(ds[0].message).includes(version);
    const [d] = await client.diagnosticsFor(uri, { check: names('2.8.1') });
    const message = String(d.message);
    assert.ok(
      message === 'empty tag deploys 2.8.1 from Chart.yaml appVersion, which can be pushed again: pin it to a digest' || /^tag "2\.8\.1" without a digest can be pushed again: pin it to a digest/.test(message),
      message,
    );
    const at = rangeOf(text, '""').start;
    const hover = await client.hover(uri, { line: at.line, character: at.character + 1 });
    const value = (hover?.contents as { value: string } | undefined)?.value ?? '';
    assert.match(value, /Tag: none: the chart deploys `2\.8\.1` from Chart\.yaml appVersion/);
    assert.match(value, /\*\*Why unpinned-tag\*\*: Any tag can be pushed again/);
    assert.deepEqual(hover?.range, rangeOf(text, '""'), 'the hover covers the tag it was asked about');

    // Chart.yaml edited in the editor, unsaved: the finding and the hover name its new appVersion.
    const chartFile = path.join(ws, 'chart/Chart.yaml');
    const chartDoc = await client.open(chartFile);
    await client.change(chartDoc.uri, client.text(chartDoc.uri).replace('"2.8.1"', '"2.9.0"'));
    // Its own finding, or the chart environment's once the folder is indexed ("tag "2.9.0" without a digest …").
    await client.diagnosticsFor(uri, { check: names('2.9.0') });
    const tagHover = async () => ((await client.hover(uri, { line: at.line, character: at.character + 1 }))?.contents as { value: string }).value;
    assert.match(await tagHover(), /the chart deploys `2\.9\.0`/);
    // Closed without saving: the text on disk again.
    await client.close(chartDoc.uri);
    await client.diagnosticsFor(uri, { check: names('2.8.1') });
    assert.match(await tagHover(), /the chart deploys `2\.8\.1`/);
    // Saved by another program: the same.
    fs.writeFileSync(chartFile, 'apiVersion: v2\nname: web\nversion: 0.3.0\nappVersion: "3.0.0"\n');
    await client.filesChanged([{ file: chartFile, type: 2 }]);
    await client.diagnosticsFor(uri, { check: names('3.0.0') });
    assert.match(await tagHover(), /the chart deploys `3\.0\.0`/);
  });

  it("hover on an empty Helm tag whose chart templates print `v` + appVersion shows that tag, and the finding names it", async () => {
    write('vchart/Chart.yaml', 'apiVersion: v2\nname: exporter\nversion: 0.1.0\nappVersion: 2.13.0\n');
    write('vchart/templates/deployment.yaml', 'image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default (printf "v%s" .Chart.AppVersion) }}"\n');
    const text = 'image:\n  repository: acme/exporter\n  tag: ""\n';
    const { uri } = await client.open(write('vchart/values.yaml', text));
    // The file's own finding or the chart environment's (see above): each names the tag the chart deploys.
    const [d] = await client.diagnosticsFor(uri, { check: (ds) => ds.length === 1 && String(ds[0].message).includes('v2.13.0') });
    assert.match(String(d.message), /^(empty tag deploys v2\.13\.0 from Chart\.yaml appVersion 2\.13\.0 as the chart's templates print it|tag "v2\.13\.0" without a digest)/);
    const at = rangeOf(text, '""').start;
    const hover = await client.hover(uri, { line: at.line, character: at.character + 1 });
    const value = (hover?.contents as { value: string } | undefined)?.value ?? '';
    assert.match(value, /Tag: none: the chart deploys `v2\.13\.0` from Chart\.yaml appVersion `2\.13\.0` as its templates print it/);
  });

  it('Pin Image at Cursor works on an empty Helm tag too, pinning the appVersion it falls back to', async () => {
    write('chart2/Chart.yaml', 'apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: "1.0"\n');
    const text = `image:\n  repository: ${reg.host}/app\n  tag: ""\n`;
    const { uri } = await client.open(write('chart2/values.yaml', text));
    await client.diagnosticsFor(uri, { version: 1 });
    const at = rangeOf(text, '""').start;
    const result = await client.execute<{ pinned: number }>('imagePin.pinAtCursor', [uri, { line: at.line, character: at.character + 1 }]);
    assert.equal(result.pinned, 1);
    assert.ok(client.text(uri).includes(seeded['app:1.0'].digest), client.text(uri));
  });

  it('untrusted: the pin commands say why, with Manage Workspace Trust', async () => {
    const untrusted = await TestClient.start({ folders: [ws], env: NO_DOCKER_CONFIG, initializationOptions: { workspaceTrusted: false, reports: true } });
    try {
      const { uri } = await untrusted.open(path.join(ws, 'links.yaml'));
      await untrusted.diagnosticsFor(uri, { version: 1 });
      await untrusted.execute('imagePin.pinAllInFile', [uri]);
      await untrusted.execute('imagePin.pinAllInWorkspace');
      const reports = await untrusted.waitFor('two reports', () => untrusted.reports.length >= 2 && untrusted.reports);
      for (const r of reports) {
        assert.equal(r.kind, 'warning');
        assert.match(r.message, /untrusted workspace/);
        assert.deepEqual(r.actions, ['manageTrust']);
      }
    } finally {
      await untrusted.stop();
    }
  });
});
