/**
 * Extraction results kept between runs, keyed by path and checked by size and mtime,
 * so a rescan of an unchanged tree reads no file. Findings are not cached: they
 * depend on the config and the date, and are cheap to recompute from the sites.
 *
 * The file is laid out for what a warm rescan reads, in one read and without copying the bulk:
 *
 *     image-pin scan cache\n
 *     <byte length of the header>\n
 *     <header: JSON>
 *     <zero bytes up to a multiple of 4 from the file's start>
 *     <records: 4-byte integers>
 *     <facts: the environment model's facts of each file, JSON texts back to back>
 *
 * The header holds every string once (paths, image references with what the grammar said of them,
 * syntax error messages, options keys, the few shapes of a site's pull-policy and Helm parts) and each
 * file's mtime. Each file's record is small integers (see `R_*`, `SITE`, `ERROR`), read in place as an
 * Int32Array: nothing to parse, and nothing on the collected heap. The facts, most of the bytes, are parsed for a file only when the model asks
 * (a rescan asks for a few): they stay bytes until then. A file that is not this format exactly
 * (another tool's, an older version's, truncated, out of bounds) is an empty cache.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { settledBefore } from './fileTime';
import type { Range } from '../core/text';
import type { Grammar, JudgedSite } from '../core/types';
import type { SyntaxProblem } from '../core/extract';
import type { FileFacts, PatchContainer } from '../core/env/read';
import type { JudgedExtraction } from './checkText';

/** Bump when extraction output changes shape or meaning (it is part of the file's name, and checked inside). */
const FORMAT = 16;
const MAGIC = 'image-pin scan cache\n';

// A file's record in the records: these numbers, then SITE numbers per site, ERROR numbers per syntax
// error, and the start of each line of a kustomization (its `lineStarts`).
const R_SIZE = 0;
const R_MTIME = 1; // the file's index: its mtime is in `mtimes`
const R_OPTIONS = 2; // index into strings
const R_FLAGS = 3; // TEMPLATED | DECLARES_APP
const R_FACTS_AT = 4; // byte offset in the facts, -1 for none
const R_FACTS_LEN = 5;
const R_SITES = 6;
const R_ERRORS = 7;
const R_LINES = 8; // how many line starts (0: none kept)
const R_HEAD = 9;
// A site: reference (index into refs), span start, end, range start line, character, end line, character, parts (index into parts, -1 for none).
const SITE = 8;
// A syntax error: message (index into strings), span start, end, range start line, character, end line, character.
const ERROR = 7;
const TEMPLATED = 1;
const DECLARES_APP = 2;
const NO_ERRORS: SyntaxProblem[] = Object.freeze([]) as unknown as SyntaxProblem[];
const NO_RANGES: Range[] = Object.freeze([]) as unknown as Range[];

/** What a site holds besides its reference, span and grammar; a tree has a handful of distinct ones. */
type SiteParts = Pick<JudgedSite, 'ignored' | 'pullPolicy' | 'helm'>;

interface Header {
  format: number;
  paths: string[];
  /** Options keys and syntax error messages. */
  strings: string[];
  /** Each reference once, with what the grammar said of it (absent when the site had no grammar). */
  refs: Array<[string, Grammar?]>;
  parts: SiteParts[];
  /**
   * Each file's mtime, by its index (a fraction of a millisecond, not a small integer). Kept out of the
   * records so that they are small integers only: an array of them parses to 4-byte elements, and
   * the sites and ranges made from them hold their numbers in place (one fraction among the records
   * made every number read from them a separate heap object, six per site).
   */
  mtimes: number[];
  /** How many 4-byte integers the records after the header hold. */
  records: number;
  /** The records' byte order (a cache folder shared between machines may meet the other one). */
  littleEndian: boolean;
  /** Byte length of the facts after the records. */
  factsBytes: number;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

/**
 * A patch container's image is one of the file's workload images (the same object): stored as its
 * index, not a second copy (the copies were a third of the facts of a tree of workloads).
 */
type StoredPatch = Omit<PatchContainer, 'image'> & { image?: PatchContainer['image'] | number };

export function factsToJson(facts: FileFacts): string {
  if (!facts.patches.some((p) => p.image)) return JSON.stringify(facts);
  const patches: StoredPatch[] = facts.patches.map((p) => {
    const at = p.image ? facts.workloads.indexOf(p.image) : -1;
    return at >= 0 ? { ...p, image: at } : p;
  });
  return JSON.stringify({ ...facts, patches });
}

export function factsFromJson(text: string): FileFacts {
  const facts = JSON.parse(text) as Omit<FileFacts, 'patches'> & { patches: StoredPatch[] };
  for (const p of facts.patches) if (typeof p.image === 'number') p.image = facts.workloads[p.image];
  return facts as FileFacts;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'image-pin');
}

