/**
 * The pin verification status of the active file in the status bar: how many pins were verified
 * and — since an unverifiable pin is no diagnostic in the editor — why any could not be.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { VERIFICATION_STATUS, type VerificationStatus } from '../../shared/src/protocol';

export function showVerificationStatus(context: vscode.ExtensionContext, client: LanguageClient): void {
  const item = vscode.window.createStatusBarItem('imagePin.verification', vscode.StatusBarAlignment.Right, 99);
  item.name = 'Image Pin verification';
  item.command = 'workbench.actions.view.problems';
  const byUri = new Map<string, VerificationStatus>();
  const update = () => {
    const editor = vscode.window.activeTextEditor;
    const status = editor && byUri.get(client.code2ProtocolConverter.asUri(editor.document.uri));
    if (!status || status.pins + status.pending === 0) {
      item.hide();
      return;
    }
    const lines = [`Image Pin: ${status.pins} pin${status.pins === 1 ? '' : 's'} verified, ${status.moved} moved, ${status.unknown} unknown`];
    if (status.pending) lines.push(`${status.pending} being verified`);
    if (status.errors.length) lines.push('', 'Could not be verified:', ...status.errors.map((e) => `- ${e}`));
    item.text = status.registryErrors ? `$(warning) ${status.registryErrors} unverified` : status.moved + status.unknown ? `$(error) pins` : status.pending ? '$(sync~spin) pins' : '$(verified) pins';
    item.tooltip = lines.join('\n');
    item.show();
  };
  context.subscriptions.push(
    item,
    vscode.window.onDidChangeActiveTextEditor(update),
    client.onNotification(VERIFICATION_STATUS, (status: VerificationStatus) => {
      byUri.set(status.uri, status);
      update();
    }),
  );
}
