/**
 * Messages for the user that need no answer: `window/showMessage` notifications. (The library's
 * `connection.window.show…Message` always sends a request and waits for the user to close it.)
 */
import { Connection, MessageType, ShowMessageNotification } from 'vscode-languageserver';

export interface Notifier {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function notifier(connection: Connection): Notifier {
  const show = (type: MessageType) => (message: string) => void connection.sendNotification(ShowMessageNotification.type, { type, message });
  return { info: show(MessageType.Info), warn: show(MessageType.Warning), error: show(MessageType.Error) };
}
