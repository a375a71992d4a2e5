/**
 * Which files a scan reads: the files named, and below each folder named every file
 * the applicable config selects, honouring `.gitignore` files at every level.
 * `.git` and `node_modules` are never entered; other dot-folders are (`.github/workflows`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { ConfigResolver } from './configResolver';

const NEVER_ENTER = new Set(['.git', 'node_modules']);

export interface ListedFile {
  /** The path to show: as given, or joined onto the folder as given. */
  display: string;
  /** The absolute path. */
  absolute: string;
  /** Named on the command line: checked whatever the globs say. */
  explicit: boolean;
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
      if (!seen.has(absolute)) files.push({ display: input, absolute, explicit: true });
      seen.add(absolute);
    } else if (stat.isDirectory()) {
      walk(input, absolute, gitIgnoresAbove(absolute), resolver, files, problems, seen);
    } else {
      // A device, pipe or socket: reading it could block or never end, and it is no manifest.
      problems.push({ path: input, message: 'not a regular file or folder' });
    }
  }
  return { files, problems };
}

function walk(
  display: string,
  dir: string,
  ignores: GitIgnoreLevel[],
  resolver: ConfigResolver,
  files: ListedFile[],
  problems: ListProblem[],
  seen: Set<string>,
): void {
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
      walk(shown, absolute, ignores, resolver, files, problems, seen);
    } else if (entry.isFile() && !seen.has(absolute)) {
      let selected: boolean;
      try {
        const config = resolver.forDir(dir);
        selected = resolver.selects(config, absolute);
      } catch {
        // A broken config is reported once by the caller; its files are still listed so the error surfaces.
        selected = /\.ya?ml$/i.test(entry.name);
      }
      if (selected) {
        seen.add(absolute);
        files.push({ display: shown, absolute, explicit: false });
      }
    }
  }
}

/** `parent/name` without path.join's normalising: both parts are already clean here. */
function child(parent: string, name: string): string {
  return parent.endsWith(path.sep) ? parent + name : parent + path.sep + name;
}

function readGitIgnore(dir: string): GitIgnoreLevel | null {
  try {
    return { dir, rules: ignore().add(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')) };
  } catch {
    return null;
  }
}

/** `.gitignore` files in the folders above a scan root, when the root is inside a git work tree. */
function gitIgnoresAbove(root: string): GitIgnoreLevel[] {
  if (fs.existsSync(path.join(root, '.git'))) return [];
  const levels: GitIgnoreLevel[] = [];
  for (let dir = path.dirname(root); ; dir = path.dirname(dir)) {
    const level = fs.existsSync(path.join(dir, '.gitignore')) ? readGitIgnore(dir) : null;
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
