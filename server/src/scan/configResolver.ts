/**
 * Which config applies to a file: `--config FILE` for everything, or the nearest
 * `.image-pin.yaml` above the file. Each folder is looked up once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE_NAMES, ImagePinConfig, defaultConfig, loadConfigFile } from '../core/config';
import { globMatcher } from '../core/glob';

export class ConfigResolver {
  private byDir = new Map<string, ImagePinConfig>();
  private byFile = new Map<string, ImagePinConfig>();
  private fileByDir = new Map<string, string | null>();
  private fallback?: ImagePinConfig;
  private matchers = new WeakMap<ImagePinConfig, { include: (p: string) => boolean; exclude: (p: string) => boolean }>();

  /**
   * @param explicitFile `--config FILE`: applies to every file, globs relative to its folder.
   * @param fallbackDir folder the default config's globs are relative to when no file is found.
   */
  constructor(
    private readonly explicitFile?: string,
    private readonly fallbackDir = process.cwd(),
  ) {}

  /** Throws ConfigError for a bad config file. */
  forFile(file: string): ImagePinConfig {
    return this.forDir(path.dirname(resolved(file)));
  }

  /** Tells the resolver a folder's entries, listed by the caller anyway: no file system look-ups for config files there. */
  noteEntries(dir: string, names: readonly string[]): void {
    if (this.fileByDir.has(dir)) return;
    const here = CONFIG_FILE_NAMES.find((n) => names.includes(n));
    if (here) this.fileByDir.set(dir, path.join(dir, here));
    else if (path.dirname(dir) !== dir) this.fileByDir.set(dir, this.configFileFor(path.dirname(dir)));
  }

  forDir(dir: string): ImagePinConfig {
    let config = this.byDir.get(dir);
    if (config) return config;
    const file = this.explicitFile ? path.resolve(this.explicitFile) : this.configFileFor(dir);
    if (file) {
      config = this.byFile.get(file);
      if (!config) {
        config = loadConfigFile(file, path.relative(process.cwd(), file) || file);
        this.byFile.set(file, config);
      }
    } else {
      // One default object, so matchers compiled for it are reused across folders.
      config = this.fallback ??= defaultConfig(path.resolve(this.fallbackDir));
    }
    this.byDir.set(dir, config);
    return config;
  }

  /** The nearest config file at or above `dir`; each folder is looked at once per resolver. */
  private configFileFor(dir: string): string | null {
    const known = this.fileByDir.get(dir);
    if (known !== undefined) return known;
    const here = CONFIG_FILE_NAMES.map((name) => path.join(dir, name)).find((candidate) => fs.existsSync(candidate));
    const parent = path.dirname(dir);
    const found = here ?? (parent === dir ? null : this.configFileFor(parent));
    this.fileByDir.set(dir, found);
    return found;
  }

  /** The file's path relative to its config's folder, `/`-separated: what globs match against. */
  relativePath(config: ImagePinConfig, file: string): string {
    const absolute = resolved(file);
    const dir = config.baseDir;
    const start = dir.endsWith(path.sep) ? dir.length : dir.length + 1;
    // The common case, a file below the config's folder: without path.relative's normalising work, nor
    // a `baseDir + sep` string made (and flattened to compare) for each of a scan's files.
    const below = absolute.startsWith(dir) && (start === dir.length || absolute.charCodeAt(dir.length) === SEP);
    const rel = below ? absolute.slice(start) : path.relative(dir, absolute);
    return path.sep === '/' ? rel : rel.split(path.sep).join('/');
  }

  /**
   * Whether the config's include/exclude globs select this file. `scanRoot` is the folder being
   * scanned: a file outside the config's folder (no config file above a folder scanned from
   * elsewhere) is matched by its path below it, as if the scan ran from there, so
   * `image-pin check /repo` and `cd /repo && image-pin check .` check the same files.
   */
  selects(config: ImagePinConfig, file: string, scanRoot?: string): boolean {
    let m = this.matchers.get(config);
    if (!m) {
      m = { include: pathMatcher(config.include), exclude: config.exclude.length ? pathMatcher(config.exclude) : () => false };
      this.matchers.set(config, m);
    }
    const rel = this.relativePath(config, file);
    const subject = rel.startsWith('../') ? outsideSubject(file, scanRoot) : rel;
    return m.include(subject) && !m.exclude(subject);
  }

  /** The config files read so far, for cache keys and watching. */
  files(): string[] {
    return [...this.byFile.keys()];
  }
}

/** The glob subject of a file outside its config's folder: its path below the scanned folder, else its name alone. */
function outsideSubject(file: string, scanRoot: string | undefined): string {
  const rel = scanRoot ? path.relative(scanRoot, file) : '';
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return path.basename(file);
  return path.sep === '/' ? rel : rel.split(path.sep).join('/');
}

const SEP = path.sep.charCodeAt(0);

/** What `path.resolve` would change in an absolute path: `//`, `/./`, `/../`, a trailing separator (and on Windows any `/`). */
const UNCLEAN = path.sep === '/' ? /\/\.{0,2}(?:\/|$)/ : /\/|\\\.{0,2}(?:\\|$)/;

/**
 * `path.resolve(file)`. Listed files are absolute and clean already: resolving them again was most of
 * `relativePath`'s cost, and of a cold process's `forFile` per listed file (6,306 files: 13 -> 2 ms).
 */
function resolved(file: string): string {
  return path.isAbsolute(file) && !UNCLEAN.test(file) ? file : path.resolve(file);
}

// A matcher for globs relative to a config's folder. When every glob is "any folder, then a name
// pattern" (as the default include of YAML files is) only the file name matters: much cheaper to test.
function pathMatcher(globs: string[]): (relative: string) => boolean {
  const names = globs.map((g) => /^\*\*\/([^/]+)$/.exec(g)?.[1]);
  if (names.every((n): n is string => n !== undefined && !n.startsWith('**'))) {
    const byName = globMatcher(names);
    return (relative) => byName(relative.slice(relative.lastIndexOf('/') + 1));
  }
  return globMatcher(globs);
}
