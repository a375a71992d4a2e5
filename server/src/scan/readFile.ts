/**
 * Reading a file for a check: too large and binary files are skipped with a reason, never parsed.
 * Text is decoded by its byte order mark (UTF-8, UTF-16, UTF-32); `encoding` says how, so a writer
 * can write the file back the way it was.
 */
import * as fs from 'node:fs';
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

/** `stat`: what the caller's listing already knows of the file, so it is not asked twice. */
export function readForCheck(file: string, maxFileSize: number, stat?: Pick<fs.Stats, 'size' | 'mtimeMs'>): ReadOutcome {
  try {
    const st = stat ?? fs.statSync(file);
    if (st.size > maxFileSize) return { kind: 'skipped', reason: tooLargeReason(st.size, maxFileSize) };
    const bytes = fs.readFileSync(file);
    const decoded = decodeText(bytes);
    if (!decoded) return { kind: 'skipped', reason: BINARY_REASON };
    return { kind: 'text', text: decoded.text, encoding: decoded.encoding, size: st.size, mtimeMs: st.mtimeMs, bytes };
  } catch (err) {
    return { kind: 'error', reason: `cannot read: ${describeIoError(err)}` };
  }
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
