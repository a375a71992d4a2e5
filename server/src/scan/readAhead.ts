/**
 * Reading listed files on a helper thread, a few batches ahead of the main thread's extraction: the
 * system calls (open, fstat, read, close for every file: about a tenth of a cold check's main thread
 * on the realistic bench profile) then run beside it on the other core. Only bytes cross, each
 * file's buffer transferred, not copied; the helper runs no code of ours beyond the few lines below,
 * so it starts in milliseconds and has nothing to compile. A file it could not read is read again on
 * the main thread, which then says why as it always did.
 */
import { Worker } from 'node:worker_threads';

/** The helper: reads each path as `fs.readFileSync` does and sends the bytes back (or that it failed). */
const READER = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', ({ id, paths }) => {
  const out = [];
  const transfer = [];
  for (const p of paths) {
    let bytes;
    try {
      bytes = fs.readFileSync(p);
    } catch {
      out.push(null);
      continue;
    }
    // A small file's buffer may be a slice of a shared pool, which cannot be handed over.
    let buffer = bytes.buffer;
    if (bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    out.push(buffer);
    transfer.push(buffer);
  }
  parentPort.postMessage({ id, out }, transfer);
});
`;

export class ReadAhead {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, (bytes: Array<ArrayBuffer | null> | null) => void>();
  private failed = false;

  constructor() {
    this.worker = new Worker(READER, { eval: true });
    // It must not take the process down: on an error, the main thread reads.
    this.worker.on('message', ({ id, out }: { id: number; out: Array<ArrayBuffer | null> }) => {
      this.waiting.get(id)?.(out);
      this.waiting.delete(id);
    });
    this.worker.on('error', () => this.fail());
    this.worker.on('exit', () => this.fail());
  }

  /** The files' bytes, each null when the helper could not read it; all null if the helper is gone. */
  read(paths: string[]): Promise<Array<ArrayBuffer | null> | null> {
    if (this.failed) return Promise.resolve(null);
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ id, paths });
    });
  }

  /** Ends the helper (the caller's `finally`: it would keep the process alive). */
  close(): void {
    this.failed = true;
    void this.worker.terminate();
  }

  private fail(): void {
    this.failed = true;
    for (const resolve of this.waiting.values()) resolve(null);
    this.waiting.clear();
  }
}
