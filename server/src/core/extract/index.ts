/**
 * Finds every image reference in a YAML file, with exact ranges.
 *
 * A file is split into its documents; a document that cannot hold an image (a cheap
 * text test) or that is a CustomResourceDefinition (schemas mention `image` without
 * holding one) is not parsed at all. Results are computed per document in the
 * document's own coordinates, so an unchanged document's result can be reused from
 * a cache after edits elsewhere in the file.
 */
import { Document, isMap } from 'yaml';
import type { ImageSite, ScalarPart, Span } from '../types';
import { LineIndex, normalizeLoneCr } from '../text';
import { Comment, blankTemplateActions, parseDocument, splitDocuments, templateExcusesErrors } from '../yamlSource';
import { ShapeOptions, isValuesFile } from './classify';
import { WalkContext, findPair } from './context';
import { Bail, BailCause, scanDocument } from './lineScan';
import { OffsetMap, blockScalarMap, pinSiteTo, relocateSite } from './relocate';
import { walkDocument } from './walk';
import { WorkloadReader } from '../env/workloads';

export interface SyntaxProblem {
  message: string;
  span: Span;
}

export interface Extraction {
  sites: ImageSite[];
  /**
   * The parser's errors, at most one per document, in file order. A document whose template
   * actions shape its structure (a chart template) has none: its errors are the template's.
   */
  syntaxErrors: SyntaxProblem[];
  /** The file holds template actions (`{{ … }}`): a Helm chart template or similar. */
  templated: boolean;
}

export interface ExtractOptions {
  /** The file's path, for name-based decisions (a kustomization). */
  path?: string;
  /** Extra keys whose string value is an image reference. */
  imageKeys?: readonly string[];
  /** Per-document results to reuse between calls (the editor's incremental path). */
  cache?: DocumentCache;
  /**
   * Called with each document this call parses (template actions blanked, ranges relative to
   * `offset`), so a caller that reads other keys of the same documents need not parse them again.
   * Not called for documents skipped (they cannot hold an image) or reused from `cache`. On the
   * fast path the document is the fast scanner's tree, whose lazily known parts throw a `Bail`
   * when read: a caller catches it and parses the file itself. `workloads`: the environment model's
   * workload images and patch containers, read on the extraction's walk (absent if the walk failed).
   */
  onDocument?: (doc: Document.Parsed, source: string, offset: number, workloads?: WorkloadReader) => void;
  /**
   * Read documents with the structural fast path first (`lineScan.ts`), falling back to the
   * `yaml` parse per document; counts go into the object given, if one is.
   */
  fast?: boolean | FastPathStats;
}

/** What the fast path did: documents it was asked to read, and how many it handed to `yaml`, by cause. */
export interface FastPathStats {
  documents: number;
  bailed: Partial<Record<BailCause, number>>;
  /** Text length of the documents handed to `yaml`. */
  fallbackBytes: number;
}

export function newFastPathStats(): FastPathStats {
  return { documents: 0, bailed: {}, fallbackBytes: 0 };
}

export type { BailCause } from './lineScan';

interface DocumentResult {
  /** In the document's own coordinates. */
  sites: ImageSite[];
  error?: SyntaxProblem;
  /** The same, placed in the file at `start` the last time (kept only in a cache). */
  placed?: { start: number; sites: ImageSite[]; error?: SyntaxProblem };
}

/**
 * Remembers per-document results by the document's exact text, under the options that shape them.
 * The text itself is the key (no prefix concatenated onto it), so a lookup copies nothing.
 */
export class DocumentCache {
  private byOptions = new Map<string, Map<string, DocumentResult>>();
  private used = new Set<DocumentResult>();

  get(options: string, text: string): DocumentResult | undefined {
    const hit = this.byOptions.get(options)?.get(text);
    if (hit) this.used.add(hit);
    return hit;
  }

  set(options: string, text: string, value: DocumentResult): void {
    let entries = this.byOptions.get(options);
    if (!entries) this.byOptions.set(options, (entries = new Map()));
    entries.set(text, value);
    this.used.add(value);
  }

  /** Drops what the last pass did not use, so the cache holds one version of a file. */
  sweep(): void {
    for (const entries of this.byOptions.values()) {
      for (const [text, result] of entries) if (!this.used.has(result)) entries.delete(text);
    }
    this.used.clear();
  }
}

