/**
 * Whether what was read of a file at some time still stands for it, by its modification time: a file
 * modified moments before it was read may have been modified again within the file system's
 * timestamp granularity (the same size, the same time), so such a reading is not trusted ("racy",
 * as git calls it).
 */
import * as fs from 'node:fs';

/** Above any file system's timestamp granularity (FAT's is 2 s) and small clock skews. */
const RACY_MS = 3000;

/** Whether a file modified at `mtimeMs` was so well before `readAt` (both ms since the epoch). */
export function settledBefore(mtimeMs: number, readAt: number): boolean {
  return mtimeMs + RACY_MS < readAt;
}

/** Whether the file was last modified well before `readAt` (ms since the epoch); false when it cannot be stat-ed. */
export function unchangedSince(file: string, readAt: number): boolean {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat !== undefined && settledBefore(stat.mtimeMs, readAt);
}
