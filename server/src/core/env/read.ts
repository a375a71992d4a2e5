/**
 * "What the files say": the few keys the environment model needs, read from a document's text with
 * the `yaml` AST (exact ranges), independent of the image extractor. Nothing here follows a path or
 * applies an override; see graph.ts and overrides.ts.
 */
import { Composer, Document, Parser, YAMLMap, isMap, isScalar, isSeq } from 'yaml';
import { findPair, insertionPoint, keyOf, nodeSpan } from '../extract/context';
import type { ScalarPart, Span } from '../types';
import { blankTemplateActions, parseDocument, scalarPart, splitDocuments } from '../yamlSource';
import { blockScalarMap } from '../extract/relocate';
import { fastDocuments } from '../extract';
import type { KustomizeEntry } from './types';
import { PatchContainer, WorkloadImage, WorkloadReader, fileWorkloads } from './workloads';
import { walkDocument } from '../extract/walk';
import { Bail } from '../extract/lineScan';

/** A path or name written in a list, with where it is written. */
export interface Written {
  value: string;
  span: Span;
}

/**
 * A parsed document and the text its ranges count in: the whole file (offset 0) when read here, or
 * one document's own text at `offset` when the extractor hands over the document it parsed anyway.
 */
export interface Doc {
  doc: Document.Parsed;
  source: string;
  offset: number;
  /** Its workload images and patch containers, when the extraction read them on its walk. */
  workloads?: WorkloadReader;
}

/** Every document of a stream, with absolute ranges; template actions blanked. */
export function documents(text: string): Doc[] {
  const source = blankTemplateActions(text).text;
  try {
    const composer = new Composer({ uniqueKeys: false, strict: false });
    return (Array.from(composer.compose(new Parser().parse(source), true, source.length)) as Document.Parsed[]).map((doc) => ({ doc, source, offset: 0 }));
  } catch {
    return [];
  }
}

function shift(s: Span, by: number): Span {
  return by === 0 ? s : { start: s.start + by, end: s.end + by };
}

function shiftPart(p: ScalarPart, by: number): ScalarPart {
  if (by === 0) return p;
  return { ...p, span: shift(p.span, by), token: shift(p.token, by), keySpan: p.keySpan && shift(p.keySpan, by) };
}

function scalarAt(d: Doc, node: unknown, nonString = false): ScalarPart | null {
  const p = scalarPart(node, d.source, { allowNonString: nonString });
  return p && shiftPart(p, d.offset);
}

function part(d: Doc, map: YAMLMap, key: string, nonString = true): ScalarPart | undefined {
  const pair = findPair(map, key);
  if (!pair) return undefined;
  const p = scalarPart(pair.value, d.source, { allowNonString: nonString });
  return p ? shiftPart({ ...p, keySpan: nodeSpan(pair.key) }, d.offset) : undefined;
}

function strings(d: Doc, node: unknown): Written[] {
  if (!isSeq(node)) return [];
  const out: Written[] = [];
  for (const item of node.items) {
    const p = scalarAt(d, item);
    if (p && p.value) out.push({ value: p.value, span: p.span });
  }
  return out;
}

function point(d: Doc, map: YAMLMap): { at: number; indent: string | null } {
  const p = insertionPoint(d.source, map);
  let at = p.at;
  // A block map as the last value ends past its line break: the new pair goes at the end of its last line.
  if (p.indent !== null && at > 0 && (d.source[at - 1] === '\n' || d.source[at - 1] === '\r')) {
    while (at > 0 && /[\s]/.test(d.source[at - 1])) at--;
  }
  return { at: at + d.offset, indent: p.indent };
}

function mapAt(map: unknown, ...keys: string[]): YAMLMap | undefined {
  let node: unknown = map;
  for (const k of keys) {
    if (!isMap(node)) return undefined;
    node = findPair(node, k)?.value;
  }
  return isMap(node) ? node : undefined;
}

// ---------------------------------------------------------------------------------------------
// Kustomizations

export interface KustomizationFacts {
  file: string;
  resources: Written[];
  components: Written[];
  /** Strategic-merge patch files (`patches[].path`, `patchesStrategicMerge`). */
  patches: Written[];
  /** Transformer configuration files (`configurations`), whose `images:` field specs extend where `images:` applies. */
  configurations: Written[];
  images: KustomizeEntry[];
  /** `kind: Component`. */
  component: boolean;
}

