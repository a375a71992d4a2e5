/**
 * Checks large documents on a worker thread (largeDocumentWorker.ts): parsing a document of
 * megabytes, or of thousands of YAML documents, takes hundreds of milliseconds to seconds, which
 * on the main thread would hold up every hover, code action and keystroke elsewhere. One worker,
 * started on first use; jobs run in order. Only what is published crosses back (findingSummary.ts).
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Position, Range } from 'vscode-languageserver';
import type { ImagePinConfig } from '../core/config';
import type { ChartTag } from '../core/types';
import { splitDocuments } from '../core/yamlSource';
import type { LocatedExtraction } from '../scan/checkText';
import type { FindingSummary } from './findingSummary';
import type { LocatedSite, SiteFinding } from './sites';

/** Documents longer than this (in characters) are checked off the main thread. */
export const LARGE_DOCUMENT = 256 * 1024;
/**
 * So are streams of more YAML documents than this, whatever their length: each document is parsed
 * on its own, and 10,000 short ones take over half a second (`---` lines are a few bytes each).
 */
const MANY_DOCUMENTS = 2000;

/** Whether a text is checked on the worker. */
export function isLarge(text: string): boolean {
  return text.length > LARGE_DOCUMENT || (text.length > MANY_DOCUMENTS * 4 && splitDocuments(text).length > MANY_DOCUMENTS);
}

export type WorkerRequest =
  /** `chartTag`: what an empty Helm tag deploys (looked up on the main thread, which knows the open documents). */
  | { kind: 'check'; id: number; uri: string; version: number; text: string; path?: string; config: ImagePinConfig; relativePath: string; today: string; chartTag?: ChartTag }
  | { kind: 'extraction'; id: number; uri: string; version: number }
  | { kind: 'findingsAt'; id: number; uri: string; version: number; range: Range }
  | { kind: 'siteAt'; id: number; uri: string; version: number; position: Position }
  | { kind: 'forget'; uri: string };

/** Replies to a request about a version the worker no longer holds carry `undefined`. */
export type WorkerReply =
  | { id: number; summary: FindingSummary }
  | { id: number; extraction: LocatedExtraction | undefined }
  | { id: number; hits: SiteFinding[] | undefined }
  | { id: number; site: LocatedSite | undefined; found: boolean }
  | { id: number; error: string };

type Job = Exclude<WorkerRequest, { kind: 'forget' }>;
type Distribute<T> = T extends Job ? Omit<T, 'id'> : never;

export class LargeDocumentChecker {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();

  /** What to publish of one version of a document; the worker keeps its extraction and findings. */
  async check(request: Omit<Extract<Job, { kind: 'check' }>, 'id' | 'kind'>): Promise<FindingSummary> {
    const reply = await this.send({ kind: 'check', ...request });
    return 'summary' in reply ? reply.summary : failed(request.uri, reply);
  }

  /** The extraction of that version, if it is still the worker's latest for the document. */
  async extraction(uri: string, version: number): Promise<LocatedExtraction | undefined> {
    const reply = await this.send({ kind: 'extraction', uri, version });
    return 'extraction' in reply ? reply.extraction : failed(uri, reply);
  }

  /** The findings at a range with their sites (what a code action needs), without sending all of them. */
  async findingsAt(uri: string, version: number, range: Range): Promise<SiteFinding[] | undefined> {
    const reply = await this.send({ kind: 'findingsAt', uri, version, range });
    return 'hits' in reply ? reply.hits : failed(uri, reply);
  }

  async siteAt(uri: string, version: number, position: Position): Promise<LocatedSite | undefined> {
    const reply = await this.send({ kind: 'siteAt', uri, version, position });
    return 'found' in reply ? reply.site : failed(uri, reply);
  }

  /** Drops the worker's state for a closed document. */
  forget(uri: string): void {
    this.worker?.postMessage({ kind: 'forget', uri } satisfies WorkerRequest);
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private send(job: Distribute<Job>): Promise<WorkerReply> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, 'largeDocumentWorker.js'));
    // The server exits when its client says so; the worker must not keep it alive.
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      this.pending.get(reply.id)?.resolve(reply);
      this.pending.delete(reply.id);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the document worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

function failed(uri: string, reply: WorkerReply): never {
  throw new Error(`the document worker failed on ${uri}: ${'error' in reply ? reply.error : 'an unexpected reply'}`);
}
