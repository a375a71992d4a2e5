/**
 * Extraction results kept between runs, keyed by path and checked by size and mtime,
 * so a rescan of an unchanged tree reads no file. Findings are not cached: they
 * depend on the config and the date, and are cheap to recompute from the sites.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Range } from '../core/text';
import type { FileFacts, PatchContainer } from '../core/env/read';
import type { JudgedExtraction } from './checkText';

/** Bump when extraction output changes shape or meaning. */
const FORMAT = 11;

/** Stored form: ranges as flat numbers, the bulk of a cache file otherwise. */
interface Entry {
  size: number;
  mtimeMs: number;
  /** The extraction options (image keys) the result was computed with. */
  options: string;
  extraction: Omit<JudgedExtraction, 'siteRanges' | 'errorRanges' | 'facts'>;
  /** line, character, line, character of each site, then of each syntax error. */
  ranges: number[];
  /**
   * The environment model's facts as JSON text, parsed only when the model asks for that file's:
   * most of a cache file, and a rescan's model reads few of them.
   */
  facts?: string;
}

function packRanges(ranges: Range[]): number[] {
  return ranges.flatMap((r) => [r.start.line, r.start.character, r.end.line, r.end.character]);
}

function unpackRanges(flat: number[], from: number, count: number): Range[] {
  const out: Range[] = [];
  for (let i = from; i < from + count * 4; i += 4) out.push({ start: { line: flat[i], character: flat[i + 1] }, end: { line: flat[i + 2], character: flat[i + 3] } });
  return out;
}

/**
 * A patch container's image is one of the file's workload images (the same object): stored as its
 * index, not a second copy (the copies were a third of the facts of a tree of workloads).
 */
type StoredPatch = Omit<PatchContainer, 'image'> & { image?: PatchContainer['image'] | number };

function factsToJson(facts: FileFacts): string {
  if (!facts.patches.some((p) => p.image)) return JSON.stringify(facts);
  const patches: StoredPatch[] = facts.patches.map((p) => {
    const at = p.image ? facts.workloads.indexOf(p.image) : -1;
    return at >= 0 ? { ...p, image: at } : p;
  });
  return JSON.stringify({ ...facts, patches });
}

function factsFromJson(text: string): FileFacts {
  const facts = JSON.parse(text) as Omit<FileFacts, 'patches'> & { patches: StoredPatch[] };
  for (const p of facts.patches) if (typeof p.image === 'number') p.image = facts.workloads[p.image];
  return facts as FileFacts;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'image-pin');
}

export class ResultCache {
  private entries: Record<string, Entry> = {};
  private dirty = false;

  private constructor(private readonly file: string) {}

  /** The cache for a set of scan roots, loaded from `dir` (an unreadable cache is an empty one). */
  static open(dir: string, roots: string[], version: string): ResultCache {
    const key = crypto.createHash('sha256').update(JSON.stringify([FORMAT, version, roots.map((r) => path.resolve(r)).sort()])).digest('hex').slice(0, 16);
    const cache = new ResultCache(path.join(dir, `scan-${key}.json`));
    try {
      cache.entries = JSON.parse(fs.readFileSync(cache.file, 'utf8')) as Record<string, Entry>;
    } catch {
      cache.entries = {};
    }
    return cache;
  }

  get(file: string, stat: { size: number; mtimeMs: number }, options: string): JudgedExtraction | undefined {
    const e = this.entries[file];
    if (!e || e.size !== stat.size || e.mtimeMs !== stat.mtimeMs || e.options !== options) return undefined;
    const sites = e.extraction.sites.length;
    const found: JudgedExtraction = {
      ...e.extraction,
      siteRanges: unpackRanges(e.ranges, 0, sites),
      errorRanges: unpackRanges(e.ranges, sites * 4, e.extraction.syntaxErrors.length),
    };
    const text = e.facts;
    if (text !== undefined) {
      let facts: FileFacts | undefined;
      Object.defineProperty(found, 'facts', { enumerable: true, configurable: true, get: () => (facts ??= factsFromJson(text)) });
    }
    return found;
  }

  set(file: string, stat: { size: number; mtimeMs: number }, options: string, extraction: JudgedExtraction): void {
    const { siteRanges, errorRanges, facts, ...rest } = extraction;
    const entry: Entry = { size: stat.size, mtimeMs: stat.mtimeMs, options, extraction: rest, ranges: packRanges([...siteRanges, ...errorRanges]) };
    if (facts) entry.facts = factsToJson(facts);
    this.entries[file] = entry;
    this.dirty = true;
  }

  /** Keeps only the files of this run, and writes atomically; a cache that cannot be written is not an error. */
  save(keep: Set<string>): void {
    for (const file of Object.keys(this.entries)) {
      if (!keep.has(file)) {
        delete this.entries[file];
        this.dirty = true;
      }
    }
    if (!this.dirty) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      // Created exclusively under a name nobody can plant a link at in advance.
      const tmp = `${this.file}.${crypto.randomBytes(8).toString('hex')}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(this.entries), { flag: 'wx' });
      try {
        fs.renameSync(tmp, this.file);
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
    } catch {
      // Read-only home or full disk: the next run is simply cold.
    }
  }
}
