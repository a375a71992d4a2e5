/** The status bar item: how many Image Pin findings the active file has; a click opens Problems. */
import * as vscode from 'vscode';
import { SOURCE } from '../../shared/src/protocol';

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
    const diagnostics = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === SOURCE);
    const findings = diagnostics.length;
    if (findings === 0 && !LANGUAGES.has(editor.document.languageId)) {
      item.hide();
      return;
    }
    const count = (severity: vscode.DiagnosticSeverity) => diagnostics.filter((d) => d.severity === severity).length;
    const n = (k: number, one: string) => `${k} ${one}${k === 1 ? '' : 's'}`;
    const errors = count(vscode.DiagnosticSeverity.Error);
    const warnings = count(vscode.DiagnosticSeverity.Warning);
    const others = findings - errors - warnings;
    item.text = findings === 0 ? '$(pass) Image Pin' : `$(pin) Image Pin: ${findings}`;
    item.tooltip =
      findings === 0
        ? 'Image Pin: no unpinned images in this file'
        : `Image Pin: ${n(errors, 'error')}, ${n(warnings, 'warning')}${others ? `, ${others} other` : ''} in this file. Click to show Problems.`;
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