/** Reads a kustomization file (`kustomization.yaml`, `.yml`, `Kustomization`). */
export function readKustomization(file: string, docs: readonly Doc[]): KustomizationFacts {
  const facts: KustomizationFacts = { file, resources: [], components: [], patches: [], configurations: [], images: [], component: false };
  const d = docs[0];
  const root = d?.doc.contents;
  if (!d || !isMap(root)) return facts;
  const list = (key: string) => strings(d, findPair(root, key)?.value);
  facts.resources = [...list('resources'), ...list('bases')];
  facts.components = list('components');
  facts.configurations = list('configurations');
  facts.component = part(d, root, 'kind')?.value === 'Component';
  const patches = findPair(root, 'patches')?.value;
  if (isSeq(patches)) {
    for (const item of patches.items) {
      // A patch given by path whose target is chosen by its own kind and name (strategic merge);
      // JSON 6902 patches (`op:` lists) cannot set a whole image and are left out.
      if (!isMap(item)) continue;
      const p = part(d, item, 'path', false);
      if (p?.value && /\.ya?ml$/.test(p.value)) facts.patches.push({ value: p.value, span: p.span });
    }
  }
  for (const w of list('patchesStrategicMerge')) if (/\.ya?ml$/.test(w.value) && !w.value.includes('\n')) facts.patches.push(w);
  const images = findPair(root, 'images')?.value;
  if (isSeq(images)) for (const item of images.items) {
    const entry = readEntry(file, d, item);
    if (entry) facts.images.push(entry);
  }
  return facts;
}

function readEntry(file: string, d: Doc, item: unknown): KustomizeEntry | undefined {
  if (!isMap(item)) return undefined;
  const name = part(d, item, 'name', false);
  if (!name?.value) return undefined;
  const at = point(d, item);
  return {
    file,
    name,
    newName: part(d, item, 'newName', false),
    newTag: part(d, item, 'newTag'),
    digest: part(d, item, 'digest'),
    tagSuffix: part(d, item, 'tagSuffix'),
    insertAt: at.at,
    indent: at.indent,
  };
}

/** Field specs a transformer configuration adds for `images:`: `images: [{path: spec/x/image, kind?}]`. */
export interface FieldSpec {
  path: string[];
  kind?: string;
}

