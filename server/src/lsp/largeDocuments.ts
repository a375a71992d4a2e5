/**
 * Checks large documents on a worker thread (largeDocumentWorker.ts): parsing a document of
 * megabytes takes hundreds of milliseconds, which on the main thread would hold up every hover,
 * code action and keystroke elsewhere. One worker, started on first use; jobs run in order.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Position } from 'vscode-languageserver';
import type { ImagePinConfig } from '../core/config';
import type { ImageSite } from '../core/types';
import type { LocatedExtraction, LocatedFinding } from '../scan/checkText';
import type { LocatedSite } from './sites';

/** Documents longer than this (in characters) are checked off the main thread. */
export const LARGE_DOCUMENT = 256 * 1024;

export type WorkerRequest =
  | { kind: 'check'; id: number; uri: string; version: number; text: string; path?: string; config: ImagePinConfig; relativePath: string; today: string }
  | { kind: 'extraction'; id: number; uri: string; version: number }
  | { kind: 'sites'; id: number; uri: string; version: number; indexes: number[] }
  | { kind: 'siteAt'; id: number; uri: string; version: number; position: Position }
  | { kind: 'forget'; uri: string };

/** Replies to a request about a version the worker no longer holds carry `undefined`. */
export type WorkerReply =
  | { id: number; findings: LocatedFinding[] }
  | { id: number; extraction: LocatedExtraction | undefined }
  | { id: number; sites: ImageSite[] | undefined }
  | { id: number; site: LocatedSite | undefined; found: boolean }
  | { id: number; error: string };

type Job = Exclude<WorkerRequest, { kind: 'forget' }>;
type Distribute<T> = T extends Job ? Omit<T, 'id'> : never;

export class LargeDocumentChecker {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();

  /** The findings of one version of a document; the worker keeps its extraction. */
  async check(request: Omit<Extract<Job, { kind: 'check' }>, 'id' | 'kind'>): Promise<LocatedFinding[]> {
    const reply = await this.send({ kind: 'check', ...request });
    return 'findings' in reply ? reply.findings : failed(request.uri, reply);
  }

  /** The extraction of that version, if it is still the worker's latest for the document. */
  async extraction(uri: string, version: number): Promise<LocatedExtraction | undefined> {
    const reply = await this.send({ kind: 'extraction', uri, version });
    return 'extraction' in reply ? reply.extraction : failed(uri, reply);
  }

  /** Some sites of that version (what a code action needs), without sending all of them. */
  async sites(uri: string, version: number, indexes: number[]): Promise<ImageSite[] | undefined> {
    const reply = await this.send({ kind: 'sites', uri, version, indexes });
    return 'sites' in reply ? reply.sites : failed(uri, reply);
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
