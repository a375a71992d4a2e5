/**
 * Image Pin in a real VS Code with a trusted workspace: activation, diagnostics, the preferred
 * quick fix and the pin commands against a real registry, the workspace scan, and settings.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  EXTENSION_ID,
  codeActionsWhere,
  codeOf,
  currentDiagnostics,
  diagnosticsWhere,
  digestOf,
  extensionActive,
  extensionApi,
  openFile,
  preferredQuickFix,
  registryHost,
  reportAfter,
  tabLabels,
  textBecomes,
  waitFor,
  writeFile,
} from './helpers';

const pod = (images: string[]) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: demo\nspec:\n  containers:\n${images.map((image, i) => `    - name: c${i}\n      image: ${image}\n`).join('')}`;

if (vscode.workspace.isTrusted) suite('Image Pin in VS Code (trusted workspace)', () => {
  const host = () => registryHost();

  test('activates on a YAML file and reports each finding on exactly its reference, with code, link and severity', async () => {
    const doc = await openFile('deploy.yaml', pod([`${host()}/app:dev`, `"${host()}/org/team/app:1.0.0"`, `${host()}/library/busybox`]));
    assert.equal(doc.languageId, 'yaml');
    await extensionActive();
    const diagnostics = await diagnosticsWhere(doc, 'three findings', (d) => d.length === 3);
    const seen = diagnostics
      .map((d) => [codeOf(d), doc.getText(d.range), d.severity, d.range.start.line] as const)
      .sort((a, b) => a[3] - b[3]);
    assert.deepEqual(seen, [
      ['floating-tag', `${host()}/app:dev`, vscode.DiagnosticSeverity.Error, 7],
      ['unpinned-tag', `${host()}/org/team/app:1.0.0`, vscode.DiagnosticSeverity.Warning, 9],
      ['missing-tag', `${host()}/library/busybox`, vscode.DiagnosticSeverity.Error, 11],
    ]);
    // Messages lead with the problem and leave the reference to the squiggle.
    assert.deepEqual(
      diagnostics.map((d) => d.message).sort(),
      ['floating tag "dev": pin it to a digest', 'no tag or digest, so it pulls whatever "latest" is: pin it to a digest', 'tag "1.0.0" without a digest can be pushed again: pin it to a digest'],
    );
    for (const d of diagnostics) {
      const target = typeof d.code === 'object' ? d.code.target : undefined;
      // The extension's URI handler: the link opens the rule's help inside the editor.
      assert.ok(
        target && target.scheme === vscode.env.uriScheme && target.authority === EXTENSION_ID && target.path === '/rule' && target.fragment === codeOf(d),
        `link of ${codeOf(d)}: ${target}`,
      );
    }
  });

  test('hovering an empty Helm tag shows the Chart.yaml appVersion it falls back to, which the finding names', async () => {
    await writeFile('chart/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: 2.8.1\n');
    const text = `image:\n  repository: ${host()}/app\n  tag: ""\n`;
    const doc = await openFile('chart/values.yaml', text);
    const [d] = await diagnosticsWhere(doc, 'a finding', (x) => x.length === 1);
    assert.equal(d.message, 'empty tag deploys 2.8.1 from Chart.yaml appVersion, which can be pushed again: pin it to a digest');
    const at = doc.positionAt(text.indexOf('""') + 1);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
    const shown = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(shown, /Tag: none: the chart deploys `2\.8\.1` from Chart\.yaml appVersion/);
  });

  test('a rule link opens that rule\'s section of the installed docs/rules.md, rendered', async () => {
    const api = await extensionApi();
    const doc = await openFile('rule-link.yaml', pod([`${host()}/app:main`]));
    const [d] = await diagnosticsWhere(doc, 'a finding', (x) => x.length === 1);
    const target = typeof d.code === 'object' ? d.code.target : undefined;
    assert.ok(target);
    await vscode.commands.executeCommand('vscode.open', target);
    await waitFor('the rule help to open', () => api.shownRule === 'floating-tag' && tabLabels().includes('Image Pin rule: floating-tag'));
    await vscode.commands.executeCommand('imagePin.showRule', 'missing-tag');
    await waitFor('the same panel to show another rule', () => api.shownRule === 'missing-tag' && tabLabels().includes('Image Pin rule: missing-tag'));
    assert.ok(!tabLabels().some((l) => l === 'rules.md'), 'the Markdown source is not opened as a file');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('the preferred quick fix pins the reference to the digest the registry serves', async () => {
    const doc = await openFile('quickfix.yaml', pod([`${host()}/app:dev`]));
    const [diagnostic] = await diagnosticsWhere(doc, 'a finding', (d) => d.length === 1);
    const preferred = await preferredQuickFix(doc, diagnostic.range);
    assert.equal(preferred.title, `Pin \`${host()}/app:dev\` to its digest`);
    assert.ok(preferred.edit, 'resolving the fix produced an edit');
    assert.equal(preferred.command?.command, 'imagePin.showReport', 'the fix reports itself once applied');
    assert.ok(await vscode.workspace.applyEdit(preferred.edit));
    assert.equal(doc.getText(), pod([`${host()}/app:dev@${digestOf('app:dev')}`]));
    await diagnosticsWhere(doc, 'no findings after the pin', (d) => d.length === 0);
  });

  test('Pin All Images in File pins every reference of the active file, and says how many, with Show Output and Save All', async () => {
    const api = await extensionApi();
    const doc = await openFile('all.yaml', pod([`${host()}/app:latest`, `${host()}/multi:1.0`]));
    await diagnosticsWhere(doc, 'two findings', (d) => d.length === 2);
    const since = api.reports.length;
    await vscode.commands.executeCommand('imagePin.pinAllInFile');
    const expected = pod([`${host()}/app:latest@${digestOf('app:latest')}`, `${host()}/multi:1.0@${digestOf('multi:1.0')}`]);
    await textBecomes(doc, expected, 'the file to be pinned');
    const report = await reportAfter(api, since, 'the summary', (r) => r.kind === 'info');
    assert.equal(report.message, 'Image Pin pinned 2 references in 1 file.');
    assert.deepEqual(report.buttons, ['Show Output', 'Save All']);
  });

  test('Pin Image at Cursor pins only the reference under the cursor', async () => {
    const doc = await openFile('cursor.yaml', pod([`${host()}/app:1.0`, `${host()}/app:dev`]));
    await diagnosticsWhere(doc, 'two findings', (d) => d.length === 2);
    const editor = await vscode.window.showTextDocument(doc);
    const at = doc.positionAt(doc.getText().indexOf(`${host()}/app:dev`) + 4);
    editor.selection = new vscode.Selection(at, at);
    const api = await extensionApi();
    const since = api.reports.length;
    await vscode.commands.executeCommand('imagePin.pinAtCursor');
    const expected = pod([`${host()}/app:1.0`, `${host()}/app:dev@${digestOf('app:dev')}`]);
    await textBecomes(doc, expected, 'the reference under the cursor to be pinned');
    const report = await reportAfter(api, since, 'a status line', (r) => r.kind === 'status');
    assert.equal(report.message, `Pinned ${host()}/app:dev → ${digestOf('app:dev').slice(0, 13)}…`);
  });

  test('an unreachable registry: the failure says why and offers Open Settings and Show Output', async () => {
    const api = await extensionApi();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const doc = await openFile('offline.yaml', pod([`127.0.0.1:${port}/app:1.0`]));
    await diagnosticsWhere(doc, 'a finding', (d) => d.length === 1);
    const since = api.reports.length;
    await vscode.commands.executeCommand('imagePin.pinAllInFile');
    const report = await reportAfter(api, since, 'the failure', (r) => r.kind === 'error');
    assert.match(report.message, /could not pin .*: could not reach .*the connection was refused \(ECONNREFUSED\) — check that the registry is running/);
    assert.deepEqual(report.buttons, ['Open Settings', 'Show Output']);
  });

  test('a mirror committed in .image-pin.yaml is honoured, and the result says which mirror answered', async () => {
    const api = await extensionApi();
    await writeFile('mirrored/.image-pin.yaml', `registries:\n  ghcr.example:\n    mirror: ${host()}\n`);
    const doc = await openFile('mirrored/deploy.yaml', pod(['ghcr.example/app:1.0']));
    await diagnosticsWhere(doc, 'a finding', (d) => d.length === 1);
    const since = api.reports.length;
    await vscode.commands.executeCommand('imagePin.pinAllInFile');
    await textBecomes(doc, pod([`ghcr.example/app:1.0@${digestOf('app:1.0')}`]), 'the file to be pinned');
    const report = await reportAfter(api, since, 'the summary', (r) => r.kind === 'info');
    assert.equal(report.message, `Image Pin pinned 1 reference in 1 file via mirror ${host()}.`);
    await vscode.workspace.save(doc.uri);
  });

  test('Scan Workspace reports files that are not open, and ends with a summary and Show Problems', async () => {
    const api = await extensionApi();
    const unopened = await writeFile('unopened/values.yaml', `image:\n  repository: ${host()}/app\n  tag: latest\n`);
    const since = api.reports.length;
    const summary = await vscode.commands.executeCommand<{ files: number; findings: number; filesWithFindings: number; errorFindings: number }>('imagePin.scanWorkspace');
    assert.ok(summary && summary.files >= 1, JSON.stringify(summary));
    const diagnostics = await diagnosticsWhere(unopened, 'the unopened file in Problems', (d) => d.length === 1);
    assert.equal(codeOf(diagnostics[0]), 'floating-tag');
    const report = await reportAfter(api, since, 'the scan summary', (r) => r.message.includes('findings in'));
    const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
    assert.equal(report.message, `Image Pin: ${n(summary.findings, 'finding')} in ${n(summary.filesWithFindings, 'file')} (${n(summary.errorFindings, 'error')})`);
    assert.deepEqual(report.buttons, ['Show Problems']);
  });

  test('the walkthrough is contributed, and every step\'s page is installed', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const walkthroughs = extension.packageJSON.contributes.walkthroughs as Array<{ id: string; steps: Array<{ id: string; media: { markdown: string } }> }>;
    assert.deepEqual(walkthroughs.map((w) => w.id), ['imagePin.gettingStarted']);
    assert.deepEqual(walkthroughs[0].steps.map((s) => s.id), ['policy', 'openManifest', 'pinOne', 'mirror', 'scan', 'ci']);
    for (const step of walkthroughs[0].steps) assert.ok(fs.existsSync(path.join(extension.extensionPath, step.media.markdown)), step.media.markdown);
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#imagePin.gettingStarted`, false);
    await waitFor('the walkthrough to open', () => tabLabels().some((l) => /welcome|walkthrough/i.test(l)));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('changing a setting re-validates open documents', async () => {
    const doc = await openFile('settings.yaml', pod([`${host()}/app:1.0`]));
    await diagnosticsWhere(doc, 'a warning', (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Warning);
    const config = vscode.workspace.getConfiguration('imagePin');
    await config.update('severity', { 'unpinned-tag': 'error' }, vscode.ConfigurationTarget.Workspace);
    try {
      await diagnosticsWhere(doc, 'the warning to become an error', (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Error);
    } finally {
      await config.update('severity', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await diagnosticsWhere(doc, 'a warning again', (d) => d.length === 1 && d[0].severity === vscode.DiagnosticSeverity.Warning);
    assert.equal(currentDiagnostics(doc)?.length, 1);
  });

  test('a pinned digest the registry does not have is unknown-digest; its quick fix takes what the tag points to now', async () => {
    const mistyped = `sha256:${'0123456789abcdef'.repeat(4)}`;
    const doc = await openFile('verify.yaml', pod([`${host()}/app:1.0@${mistyped}`, `${host()}/app:dev@${digestOf('app:dev')}`]));
    const [unknown] = await diagnosticsWhere(doc, 'an unknown-digest finding', (d) => d.length === 1 && codeOf(d[0]) === 'unknown-digest');
    assert.equal(doc.getText(unknown.range), `${host()}/app:1.0@${mistyped}`);
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
    const update = await codeActionsWhere(doc, unknown.range, 'the update fix', (actions) => actions.find((a) => a.title === 'Update the digest to what `1.0` points to now'));
    assert.ok(update.edit, 'the update fix comes with its edit');
    assert.ok(await vscode.workspace.applyEdit(update.edit));
    assert.equal(doc.getText(), pod([`${host()}/app:1.0@${digestOf('app:1.0')}`, `${host()}/app:dev@${digestOf('app:dev')}`]));
    await diagnosticsWhere(doc, 'no findings after the fix', (d) => d.length === 0);
  });

  test('Verify Pins in Workspace reports how many pins were verified, moved and unknown', async () => {
    await writeFile('unopened/pinned.yaml', pod([`${host()}/app@sha256:${'f'.repeat(64)}`]));
    const result = await vscode.commands.executeCommand<{ pins: number; unknown: number; moved: number }>('imagePin.verifyPinsInWorkspace');
    assert.ok(result && result.pins >= 1 && result.unknown >= 1, JSON.stringify(result));
  });

  test('Pin All Images in Workspace waits in the refactor preview: applied with nothing ticked, it changes no file and opens no tab', async () => {
    const api = await extensionApi();
    const text = pod([`${host()}/app:dev`, `${host()}/multi:1.0`]);
    const a = await writeFile('bulk/a.yaml', text);
    // Earlier tests leave edited documents: saved first, so that closing their tabs asks nothing.
    await vscode.commands.executeCommand('workbench.action.files.saveAll');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('every tab to close', () => tabLabels().length === 0);
    const since = api.reports.length;
    let settled: { applied: boolean; pinned: number } | undefined;
    void vscode.commands.executeCommand<typeof settled>('imagePin.pinAllInWorkspace').then((r) => (settled = r));
    // Each file's change needs confirmation (the reviewer ticks it); Apply with nothing ticked applies nothing.
    await waitFor('the preview to answer', async () => {
      if (!settled) await vscode.commands.executeCommand('refactorPreview.apply').then(undefined, () => undefined);
      return settled !== undefined;
    }, { timeoutMs: 60_000 });
    assert.deepEqual([settled?.applied, settled?.pinned], [false, 0]);
    assert.equal(fs.readFileSync(a.fsPath, 'utf8'), text);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === a.toString() && d.isDirty), 'no document was changed');
    assert.ok(!tabLabels().includes('a.yaml'), 'no tab was opened');
    const report = await reportAfter(api, since, 'nothing pinned', (r) => r.kind === 'status');
    assert.match(report.message, /nothing was pinned/i);
  });
});
