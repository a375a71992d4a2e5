/**
 * Reads and extracts many files, on worker threads when there are enough of them
 * to pay for starting workers (both cores of a CI machine), else on this thread.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { JudgedExtraction, extractLocated, judgedPart } from './checkText';
import { readForCheck } from './readFile';
import { Doc, mayDeclareApp } from '../core/env/read';
import { environmentFacts } from './environments';

export interface ExtractJob {
  absolute: string;
  imageKeys: string[];
  maxFileSize: number;
}

export type ExtractOutcome =
  | { kind: 'extracted'; extraction: JudgedExtraction; size: number; mtimeMs: number }
  | { kind: 'skipped'; reason: string }
  | { kind: 'error'; reason: string };

export function extractFile(job: ExtractJob): ExtractOutcome {
  const read = readForCheck(job.absolute, job.maxFileSize);
  if (read.kind !== 'text') return read;
  // The documents the extraction parses are handed on, so the environment model's facts cost no second parse.
  const docs: Doc[] = [];
  const extraction = extractLocated(read.text, { path: job.absolute, imageKeys: job.imageKeys, onDocument: (doc, source, offset) => docs.push({ doc, source, offset }) });
  const judged = judgedPart(extraction);
  if (mayDeclareApp(read.text)) judged.declaresApp = true;
  judged.facts = environmentFacts(job.absolute, read.text, docs);
  return { kind: 'extracted', extraction: judged, size: read.size, mtimeMs: read.mtimeMs };
}

/** Below this many files a worker's start-up costs more than it saves. */
const WORKER_THRESHOLD = 150;
const BATCH = 48;

export interface ExtractManyOptions {
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function extractMany(jobs: ExtractJob[], opts: ExtractManyOptions = {}): Promise<ExtractOutcome[]> {
  const results: ExtractOutcome[] = new Array(jobs.length);
  const workerCount = Math.min(opts.workers ?? os.availableParallelism(), Math.ceil(jobs.length / BATCH));
  if (jobs.length < WORKER_THRESHOLD || workerCount < 2) {
    for (let i = 0; i < jobs.length; i++) {
      if (opts.signal?.aborted) throw abortError();
      results[i] = extractFile(jobs[i]);
      if (i % 50 === 49) {
        opts.onProgress?.(i + 1, jobs.length);
        // Let cancellation and other requests in between batches.
        await new Promise((r) => setImmediate(r));
      }
    }
    opts.onProgress?.(jobs.length, jobs.length);
    return results;
  }

  let next = 0;
  let done = 0;
  const workerFile = path.join(__dirname, 'worker.js');
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(workerFile);
      let batchStart = 0;
      let batchEnd = 0;
      const sendNext = () => {
        if (opts.signal?.aborted || next >= jobs.length) {
          void worker.terminate();
          if (opts.signal?.aborted) reject(abortError());
          else resolve();
          return;
        }
        batchStart = next;
        batchEnd = Math.min(jobs.length, next + BATCH);
        next = batchEnd;
        worker.postMessage(jobs.slice(batchStart, batchEnd));
      };
      worker.on('message', (outcomes: ExtractOutcome[]) => {
        for (let i = 0; i < outcomes.length; i++) results[batchStart + i] = outcomes[i];
        done += outcomes.length;
        opts.onProgress?.(done, jobs.length);
        sendNext();
      });
      worker.on('error', reject);
      sendNext();
    });
  await Promise.all(Array.from({ length: workerCount }, runWorker));
  return results;
}

function abortError(): Error {
  const err = new Error('The scan was cancelled.');
  err.name = 'AbortError';
  return err;
}
