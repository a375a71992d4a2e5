/** What the extension-host suites share: files in the workspace folder, waiting, reading diagnostics. */
import * as vscode from 'vscode';

export const EXTENSION_ID = 'image-pin.image-pin';

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

export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function findings(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'image-pin');
}

export function codeOf(d: vscode.Diagnostic): string {
  return String(typeof d.code === 'object' ? d.code.value : d.code);
}

/** Waits until the file's Image Pin diagnostics satisfy `check`. */
export function diagnosticsWhere(uri: vscode.Uri, what: string, check: (d: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  return waitFor(what, () => {
    const d = findings(uri);
    return check(d) ? d : undefined;
  });
}

/** The quick fixes at a range, with the edits of the first ones resolved (as the lightbulb does on selection). */
export async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  return (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value, 10)) ?? [];
}

/** What the extension's activate() returns (client/src/extension.ts ImagePinApi). */
export interface ImagePinApi {
  readonly reports: ReadonlyArray<{ kind: string; message: string; buttons: string[] }>;
  readonly shownRule: string | undefined;
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
