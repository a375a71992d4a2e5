/**
 * Reads and extracts many files: on this thread, and on worker threads as well only when
 * there are enough bytes to pay for starting them.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { JudgedExtraction, extractLocated, judgedPart } from './checkText';
import { readForCheck } from './readFile';
import { Doc, mayDeclareApp } from '../core/env/read';
import { Bail } from '../core/extract/lineScan';
import { environmentFacts } from './environments';
import { LineIndex } from '../core/text';

export interface ExtractJob {
  absolute: string;
  imageKeys: string[];
  maxFileSize: number;
  /** The file's size and mtime when listed: batches are sized by bytes, and the file is not stat-ed again. */
  stat?: { size: number; mtimeMs: number };
  /** false: no listed chart can own this file as its values, so no values tree is read for the model. */
  values?: false;
}

export type ExtractOutcome =
  | { kind: 'extracted'; extraction: JudgedExtraction; size: number; mtimeMs: number }
  | { kind: 'skipped'; reason: string }
  | { kind: 'error'; reason: string };

export function extractFile(job: ExtractJob): ExtractOutcome {
  const read = readForCheck(job.absolute, job.maxFileSize, job.stat);
  if (read.kind !== 'text') return read;
  // Scans read with the structural fast path; it hands any document it is unsure of to `yaml`. The
  // documents the extraction reads are handed on, so the environment model's facts cost no second parse.
  let docs: Doc[] = [];
  const extraction = extractLocated(read.text, { path: job.absolute, imageKeys: job.imageKeys, fast: true, onDocument: (doc, source, offset, workloads) => docs.push({ doc, source, offset, workloads }) });
  const judged = judgedPart(extraction);
  const app = mayDeclareApp(read.text);
  if (app) judged.declaresApp = true;
  const factsOptions = { values: job.values, app, fast: true };
  try {
    judged.facts = environmentFacts(job.absolute, read.text, docs, factsOptions);
  } catch (err) {
    if (!(err instanceof Bail)) throw err;
    // The model read a part of a fast-path tree that only `yaml` knows: its documents, parsed.
    docs = [];
    extractLocated(read.text, { path: job.absolute, imageKeys: job.imageKeys, onDocument: (doc, source, offset, workloads) => docs.push({ doc, source, offset, workloads }) });
    judged.facts = environmentFacts(job.absolute, read.text, docs, { ...factsOptions, fast: false });
  }
  if (judged.facts?.kustomization) judged.lineStarts = new LineIndex(read.text).starts;
  return { kind: 'extracted', extraction: judged, size: read.size, mtimeMs: read.mtimeMs };
}

/**
 * Below this many bytes one thread does it all: the fast path reads about 50 MB/s cold on
 * one core, and a worker costs a start-up and a cold JIT, and competes for the same two
 * cores with the main thread and the garbage collector (measured in docs/performance.md).
 */
const WORKER_MIN_BYTES = 96 * 1024 * 1024;

/** The threshold, which IMAGE_PIN_WORKER_MIN_BYTES overrides (tests start workers on small trees with it). */
function workerMinBytes(): number {
  const set = Number(process.env.IMAGE_PIN_WORKER_MIN_BYTES);
  return process.env.IMAGE_PIN_WORKER_MIN_BYTES && Number.isFinite(set) && set >= 0 ? set : WORKER_MIN_BYTES;
}
/** Work is handed out in batches of about this many bytes, so a few large files do not leave a thread idle. */
const BATCH_BYTES = 2 * 1024 * 1024;
const BATCH_MAX_FILES = 256;

export interface ExtractManyOptions {
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function extractMany(jobs: ExtractJob[], opts: ExtractManyOptions = {}): Promise<ExtractOutcome[]> {
  const results: ExtractOutcome[] = new Array(jobs.length);
  const totalBytes = jobs.reduce((sum, j) => sum + (j.stat?.size ?? 0), 0);
  const threads = Math.min(opts.workers ?? os.availableParallelism(), Math.max(2, Math.ceil(totalBytes / BATCH_BYTES)));
  let next = 0;
  let done = 0;
  /** The next batch of job indices, sized by bytes. */
  const takeBatch = (): [number, number] | null => {
    if (next >= jobs.length) return null;
    const start = next;
    let bytes = 0;
    while (next < jobs.length && (next === start || (bytes < BATCH_BYTES && next - start < BATCH_MAX_FILES))) bytes += jobs[next++].stat?.size ?? 0;
    return [start, next];
  };
  const finished = (count: number) => {
    done += count;
    opts.onProgress?.(done, jobs.length);
  };
  // The main thread always works; it yields between batches for cancellation and other requests.
  const runHere = async () => {
    for (let batch = takeBatch(); batch; batch = takeBatch()) {
      if (opts.signal?.aborted) throw abortError();
      for (let i = batch[0]; i < batch[1]; i++) results[i] = extractFile(jobs[i]);
      finished(batch[1] - batch[0]);
      await new Promise((r) => setImmediate(r));
    }
  };
  if (totalBytes < workerMinBytes() || threads < 2) {
    await runHere();
    opts.onProgress?.(jobs.length, jobs.length);
    return results;
  }

  const workerFile = path.join(__dirname, 'worker.js');
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(workerFile);
      let batch: [number, number] | null = null;
      const sendNext = () => {
        batch = opts.signal?.aborted ? null : takeBatch();
        if (!batch) {
          void worker.terminate();
          if (opts.signal?.aborted) reject(abortError());
          else resolve();
          return;
        }
        worker.postMessage(jobs.slice(batch[0], batch[1]));
      };
      worker.on('message', (outcomes: ExtractOutcome[]) => {
        for (let i = 0; i < outcomes.length; i++) results[batch![0] + i] = outcomes[i];
        finished(outcomes.length);
        sendNext();
      });
      worker.on('error', reject);
      sendNext();
    });
  // One thread fewer than cores in workers: the main thread is the last one. Workers first, so they
  // boot while the main thread reads its first batch.
  const workers = Array.from({ length: threads - 1 }, runWorker);
  await Promise.all([...workers, runHere()]);
  return results;
}

function abortError(): Error {
  const err = new Error('The scan was cancelled.');
  err.name = 'AbortError';
  return err;
}
