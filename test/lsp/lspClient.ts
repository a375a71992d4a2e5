/**
 * A small LSP client for the protocol tests: starts the BUILT server as a child process over
 * stdio and plays the editor's part — initialize with workspace folders, answer
 * `workspace/configuration`, progress creation, message requests and `workspace/applyEdit`, and
 * collect diagnostics, progress and messages for assertions.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ApplyWorkspaceEditParams,
  ApplyWorkspaceEditResult,
  CodeAction,
  CodeActionParams,
  Diagnostic,
  ExecuteCommandParams,
  Hover,
  InitializeResult,
  Message,
  MessageActionItem,
  NotificationMessage,
  Position,
  ProgressToken,
  ProtocolConnection,
  PublishDiagnosticsParams,
  Range,
  ResponseMessage,
  ShowMessageParams,
  ShowMessageRequestParams,
  TextDocumentEdit,
  TextEdit,
  WorkDoneProgressBegin,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
  WorkspaceEdit,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { REPO_ROOT } from '../helpers/paths';

/** Environment for a server that must not read the developer's Docker config (a path that does not exist). */
export const NO_DOCKER_CONFIG = { DOCKER_CONFIG: path.join(os.tmpdir(), 'image-pin-lsp-no-docker-config') };
export const SERVER_MAIN = path.join(REPO_ROOT, 'out', 'server', 'src', 'lsp', 'main.js');

export interface StartOptions {
  /** Absolute folder paths opened as workspace folders. */
  folders?: string[];
  /** The `imagePin` section answered for each `workspace/configuration` item (by scope URI). */
  settings?: Record<string, unknown> | ((scopeUri: string | undefined) => Record<string, unknown> | undefined);
  initializationOptions?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** How `window/showMessageRequest` is answered (default: the first action). */
  answer?: (params: ShowMessageRequestParams) => MessageActionItem | null;
  /** Whether `workspace/applyEdit` reports success (default true). */
  applyEdits?: boolean;
  /** Declare change annotation support, as VS Code does (its refactor preview). */
  changeAnnotations?: boolean;
  /** A server command to run itself (an installed `image-pin-language-server`), instead of out/ under this Node. */
  executable?: string;
  /** Another build's server entry point (e.g. a baseline's out/server/src/lsp/main.js), run under this Node. */
  serverMain?: string;
  /** Node options for the server process (e.g. `--cpu-prof`), before its entry point. */
  nodeArgs?: string[];
}

export type ProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

export interface OpenDocument {
  uri: string;
  doc: TextDocument;
}

/**
 * Waits for states of a client: each wait is checked now and after every change the client
 * reports (a message arrived), and fails after its deadline with what it waited for and `context()`.
 */
class StateWaits {
  private waiters: Array<() => void> = [];

  constructor(private readonly context: () => string) {}