const KUSTOMIZATION_FILE = /(^|[\\/])(kustomization\.ya?ml|Kustomization)$/;
const CRD = /^kind:[ \t]*["']?CustomResourceDefinition\b/m;
const MAX_EMBED_DEPTH = 2;

export function extractImages(text: string, opts: ExtractOptions = {}): Extraction {
  return extract(text, opts, 0);
}

function extract(text: string, opts: ExtractOptions, depth: number): Extraction {
  const blanked = blankTemplateActions(text);
  const source = normalizeLoneCr(blanked.text);
  const imageKeys = new Set(['image', ...(opts.imageKeys ?? [])]);
  const mayHold = candidateTest(imageKeys);
  const kustomizationFile = !!opts.path && KUSTOMIZATION_FILE.test(opts.path);
  // Helm values embedded in another file (Argo CD `helm.values`) are values too.
  const shapeOptions: ShapeOptions = { imageKeys, valuesFile: depth > 0 || isValuesFile(opts.path) };
  const options = `${kustomizationFile ? 'K' : '-'}${shapeOptions.valuesFile ? 'V' : '-'}${depth}${[...imageKeys].join(',')}`;

  const fast = opts.fast === true ? newFastPathStats() : opts.fast || undefined;
  const sites: ImageSite[] = [];
  const syntaxErrors: SyntaxProblem[] = [];
  // The first action that may touch the document: actions are in text order and do not overlap.
  let firstAction = 0;
  for (const doc of splitDocuments(source)) {
    const docSource = source.slice(doc.start, doc.end);
    if (!mayHold.test(docSource) || (docSource.includes('CustomResourceDefinition') && CRD.test(docSource))) continue;
    const original = text.slice(doc.start, doc.end);
    let result = opts.cache?.get(options, original);
    if (!result) {
      const all = blanked.actions;
      while (firstAction < all.length && all[firstAction].end <= doc.start) firstAction++;
      let actions: Span[];
      if (doc.start === 0 && firstAction === 0 && (all.length === 0 || all[all.length - 1].start < doc.end)) actions = all;
      else {
        actions = [];
        for (let i = firstAction; i < all.length && all[i].start < doc.end; i++) actions.push({ start: all[i].start - doc.start, end: all[i].end - doc.start });
      }
      const onDocument = opts.onDocument;
      const onParsed = onDocument && { offset: doc.start, parsed: (d: Document.Parsed, w?: WorkloadReader) => onDocument(d, docSource, doc.start, w) };
      result = extractDocument(docSource, original, actions, shapeOptions, kustomizationFile, depth, fast, onParsed);
      // Template structure excuses a syntax error only where an action can have caused it.
      if (result.error && actions.length > 0 && templateExcusesErrors(original, actions)) result = { sites: result.sites };
      opts.cache?.set(options, original, result);
    }
    // An unchanged document at an unchanged offset reuses its placed sites: typing in one document
    // of a large file must not re-allocate every site of the others.
    let placed = result.placed;
    if (!opts.cache && doc.start === 0) {
      // The first document's own coordinates are the file's, and without a cache nothing else holds its sites.
      placed = { start: 0, sites: result.sites, error: result.error };
    } else if (placed?.start !== doc.start) {
      const shift = (o: number) => o + doc.start;
      const e = result.error;
      placed = { start: doc.start, sites: result.sites.map((site) => relocateSite(site, shift)), error: e && { message: e.message, span: { start: shift(e.span.start), end: shift(e.span.end) } } };
      if (opts.cache) result.placed = placed;
    }
    for (const site of placed.sites) sites.push(site);
    if (placed.error) syntaxErrors.push(placed.error);
  }
  return { sites, syntaxErrors, templated: blanked.actions.length > 0 };
}

/**
 * A one-document text read by the fast scanner, as `yaml` would compose it (template actions blanked),
 * for a caller that reads the whole file where the extraction skipped it as unable to hold an image
 * (the environment model's kustomizations, charts and values files). Undefined, for the caller to
 * parse with `yaml`, when the scanner is not certain of it, it is not a map, or the text holds more
 * than one document (composed as part of a stream, a document that another follows can end elsewhere
 * than alone: a map's insertion point after the `---`). Lazily known parts throw a `Bail` when read.
 */
export function fastDocuments(text: string): Array<{ doc: Document.Parsed; source: string; offset: number }> | undefined {
  const blanked = blankTemplateActions(text);
  const source = blanked.text;
  if (splitDocuments(source).length !== 1) return undefined;
  let scanned;
  try {
    scanned = scanDocument(source, false, blanked.actions);
  } catch (err) {
    if (err instanceof Bail) return undefined;
    throw err;
  }
  // `yaml` would report an error here: what it composes is its own.
  if (scanned.needsTemplateExcuse || !isMap(scanned.contents)) return undefined;
  return [{ doc: { contents: scanned.contents } as unknown as Document.Parsed, source, offset: 0 }];
}

/** A document can hold an image only if one of these words appears in it. */
function candidateTest(imageKeys: ReadonlySet<string>): RegExp {
  const extra = [...imageKeys].filter((k) => !/image/i.test(k)).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const source = ['[Ii]mage', 'docker://', 'container', ...extra].join('|');
  // One expression per set of keys, not one compiled per file (a scan asks for the same one thousands of times).
  let test = CANDIDATE_TESTS.get(source);
  if (!test) {
    if (CANDIDATE_TESTS.size >= 64) CANDIDATE_TESTS.clear();
    CANDIDATE_TESTS.set(source, (test = new RegExp(source)));
  }
  return test;
}
const CANDIDATE_TESTS = new Map<string, RegExp>();

/** Who receives a parsed document (see `ExtractOptions.onDocument`), and where the document starts in the file. */
interface OnParsed {
  offset: number;
  parsed(doc: Document.Parsed, workloads?: WorkloadReader): void;
}

function extractDocument(
  source: string,
  original: string,
  templateActions: Span[],
  shapeOptions: ShapeOptions,
  kustomizationFile: boolean,
  depth: number,
  fast?: FastPathStats,
  onParsed?: OnParsed,
): DocumentResult {
  if (fast) {
    fast.documents++;
    const result = fastDocument(source, original, templateActions, shapeOptions, kustomizationFile, depth, fast, onParsed);
    if (!('bail' in result)) return result;
    fast.bailed[result.bail] = (fast.bailed[result.bail] ?? 0) + 1;
    fast.fallbackBytes += source.length;
  }
  let parsed;
  try {
    // Walking the CST for comments costs as much as a tenth of the parse: only when one can matter.
    parsed = parseDocument(source, { comments: source.includes('image-pin') });
  } catch (err) {
    // The parser recurses per nesting level; absurd nesting must not take the process down.
    return { sites: [], error: { message: `could not parse this document: ${(err as Error).message}`, span: { start: 0, end: Math.min(source.length, 1) } } };
  }
  const { doc, comments, errors } = parsed;
  const embedded: Embedded[] = [];
  const ctx = walkContext(source, doc, templateActions, shapeOptions, kustomizationFile, embeddedReader(shapeOptions, depth, embedded));
  const workloads = onParsed && new WorkloadReader(source, onParsed.offset, doc.contents);
  try {
    walkDocument(ctx, doc.contents, workloads);
  } catch (err) {
    onParsed?.parsed(doc);
    return { sites: ctx.sites, error: { message: `could not read this document: ${(err as Error).message}`, span: { start: 0, end: Math.min(source.length, 1) } } };
  }
  onParsed?.parsed(doc, workloads);
  return withEmbedded(source, ctx.sites, embedded, errors[0], comments);
}

/** Helm values embedded in a string (Argo CD `helm.values`), extracted in the string's own coordinates. */
type Embedded = { part: ScalarPart; found: Extraction };

function embeddedReader(shapeOptions: ShapeOptions, depth: number, into: Embedded[], fast?: FastPathStats): (part: ScalarPart) => void {
  return (part) => {
    if (depth < MAX_EMBED_DEPTH) into.push({ part, found: extract(part.value, { imageKeys: [...shapeOptions.imageKeys], fast }, depth + 1) });
  };
}

/** The document's sites with those of its embedded values placed in it, ignore comments applied. */
function withEmbedded(source: string, sites: ImageSite[], embedded: readonly Embedded[], firstError: SyntaxProblem | undefined, comments: Comment[]): DocumentResult {
  let error = firstError;
  for (const { part, found } of embedded) {
    const map = embeddedMap(source, part);
    for (const site of found.sites) sites.push(map ? relocateSite(site, map) : pinSiteTo(site, part.token));
    if (!error && found.syntaxErrors[0]) {
      const inner = found.syntaxErrors[0];
      error = { message: `in the embedded Helm values: ${inner.message}`, span: map ? { start: map(inner.span.start), end: map(inner.span.end) } : part.token };
    }
  }
  markIgnored(source, sites, comments);
  return { sites, error };
}

/** The same walk over the fast scanner's tree; a `Bail` anywhere means "parse this one with `yaml`". */
function fastDocument(
  source: string,
  original: string,
  templateActions: Span[],
  shapeOptions: ShapeOptions,
  kustomizationFile: boolean,
  depth: number,
  fast: FastPathStats,
  onParsed?: OnParsed,
): DocumentResult | { bail: BailCause } {
  try {
    const scanned = scanDocument(source, source.includes('image-pin'), templateActions);
    // The `yaml` path would report an error here, which the template must excuse for the tree to stand.
    if (scanned.needsTemplateExcuse && !scanned.actionExcuses && !templateExcusesErrors(original, templateActions)) return { bail: scanned.needsTemplateExcuse };
    const doc = { contents: scanned.contents } as unknown as Document.Parsed;
    const embedded: Embedded[] = [];
    const ctx = walkContext(source, doc, templateActions, shapeOptions, kustomizationFile, embeddedReader(shapeOptions, depth, embedded, fast));
    // The model's workload images are read on the same walk; a part of the tree only `yaml` knows,
    // read for them, hands the document to `yaml` as it would for the extraction.
    const workloads = onParsed && new WorkloadReader(source, onParsed.offset, doc.contents);
    walkDocument(ctx, doc.contents, workloads);
    const result = withEmbedded(source, ctx.sites, embedded, undefined, scanned.comments);
    onParsed?.parsed(doc, workloads);
    return result;
  } catch (err) {
    return { bail: err instanceof Bail ? err.reason : 'walk-error' };
  }
}

function walkContext(
  source: string,
  doc: Document.Parsed,
  templateActions: Span[],
  shapeOptions: ShapeOptions,
  kustomizationFile: boolean,
  embeddedValues: (part: ScalarPart) => void,
): WalkContext {
  const root = doc.contents;
  const kind = isMap(root) ? findPair(root, 'kind') : undefined;
  const kustomization = kustomizationFile || (kind !== undefined && (kind.value as { value?: unknown } | null)?.value === 'Kustomization');
  const imageKeys = shapeOptions.imageKeys;
  return { source, doc, imageKeys, shapeOptions, kustomization, templateActions, sites: [], seen: new Set(), splitMaps: new Set(), embeddedValues };
}

/** Offsets in an embedded string's value → offsets in the document. */
function embeddedMap(source: string, part: ScalarPart): OffsetMap | null {
  if (part.exact) return (o) => part.span.start + o;
  return blockScalarMap(source, part.token, part.value);
}

const IGNORE = /^#\s*image-pin:\s*ignore\b(.*)$/;

/**
 * Applies `# image-pin: ignore [rule …]` comments: at the end of a site's line, or alone
 * on the line above it (or above the key of any part of a split reference).
 */
function markIgnored(source: string, sites: ImageSite[], comments: Comment[]): void {
  const directives = comments.filter((c) => IGNORE.test(c.text));
  if (directives.length === 0 || sites.length === 0) return;
  const lines = new LineIndex(source);
  const byLine = new Map<number, { rules: string[]; ownLine: boolean }>();
  for (const c of directives) {
    const pos = lines.position(c.offset);
    const before = source.slice(lines.lineStart(pos.line), c.offset);
    const rules = IGNORE.exec(c.text)![1].split(/[\s,]+/).filter(Boolean);
    byLine.set(pos.line, { rules, ownLine: before.trim() === '' });
  }
  for (const site of sites) {
    const anchors = [site.span, site.scalar?.token, site.helm?.repository.keySpan, site.helm?.tag?.keySpan, site.kustomize?.name.keySpan];
    for (const anchor of anchors) {
      if (!anchor) continue;
      const line = lines.position(anchor.start).line;
      const hit = byLine.get(line) ?? (byLine.get(line - 1)?.ownLine ? byLine.get(line - 1) : undefined);
      if (hit) {
        site.ignored = hit.rules;
        break;
      }
    }
  }
}