/**
 * An extraction from the cache. Its facts are parsed from the cache's bytes when first read (a getter
 * on the class: one per object would give every object a shape of its own); facts that do not parse
 * are none, and the model then reads the file itself.
 */
class CachedExtraction implements JudgedExtraction {
  declaresApp?: boolean;
  lineStarts?: readonly number[];
  // Private fields: not seen by a spread or JSON.stringify of the extraction.
  readonly #bytes: Buffer;
  readonly #at: number;
  readonly #length: number;
  #facts: FileFacts | undefined | null = null;

  constructor(
    public sites: JudgedSite[],
    public syntaxErrors: SyntaxProblem[],
    public templated: boolean,
    declaresApp: boolean,
    public siteRanges: Range[],
    public errorRanges: Range[],
    bytes: Buffer,
    at: number,
    length: number,
  ) {
    if (declaresApp) this.declaresApp = true;
    this.#bytes = bytes;
    this.#at = at;
    this.#length = length;
  }

  get facts(): FileFacts | undefined {
    if (this.#facts === null) {
      try {
        this.#facts = this.#at < 0 ? undefined : factsFromJson(this.#bytes.toString('utf8', this.#at, this.#at + this.#length));
      } catch {
        this.#facts = undefined;
      }
    }
    return this.#facts;
  }

  set facts(facts: FileFacts | undefined) {
    this.#facts = facts;
  }
}

/** An entry computed in this run. */
interface Fresh {
  size: number;
  mtimeMs: number;
  options: string;
  extraction: JudgedExtraction;
}

const EMPTY: Header = { format: FORMAT, paths: [], strings: [], refs: [], parts: [], mtimes: [], records: 0, littleEndian: LITTLE_ENDIAN, factsBytes: 0 };

export class ResultCache {
  private header: Header = EMPTY;
  /** The loaded file's records (see `R_*`). */
  private records: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** The facts bytes of the loaded file. */
  private facts: Buffer = Buffer.alloc(0);
  /** Where each loaded file's record starts in `header.records`, by the file's index in `header.paths`. */
  private offsets: number[] = [];
  /**
   * Each loaded file's index, made when first needed (see `find`); a file whose entry is dropped is
   * taken out. A rescan of a tree that did not change never needs it.
   */
  private byPath: Map<string, number> | undefined;
  /** The index of the loaded file expected next: a scan lists files in the order it stored them. */
  private cursor = 0;
  private fresh = new Map<string, Fresh>();
  private dirty = false;
  /** Before any file of this run was stat-ed or read: what a stored entry's mtime must be well before. */
  private readonly openedAt = Date.now();

  private constructor(private readonly file: string) {}

  /** The cache for a set of scan roots, loaded from `dir` (an unreadable or unrecognised cache is an empty one). */
  static open(dir: string, roots: string[], version: string): ResultCache {
    const key = crypto.createHash('sha256').update(JSON.stringify([FORMAT, version, roots.map((r) => path.resolve(r)).sort()])).digest('hex').slice(0, 16);
    const cache = new ResultCache(path.join(dir, `scan-${key}.cache`));
    let bytes: Buffer | undefined;
    try {
      bytes = fs.readFileSync(cache.file);
    } catch {
      bytes = undefined;
    }
    if (bytes) cache.load(bytes);
    return cache;
  }

