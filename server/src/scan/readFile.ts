/**
 * Reading a file for a check: too large and binary files are skipped with a reason, never parsed.
 * Text is decoded by its byte order mark (UTF-8, UTF-16, UTF-32); `encoding` says how, so a writer
 * can write the file back the way it was.
 */
import * as fs from 'node:fs';
import { specialKind } from '../core/fileKind';
import { TextEncoding, decodeText } from '../core/text';
import { READ_NONBLOCKING, describeIoError } from './files';

export type ReadOutcome =
  | {
      kind: 'text';
      text: string;
      encoding: TextEncoding;
      size: number;
      mtimeMs: number;
      /** As read: what a write compares against and edits. */
      bytes: Buffer;
    }
  | { kind: 'skipped'; reason: string }
  | { kind: 'error'; reason: string };

/**
 * One open, one fstat, one read and one close per file (a listed file is not stat-ed by path first).
 * The file is opened non-blocking, so a FIFO put in its place after it was listed never makes the open
 * wait for a writer, and the fstat of what was opened rejects anything but a regular file before a read.
 * `stat`: what the caller already knows of the file (the result cache's lookup stat-ed it, and keeps
 * that size and mtime with what is read), so it is not asked again. Then what was opened is stat-ed
 * only when the read does not return that many bytes (the file changed since, or is no longer a
 * regular file); the read is bounded by that size, so nothing endless is read either.
 */
export function readForCheck(file: string, maxFileSize: number, stat?: Pick<fs.Stats, 'size' | 'mtimeMs'>): ReadOutcome {
  return read(file, maxFileSize, stat, Buffer.allocUnsafe) as ReadOutcome;
}

/** What a scan keeps of a read: `ReadOutcome` without the bytes. */
export type ScanReadOutcome = Exclude<ReadOutcome, { kind: 'text' }> | Omit<Extract<ReadOutcome, { kind: 'text' }>, 'bytes'>;

/**
 * `readForCheck` for a scan, which keeps the text only: the bytes go through one buffer reused from
 * file to file (a new buffer per file was 40 MiB of allocations on the realistic profile) and are
 * not returned, since the next read overwrites them.
 */
export function readTextForScan(file: string, maxFileSize: number, stat?: Pick<fs.Stats, 'size' | 'mtimeMs'>): ScanReadOutcome {
  return read(file, maxFileSize, stat, scratch);
}

let scratchBuffer = Buffer.allocUnsafe(0);
/** Kept between reads up to this size; a larger file gets a buffer of its own, not kept. */
const SCRATCH_MAX = 1024 * 1024;

function scratch(size: number): Buffer {
  if (size > SCRATCH_MAX) return Buffer.allocUnsafe(size);
  if (scratchBuffer.length < size) scratchBuffer = Buffer.allocUnsafe(Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(size))));
  return scratchBuffer;
}

/** A read into a buffer of at least `size` bytes from `into`: the bytes are returned only when each read has its own. */
function read(file: string, maxFileSize: number, stat: Pick<fs.Stats, 'size' | 'mtimeMs'> | undefined, into: (size: number) => Buffer): ReadOutcome | ScanReadOutcome {
  const keepBytes = into !== scratch;
  let fd: number;
  try {
    fd = fs.openSync(file, READ_NONBLOCKING);
  } catch (err) {
    return cannotRead(err);
  }
  try {
    const st = stat ?? fs.fstatSync(fd);
    if (!stat) {
      const refused = notRegular(st as fs.Stats);
      if (refused) return refused;
    }
    if (st.size > maxFileSize) return { kind: 'skipped', reason: tooLargeReason(st.size, maxFileSize) };
    // One byte more than the size: a file that grew since its size was taken is noticed in the same read.
    const buffer = into(st.size + 1);
    const n = fs.readSync(fd, buffer, 0, st.size + 1, null);
    if (n === st.size) return decoded(buffer.subarray(0, n), st, keepBytes);
    return readChanged(fd, buffer.subarray(0, n), maxFileSize, keepBytes);
  } catch (err) {
    // A FIFO in the place of a file stat-ed by the caller fails its read (no data yet): say what it is.
    return (stat && notRegularNow(fd)) || cannotRead(err);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file that did not hold the size it was said to have: what it is now, read to its end (within the limit). */
function readChanged(fd: number, head: Buffer, maxFileSize: number, keepBytes: boolean): ReadOutcome | ScanReadOutcome {
  const st = fs.fstatSync(fd);
  const refused = notRegular(st);
  if (refused) return refused;
  if (st.size > maxFileSize) return { kind: 'skipped', reason: tooLargeReason(st.size, maxFileSize) };
  const chunks = [head];
  let total = head.length;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.max(st.size - total + 1, 64 * 1024));
    const got = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (got === 0) break;
    chunks.push(chunk.subarray(0, got));
    total += got;
    // Still growing while it is read: bounded by the limit, as a file of that size is.
    if (total > maxFileSize) return { kind: 'skipped', reason: tooLargeReason(total, maxFileSize) };
  }
  return decoded(Buffer.concat(chunks, total), { size: total, mtimeMs: st.mtimeMs }, keepBytes);
}

function decoded(bytes: Buffer, st: Pick<fs.Stats, 'size' | 'mtimeMs'>, keepBytes: boolean): ReadOutcome | ScanReadOutcome {
  const text = decodeText(bytes);
  if (!text) return { kind: 'skipped', reason: BINARY_REASON };
  const outcome = { kind: 'text' as const, text: text.text, encoding: text.encoding, size: st.size, mtimeMs: st.mtimeMs };
  return keepBytes ? { ...outcome, bytes } : outcome;
}

/** Why what was opened is not read: a folder is an error, as reading one always said; anything else is skipped. */
function notRegular(st: fs.Stats): Exclude<ReadOutcome, { kind: 'text' }> | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return { kind: 'error', reason: 'cannot read: is a folder' };
  return { kind: 'skipped', reason: `skipped: not a regular file (${specialKind(st)})` };
}

function notRegularNow(fd: number): Exclude<ReadOutcome, { kind: 'text' }> | undefined {
  try {
    return notRegular(fs.fstatSync(fd));
  } catch {
    return undefined;
  }
}

function cannotRead(err: unknown): Exclude<ReadOutcome, { kind: 'text' }> {
  return { kind: 'error', reason: `cannot read: ${describeIoError(err)}` };
}

/** Why a file of `size` bytes is not checked (the editor says the same of an open document). */
export function tooLargeReason(size: number, maxFileSize: number): string {
  return `skipped: ${formatBytes(size)} is over the ${formatBytes(maxFileSize)} limit (maxFileSize)`;
}

export const BINARY_REASON = 'skipped: binary file';

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
