/**
 * The Image Pin extension: starts the language server and connects VS Code's UI to it. Checks,
 * fixes and lookups all happen in the server.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { commandArguments } from './commandArguments';
import { ENVIRONMENT_SETTINGS, currentEnvironment } from './environment';
import { CLIENT_COMMANDS, DID_CHANGE_ENVIRONMENT, INTERNAL_COMMANDS, REPORT, type ClientFeatures, type Environment } from '../../shared/src/protocol';
import { Reports, asReport, type ShownReport } from './reports';
import { RuleHelp, ruleLinkBase } from './ruleHelp';
import { createStatusBar } from './statusBar';
import { registerEnvironmentsView } from './environmentsView';
import { registerPromotion } from './promote';
import { showVerificationStatus } from './verify';

let client: LanguageClient | undefined;

/** What the extension returns from `activate`: what it has shown and its views, for tests and other extensions. */
export interface ImagePinApi {
  /** Reports shown in this window (status lines and notifications with their buttons), oldest first. */
  readonly reports: readonly ShownReport[];
  /** The rule whose help is open, if it is. */
  readonly shownRule: string | undefined;
  /** The Environments view's data provider, once the server started. */
  environmentsView?: vscode.TreeDataProvider<unknown>;
}

export async function activate(context: vscode.ExtensionContext): Promise<ImagePinApi> {
  const output = vscode.window.createOutputChannel('Image Pin', { log: true });
  const reports = new Reports(output);
  // A report from the server (a notification, or a code action's command) is checked before it is shown.
  const showReport = (value: unknown): void => {
    const report = asReport(value);
    if (report) reports.show(report);
  };
  const ruleHelp = new RuleHelp(context);
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand(CLIENT_COMMANDS.showOutput, () => output.show()),
    vscode.commands.registerCommand(INTERNAL_COMMANDS.showReport, showReport),
  );
  const api: ImagePinApi = {
    get reports() {
      return reports.shown;
    },
    get shownRule() {
      return ruleHelp.shownRule;
    },
  };

  // The packaged extension ships one bundled server; a development checkout runs the compiled one.
  const bundled = context.asAbsolutePath('dist/server.js');
  const module = fs.existsSync(bundled) ? bundled : context.asAbsolutePath('out/server/src/lsp/main.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };

  const include = vscode.workspace.getConfiguration('imagePin').get<string[]>('include') ?? [];
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'yaml' },
      { language: 'dockercompose' },
      { language: 'helm' },
      // Files the include globs name whatever their language (globs are relative to a folder).
      ...include.map((glob) => ({ scheme: 'file', pattern: glob.startsWith('**/') || glob.startsWith('/') ? glob : `**/${glob}` })),
    ],
    synchronize: {
      fileEvents: [vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}'), vscode.workspace.createFileSystemWatcher('**/.image-pin.{yaml,yml}')],
    },
    initializationOptions: { ...currentEnvironment(), reports: true, ruleLinkBase: ruleLinkBase(context) } satisfies Environment & ClientFeatures,
    outputChannel: output,
    middleware: {
      executeCommand: async (command, args, next) => {
        const filled = commandArguments(client!, command, args);
        if (!filled) {
          reports.show({ kind: 'warning', message: 'Image Pin: open a YAML file in the editor first.' });
          return undefined;
        }
        return next(command, filled);
      },
    },
  };

  client = new LanguageClient('imagePin', 'Image Pin', serverOptions, clientOptions);
  const sendEnvironment = () => void client?.sendNotification(DID_CHANGE_ENVIRONMENT, currentEnvironment());
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(sendEnvironment),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (ENVIRONMENT_SETTINGS.some((s) => e.affectsConfiguration(s))) sendEnvironment();
    }),
  );
  createStatusBar(context);
  context.subscriptions.push(client.onNotification(REPORT, showReport));
  showVerificationStatus(context, client);
  try {
    // Awaited so that the server's commands are registered before a command that activated us runs.
    await client.start();
    api.environmentsView = registerEnvironmentsView(context, client);
    registerPromotion(context, client, reports);
  } catch (err) {
    output.appendLine(`The Image Pin language server did not start: ${(err as Error).message}`);
    reports.show({ kind: 'error', message: 'Image Pin: the language server did not start.', actions: ['showOutput'] });
  }
  return api;
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
