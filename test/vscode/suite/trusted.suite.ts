/**
 * Image Pin in a real VS Code with a trusted workspace: activation, diagnostics, the preferred
 * quick fix and the pin commands against a real registry, the workspace scan, and settings.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeActionsWhere, codeOf, currentDiagnostics, diagnosticsWhere, digestOf, extensionActive, openFile, preferredQuickFix, registryHost, textBecomes, writeFile } from './helpers';

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
    for (const d of diagnostics) {
      const target = typeof d.code === 'object' ? d.code.target : undefined;
      assert.ok(target && target.path.endsWith('/docs/rules.md') && target.fragment === codeOf(d), `link of ${codeOf(d)}: ${target}`);
    }
  });

  test('the preferred quick fix pins the reference to the digest the registry serves', async () => {
    const doc = await openFile('quickfix.yaml', pod([`${host()}/app:dev`]));
    const [diagnostic] = await diagnosticsWhere(doc, 'a finding', (d) => d.length === 1);
    const preferred = await preferredQuickFix(doc, diagnostic.range);
    assert.equal(preferred.title, `Pin \`${host()}/app:dev\` to its digest`);
    assert.ok(preferred.edit, 'resolving the fix produced an edit');
    assert.ok(await vscode.workspace.applyEdit(preferred.edit));
    assert.equal(doc.getText(), pod([`${host()}/app:dev@${digestOf('app:dev')}`]));
    await diagnosticsWhere(doc, 'no findings after the pin', (d) => d.length === 0);
  });

  test('Pin All Images in File pins every reference of the active file', async () => {
    const doc = await openFile('all.yaml', pod([`${host()}/app:latest`, `${host()}/multi:1.0`]));
    await diagnosticsWhere(doc, 'two findings', (d) => d.length === 2);
    await vscode.commands.executeCommand('imagePin.pinAllInFile');
    const expected = pod([`${host()}/app:latest@${digestOf('app:latest')}`, `${host()}/multi:1.0@${digestOf('multi:1.0')}`]);
    await textBecomes(doc, expected, 'the file to be pinned');
  });

  test('Pin Image at Cursor pins only the reference under the cursor', async () => {
    const doc = await openFile('cursor.yaml', pod([`${host()}/app:1.0`, `${host()}/app:dev`]));
    await diagnosticsWhere(doc, 'two findings', (d) => d.length === 2);
    const editor = await vscode.window.showTextDocument(doc);
    const at = doc.positionAt(doc.getText().indexOf(`${host()}/app:dev`) + 4);
    editor.selection = new vscode.Selection(at, at);
    await vscode.commands.executeCommand('imagePin.pinAtCursor');
    const expected = pod([`${host()}/app:1.0`, `${host()}/app:dev@${digestOf('app:dev')}`]);
    await textBecomes(doc, expected, 'the reference under the cursor to be pinned');
  });

  test('Scan Workspace reports files that are not open', async () => {
    const unopened = await writeFile('unopened/values.yaml', `image:\n  repository: ${host()}/app\n  tag: latest\n`);
    const summary = await vscode.commands.executeCommand<{ files: number; findings: number }>('imagePin.scanWorkspace');
    assert.ok(summary && summary.files >= 1, JSON.stringify(summary));
    const diagnostics = await diagnosticsWhere(unopened, 'the unopened file in Problems', (d) => d.length === 1);
    assert.equal(codeOf(diagnostics[0]), 'floating-tag');
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
});
