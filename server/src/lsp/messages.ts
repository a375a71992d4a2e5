/**
 * Messages for the user that need no answer. A client that renders `imagePin/report` (the VS Code
 * extension) gets the report with its buttons; any other client a `window/showMessage`
 * notification (the library's `connection.window.show…Message` always sends a request and waits
 * for the user to close it), or a log line for status messages.
 */
import { Connection, MessageType, ShowMessageNotification } from 'vscode-languageserver';
import { REPORT, type Report } from './protocol';

export interface Notifier {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  report(report: Report): void;
}

const rendersReports = new WeakSet<Connection>();

/** Called at initialize when the client says it renders reports. */
export function enableReports(connection: Connection): void {
  rendersReports.add(connection);
}

export function supportsReports(connection: Connection): boolean {
  return rendersReports.has(connection);
}

const TYPES: Record<Exclude<Report['kind'], 'status'>, MessageType> = { info: MessageType.Info, warning: MessageType.Warning, error: MessageType.Error };

export function notifier(connection: Connection): Notifier {
  const report = (r: Report) => {
    if (rendersReports.has(connection)) {
      void connection.sendNotification(REPORT, r);
      return;
    }
    for (const line of r.details ?? []) connection.console.info(line);
    if (r.kind === 'status') connection.console.info(r.message);
    else void connection.sendNotification(ShowMessageNotification.type, { type: TYPES[r.kind], message: r.message });
  };
  return {
    info: (message) => report({ kind: 'info', message }),
    warn: (message) => report({ kind: 'warning', message }),
    error: (message) => report({ kind: 'error', message }),
    report,
  };
}
