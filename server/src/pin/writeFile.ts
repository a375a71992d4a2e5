/** Writing a pinned file: atomically, and never over a file that changed since it was read. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeText, encodeText } from '../core/text';

export type WriteOutcome = { ok: true } | { ok: false; reason: string };

/**
 * Replaces `file` with `newText` if its content is still `expected`. The new content goes to a
 * temporary file in the same folder (same file system) which is renamed over the original, so a
 * reader never sees half a file; the original's permissions are kept.
 */
export function writeIfUnchanged(file: string, expected: string, newText: string): WriteOutcome {
  let current: ReturnType<typeof decodeText>;
  let mode: number;
  try {
    current = decodeText(fs.readFileSync(file));
    mode = fs.statSync(file).mode;
  } catch (err) {
    return { ok: false, reason: `cannot read it again before writing (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  if (current?.text !== expected) return { ok: false, reason: 'it changed on disk since it was read; left as it is' };
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.image-pin-${process.pid}.tmp`);
  try {
    // In the encoding it was read in (a UTF-16 file stays UTF-16, a byte order mark stays).
    fs.writeFileSync(tmp, encodeText(newText, current.encoding), { mode: mode & 0o7777 });
    fs.renameSync(tmp, file);
    return { ok: true };
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    return { ok: false, reason: `cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
}
