/**
 * Reading a file for a check: too large and binary files are skipped with a reason, never parsed.
 * Text is decoded by its byte order mark (UTF-8, UTF-16, UTF-32); `encoding` says how, so a writer
 * can write the file back the way it was.
 */
import * as fs from 'node:fs';
import { specialKind } from '../core/fileKind';
import { TextEncoding, decodeText } from '../core/text';
import { describeIoError } from './files';

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

// Windows has no O_NONBLOCK (nor FIFOs that a listed file could turn into).
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

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
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
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
    const buffer = Buffer.allocUnsafe(st.size + 1);
    const n = fs.readSync(fd, buffer, 0, buffer.length, null);
    if (n === st.size) return decoded(buffer.subarray(0, n), st);
    return readChanged(fd, buffer.subarray(0, n), maxFileSize);
  } catch (err) {
    // A FIFO in the place of a file stat-ed by the caller fails its read (no data yet): say what it is.
    return (stat && notRegularNow(fd)) || cannotRead(err);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file that did not hold the size it was said to have: what it is now, read to its end (within the limit). */
function readChanged(fd: number, head: Buffer, maxFileSize: number): ReadOutcome {
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
  return decoded(Buffer.concat(chunks, total), { size: total, mtimeMs: st.mtimeMs });
}

function decoded(bytes: Buffer, st: Pick<fs.Stats, 'size' | 'mtimeMs'>): ReadOutcome {
  const text = decodeText(bytes);
  if (!text) return { kind: 'skipped', reason: BINARY_REASON };
  return { kind: 'text', text: text.text, encoding: text.encoding, size: st.size, mtimeMs: st.mtimeMs, bytes };
}

/** Why what was opened is not read: a folder is an error, as reading one always said; anything else is skipped. */
function notRegular(st: fs.Stats): ReadOutcome | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return { kind: 'error', reason: 'cannot read: is a folder' };
  return { kind: 'skipped', reason: `skipped: not a regular file (${specialKind(st)})` };
}

function notRegularNow(fd: number): ReadOutcome | undefined {
  try {
    return notRegular(fs.fstatSync(fd));
  } catch {
    return undefined;
  }
}

function cannotRead(err: unknown): ReadOutcome {
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
