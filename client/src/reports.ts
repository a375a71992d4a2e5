/**
 * Shows the server's reports (`imagePin/report`): a status-bar line, or a notification with the
 * buttons that lead on (Open Settings, Show Output, Manage Workspace Trust, Show Problems, Save
 * All). Every report is also written to the Image Pin output. The reports shown are kept for the
 * extension's API, which the extension-host tests read.
 */
import * as vscode from 'vscode';
import type { Report, ReportAction } from '../../shared/src/protocol';

export interface ShownReport {
  kind: Report['kind'];
  message: string;
  buttons: string[];
}

const BUTTONS: Record<ReportAction, { label: string; run: (report: Report) => Thenable<unknown> }> = {
  openSettings: { label: 'Open Settings', run: (r) => vscode.commands.executeCommand('workbench.action.openSettings', r.settingsQuery ?? 'imagePin') },
  showOutput: { label: 'Show Output', run: () => vscode.commands.executeCommand('imagePin.showOutput') },
  manageTrust: { label: 'Manage Workspace Trust', run: () => vscode.commands.executeCommand('workbench.trust.manage') },
  showProblems: { label: 'Show Problems', run: () => vscode.commands.executeCommand('workbench.actions.view.problems') },
  saveAll: { label: 'Save All', run: () => vscode.commands.executeCommand('workbench.action.files.saveAll') },
};

/** How long a status-bar report stays. */
const STATUS_MS = 10_000;

export class Reports {
  /** Every report shown in this window, oldest first (bounded). */
  readonly shown: ShownReport[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {}

  show(report: Report): void {
    const actions = (report.actions ?? []).filter((a) => a in BUTTONS);
    const buttons = actions.map((a) => BUTTONS[a].label);
    this.shown.push({ kind: report.kind, message: report.message, buttons });
    if (this.shown.length > 200) this.shown.shift();
    const log = report.kind === 'error' ? this.output.error : report.kind === 'warning' ? this.output.warn : this.output.info;
    log.call(this.output, report.message);
    for (const line of report.details ?? []) this.output.info(`  ${line}`);

    if (report.kind === 'status') {
      vscode.window.setStatusBarMessage(`$(pin) ${report.message}`, STATUS_MS);
      return;
    }
    const show =
      report.kind === 'error' ? vscode.window.showErrorMessage : report.kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    // Not awaited: the promise settles only when the notification is closed.
    void show(report.message, ...buttons).then((chosen) => {
      const action = actions.find((a) => BUTTONS[a].label === chosen);
      if (action) return BUTTONS[action].run(report);
      return undefined;
    });
  }
}

/** A report as the server sends it, checked (it crosses a process boundary). */
export function asReport(value: unknown): Report | undefined {
  const r = value as Partial<Report> | undefined;
  if (!r || typeof r.message !== 'string' || !['status', 'info', 'warning', 'error'].includes(r.kind as string)) return undefined;
  return r as Report;
}
