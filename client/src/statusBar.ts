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
    const ours = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === SOURCE);
    const diagnostics = ours.filter((d) => d.code !== TRUNCATED_CODE);
    const findings = count(ours);
    if (findings === 0 && !LANGUAGES.has(editor.document.languageId)) {
      item.hide();
      return;
    }
    const severity = (s: vscode.DiagnosticSeverity) => diagnostics.filter((d) => d.severity === s).length;
    const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
    const errors = severity(vscode.DiagnosticSeverity.Error);
    const warnings = severity(vscode.DiagnosticSeverity.Warning);
    const others = diagnostics.length - errors - warnings;
    // When only the most severe findings are published, the split is of those.
    const split = `${n(errors, 'error')}, ${n(warnings, 'warning')}${others ? `, ${others} other` : ''}`;
    const shownOnly = findings > diagnostics.length ? ` among the ${diagnostics.length} shown` : '';
    item.text = findings === 0 ? '$(pass) Image Pin' : `$(pin) Image Pin: ${findings}`;
    item.tooltip =
      findings === 0
        ? 'Image Pin: no unpinned images in this file'
        : `Image Pin: ${split}${shownOnly} in this file. Click to show Problems.`;
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
