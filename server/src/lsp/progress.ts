/**
 * Long work with work-done progress and cancellation: the client's token when the request carried
 * one, else a server-created one (`window/workDoneProgress/create`). Cancelling the request or the
 * progress aborts the signal the work runs with.
 */
import { CancellationToken, Connection, WorkDoneProgressReporter } from 'vscode-languageserver';

export interface ProgressOptions {
  title: string;
  /** The reporter the library attached for the request's `workDoneToken` (a null one when it sent none). */
  workDone?: WorkDoneProgressReporter;
  /** The request's cancellation token. */
  token?: CancellationToken;
}

export type Report = (message: string, percentage?: number) => void;

export async function withProgress<T>(connection: Connection, opts: ProgressOptions, work: (report: Report, signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const disposables = [opts.token?.onCancellationRequested(abort)];
  if (opts.token?.isCancellationRequested) abort();

  let progress: WorkDoneProgressReporter;
  if (opts.workDone && !WorkDoneProgressReporter.isNullInstance(opts.workDone)) {
    progress = opts.workDone;
  } else {
    const created = await connection.window.createWorkDoneProgress().catch(() => undefined);
    if (created) disposables.push(created.token.onCancellationRequested(abort));
    progress = created ?? connection.window.attachWorkDoneProgress(undefined);
  }
  progress.begin(opts.title, 0, undefined, true);
  try {
    return await work((message, percentage) => (percentage === undefined ? progress.report(message) : progress.report(percentage, message)), controller.signal);
  } finally {
    progress.done();
    for (const d of disposables) d?.dispose();
  }
}
