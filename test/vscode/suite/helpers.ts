/**
 * What the extension-host suites share: files in the workspace folder, and waits for the states a
 * test needs — the extension active (so its language server has started), diagnostics published
 * for a document's current version, the code action provider offering an action. Every wait
 * re-checks on the event that can change its state (and on a short poll for states without one),
 * ends as soon as the state holds, and fails after a deadline naming what it waited for and what
 * it saw last. None waits for a fixed time.
 */
import * as vscode from 'vscode';

export const EXTENSION_ID = 'image-pin.image-pin';

/** How long a wait may take before it fails; generous, since a loaded CI machine is slow, and a wait ends as soon as its state holds. */
const WAIT_MS = 30_000;
/** How often a state without an event is looked at again. */
const POLL_MS = 50;

export function registryHost(): string {
  const host = process.env.IMAGE_PIN_TEST_REGISTRY;
  if (!host) throw new Error('IMAGE_PIN_TEST_REGISTRY is not set: the runner must start a registry and name it');
  return host;
}

export function digestOf(nameAndTag: string): string {
  const digests = JSON.parse(process.env.IMAGE_PIN_TEST_DIGESTS ?? '{}') as Record<string, string>;
  const digest = digests[nameAndTag];
  if (!digest) throw new Error(`IMAGE_PIN_TEST_DIGESTS has no digest for ${nameAndTag}`);
  return digest;
}

export function workspaceFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test window has no workspace folder');
  return folder.uri;
}

