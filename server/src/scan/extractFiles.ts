/**
 * Reads and extracts many files: on this thread, and on worker threads as well only when
 * there are enough bytes to pay for starting them.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { JudgedExtraction, extractLocated, judgedPart } from './checkText';
import { readTextForScan } from './readFile';
import { regularFileStat } from './files';
import { Doc, mayDeclareApp } from '../core/env/read';
import { Bail } from '../core/extract/lineScan';
import { environmentFacts } from './environments';
import { LineIndex } from '../core/text';

export interface ExtractJob {
  absolute: string;
  imageKeys: string[];
  maxFileSize: number;
  /**
   * The file's size and mtime when the caller stat-ed it (the result cache's lookup), so that the read
   * does not ask again; batches are sized by these bytes. Without it, the read's fstat gives them.
   */
  stat?: { size: number; mtimeMs: number };
  /** false: no listed chart can own this file as its values, so no values tree is read for the model. */
  values?: false;
}

export type ExtractOutcome =
  | { kind: 'extracted'; extraction: JudgedExtraction; size: number; mtimeMs: number }
  | { kind: 'skipped'; reason: string }
  | { kind: 'error'; reason: string };

export function extractFile(job: ExtractJob): ExtractOutcome {
  const read = readTextForScan(job.absolute, job.maxFileSize, job.stat);
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
  const maxThreads = opts.workers ?? os.availableParallelism();
  const minBytes = workerMinBytes();
  let next = 0;
  let done = 0;
  const finished = (count: number) => {
    done += count;
    opts.onProgress?.(done, jobs.length);
  };
  /** The next batch of job indices, sized by the bytes known (a file not stat-ed counts for none). */
  const takeBatch = (): [number, number] | null => {
    if (next >= jobs.length) return null;
    const start = next;
    let bytes = 0;
    while (next < jobs.length && (next === start || (bytes < BATCH_BYTES && next - start < BATCH_MAX_FILES))) bytes += jobs[next++].stat?.size ?? 0;
    return [start, next];
  };
  /** Extracts a batch on this thread, then yields (for cancellation and other requests); the bytes it read. */
  const runBatch = async ([from, to]: [number, number]): Promise<number> => {
    if (opts.signal?.aborted) throw abortError();
    let bytes = 0;
    for (let i = from; i < to; i++) {
      const outcome = (results[i] = extractFile(jobs[i]));
      if (outcome.kind === 'extracted') bytes += outcome.size;
    }
    finished(to - from);
    await new Promise((r) => setImmediate(r));
    return bytes;
  };
  const runHere = async () => {
    for (let batch = takeBatch(); batch; batch = takeBatch()) await runBatch(batch);
  };
  // Whether workers pay is decided by the bytes to read. A scan without the result cache does not stat
  // its files before reading them (each read's fstat gives the size), so their total is not known up
  // front: this thread starts alone and, after each batch, projects the total from the bytes it read per
  // file. Only once that projection reaches the threshold are the files not yet read stat-ed, and
  // workers start if the bytes read and theirs really reach it (if not, the rest is read here and no
  // more is projected). Below the threshold, most trees, no file is stat-ed before its read; above it,
  // the stats cost microseconds a file of a scan that takes seconds. A tree whose large files all come
  // last is read on one thread: a wrong guess costs speed, never what is reported.
  const readUntilWorkersPay = async (): Promise<boolean> => {
    let read = 0;
    for (;;) {
      if (next > 0 ? (read / next) * jobs.length >= minBytes : minBytes === 0) return read + statRemaining(jobs, next) >= minBytes;
      const batch = takeBatch();
      if (!batch) return false;
      read += await runBatch(batch);
    }
  };
  // Sizes were taken when any job has one (the cache's lookups; a file gone or not regular since has none).
  const sized = jobs.some((j) => j.stat);
  const parallel = maxThreads >= 2 && jobs.length > 0 && (sized ? jobs.reduce((sum, j) => sum + (j.stat?.size ?? 0), 0) >= minBytes : await readUntilWorkersPay());
  if (!parallel || next >= jobs.length) {
    await runHere();
    opts.onProgress?.(jobs.length, jobs.length);
    return results;
  }
  let bytesLeft = 0;
  for (let i = next; i < jobs.length; i++) bytesLeft += jobs[i].stat?.size ?? 0;
  const threads = Math.min(maxThreads, Math.max(2, Math.ceil(bytesLeft / BATCH_BYTES)));

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

/** Stats the jobs from `from` on that have no size yet (a regular file's only: anything else, unreadable included, is for the read to report); their bytes. */
function statRemaining(jobs: ExtractJob[], from: number): number {
  let bytes = 0;
  for (let i = from; i < jobs.length; i++) {
    const job = jobs[i];
    if (!job.stat) {
      const st = regularFileStat(job.absolute);
      if (st) job.stat = { size: st.size, mtimeMs: st.mtimeMs };
    }
    bytes += job.stat?.size ?? 0;
  }
  return bytes;
}

function abortError(): Error {
  const err = new Error('The scan was cancelled.');
  err.name = 'AbortError';
  return err;
}
