/**
 * The one way Image Pin changes a file on disk: "apply these edits to this file, given the bytes
 * I read". Shared by every command that writes (`pin --write`, and later ones).
 *
 * - Only the edited bytes change; the rest is copied byte for byte (core/byteEdits).
 * - A file that changed since it was read (any byte) is left alone, and so is a read-only one.
 * - The new content goes to a temporary file created exclusively (O_EXCL, never through a link)
 *   under an unpredictable name beside the file, is flushed to disk, and is renamed over the file,
 *   so a reader never sees half a file and a planted link cannot redirect the write.
 * - Mode (setgid too) and owner are carried over where the system permits.
 * - A symbolic link is written through: the link stays, its target changes; a target outside
 *   `root` is refused.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { editBytes } from '../core/byteEdits';
import type { TextEdit } from '../core/fix';
import { isInside } from '../scan/files';

export type WriteOutcome = { ok: true } | { ok: false; reason: string };

export interface EditRequest {
  file: string;
  /** The bytes the edits were planned on, exactly as read. */
  original: Uint8Array;
  /** Their decoding, which the edits' offsets refer to. */
  text: string;
  edits: readonly TextEdit[];
  /** The folder the write must stay in (a link's target outside it is refused). */
  root?: string;
}

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

export function writeEdits(req: EditRequest): WriteOutcome {
  const edited = editBytes(req.original, req.text, req.edits);
  if (!edited.ok) return { ok: false, reason: `${edited.reason}; left as it is` };
  const target = writeTarget(req.file, req.root);
  if ('reason' in target) return { ok: false, reason: target.reason };

  let fd: number | undefined;
  let tmp: string | undefined;
  try {
    // Non-blocking: should a FIFO have taken the file's place since, opening it must not wait for a writer.
    fd = fs.openSync(target.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { ok: false, reason: 'it is not a regular file; left as it is' };
    if (!sameBytes(readAll(fd), req.original)) return { ok: false, reason: 'it changed on disk since it was read; left as it is' };
    const readOnly = readOnlyReason(target.path, st);
    if (readOnly) return { ok: false, reason: readOnly };

    tmp = path.join(path.dirname(target.path), `.${path.basename(target.path)}.${randomBytes(8).toString('hex')}.image-pin.tmp`);
    const out = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      writeAll(out, edited.bytes);
      keepOwnerAndMode(out, st);
      fs.fsyncSync(out);
    } finally {
      fs.closeSync(out);
    }
    // Last look before the switch: still the same file (not replaced), still the same bytes.
    const now = fs.lstatSync(target.path);
    if (now.ino !== st.ino || now.dev !== st.dev || !sameBytes(readAll(fd), req.original)) {
      return { ok: false, reason: 'it changed on disk while it was being written; left as it is' };
    }
    fs.renameSync(tmp, target.path);
    tmp = undefined;
    syncFolder(path.dirname(target.path));
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `cannot write it (${describe(err)})` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    if (tmp !== undefined) fs.rmSync(tmp, { force: true });
  }
}

/** The file to replace: `file`, or the target of the link `file` is. */
function writeTarget(file: string, root: string | undefined): { path: string } | { reason: string } {
  let link: fs.Stats;
  try {
    link = fs.lstatSync(file);
  } catch (err) {
    return { reason: `cannot read it again before writing (${describe(err)})` };
  }
  if (!link.isSymbolicLink()) return link.isFile() ? { path: file } : { reason: 'it is not a regular file; left as it is' };
  let real: string;
  let target: fs.Stats;
  try {
    real = fs.realpathSync(file);
    target = fs.statSync(real);
  } catch (err) {
    return { reason: `it is a symbolic link whose target cannot be found (${describe(err)}); left as it is` };
  }
  if (root !== undefined && !isInside(real, realOr(root))) {
    return { reason: `it is a symbolic link to ${real}, outside the folder being pinned; not written through` };
  }
  if (!target.isFile()) return { reason: 'it is a symbolic link to something that is not a regular file; left as it is' };
  return { path: real };
}

function readOnlyReason(file: string, st: fs.Stats): string | undefined {
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  // Checked by mode, not only by access(): a superuser may write anything, but a file nobody may write is meant to stay.
  if ((st.mode & 0o222) === 0) return `it is read-only (mode ${mode}); not written`;
  try {
    fs.accessSync(file, fs.constants.W_OK);
  } catch {
    return `it is not writable by this user (mode ${mode}); not written`;
  }
  return undefined;
}

function keepOwnerAndMode(fd: number, st: fs.Stats): void {
  try {
    fs.fchownSync(fd, st.uid, st.gid);
  } catch {
    // Only a superuser may give a file away: the new file stays ours, as an editor's save would.
  }
  // After chown, which clears setuid and setgid.
  fs.fchmodSync(fd, st.mode & 0o7777);
}

function readAll(fd: number): Buffer {
  const chunks: Buffer[] = [];
  let position = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const n = fs.readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, n));
    position += n;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** Makes the rename itself durable; not every file system lets a folder be synced. */
function syncFolder(dir: string): void {
  try {
    const fd = fs.openSync(dir, O_RDONLY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // best effort
  }
}

function realOr(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

function describe(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}
