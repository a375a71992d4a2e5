/**
 * Which files a scan reads: the files named, and below each folder named every file
 * the applicable config selects, honouring `.gitignore` files at every level.
 * `.git` and `node_modules` are never entered; other dot-folders are (`.github/workflows`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { specialKind } from '../core/fileKind';
import type { ConfigResolver } from './configResolver';

const NEVER_ENTER = new Set(['.git', 'node_modules']);

export interface ListedFile {
  /** The path to show: as given, or joined onto the folder as given. */
  display: string;
  /** The absolute path. */
  absolute: string;
  /** The folder it is in (absolute): whose config applies to it, known without taking the path apart again. */
  dir: string;
  /** Named on the command line: checked whatever the globs say. */
  explicit: boolean;
  /** The real path of the folder scanned (of the file's own folder when it was named): writes stay inside it. */
  root: string;
  /** Listed but not read, and why: a symbolic link that is not followed. */
  skipped?: string;
}

export interface ListProblem {
  path: string;
  message: string;
}

interface GitIgnoreLevel {
  dir: string;
  rules: Ignore;
}

export function listFiles(inputs: string[], resolver: ConfigResolver): { files: ListedFile[]; problems: ListProblem[] } {
  const files: ListedFile[] = [];
  const problems: ListProblem[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const absolute = path.resolve(input);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch (err) {
      problems.push({ path: input, message: `cannot read: ${describeIoError(err)}` });
      continue;
    }
    if (stat.isFile()) {
      const dir = path.dirname(absolute);
      if (!seen.has(absolute)) files.push({ display: input, absolute, dir, explicit: true, root: realFolder(dir) });
      seen.add(absolute);
    } else if (stat.isDirectory()) {
      walk(input, absolute, gitIgnoresAbove(absolute), resolver, { files, problems, seen, root: realFolder(absolute), scanned: absolute });
    } else {
      // Never opened: reading a FIFO waits for a writer forever, a device can be endless.
      problems.push({ path: input, message: `not a file or folder (${specialKind(stat)}); name YAML files or folders` });
    }
  }
  return { files, problems };
}

interface Listing {
  files: ListedFile[];
  problems: ListProblem[];
  seen: Set<string>;
  root: string;
  /** The folder named to scan, as written (resolved): what default globs are relative to when no config applies. */
  scanned: string;
}

function walk(display: string, dir: string, ignores: GitIgnoreLevel[], resolver: ConfigResolver, listing: Listing): void {
  const { files, problems, seen } = listing;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    problems.push({ path: display, message: `cannot read folder: ${describeIoError(err)}` });
    return;
  }
  if (entries.some((e) => e.name === '.gitignore' && e.isFile())) {
    const level = readGitIgnore(dir);
    if (level) ignores = [...ignores, level];
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  resolver.noteEntries(dir, entries.map((e) => e.name));
  for (const entry of entries) {
    const absolute = child(dir, entry.name);
    const shown = display === '.' ? entry.name : child(display, entry.name);
    const isDir = entry.isDirectory();
    if (isDir && NEVER_ENTER.has(entry.name)) continue;
    if (isIgnored(ignores, absolute, isDir)) continue;
    if (isDir) {
      walk(shown, absolute, ignores, resolver, listing);
    } else if (entry.isFile() && !seen.has(absolute) && selects(resolver, dir, absolute, entry.name, listing.scanned)) {
      seen.add(absolute);
      files.push({ display: shown, absolute, dir, explicit: false, root: listing.root });
    } else if (entry.isSymbolicLink() && !seen.has(absolute) && !NEVER_ENTER.has(entry.name)) {
      // Listed when the globs select its name, or when it points at a folder (whose files would be missed).
      const skipped = linkNotFollowed(absolute, listing.root);
      if (skipped === FOLDER_LINK ? isIgnored(ignores, absolute, true) : !selects(resolver, dir, absolute, entry.name, listing.scanned)) continue;
      seen.add(absolute);
      files.push({ display: shown, absolute, dir, explicit: false, root: listing.root, ...(skipped ? { skipped } : {}) });
    }
  }
}

