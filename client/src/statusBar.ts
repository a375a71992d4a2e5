/** The status bar item: how many Image Pin findings the active file has; a click opens Problems. */
import * as vscode from 'vscode';
import { SOURCE, TRUNCATED_CODE, TruncatedData } from '../../shared/src/protocol';

const LANGUAGES = new Set(['yaml', 'dockercompose', 'helm']);

export function createStatusBar(context: vscode.ExtensionContext): void {
  const item = vscode.window.createStatusBarItem('imagePin.findings', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Image Pin';
  item.command = 'workbench.actions.view.problems';
  const update = () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      item.hide();
      return;
    }
    const findings = count(vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === SOURCE));
    if (findings === 0 && !LANGUAGES.has(editor.document.languageId)) {
      item.hide();
      return;
    }
    item.text = findings === 0 ? '$(pass) Image Pin' : `$(pin) ${findings}`;
    item.tooltip = findings === 0 ? 'Image Pin: no unpinned images in this file' : `Image Pin: ${findings} finding${findings === 1 ? '' : 's'} in this file — show Problems`;
    item.show();
  };
  context.subscriptions.push(
    item,
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.languages.onDidChangeDiagnostics((e) => {
      const active = vscode.window.activeTextEditor?.document.uri.toString();
      if (active && e.uris.some((u) => u.toString() === active)) update();
    }),
  );
  update();
}

/**
 * The findings of a file: what is published, or, when the server published only the most severe
 * (a notice says so, with the total in its `data`, which vscode-languageclient keeps), the total.
 */
function count(diagnostics: vscode.Diagnostic[]): number {
  const notice = diagnostics.find((d) => d.code === TRUNCATED_CODE);
  const total = (notice as { data?: Partial<TruncatedData> } | undefined)?.data?.total;
  return typeof total === 'number' ? total : diagnostics.length;
}
