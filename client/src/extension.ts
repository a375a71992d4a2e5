/**
 * The Image Pin extension: starts the language server and connects VS Code's UI to it. Checks,
 * fixes and lookups all happen in the server.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { commandArguments } from './commandArguments';
import { ENVIRONMENT_SETTINGS, currentEnvironment } from './environment';
import { CLIENT_COMMANDS, DID_CHANGE_ENVIRONMENT } from '../../shared/src/protocol';
import { createStatusBar } from './statusBar';
import { registerEnvironmentsView } from './environmentsView';
import { showVerificationStatus } from './verify';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Image Pin', { log: true });
  context.subscriptions.push(output, vscode.commands.registerCommand(CLIENT_COMMANDS.showOutput, () => output.show()));

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
    initializationOptions: currentEnvironment(),
    outputChannel: output,
    middleware: {
      executeCommand: async (command, args, next) => {
        const filled = commandArguments(client!, command, args);
        if (!filled) {
          void vscode.window.showWarningMessage('Image Pin: open a YAML file in the editor first.');
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
  showVerificationStatus(context, client);
  try {
    // Awaited so that the server's commands are registered before a command that activated us runs.
    await client.start();
    registerEnvironmentsView(context, client);
  } catch (err) {
    output.appendLine(`The Image Pin language server did not start: ${(err as Error).message}`);
    void vscode.window.showErrorMessage('Image Pin: the language server did not start. See the Image Pin output.');
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