function selects(resolver: ConfigResolver, dir: string, absolute: string, name: string, scanned: string): boolean {
  try {
    return resolver.selects(resolver.forDir(dir), absolute, scanned);
  } catch {
    // A broken config is reported once by the caller; its files are still listed so the error surfaces.
    return /\.ya?ml$/i.test(name);
  }
}

const FOLDER_LINK = 'skipped: symbolic link to a folder (not followed)';

/**
 * Why a symbolic link found in a folder is not read, or undefined when it is: a link is followed
 * only to a regular file inside the scanned folder (a link to a folder could loop, one to a FIFO
 * hang the scan, one outside the folder read or, when pinning, write what the repository does not hold).
 */
function linkNotFollowed(link: string, root: string): string | undefined {
  let target: string;
  let stat: fs.Stats;
  try {
    target = fs.realpathSync(link);
    stat = fs.statSync(target);
  } catch {
    return 'skipped: symbolic link to nothing (its target does not exist)';
  }
  if (stat.isDirectory()) return FOLDER_LINK;
  if (!stat.isFile()) return `skipped: symbolic link to something that is not a file (${specialKind(stat)})`;
  if (!isInside(target, root)) return `skipped: symbolic link to a file outside the scanned folder (${target})`;
  return undefined;
}

/** Whether `file` (a real path) is `root` or below it. */
export function isInside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function realFolder(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

/**
 * A file's stat when it is a regular file; undefined for anything else (gone, unreadable, a FIFO put in
 * its place), which is for the read to report with its reason. Never throws: a scan stats listed files
 * ahead of their reads (the cache's lookup, the worker decision), and a stat error is no reason to stop.
 */
export function regularFileStat(file: string): fs.Stats | undefined {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}

/** Open flags for reading a file that may have become a FIFO: the open never waits for a writer. Windows has no O_NONBLOCK (nor such FIFOs). */
export const READ_NONBLOCKING = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * A file's text (UTF-8); undefined when it is missing or not a regular file (reading a FIFO would wait
 * forever). Asked about many files that do not exist (the kustomizations an Application's folders may
 * hold): a stat that reports a missing file without throwing first, which costs a tenth of a failed open.
 * What is opened is opened non-blocking and checked again, so a FIFO swapped in since cannot block either.
 */
export function readRegularFile(file: string): string | undefined {
  let fd: number | undefined;
  try {
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return undefined;
    fd = fs.openSync(file, READ_NONBLOCKING);
    return fs.fstatSync(fd).isFile() ? fs.readFileSync(fd, 'utf8') : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * `parent/name` without path.join's normalising: both parts are already clean here. Joined rather than
 * concatenated: `+` makes a rope (a concatenation of the parts) that each Map and Set the path is a key
 * of must flatten and then compare part by part; a join is one flat string from the start.
 */
function child(parent: string, name: string): string {
  return parent.endsWith(path.sep) ? parent + name : [parent, name].join(path.sep);
}

function readGitIgnore(dir: string): GitIgnoreLevel | null {
  const text = readRegularFile(path.join(dir, '.gitignore'));
  return text === undefined ? null : { dir, rules: ignore().add(text) };
}

/** `.gitignore` files in the folders above a scan root, when the root is inside a git work tree. */
function gitIgnoresAbove(root: string): GitIgnoreLevel[] {
  if (fs.existsSync(path.join(root, '.git'))) return [];
  const levels: GitIgnoreLevel[] = [];
  for (let dir = path.dirname(root); ; dir = path.dirname(dir)) {
    const level = readGitIgnore(dir);
    if (level) levels.unshift(level);
    if (fs.existsSync(path.join(dir, '.git'))) return levels;
    if (path.dirname(dir) === dir) return [];
  }
}

function isIgnored(levels: GitIgnoreLevel[], absolute: string, isDir: boolean): boolean {
  for (const level of levels) {
    const rel = path.relative(level.dir, absolute).split(path.sep).join('/');
    if (level.rules.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

export function describeIoError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    default:
      return e.code ?? e.message;
  }
}
