/**
 * The LSP lifecycle, kept in front of every handler: until `initialize` a request is answered
 * with ServerNotInitialized and a notification is dropped; after `shutdown` a request is answered
 * with InvalidRequest and only `exit` is still read. vscode-languageserver dispatches whatever
 * arrives, so a handler would otherwise run on a server that has no state yet (or none left).
 * It sits between the transport's reader and the connection, on every transport.
 */
import {
  DataCallback,
  Disposable,
  ErrorCodes,
  Message,
  MessageReader,
  MessageWriter,
  NotificationMessage,
  RequestMessage,
  ResponseMessage,
} from 'vscode-languageserver/node';

type Phase = 'before-initialize' | 'running' | 'shut-down';

export class LifecycleGate implements MessageReader {
  private phase: Phase = 'before-initialize';

  constructor(
    private readonly reader: MessageReader,
    private readonly writer: MessageWriter,
  ) {}

  /** Whether `shutdown` was received (the exit code of the process on `exit` or a closed input). */
  get shutdownReceived(): boolean {
    return this.phase === 'shut-down';
  }

  get onError() {
    return this.reader.onError;
  }

  get onClose() {
    return this.reader.onClose;
  }

  get onPartialMessage() {
    return this.reader.onPartialMessage;
  }

  listen(callback: DataCallback): Disposable {
    return this.reader.listen((message) => {
      if (this.admit(message)) callback(message);
    });
  }

  dispose(): void {
    this.reader.dispose();
  }

  private admit(message: Message): boolean {
    if (Message.isRequest(message)) return this.admitRequest(message);
    if (Message.isNotification(message)) return this.admitNotification(message);
    return true; // a response to one of our requests
  }

  private admitRequest(request: RequestMessage): boolean {
    switch (this.phase) {
      case 'before-initialize':
        if (request.method === 'initialize') {
          this.phase = 'running';
          return true;
        }
        return this.refuse(request, ErrorCodes.ServerNotInitialized, `the server is not initialized yet: ${request.method} before initialize`);
      case 'running':
        if (request.method === 'initialize') return this.refuse(request, ErrorCodes.InvalidRequest, 'the server is already initialized');
        if (request.method === 'shutdown') this.phase = 'shut-down';
        return true;
      case 'shut-down':
        return this.refuse(request, ErrorCodes.InvalidRequest, `the server is shut down: ${request.method} after shutdown`);
    }
  }

  private admitNotification(notification: NotificationMessage): boolean {
    return notification.method === 'exit' || this.phase === 'running';
  }

  private refuse(request: RequestMessage, code: number, message: string): false {
    const response: ResponseMessage = { jsonrpc: '2.0', id: request.id, error: { code, message } };
    void this.writer.write(response).catch(() => undefined);
    return false;
  }
}
