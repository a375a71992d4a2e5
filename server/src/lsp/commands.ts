/** `workspace/executeCommand`: argument checks, then the scan and pin services do the work. */
import { CancellationToken, Connection, ErrorCodes, ExecuteCommandParams, Position, ResponseError, TextDocuments, WorkDoneProgressReporter } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { notifier } from './messages';
import type { PinService, Selection } from './pinning';
import { COMMANDS, PinCommandResult } from './protocol';
import type { RegistryAccess } from './registryAccess';
import type { PinVerification } from './verification';
import type { WorkspaceScan } from './workspaceScan';

export interface CommandDeps {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  scan: WorkspaceScan;
  pins: PinService;
  access: RegistryAccess;
  verification: PinVerification;
}

export async function executeCommand(params: ExecuteCommandParams, token: CancellationToken, workDone: WorkDoneProgressReporter, deps: CommandDeps): Promise<unknown> {
  const args = params.arguments ?? [];
  const progress = { token, workDone };
  switch (params.command) {
    case COMMANDS.scanWorkspace:
      return deps.scan.run(progress, true);
    case COMMANDS.pinAllInFile:
      return pinAndApply(deps, uriArgument(args[0]), {}, progress, false);
    case COMMANDS.pinAtCursor: {
      const uri = uriArgument(args[0]);
      const doc = deps.documents.get(uri);
      if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `${params.command}: ${uri} is not open`);
      return pinAndApply(deps, uri, { at: doc.offsetAt(positionArgument(args[1])) }, progress, true);
    }
    case COMMANDS.pinAllInWorkspace:
      return deps.pins.pinWorkspace(progress);
    case COMMANDS.verifyPinsInWorkspace:
      return deps.verification.verifyWorkspace(progress);
    case COMMANDS.clearCache:
      deps.access.clearCache();
      deps.verification.clear();
      notifier(deps.connection).report({ kind: 'status', message: 'Image Pin: the registry cache is cleared' });
      return { cleared: true };
    default:
      throw new ResponseError(ErrorCodes.InvalidParams, `unknown command ${params.command}`);
  }
}

async function pinAndApply(
  deps: CommandDeps,
  uri: string,
  selection: Selection,
  progress: { token: CancellationToken; workDone: WorkDoneProgressReporter },
  single: boolean,
): Promise<PinCommandResult> {
  const { edit, result } = await deps.pins.pinFile(uri, selection, progress);
  if (!edit) {
    deps.pins.report(result, single);
    return result;
  }
  const applied = await deps.connection.workspace.applyEdit({ label: 'Pin images to digests', edit });
  if (!applied.applied) return { ...result, applied: false, reason: applied.failureReason ?? 'the editor did not apply the edit' };
  deps.pins.report(result, single);
  return result;
}

function uriArgument(value: unknown): string {
  if (typeof value === 'string' && value) return value;
  // Some clients send `{uri}` (a TextDocumentIdentifier).
  if (value && typeof value === 'object' && typeof (value as { uri?: unknown }).uri === 'string') return (value as { uri: string }).uri;
  throw new ResponseError(ErrorCodes.InvalidParams, 'expected a document URI as the first argument');
}

function positionArgument(value: unknown): Position {
  if (Position.is(value)) return value;
  throw new ResponseError(ErrorCodes.InvalidParams, 'expected a position {line, character} as the second argument');
}
