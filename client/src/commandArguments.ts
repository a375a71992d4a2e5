/**
 * The server's commands are registered by the language client; invoked from the Command Palette
 * or a context menu they lack the arguments the server needs. This fills them in from the clicked
 * resource or the active editor.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { COMMANDS } from '../../shared/src/protocol';

/** The arguments to send, or undefined when there is no file to act on. */
export function commandArguments(client: LanguageClient, command: string, args: unknown[]): unknown[] | undefined {
  const editor = vscode.window.activeTextEditor;
  const toUri = (u: unknown): string | undefined => (u instanceof vscode.Uri ? client.code2ProtocolConverter.asUri(u) : typeof u === 'string' ? u : undefined);
  switch (command) {
    case COMMANDS.pinAllInFile: {
      const uri = toUri(args[0]) ?? (editor && client.code2ProtocolConverter.asUri(editor.document.uri));
      return uri ? [uri] : undefined;
    }
    case COMMANDS.pinAtCursor: {
      if (typeof args[0] === 'string' && args[1]) return args;
      const clicked = args[0] instanceof vscode.Uri ? args[0].toString() : undefined;
      if (!editor || (clicked && clicked !== editor.document.uri.toString())) return undefined;
      const { line, character } = editor.selection.active;
      return [client.code2ProtocolConverter.asUri(editor.document.uri), { line, character }];
    }
    default:
      // Context menus pass the clicked resource; the other commands take no arguments.
      return [];
  }
}