  changed(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== attempt);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.context()}`));
      }, timeoutMs);
      const attempt = () => {
        const value = check();
        if (value !== undefined && value !== false) {
          clearTimeout(timer);
          resolve(value as T);
        } else this.waiters.push(attempt);
      };
      attempt();
    });
  }
}

export class TestClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  /** Every publishDiagnostics, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  readonly progress: Array<{ token: ProgressToken; value: ProgressValue }> = [];
  readonly createdProgress: ProgressToken[] = [];
  readonly messages: ShowMessageParams[] = [];
  /** `imagePin/report` notifications (sent when initializationOptions.reports is true). */
  readonly reports: Array<{ kind: string; message: string; actions?: string[]; settingsQuery?: string; details?: string[] }> = [];
  /** `imagePin/verificationStatus` notifications, in order. */
  readonly verification: Array<{ uri: string; pins: number; pending: number; registryErrors: number; errors: string[] }> = [];
  readonly messageRequests: ShowMessageRequestParams[] = [];
  readonly appliedEdits: ApplyWorkspaceEditParams[] = [];
  readonly logs: string[] = [];
  readonly configurationRequests: Array<string | undefined> = [];
  /** How many times the server said its environment model changed. */
  environmentChanges = 0;
  stderr = '';
  settings: StartOptions['settings'];
  answer: NonNullable<StartOptions['answer']>;
  initializeResult!: InitializeResult;
  private readonly docs = new Map<string, TextDocument>();
  private readonly waits = new StateWaits(() => `server stderr: ${this.stderr.slice(-2000)}\nlog: ${this.logs.slice(-20).join('\n')}`);

  private constructor(
    readonly connection: ProtocolConnection,
    readonly process: ChildProcess,
    opts: StartOptions,
  ) {
    this.settings = opts.settings;
    this.answer = opts.answer ?? ((p) => p.actions?.[0] ?? null);
    const changed = () => this.waits.changed();
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      this.published.push(p);
      changed();
    });
    connection.onNotification('$/progress', (p: { token: ProgressToken; value: ProgressValue }) => {
      this.progress.push(p);
      changed();
    });
    connection.onNotification('window/showMessage', (p: ShowMessageParams) => {
      this.messages.push(p);
      changed();
    });
    connection.onNotification('imagePin/report', (p: TestClient['reports'][number]) => {
      this.reports.push(p);
      changed();
    });
    connection.onNotification('imagePin/didChangeEnvironments', () => {
      this.environmentChanges++;
      changed();
    });
    connection.onNotification('imagePin/verificationStatus', (p: TestClient['verification'][number]) => {
      this.verification.push(p);
      changed();
    });
    connection.onNotification('window/logMessage', (p: { message: string }) => void this.logs.push(p.message));
    connection.onRequest('workspace/configuration', (p: { items: Array<{ scopeUri?: string; section?: string }> }) =>
      p.items.map((item) => {
        this.configurationRequests.push(item.scopeUri);
        const s = typeof this.settings === 'function' ? this.settings(item.scopeUri) : this.settings;
        return s ?? null;
      }),
    );
    connection.onRequest('window/workDoneProgress/create', (p: { token: ProgressToken }) => {
      this.createdProgress.push(p.token);
      return null;
    });
    connection.onRequest('window/showMessageRequest', (p: ShowMessageRequestParams) => {
      this.messageRequests.push(p);
      changed();
      return this.answer(p);
    });
    connection.onRequest('workspace/applyEdit', (p: ApplyWorkspaceEditParams): ApplyWorkspaceEditResult => {
      this.appliedEdits.push(p);
      changed();
      if (opts.applyEdits === false) return { applied: false, failureReason: 'refused by the test' };
      this.applyLocally(p.edit);
      return { applied: true };
    });
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('client/unregisterCapability', () => null);
  }

  static async start(opts: StartOptions = {}): Promise<TestClient> {
    const [command, args] = opts.executable ? [opts.executable, ['--stdio']] : [process.execPath, [...(opts.nodeArgs ?? []), opts.serverMain ?? SERVER_MAIN, '--stdio']];
    const child = spawn(command, args, {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new TestClient(connection, child, opts);
    child.stderr!.on('data', (d: Buffer) => (client.stderr += d.toString()));
    connection.listen();
    const folders = (opts.folders ?? []).map((f) => ({ uri: pathToFileURL(f).href, name: path.basename(f) }));
    client.initializeResult = await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folders[0]?.uri ?? null,
      workspaceFolders: folders,
      initializationOptions: { debounceMs: 0, ...opts.initializationOptions },
      capabilities: {
        window: { workDoneProgress: true, showMessage: { messageActionItem: { additionalPropertiesSupport: false } } },
        workspace: {
          configuration: true,
          workspaceFolders: true,
          applyEdit: true,
          workspaceEdit: { documentChanges: true, ...(opts.changeAnnotations ? { changeAnnotationSupport: { groupsOnLabel: true } } : {}) },
          didChangeConfiguration: { dynamicRegistration: true },
          didChangeWatchedFiles: { dynamicRegistration: false },
        },
        textDocument: {
          publishDiagnostics: { versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          codeAction: {
            resolveSupport: { properties: ['edit'] },
            dataSupport: true,
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } },
          },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
      },
    });
    await connection.sendNotification('initialized', {});
    return client;
  }

  // ---- documents ----

  async open(file: string, text?: string, languageId = 'yaml'): Promise<OpenDocument> {
    const uri = pathToFileURL(file).href;
    const content = text ?? fs.readFileSync(file, 'utf8');
    const doc = TextDocument.create(uri, languageId, 1, content);
    this.docs.set(uri, doc);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text: content } });
    return { uri, doc };
  }

  openUntitled(name: string, text: string, languageId = 'yaml'): Promise<void> {
    const uri = `untitled:${name}`;
    this.docs.set(uri, TextDocument.create(uri, languageId, 1, text));
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Replaces `range` (or the whole text) with `text`, as an incremental change; returns the new version. */
  async change(uri: string, text: string, range?: Range): Promise<number> {
    const doc = this.document(uri);
    const version = doc.version + 1;
    const change = range ? { range, text } : { text };
    TextDocument.update(doc, [change], version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
    return version;
  }

  close(uri: string): Promise<void> {
    this.docs.delete(uri);
    return this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  document(uri: string): TextDocument {
    const doc = this.docs.get(uri);
    if (!doc) throw new Error(`${uri} is not open in the test client`);
    return doc;
  }

  text(uri: string): string {
    return this.document(uri).getText();
  }

  /** The text a diagnostic's (or any) range covers in the client's copy of the document. */
  covered(uri: string, range: Range): string {
    const doc = this.document(uri);
    return doc.getText().slice(doc.offsetAt(range.start), doc.offsetAt(range.end));
  }

  // ---- requests ----

  codeActions(uri: string, range: Range, only?: string[]): Promise<CodeAction[]> {
    const diagnostics = (this.diagnostics.get(uri)?.diagnostics ?? []).filter((d) => overlaps(d.range, range));
    const params: CodeActionParams = { textDocument: { uri }, range, context: { diagnostics, only } };
    return this.connection.sendRequest('textDocument/codeAction', params);
  }

  resolve(action: CodeAction): Promise<CodeAction> {
    return this.connection.sendRequest('codeAction/resolve', action);
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  }

  execute<T>(command: string, args: unknown[] = [], workDoneToken?: ProgressToken): Promise<T> {
    const params: ExecuteCommandParams = { command, arguments: args };
    if (workDoneToken !== undefined) params.workDoneToken = workDoneToken;
    return this.connection.sendRequest('workspace/executeCommand', params);
  }

  settingsChanged(): Promise<void> {
    return this.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  }

  filesChanged(changes: Array<{ file: string; type: 1 | 2 | 3 }>): Promise<void> {
    return this.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: changes.map((c) => ({ uri: pathToFileURL(c.file).href, type: c.type })) });
  }

  environment(env: Record<string, unknown>): Promise<void> {
    return this.connection.sendNotification('imagePin/didChangeEnvironment', env);
  }

  /**
   * Applies a WorkspaceEdit's TextDocumentEdits to the open documents as an editor does (refusing a
   * version mismatch) and tells the server with didChange. Edits of files that are not open are
   * only recorded (see appliedEdits).
   */
  applyLocally(edit: WorkspaceEdit): void {
    for (const change of edit.documentChanges ?? []) {
      if (!TextDocumentEdit.is(change)) continue;
      const doc = this.docs.get(change.textDocument.uri);
      if (!doc) continue;
      if (change.textDocument.version !== null && change.textDocument.version !== doc.version) {
        throw new Error(`edit for version ${change.textDocument.version} of ${doc.uri}, which is at ${doc.version}`);
      }
      const text = TextDocument.applyEdits(doc, change.edits.filter((e): e is TextEdit => 'newText' in e));
      const version = doc.version + 1;
      TextDocument.update(doc, [{ text }], version);
      void this.connection.sendNotification('textDocument/didChange', { textDocument: { uri: doc.uri, version }, contentChanges: [{ text }] });
    }
  }

  // ---- waiting ----

  /** Resolves when `check` returns a value (checked after every message), or fails after `timeoutMs`. */
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return this.waits.waitFor(what, check, timeoutMs);
  }

  /** Diagnostics published for `uri` at `version` (any version when omitted) that satisfy `check`. */
  diagnosticsFor(uri: string, opts: { version?: number; check?: (d: Diagnostic[]) => boolean; timeoutMs?: number } = {}): Promise<Diagnostic[]> {
    return this.waitFor(`diagnostics for ${uri}${opts.version !== undefined ? ` v${opts.version}` : ''}`, () => {
      const p = this.diagnostics.get(uri);
      if (!p || (opts.version !== undefined && p.version !== opts.version)) return undefined;
      return !opts.check || opts.check(p.diagnostics) ? p.diagnostics : undefined;
    }, opts.timeoutMs);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise((r) => this.process.once('exit', r));
      try {
        await Promise.race([this.connection.sendRequest('shutdown'), delay(2000)]);
        await this.connection.sendNotification('exit');
      } catch {
        // The connection is gone already.
      }
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    this.connection.dispose();
  }
}

export function fileUri(file: string): string {
  return pathToFileURL(file).href;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function overlaps(a: Range, b: Range): boolean {
  const before = (p: Position, q: Position) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** A range from offsets of a text. */
export function rangeOf(text: string, needle: string, from = 0): Range {
  const start = text.indexOf(needle, from);
  if (start < 0) throw new Error(`${JSON.stringify(needle)} not in the text`);
  const doc = TextDocument.create('x:', 'yaml', 0, text);
  return { start: doc.positionAt(start), end: doc.positionAt(start + needle.length) };
}

/**
 * The built server over stdio with the bytes written by the test itself, for what a well-behaved
 * client never sends: requests out of the lifecycle's order and malformed headers. What the server
 * writes back is read with vscode-jsonrpc's reader; requests from the server are answered `null`.
 */
export class RawServer {
  readonly responses = new Map<number | string, ResponseMessage>();
  readonly notifications: NotificationMessage[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly waits = new StateWaits(() => `server stderr: ${this.stderr.slice(-2000)}`);

  private constructor(readonly process: ChildProcess) {
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
    process.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.changed();
    });
    const reader = new StreamMessageReader(process.stdout!);
    reader.listen((message) => {
      if (Message.isResponse(message) && message.id !== null) this.responses.set(message.id, message);
      else if (Message.isRequest(message)) this.send({ jsonrpc: '2.0', id: message.id, result: null });
      else if (Message.isNotification(message)) this.notifications.push(message);
      this.changed();
    });
  }

  static start(): RawServer {
    return new RawServer(spawn(process.execPath, [SERVER_MAIN, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** A message with a correct header. */
  static frame(message: object): Buffer {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
  }

  write(bytes: Buffer | string): void {
    this.process.stdin!.write(bytes);
  }

  send(message: object): void {
    this.write(RawServer.frame({ jsonrpc: '2.0', ...message }));
  }

  request(id: number, method: string, params: unknown = {}): void {
    this.send({ id, method, params });
  }

  notify(method: string, params: unknown = {}): void {
    this.send({ method, params });
  }

  initialize(id = 1): Promise<ResponseMessage> {
    this.request(id, 'initialize', { processId: null, rootUri: null, capabilities: {} });
    return this.response(id);
  }

  /** The response to request `id`, when it arrives. */
  response(id: number, timeoutMs = 10_000): Promise<ResponseMessage> {
    return this.waitFor(`the response to request ${id}`, () => this.responses.get(id), timeoutMs);
  }

  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return this.waits.waitFor(what, check, timeoutMs);
  }

  kill(): void {
    if (this.process.exitCode === null) this.process.kill('SIGKILL');
  }

  private changed(): void {
    this.waits.changed();
  }
}
