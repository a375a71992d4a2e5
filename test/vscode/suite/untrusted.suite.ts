/**
 * Image Pin in a window whose workspace is not trusted: findings are still shown, but no fix or
 * command contacts a registry (the runner also counts the requests that reach the registry host).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeActionsWhere, diagnosticsWhere, extensionActive, extensionApi, openFile, registryHost, reportAfter } from './helpers';

if (!vscode.workspace.isTrusted) suite('Image Pin in VS Code (untrusted workspace)', () => {
  test('diagnostics work, but the quick fix and the pin commands send no registry request', async () => {
    const text = `kind: Pod\nspec:\n  containers:\n    - name: app\n      image: ${registryHost()}/app:dev\n`;
    const doc = await openFile('deploy.yaml', text);
    await extensionActive();
    const [diagnostic] = await diagnosticsWhere(doc, 'a finding', (d) => d.length === 1);

    // The pin fixes come disabled, with the reason (asserted over LSP in test/lsp/pin.test.ts):
    // VS Code lists them greyed out under "Show Disabled", and its API returns only enabled ones.
    const fixes = await codeActionsWhere(doc, diagnostic.range, 'the ignore fix', (actions) => (actions.length > 0 ? actions : undefined));
    assert.deepEqual(fixes.map((a) => a.title), ['Ignore this image (`# image-pin: ignore floating-tag`)'], 'only the ignore fix is enabled');
    assert.ok(fixes[0].edit, 'ignoring needs no registry');

    const api = await extensionApi();
    const since = api.reports.length;
    const result = await vscode.commands.executeCommand<{ applied: boolean; reason: string }>('imagePin.pinAllInFile');
    assert.deepEqual([result?.applied, result?.reason], [false, 'untrusted']);
    const report = await reportAfter(api, since, 'the untrusted warning', (r) => r.kind === 'warning');
    assert.match(report.message, /untrusted workspace/);
    assert.deepEqual(report.buttons, ['Manage Workspace Trust']);
    const workspace = await vscode.commands.executeCommand<{ applied: boolean; reason: string }>('imagePin.pinAllInWorkspace');
    assert.deepEqual([workspace?.applied, workspace?.reason], [false, 'untrusted']);
    assert.equal(doc.getText(), text);

    // A pinned reference is not verified either: no unknown-digest for a digest that does not exist.
    const pinned = await openFile('pinned.yaml', `kind: Pod\nspec:\n  containers:\n    - name: app\n      image: ${registryHost()}/app:dev@sha256:${'0'.repeat(64)}\n`);
    await diagnosticsWhere(pinned.uri, 'no findings', (d) => d.length === 0);
    const verified = await vscode.commands.executeCommand<{ reason?: string }>('imagePin.verifyPinsInWorkspace');
    assert.equal(verified?.reason, 'untrusted');
  });
});