export function readFieldSpecs(docs: readonly Doc[]): FieldSpec[] {
  const d = docs[0];
  const root = d?.doc.contents;
  const images = d && isMap(root) ? findPair(root, 'images')?.value : undefined;
  if (!d || !isSeq(images)) return [];
  const out: FieldSpec[] = [];
  for (const item of images.items) {
    if (!isMap(item)) continue;
    const p = part(d, item, 'path', false)?.value;
    if (!p) continue;
    out.push({ path: p.split('/').filter(Boolean), kind: part(d, item, 'kind', false)?.value || undefined });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Workloads: where each `image` of a resource sits, for the image transformer and patches (workloads.ts)

export type { ImageField, PatchContainer, WorkloadImage } from './workloads';

/**
 * Every `image` string of the file's Kubernetes resources, classified (CustomResourceDefinitions are
 * skipped), and the containers a strategic-merge patch would match (when the file has any image):
 * as the extraction's walk read them, or read here in one walk of each document the extraction did
 * not hand over so.
 */
export function readWorkloads(docs: readonly Doc[]): { workloads: WorkloadImage[]; patches: PatchContainer[] } {
  return fileWorkloads(
    docs.map((d) => {
      if (d.workloads) return d.workloads;
      const reader = new WorkloadReader(d.source, d.offset, d.doc.contents);
      walkDocument(null, d.doc.contents, reader);
      return reader;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Helm

export interface ChartFacts {
  name?: string;
  appVersion?: ScalarPart;
}

export function readChart(docs: readonly Doc[]): ChartFacts {
  const d = docs[0];
  const root = d?.doc.contents;
  if (!d || !isMap(root)) return {};
  const appVersion = part(d, root, 'appVersion');
  return { name: part(d, root, 'name', false)?.value, appVersion: appVersion?.value ? appVersion : undefined };
}

/**
 * A Helm values tree with the text range of every scalar, for merging and provenance. Entries are
 * pairs (a duplicate key: the last wins), plain data that survives a worker message and the scan cache.
 */
export interface ValuesMap {
  kind: 'map';
  entries: Array<[string, ValuesNode]>;
  /** Where a new pair goes (-1: not here; UNPLACED: found again in the text when an edit needs it, see `placeValuesMap`). */
  insertAt: number;
  indent: string | null;
  /** With UNPLACED: where the map starts (its first key), to find it again. */
  start?: number;
}

/**
 * The insertion point of a values map whose end only `yaml` knows (the fast scanner's tree: comment
 * lines after its last pair may be counted into it). Diagnostics never need it; an edit that adds a
 * pair finds the map again in the text, parsed with `yaml` (`placeValuesMap`).
 */
export const UNPLACED = -2;

/** The value of `key` in a values map (the last pair wins, as for duplicate keys). */
export function entry(map: ValuesMap, key: string): ValuesNode | undefined {
  for (let i = map.entries.length - 1; i >= 0; i--) if (map.entries[i][0] === key) return map.entries[i][1];
  return undefined;
}
export interface ValuesLeaf {
  kind: 'leaf';
  part: ScalarPart;
  /** `null` or `~`: removes the key from what it is merged over. */
  isNull: boolean;
}
/** A list or anything else: replaces what it is merged over, holds no image part. */
export interface ValuesOther {
  kind: 'other';
}
export type ValuesNode = ValuesMap | ValuesLeaf | ValuesOther;

/**
 * Reads a values file into a tree. `unplaced`: a map whose end the document's tree does not know (the
 * fast scanner's) is UNPLACED rather than a `Bail` (a values file's own tree; not one embedded in an
 * Application, whose ranges are moved into its file).
 */
export function readValues(docs: readonly Doc[], unplaced = false): ValuesMap {
  const d = docs[0];
  return d ? valuesTree(d, d.doc.contents, unplaced) : { kind: 'map', entries: [], insertAt: -1, indent: null };
}

export function valuesTree(d: Doc, node: unknown, unplaced = false): ValuesMap {
  const tree: ValuesMap = { kind: 'map', entries: [], insertAt: -1, indent: null };
  if (!isMap(node)) return tree;
  const at = unplaced ? pointOrUnplaced(d, node) : point(d, node);
  tree.insertAt = at.at;
  tree.indent = at.indent;
  if (at.at === UNPLACED) tree.start = d.offset + (nodeSpan(node.items[0]?.key)?.start ?? 0);
  for (const pair of node.items) {
    const key = keyOf(pair);
    if (key === null) continue;
    const value = pair.value;
    if (isMap(value)) tree.entries.push([key, valuesTree(d, value, unplaced)]);
    else if (isScalar(value) || value === null) {
      const p = value === null ? undefined : scalarPart(value, d.source, { allowNonString: true });
      const keySpan = nodeSpan(pair.key);
      const empty = keySpan ? { start: keySpan.end + 1, end: keySpan.end + 1 } : { start: 0, end: 0 };
      // scalarPart's answer is a new object: the key's span is added to it, not to a copy (values files are large).
      const leafPart: ScalarPart = p ?? { value: '', span: empty, exact: false, token: empty };
      leafPart.keySpan = keySpan;
      tree.entries.push([key, { kind: 'leaf', part: shiftPart(leafPart, d.offset), isNull: value === null || (isScalar(value) && value.value === null) }]);
    } else tree.entries.push([key, { kind: 'other' }]);
  }
  return tree;
}

function pointOrUnplaced(d: Doc, map: YAMLMap): { at: number; indent: string | null } {
  try {
    return point(d, map);
  } catch (err) {
    if (err instanceof Bail && err.reason === 'collection-end') return { at: UNPLACED, indent: null };
    throw err;
  }
}

/** The last text `placeValuesMap` parsed: the edits of one fix or promotion add to the same text. */
let placed: { text: string; doc: Doc } | undefined;

/**
 * Where a new pair goes in the values map that starts at `start` (see UNPLACED): in the file's first
 * document, parsed with `yaml` alone as the extraction parses each document (a document that others
 * follow can end elsewhere when the stream is composed); -1 when the text holds no block map there.
 */
export function placeValuesMap(text: string, start: number): { at: number; indent: string | null } {
  if (placed?.text !== text) {
    const source = blankTemplateActions(text).text;
    const first = splitDocuments(source)[0] ?? { start: 0, end: source.length };
    const own = source.slice(first.start, first.end);
    placed = { text, doc: { doc: parseDocument(own, { comments: false }).doc, source: own, offset: first.start } };
  }
  const d = placed.doc;
  let node: unknown = d.doc.contents;
  while (isMap(node)) {
    const first = nodeSpan(node.items[0]?.key);
    if (first && first.start + d.offset === start && !node.flow) return point(d, node);
    // The pair whose value (a map) holds `start`, if any.
    node = node.items.find((p) => {
      const r = (p.value as { range?: [number, number, number] } | null)?.range;
      return isMap(p.value) && r !== undefined && r[0] + d.offset <= start && start < r[2] + d.offset;
    })?.value;
  }
  return { at: -1, indent: null };
}

/** Moves every range of a values tree (for values read from a string embedded in a document). */
export function shiftValues(tree: ValuesMap, map: (offset: number) => number, editable: boolean): ValuesMap {
  const out: ValuesMap = { kind: 'map', entries: [], insertAt: editable ? map(tree.insertAt) : -1, indent: tree.indent };
  for (const [k, v] of tree.entries) {
    if (v.kind === 'map') out.entries.push([k, shiftValues(v, map, editable)]);
    else if (v.kind === 'leaf') {
      const s = (x: Span): Span => ({ start: map(x.start), end: map(x.end) });
      out.entries.push([k, { ...v, part: { ...v.part, span: s(v.part.span), token: s(v.part.token), keySpan: v.part.keySpan && s(v.part.keySpan), exact: v.part.exact && editable } }]);
    } else out.entries.push([k, v]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Argo CD Applications and Flux HelmReleases

/** A cheap text test: can this file declare an Argo CD Application or a Flux HelmRelease? */
export function mayDeclareApp(text: string): boolean {
  // The plain searches first: they are several times faster than the regular expression, which most texts fail.
  return (text.includes('Application') || text.includes('HelmRelease')) && /\bkind:[ \t]*["']?(Application|HelmRelease)\b/.test(text);
}

export interface AppSource {
  /** The chart or kustomization folder, as written (relative to the repository root). */
  path: Written;
  /** Helm value files, relative to the chart folder (Argo CD) or the repository root (Flux). */
  valueFiles: Written[];
  /** `helm.values` (a YAML string, Argo CD) read as a tree, ranges in the file. */
  values?: ValuesMap;
  /** `helm.valuesObject` (Argo CD) or `spec.values` (Flux). */
  valuesObject?: ValuesMap;
  /** `kustomize.images` strings as entries. */
  images: KustomizeEntry[];
  /** Where the source is written, for adding an override to it (see `SourceAt`). */
  at: SourceAt;
  /** Argo CD `helm.parameters`, as written: applied over every values layer (see overrides.ts `parameterValues`). */
  parameters: HelmParameter[];
}

/** An Argo CD `helm.parameters` item: Helm's `--set name=value` (`--set-string` with `forceString`). */
export interface HelmParameter {
  name: Written;
  /** The `value:` scalar (absent: an empty string is set). */
  value?: ScalarPart;
  forceString: boolean;
}

/**
 * Where an Application's source (or a HelmRelease's spec) is written: an offset inside its document
 * (a file may hold several) and the key path from the document's root to the source map, list
 * indexes as numbers (`['spec', 'sources', 1]`).
 */
export interface SourceAt {
  doc: number;
  path: Array<string | number>;
}

export interface AppFacts {
  kind: 'argocd' | 'flux';
  name: string;
  file: string;
  sources: AppSource[];
}

/** The Argo CD Applications and Flux HelmReleases of a file whose sources are paths in a Git repository. */
function readApps(
  file: string,
  docs: readonly Doc[],
  relocate: (token: Span, value: string) => ((o: number) => number) | null,
  parse: (text: string) => readonly Doc[] = documents,
): AppFacts[] {
  const out: AppFacts[] = [];
  for (const d of docs) {
    const root = d.doc.contents;
    if (!isMap(root)) continue;
    const kind = part(d, root, 'kind', false)?.value;
    const meta = mapAt(root, 'metadata');
    const name = (meta && part(d, meta, 'name', false)?.value) || '';
    if (kind === 'Application') {
      const spec = mapAt(root, 'spec');
      if (!spec) continue;
      const sources: Array<{ s: YAMLMap; path: Array<string | number> }> = [];
      const single = mapAt(spec, 'source');
      if (single) sources.push({ s: single, path: ['spec', 'source'] });
      const many = findPair(spec, 'sources')?.value;
      if (isSeq(many)) many.items.forEach((s, i) => isMap(s) && sources.push({ s, path: ['spec', 'sources', i] }));
      const app: AppFacts = { kind: 'argocd', name, file, sources: [] };
      for (const { s, path } of sources) {
        const p = part(d, s, 'path', false);
        if (!p?.value) continue;
        const helm = mapAt(s, 'helm');
        const src: AppSource = { path: { value: p.value, span: p.span }, valueFiles: [], images: [], at: { doc: docPoint(d), path }, parameters: [] };
        if (helm) {
          src.valueFiles = strings(d, findPair(helm, 'valueFiles')?.value);
          const params = findPair(helm, 'parameters')?.value;
          if (isSeq(params)) for (const item of params.items) {
            if (!isMap(item)) continue;
            const n = part(d, item, 'name', false);
            if (!n?.value) continue;
            const force = part(d, item, 'forceString')?.value;
            src.parameters.push({ name: { value: n.value, span: n.span }, value: part(d, item, 'value'), forceString: force === 'true' });
          }
          const values = part(d, helm, 'values', false);
          if (values?.value) {
            const inner = readValues(parse(values.value));
            const map = values.exact ? (o: number) => values.span.start + o : relocate(values.token, values.value);
            src.values = shiftValues(inner, map ?? (() => values.token.start), !!map);
          }
          const obj = mapAt(helm, 'valuesObject');
          if (obj) src.valuesObject = valuesTree(d, obj);
        }
        const kimages = findPair(mapAt(s, 'kustomize') ?? new YAMLMap(), 'images')?.value;
        if (isSeq(kimages)) {
          for (const item of kimages.items) {
            const sp = scalarAt(d, item);
            if (!sp?.value) continue;
            const entry = argoEntry(file, sp);
            if (entry) src.images.push(entry);
          }
        }
        app.sources.push(src);
      }
      if (app.sources.length) out.push(app);
    } else if (kind === 'HelmRelease') {
      const chartSpec = mapAt(root, 'spec', 'chart', 'spec');
      const chart = chartSpec && part(d, chartSpec, 'chart', false);
      // A chart from a Helm repository is a name; a chart from a Git source is a path.
      if (!chart?.value || !/[./]/.test(chart.value)) continue;
      const spec = mapAt(root, 'spec')!;
      const src: AppSource = {
        path: { value: chart.value, span: chart.span },
        valueFiles: chartSpec ? strings(d, findPair(chartSpec, 'valuesFiles')?.value) : [],
        images: [],
        at: { doc: docPoint(d), path: ['spec'] },
        parameters: [],
      };
      const values = mapAt(spec, 'values');
      if (values) src.valuesObject = valuesTree(d, values);
      out.push({ kind: 'flux', name, file, sources: [src] });
    }
  }
  return out;
}

/** An offset inside the document (its root node's start), to find it again among a file's documents. */
function docPoint(d: Doc): number {
  return d.offset + ((d.doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? d.doc.range?.[0] ?? 0);
}

/** An Argo CD `kustomize.images` string, `[name=]newName[:newTag][@digest]`, as an override entry. */
function argoEntry(file: string, sp: ScalarPart): KustomizeEntry | undefined {
  const text = sp.value;
  const eq = text.indexOf('=');
  const target = eq === -1 ? text : text.slice(eq + 1);
  const split = splitLoose(target);
  const name = eq === -1 ? split.name : text.slice(0, eq);
  if (!name) return undefined;
  const at = (from: number, len: number): ScalarPart => {
    const s = sp.exact ? { start: sp.span.start + from, end: sp.span.start + from + len } : sp.span;
    return { value: text.slice(from, from + len), span: s, exact: sp.exact, token: sp.token };
  };
  const offset = eq === -1 ? 0 : eq + 1;
  const entry: KustomizeEntry = { file, name: at(0, name.length), insertAt: -1, indent: null, argoString: sp };
  if (eq !== -1 && split.name !== name) entry.newName = at(offset, split.name.length);
  if (split.tag !== undefined) entry.newTag = at(offset + split.name.length + 1, split.tag.length);
  if (split.digest !== undefined) entry.digest = at(target.length - split.digest.length + offset, split.digest.length);
  return entry;
}

/** Splits `name[:tag][@digest]` without validating (a tag is a `:` after the last `/`). */
export function splitLoose(ref: string): { name: string; tag?: string; digest?: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, digest };
}

// ---------------------------------------------------------------------------------------------
// A file's facts: everything above that applies to it, read once

/**
 * What the model reads of one file, as plain data: computed where the file's documents are parsed
 * anyway (the scan's extraction hands them over), sent back from workers and kept in the scan cache,
 * or read here from text when a caller has none.
 */
export interface FileFacts {
  kustomization?: KustomizationFacts;
  chart?: ChartFacts;
  /** For files named like values files (`values*.yaml`, `*-values.yaml`, under `values/` or `ci/`). */
  values?: ValuesMap;
  apps?: AppFacts[];
  workloads: WorkloadImage[];
  patches: PatchContainer[];
  fieldSpecs: FieldSpec[];
}

const KUSTOMIZATION_FILE = /(^|\/)(kustomization\.ya?ml|Kustomization)$/;
const CHART_FILE = /(^|\/)Chart\.yaml$/;
const VALUES_FILE = /(^|\/)(values[^/]*\.ya?ml|[^/]*-values\.ya?ml|values\/[^/]+\.ya?ml)$/;

/**
 * `docs`: the file's documents when already parsed (see `Doc`); else the text is parsed here.
 * `values`: read the Helm values tree (true), or not (false); by default, when the name says values.
 * `app`: what `mayDeclareApp(text)` said, when the caller knows.
 * `fast`: an Application's `helm.values` text is read by the structural scanner when it can (one
 * document), as the extraction reads it; its tree may then throw a `Bail` (see `FactsOptions.fast`).
 */
export function readFacts(file: string, text: string, docs?: readonly Doc[], opts: { values?: boolean; app?: boolean; fast?: boolean } = {}): FileFacts {
  const path = file.split('\\').join('/');
  const parsed = docs ?? documents(text);
  const { workloads, patches } = readWorkloads(parsed);
  const facts: FileFacts = { workloads, patches, fieldSpecs: readFieldSpecs(parsed) };
  if (KUSTOMIZATION_FILE.test(path)) facts.kustomization = readKustomization(file, parsed);
  if (CHART_FILE.test(path)) facts.chart = readChart(parsed);
  if (opts.values ?? VALUES_FILE.test(path)) facts.values = readValues(parsed, true);
  if (opts.app ?? mayDeclareApp(text)) {
    const source = blankTemplateActions(text).text;
    facts.apps = readApps(file, parsed, (token, value) => blockScalarMap(source, token, value), opts.fast ? fastOrFull : documents);
  }
  return facts;
}

function fastOrFull(text: string): readonly Doc[] {
  return fastDocuments(text) ?? documents(text);
}

/** Facts by file: the caller's when it has them (and they hold the part asked for), else read from text once. */
export class FactsCache {
  private readonly read = new Map<string, FileFacts | undefined>();

  constructor(
    private given: (file: string) => FileFacts | undefined,
    private text: (file: string) => string | undefined,
  ) {}

  /** The same files read through another build's workspace (see updateGraph). */
  rebind(given: (file: string) => FileFacts | undefined, text: (file: string) => string | undefined): void {
    this.given = given;
    this.text = text;
  }

  /** A file whose text changed: read it again when asked. */
  forget(file: string): void {
    this.read.delete(file);
  }

  of(file: string, need?: 'values' | 'kustomization' | 'chart' | 'apps'): FileFacts | undefined {
    const given = this.given(file);
    if (given && (!need || given[need] !== undefined)) return given;
    if (!this.read.has(file)) {
      const text = this.text(file);
      this.read.set(file, text === undefined ? undefined : readFacts(file, text, undefined, need === 'values' ? { values: true } : {}));
    }
    const own = this.read.get(file);
    if (own && need === 'values' && own.values === undefined) {
      const text = this.text(file);
      if (text !== undefined) own.values = readValues(documents(text));
    }
    return own;
  }
}