export async function writeFile(relative: string, text: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.joinPath(workspaceFolder(), relative);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

export async function openFile(relative: string, text: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(await writeFile(relative, text));
  await vscode.window.showTextDocument(doc);
  return doc;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Events after which the state is looked at again (it is also polled). */
  events?: Array<vscode.Event<unknown>>;
  /** What was seen instead, for the message on time-out. */
  seen?: () => string;
}

/**
 * Resolves with what `check` returns once that is neither undefined nor false. Fails after the
 * deadline with `what` and, if given, what was seen instead.
 */
export function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let checking = false;
    let again = false;
    const subscriptions: vscode.Disposable[] = [];
    const finish = (error: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearInterval(poll);
      for (const s of subscriptions) s.dispose();
      if (error) reject(error);
      else resolve(value as T);
    };
    // One check at a time; an event during a check asks for one more.
    const look = async () => {
      if (settled) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const value = await check();
          if (value !== undefined && value !== false) return finish(undefined, value as T);
        } while (again && !settled);
      } catch (error) {
        finish(error as Error);
      } finally {
        checking = false;
      }
    };
    const deadline = setTimeout(() => {
      let seen = '';
      try {
        seen = options.seen ? `; seen instead: ${options.seen()}` : '';
      } catch (error) {
        seen = `; (describing what was seen failed: ${(error as Error).message})`;
      }
      finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`));
    }, timeoutMs);
    const poll = setInterval(() => void look(), POLL_MS);
    for (const event of options.events ?? []) subscriptions.push(event(() => void look()));
    void look();
  });
}

/** Waits until the extension is active: its activation awaits the language client's start, so its server is up. */
export function extensionActive(): Promise<vscode.Extension<unknown>> {
  return waitFor('the Image Pin extension to be active (its language server started)', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    return extension?.isActive ? extension : undefined;
  }, { events: [vscode.extensions.onDidChange] });
}

/** Image Pin's diagnostics of a file, whatever version they were computed for. */
export function findings(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'image-pin');
}

export function codeOf(d: vscode.Diagnostic): string {
  return String(typeof d.code === 'object' ? d.code.value : d.code);
}

/**
 * The document version a finding was computed for. The server puts it in the diagnostic's `data`
 * (DiagnosticData in server/src/lsp/protocol.ts), which vscode-languageclient keeps on the
 * diagnostic object this extension host shares with the extension.
 */
function versionOf(d: vscode.Diagnostic): number | null | undefined {
  const data = (d as { data?: { version?: number | null } }).data;
  return data?.version;
}

/**
 * The document's Image Pin diagnostics if each that names a version names the current one;
 * undefined while some still describe an older text.
 */
export function currentDiagnostics(doc: vscode.TextDocument): vscode.Diagnostic[] | undefined {
  const all = findings(doc.uri);
  return all.every((d) => versionOf(d) === undefined || versionOf(d) === doc.version) ? all : undefined;
}

function describeDiagnostics(uri: vscode.Uri): string {
  return JSON.stringify(findings(uri).map((d) => ({ code: codeOf(d), severity: d.severity, line: d.range.start.line, version: versionOf(d) })));
}

/**
 * Waits until the Image Pin diagnostics satisfy `check`: for an open document, those published for
 * its current version; for a file that is not open (a Uri), those the workspace scan published.
 */
export function diagnosticsWhere(target: vscode.TextDocument | vscode.Uri, what: string, check: (d: vscode.Diagnostic[]) => boolean, timeoutMs?: number): Promise<vscode.Diagnostic[]> {
  const uri = target instanceof vscode.Uri ? target : target.uri;
  const label = target instanceof vscode.Uri ? uri.path : `${uri.path} v${target.version}`;
  return waitFor(
    `${what} (Image Pin diagnostics of ${label})`,
    () => {
      const d = target instanceof vscode.Uri ? findings(uri) : currentDiagnostics(target);
      return d && check(d) ? d : undefined;
    },
    { timeoutMs, events: [vscode.languages.onDidChangeDiagnostics], seen: () => describeDiagnostics(uri) },
  );
}

/** The code actions of a kind at a range, the first `resolve` of them resolved (as the lightbulb does on selection). */
export async function codeActions(uri: vscode.Uri, range: vscode.Range, kind = vscode.CodeActionKind.QuickFix, resolve = 10): Promise<vscode.CodeAction[]> {
  return (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range, kind.value, resolve)) ?? [];
}

/**
 * Asks the code action providers again until `pick` finds what the test needs in their answer.
 * One answer proves nothing: VS Code cancels a code action request whose document changes, or
 * whose set of providers changes while it runs (extensions still activating in a new window), and
 * `vscode.executeCodeActionProvider` then returns an empty list rather than an error. A person
 * would press Ctrl+. again; so does this, and it logs how many answers it took.
 */
export function codeActionsWhere<T>(
  doc: vscode.TextDocument,
  range: vscode.Range,
  what: string,
  pick: (actions: vscode.CodeAction[]) => T | undefined,
  kind = vscode.CodeActionKind.QuickFix,
): Promise<T> {
  let last: vscode.CodeAction[] = [];
  let answers = 0;
  const titles = (actions: vscode.CodeAction[]) => JSON.stringify(actions.map((a) => a.title));
  const missed: string[] = [];
  const where = `${range.start.line}:${range.start.character} of ${doc.uri.path}`;
  return waitFor(
    `${what} at ${where}`,
    async () => {
      last = await codeActions(doc.uri, range, kind);
      answers++;
      const found = pick(last);
      if (found === undefined && missed.length < 3) missed.push(titles(last));
      if (found !== undefined && answers > 1) console.log(`codeActionsWhere: ${what} at ${where} came with answer ${answers}; before: ${missed.join(', ')}`);
      return found;
    },
    { seen: () => `${answers} answers, the last: ${JSON.stringify(last.map((a) => ({ title: a.title, preferred: a.isPreferred ?? false })))}; diagnostics ${describeDiagnostics(doc.uri)}` },
  );
}

/** The preferred quick fix at a range, once the provider offers it. */
export function preferredQuickFix(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.CodeAction> {
  return codeActionsWhere(doc, range, 'the preferred quick fix', (actions) => actions.find((a) => a.isPreferred));
}

/** Waits until the document's text is `expected` (an edit applied by the extension or the server). */
export function textBecomes(doc: vscode.TextDocument, expected: string, what: string): Promise<true> {
  return waitFor(what, () => doc.getText() === expected || undefined, {
    events: [vscode.workspace.onDidChangeTextDocument],
    seen: () => JSON.stringify(doc.getText()),
  });
}

/** What the extension's activate() returns (client/src/extension.ts ImagePinApi). */
export interface ImagePinApi {
  readonly reports: ReadonlyArray<{ kind: string; message: string; buttons: string[] }>;
  readonly shownRule: string | undefined;
  /** The Environments view's data provider, once the server started. */
  readonly environmentsView?: vscode.TreeDataProvider<unknown>;
}

export async function extensionApi(): Promise<ImagePinApi> {
  const extension = vscode.extensions.getExtension<ImagePinApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  return extension.activate();
}

/** Waits for a report shown after `since` (an index into api.reports) that `match`es. */
export function reportAfter(api: ImagePinApi, since: number, what: string, match: (r: ImagePinApi['reports'][number]) => boolean): Promise<ImagePinApi['reports'][number]> {
  return waitFor(`a report: ${what}`, () => api.reports.slice(since).find(match));
}

/** Every open tab's label. */
export function tabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
}