  /** Takes a cache file's bytes, or nothing when they are not exactly this format. */
  private load(bytes: Buffer): void {
    try {
      if (bytes.length < MAGIC.length || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return;
      const eol = bytes.indexOf(10, MAGIC.length);
      const lengthText = eol < 0 ? '' : bytes.toString('latin1', MAGIC.length, eol);
      if (!/^[0-9]{1,10}$/.test(lengthText)) return;
      const start = eol + 1;
      const end = start + Number(lengthText);
      if (end > bytes.length) return;
      const header = JSON.parse(bytes.toString('utf8', start, end)) as Header;
      if (!isHeader(header)) return;
      const recordsAt = align4(end);
      const factsAt = recordsAt + header.records * 4;
      if (factsAt + header.factsBytes !== bytes.length) return;
      // In place when the bytes are aligned for it (a file read whole is), else copied.
      const records =
        (bytes.byteOffset + recordsAt) % 4 === 0
          ? new Int32Array(bytes.buffer, bytes.byteOffset + recordsAt, header.records)
          : new Int32Array(bytes.buffer.slice(bytes.byteOffset + recordsAt, bytes.byteOffset + factsAt));
      const offsets = recordOffsets(header, records);
      if (!offsets) return;
      this.header = header;
      this.records = records;
      this.facts = bytes.subarray(factsAt);
      this.offsets = offsets;
    } catch {
      // Not JSON where the header should be: an empty cache.
    }
  }

  get(file: string, stat: { size: number; mtimeMs: number }, options: string): JudgedExtraction | undefined {
    const fresh = this.fresh.get(file);
    if (fresh) return fresh.size === stat.size && fresh.mtimeMs === stat.mtimeMs && fresh.options === options ? fresh.extraction : undefined;
    const i = this.find(file);
    if (i === undefined) return undefined;
    const at = this.offsets[i];
    const r = this.records;
    if (r[at + R_SIZE] !== stat.size || this.header.mtimes[r[at + R_MTIME]] !== stat.mtimeMs || this.header.strings[r[at + R_OPTIONS]] !== options) return undefined;
    return this.decode(at);
  }

  /**
   * The loaded file's index. A scan lists files in the order the cache stored them (its previous
   * listing), so the file after the one found last is tried first: a rescan of a tree that did not
   * change makes no map of 20,000 paths to find them. Anything else (a file added, removed, or listed
   * in another order) is looked up in the map.
   */
  private find(file: string): number | undefined {
    const paths = this.header.paths;
    let i: number | undefined = this.cursor;
    if (!(i < paths.length && paths[i] === file && (!this.byPath || this.byPath.get(file) === i))) i = this.index().get(file);
    if (i !== undefined) this.cursor = i + 1;
    return i;
  }

  private index(): Map<string, number> {
    if (!this.byPath) {
      const paths = this.header.paths;
      this.byPath = new Map();
      // The first of a path stored twice (never written so, but a file is read as it is), as the cursor would find it.
      for (let i = 0; i < paths.length; i++) if (!this.byPath.has(paths[i])) this.byPath.set(paths[i], i);
    }
    return this.byPath;
  }

  /** A loaded record as an extraction; undefined when it points outside the header's tables. */
  private decode(at: number): JudgedExtraction | undefined {
    const { refs, parts, strings } = this.header;
    const r = this.records;
    const siteCount = r[at + R_SITES];
    const errorCount = r[at + R_ERRORS];
    // Arrays of their final length: grown by push, each would hold room for 17.
    const sites: JudgedSite[] = new Array(siteCount);
    const siteRanges: Range[] = new Array(siteCount);
    let p = at + R_HEAD;
    for (let k = 0; k < siteCount; k++, p += SITE) {
      const ref = refs[r[p]];
      if (ref === undefined) return undefined;
      const grammar = ref[1];
      const site: JudgedSite = grammar ? { reference: ref[0], span: { start: r[p + 1], end: r[p + 2] }, grammar } : { reference: ref[0], span: { start: r[p + 1], end: r[p + 2] } };
      if (r[p + 7] >= 0) {
        const more = parts[r[p + 7]];
        if (more === undefined) return undefined;
        if (more.ignored) site.ignored = more.ignored;
        if (more.pullPolicy) site.pullPolicy = more.pullPolicy;
        if (more.helm) site.helm = more.helm;
      }
      sites[k] = site;
      siteRanges[k] = { start: { line: r[p + 3], character: r[p + 4] }, end: { line: r[p + 5], character: r[p + 6] } };
    }
    // Most files have no syntax error: one empty list for all of them (frozen: nothing adds to a cached extraction's).
    const syntaxErrors: SyntaxProblem[] = errorCount ? new Array(errorCount) : NO_ERRORS;
    const errorRanges: Range[] = errorCount ? new Array(errorCount) : NO_RANGES;
    for (let k = 0; k < errorCount; k++, p += ERROR) {
      const message = strings[r[p]];
      if (message === undefined) return undefined;
      syntaxErrors[k] = { message, span: { start: r[p + 1], end: r[p + 2] } };
      errorRanges[k] = { start: { line: r[p + 3], character: r[p + 4] }, end: { line: r[p + 5], character: r[p + 6] } };
    }
    const flags = r[at + R_FLAGS];
    const extraction = new CachedExtraction(sites, syntaxErrors, (flags & TEMPLATED) !== 0, (flags & DECLARES_APP) !== 0, siteRanges, errorRanges, this.facts, r[at + R_FACTS_AT], r[at + R_FACTS_LEN]);
    const lines = r[at + R_LINES];
    if (lines > 0) extraction.lineStarts = Array.from(r.subarray(p, p + lines));
    return extraction;
  }

  set(file: string, stat: { size: number; mtimeMs: number }, options: string, extraction: JudgedExtraction): void {
    this.dirty = true;
    // A file modified moments before this run may be modified again within its timestamp's granularity,
    // keeping its size: an entry stored now could later be taken for the new text. Such a file is not kept.
    if (!settledBefore(stat.mtimeMs, this.openedAt)) {
      this.index().delete(file);
      this.fresh.delete(file);
      return;
    }
    this.fresh.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, options, extraction });
  }

  /**
   * Keeps only the files of this run (listed once each), and writes atomically when anything changed;
   * a cache that cannot be written is not an error.
   */
  save(files: readonly string[]): void {
    if (!this.dirty) {
      // Nothing new: written only when a loaded entry is of no file of this run. Most often the run
      // listed exactly the loaded files, in their order.
      const paths = this.header.paths;
      if (files.length === paths.length && !this.byPath && files.every((f, i) => f === paths[i])) return;
      const loaded = this.index();
      let kept = 0;
      for (const file of files) if (loaded.has(file)) kept++;
      if (kept === loaded.size) return;
    }
    try {
      // In the order of this run's listing, which the next run's look-ups follow (see `find`).
      const writer = new Writer();
      const loaded = this.index();
      const written = new Set<string>();
      for (const file of files) {
        if (written.has(file)) continue;
        written.add(file);
        const entry = this.fresh.get(file);
        const i = entry ? undefined : loaded.get(file);
        if (entry) writer.add(file, entry);
        else if (i !== undefined) writer.copy(file, this.header, this.records, this.facts, this.offsets[i]);
      }
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      // Created exclusively under a name nobody can plant a link at in advance.
      const tmp = `${this.file}.${crypto.randomBytes(8).toString('hex')}.tmp`;
      fs.writeFileSync(tmp, writer.bytes(), { flag: 'wx' });
      try {
        fs.renameSync(tmp, this.file);
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
    } catch {
      // Read-only home or full disk (or a loaded record that points nowhere): the next run is simply cold.
    }
  }
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

function isHeader(h: unknown): h is Header {
  if (typeof h !== 'object' || h === null) return false;
  const x = h as Partial<Header>;
  return (
    x.format === FORMAT &&
    Array.isArray(x.paths) &&
    Array.isArray(x.strings) &&
    Array.isArray(x.refs) &&
    Array.isArray(x.parts) &&
    Array.isArray(x.mtimes) &&
    x.mtimes.length === x.paths.length &&
    typeof x.records === 'number' &&
    Number.isSafeInteger(x.records) &&
    x.records >= 0 &&
    x.littleEndian === LITTLE_ENDIAN &&
    typeof x.factsBytes === 'number' &&
    Number.isSafeInteger(x.factsBytes) &&
    x.factsBytes >= 0
  );
}

/** Where each path's record starts, or undefined when the records do not add up to exactly one per path. */
function recordOffsets(h: Header, r: Int32Array): number[] | undefined {
  const offsets: number[] = [];
  let at = 0;
  for (let i = 0; i < h.paths.length; i++) {
    if (at + R_HEAD > r.length) return undefined;
    const sites = r[at + R_SITES];
    const errors = r[at + R_ERRORS];
    const lines = r[at + R_LINES];
    const factsAt = r[at + R_FACTS_AT];
    const factsLen = r[at + R_FACTS_LEN];
    if (!Number.isSafeInteger(sites) || !Number.isSafeInteger(errors) || !Number.isSafeInteger(lines) || sites < 0 || errors < 0 || lines < 0 || r[at + R_MTIME] !== i) return undefined;
    if (factsAt >= 0 && !(Number.isSafeInteger(factsAt) && Number.isSafeInteger(factsLen) && factsLen >= 0 && factsAt + factsLen <= h.factsBytes)) return undefined;
    offsets.push(at);
    at += R_HEAD + sites * SITE + errors * ERROR + lines;
  }
  return at === r.length ? offsets : undefined;
}

/** Builds a cache file: entries of this run, and loaded ones copied over with their tables' indices renumbered. */
class Writer {
  private readonly paths: string[] = [];
  private readonly strings: string[] = [];
  private readonly stringAt = new Map<string, number>();
  private readonly refs: Array<[string, Grammar?]> = [];
  private readonly refAt = new Map<string, { at: number; grammar: Grammar | undefined }[]>();
  private readonly parts: SiteParts[] = [];
  private readonly partsAt = new Map<string, number>();
  private readonly mtimes: number[] = [];
  private readonly records: number[] = [];
  private readonly facts: Buffer[] = [];
  private factsBytes = 0;

  add(file: string, entry: Fresh): void {
    const e = entry.extraction;
    // Every field of an extraction is stored below: a new one must be added here too.
    const { sites, syntaxErrors, templated, declaresApp, siteRanges, errorRanges, facts, lineStarts, ...unknown } = e;
    const none: Record<string, never> = unknown;
    void none;
    const factsBytes = facts ? Buffer.from(factsToJson(facts), 'utf8') : undefined;
    this.head(file, entry.size, entry.mtimeMs, this.string(entry.options), (templated ? TEMPLATED : 0) | (declaresApp ? DECLARES_APP : 0), factsBytes, sites.length, syntaxErrors.length, lineStarts?.length ?? 0);
    const r = this.records;
    sites.forEach((site, i) => {
      const range = siteRanges[i];
      const { reference, span, grammar, ignored, pullPolicy, helm } = site;
      let parts = -1;
      if (ignored || pullPolicy || helm) {
        const more: SiteParts = {};
        if (ignored) more.ignored = ignored;
        if (pullPolicy) more.pullPolicy = pullPolicy;
        if (helm) more.helm = helm;
        parts = this.part(more);
      }
      r.push(this.ref(reference, grammar), span.start, span.end, range.start.line, range.start.character, range.end.line, range.end.character, parts);
    });
    syntaxErrors.forEach((error, i) => {
      const range = errorRanges[i];
      r.push(this.string(error.message), error.span.start, error.span.end, range.start.line, range.start.character, range.end.line, range.end.character);
    });
    if (lineStarts) for (const start of lineStarts) r.push(start);
  }

  /** A loaded record, unchanged but for its indices into this file's tables. */
  copy(file: string, from: Header, r: Int32Array, facts: Buffer, at: number): void {
    const factsAt = r[at + R_FACTS_AT];
    const sites = r[at + R_SITES];
    const errors = r[at + R_ERRORS];
    const lines = r[at + R_LINES];
    this.head(file, r[at + R_SIZE], from.mtimes[r[at + R_MTIME]], this.string(from.strings[r[at + R_OPTIONS]]), r[at + R_FLAGS], factsAt >= 0 ? facts.subarray(factsAt, factsAt + r[at + R_FACTS_LEN]) : undefined, sites, errors, lines);
    let p = at + R_HEAD;
    for (let k = 0; k < sites; k++, p += SITE) {
      const [reference, grammar] = from.refs[r[p]];
      this.records.push(this.ref(reference, grammar), r[p + 1], r[p + 2], r[p + 3], r[p + 4], r[p + 5], r[p + 6], r[p + 7] >= 0 ? this.part(from.parts[r[p + 7]]) : -1);
    }
    for (let k = 0; k < errors; k++, p += ERROR) this.records.push(this.string(from.strings[r[p]]), r[p + 1], r[p + 2], r[p + 3], r[p + 4], r[p + 5], r[p + 6]);
    for (let k = 0; k < lines; k++) this.records.push(r[p + k]);
  }

  bytes(): Buffer {
    const records = Int32Array.from(this.records);
    // Every number fits (sizes and offsets of files the scan reads, under 2 GiB): else no cache is better than a wrong one.
    if (records.some((v, i) => v !== this.records[i])) throw new RangeError('a record does not fit in 4 bytes');
    const header: Header = { format: FORMAT, paths: this.paths, strings: this.strings, refs: this.refs, parts: this.parts, mtimes: this.mtimes, records: records.length, littleEndian: LITTLE_ENDIAN, factsBytes: this.factsBytes };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const head = Buffer.from(`${MAGIC}${json.length}\n`, 'latin1');
    const pad = Buffer.alloc(align4(head.length + json.length) - (head.length + json.length));
    return Buffer.concat([head, json, pad, Buffer.from(records.buffer, records.byteOffset, records.byteLength), ...this.facts]);
  }

  private head(file: string, size: number, mtimeMs: number, options: number, flags: number, facts: Buffer | undefined, sites: number, errors: number, lines: number): void {
    this.records.push(size, this.paths.length, options, flags, facts ? this.factsBytes : -1, facts ? facts.length : 0, sites, errors, lines);
    this.paths.push(file);
    this.mtimes.push(mtimeMs);
    if (facts) {
      this.facts.push(facts);
      this.factsBytes += facts.length;
    }
  }

  private string(s: string): number {
    let at = this.stringAt.get(s);
    if (at === undefined) {
      this.stringAt.set(s, (at = this.strings.length));
      this.strings.push(s);
    }
    return at;
  }

  /** The reference's index; a site whose grammar says otherwise than an earlier one's (not expected) gets its own. */
  private ref(reference: string, grammar: Grammar | undefined): number {
    let known = this.refAt.get(reference);
    if (!known) this.refAt.set(reference, (known = []));
    const same = known.find((k) => k.grammar === grammar || (k.grammar !== undefined && grammar !== undefined && JSON.stringify(k.grammar) === JSON.stringify(grammar)));
    if (same) return same.at;
    const at = this.refs.length;
    this.refs.push(grammar ? [reference, grammar] : [reference]);
    known.push({ at, grammar });
    return at;
  }

  private part(parts: SiteParts): number {
    const key = JSON.stringify(parts);
    let at = this.partsAt.get(key);
    if (at === undefined) {
      this.partsAt.set(key, (at = this.parts.length));
      this.parts.push(parts);
    }
    return at;
  }
}
