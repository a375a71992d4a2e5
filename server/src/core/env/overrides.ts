/**
 * "Apply the overrides": the effective image references of one environment, each with the places
 * that decided its name, tag and digest.
 *
 * - Kustomize: resources and components are collected inner first; a kustomization's strategic-merge
 *   patches, then its `images:` entries, apply to what it collected (an outer entry after the inner
 *   ones), exactly where kustomize's image transformer looks.
 * - Helm: the chart's `values.yaml` deep-merged with the environment's values (files, then Argo CD
 *   `values`, then `valuesObject`), and the split map resolved with the fallbacks charts use.
 */
import * as posix from 'node:path/posix';
import type { JudgedSite, ScalarPart, ShaForm, Span } from '../types';
import type { AppNode, ChartNode, EnvRoot, Graph, KustomizationNode } from './graph';
import { FieldSpec, HelmParameter, ImageField, ValuesLeaf, ValuesMap, ValuesNode, WorkloadImage, entry, splitLoose } from './read';
import type { EffectiveImage, HelmMapRef, KustomizeEntry, Place, PlaceRole, Workspace } from './types';
import { shaDigest } from '../extract/classify';
import { yamlString } from './edit';
import { type TagRendering, chartTag, templateTagAffix } from '../tagTemplates';

export interface EnvironmentImages {
  images: EffectiveImage[];
  incomplete: string[];
  files: string[];
  /** Sites (by file) this environment consumed: judged through it, not file by file. */
  consumed: Map<string, Set<number>>;
  /** Kustomizations and resource files it may still read (see MAX_READS). */
  budget: number;
}

/**
 * How many kustomizations and resource files one environment reads at most. A repository can make
 * the graph a diamond many levels deep (each level including the next twice), which read naively
 * doubles per level: past this, the environment is reported as not fully read instead.
 */
const MAX_READS = 20_000;

/** How deep kustomizations may nest (kustomize itself has no limit; real layouts nest a handful). */
const MAX_DEPTH = 200;

/** A workload image while overrides are applied to it. */
interface Item {
  base: Place;
  name: string;
  tag?: string;
  digest?: string;
  namePlace: Place;
  tagPlace?: Place;
  digestPlace?: Place;
  overrides: Place[];
  field: ImageField;
  keys: string[];
  resource: { kind: string; name: string };
  container?: string;
  pullPolicy?: JudgedSite['pullPolicy'];
}

/** Files' sites by path, and their text, shared by all environments of one model. */
export class SiteIndex {
  private byPath = new Map<string, readonly JudgedSite[]>();
  /** When set, every file asked about is added (what one environment read; see ModelMemo). */
  reads?: Set<string>;
  /** The workspace's reading of a chart's templates (see Workspace.chartTags). */
  private tagsOf: Workspace['chartTags'];

  constructor(
    ws: Workspace,
    readonly graph: Graph,
  ) {
    for (const f of ws.files) this.byPath.set(f.path, f.sites);
    this.tagsOf = ws.chartTags?.bind(ws);
  }

  /** The sites of files whose text changed, from another build's workspace listing the same files. */
  update(ws: Workspace, changed: ReadonlySet<string>): void {
    this.tagsOf = ws.chartTags?.bind(ws);
    if (changed.size === 0) return;
    if (ws.sitesOf) for (const f of changed) this.byPath.set(f, ws.sitesOf(f) ?? []);
    else for (const f of ws.files) if (changed.has(f.path)) this.byPath.set(f.path, f.sites);
  }

  sites(file: string): readonly JudgedSite[] {
    this.reads?.add(file);
    return this.byPath.get(file) ?? [];
  }

  siteAt(file: string, span: Span): number {
    return this.sites(file).findIndex((s) => s.span.start === span.start);
  }

  workloadImages(file: string): WorkloadImage[] {
    this.reads?.add(file);
    return this.sites(file).length ? (this.graph.facts.of(file)?.workloads ?? []) : [];
  }

  /** How the chart in `dir` defaults an empty tag, per its templates (none known: []). */
  chartTags(dir: string): readonly TagRendering[] {
    return this.tagsOf?.(dir) ?? [];
  }

  valuesOf(file: string): ValuesMap | undefined {
    this.reads?.add(file);
    return this.graph.facts.of(file, 'values')?.values;
  }
}

export function environmentImages(root: EnvRoot, index: SiteIndex): EnvironmentImages {
  const out: EnvironmentImages = { images: [], incomplete: [], files: [], consumed: new Map(), budget: MAX_READS };
  if (root.kind === 'kustomize' && root.kustomization) {
    const items = kustomize(root.kustomization, index, out, []);
    out.images = items.map(effective);
  } else if (root.kind === 'helm' && root.chart) {
    out.images = helm(root.chart, helmLayers(root.chart, index, root.valuesFile ? [root.valuesFile] : []), index, out);
  } else if (root.app) {
    out.images = appImages(root.app, index, out);
  }
  out.files = [...new Set(out.files)].sort();
  return out;
}

function consume(out: EnvironmentImages, file: string, site: number): void {
  if (site < 0) return;
  let set = out.consumed.get(file);
  if (!set) out.consumed.set(file, (set = new Set()));
  set.add(site);
}

// ---------------------------------------------------------------------------------------------
// Kustomize

function kustomize(node: KustomizationNode, index: SiteIndex, out: EnvironmentImages, stack: string[]): Item[] {
  const items = collect(node, index, out, stack);
  applyOwn(node, items, index, out);
  return items;
}

/** Resources and components of a kustomization, with everything inside them already applied. */
function collect(node: KustomizationNode, index: SiteIndex, out: EnvironmentImages, stack: string[]): Item[] {
  if (--out.budget < 0) {
    if (out.budget === -1) out.incomplete.push(`more than ${MAX_READS} kustomizations and resources: not read further`);
    return [];
  }
  if (stack.length >= MAX_DEPTH) {
    out.incomplete.push(`kustomizations nested more than ${MAX_DEPTH} deep: not read further`);
    return [];
  }
  out.files.push(node.file);
  const items: Item[] = [];
  const inner = [...stack, node.file];
  for (const t of node.resources) {
    if (t.kind === 'file') items.push(...fileItems(t.path, index, out));
    else if (t.kind === 'kustomization') {
      if (inner.includes(t.path)) out.incomplete.push(`${rel(node.file, t.written.value)} includes a kustomization that includes it (a cycle)`);
      else {
        const sub = index.graph.kustomizations.get(t.path);
        if (sub) items.push(...kustomize(sub, index, out, inner));
      }
    } else out.incomplete.push(`${rel(node.file, t.written.value)} ${t.kind === 'remote' ? 'is remote and not read' : 'is missing'}`);
  }
  for (const t of node.components) {
    if (t.kind !== 'kustomization' || inner.includes(t.path)) {
      out.incomplete.push(`component ${rel(node.file, t.written.value)} ${t.kind === 'remote' ? 'is remote and not read' : 'is missing'}`);
      continue;
    }
    const comp = index.graph.kustomizations.get(t.path);
    if (!comp) continue;
    // A component's own resources join, then its transformers run over everything collected so far.
    items.push(...collect(comp, index, out, inner));
    applyOwn(comp, items, index, out);
  }
  return items;
}

function rel(from: string, written: string): string {
  return `${posix.basename(posix.dirname(from))}/${posix.basename(from)}: ${written}`;
}

function fileItems(file: string, index: SiteIndex, out: EnvironmentImages): Item[] {
  if (--out.budget < 0) return [];
  out.files.push(file);
  const sites = index.sites(file);
  if (sites.length === 0) return [];
  const workloads = index.workloadImages(file);
  const items: Item[] = [];
  sites.forEach((site, i) => {
    const w = workloads.find((x) => x.span.start === site.span.start);
    items.push(itemFromSite(file, site, i, w));
    consume(out, file, i);
  });
  return items;
}

function itemFromSite(file: string, site: JudgedSite, i: number, w: WorkloadImage | undefined): Item {
  const base: Place = { file, span: site.span, shape: 'site', role: 'reference', value: site.reference, site: i };
  const split = splitLoose(site.reference);
  return {
    base,
    name: split.name,
    tag: split.tag,
    digest: split.digest,
    namePlace: base,
    tagPlace: split.tag !== undefined ? base : undefined,
    digestPlace: split.digest !== undefined ? base : undefined,
    overrides: [],
    field: w?.field ?? 'other',
    keys: w?.keys ?? [],
    resource: w?.resource ?? { kind: '', name: '' },
    container: w?.container,
    pullPolicy: site.pullPolicy && { ...site.pullPolicy, value: w?.pullPolicy !== undefined ? w.pullPolicy : site.pullPolicy.value },
  };
}

/** A kustomization's strategic-merge patches, then its `images:` entries (`entries`: as Argo CD left them). */
function applyOwn(node: KustomizationNode, items: Item[], index: SiteIndex, out: EnvironmentImages, entries: readonly KustomizeEntry[] = node.facts.images): void {
  for (const t of node.patches) {
    if (t.kind !== 'file') {
      out.incomplete.push(`patch ${rel(node.file, t.written.value)} ${t.kind === 'remote' ? 'is remote and not read' : 'is missing'}`);
      continue;
    }
    applyPatch(t.path, items, index, out);
  }
  for (const entry of entries) applyEntry(entry, items, node.fieldSpecs, index, out);
}

/**
 * The `images:` of an Application's kustomization after Argo CD's `kustomize edit set image` with its
 * `kustomize.images`: an item replaces the kustomization's entry of the same name whole (`app=mirror/app@…`
 * keeps a rename; `app@…` drops it), others are added, one entry per name (the last wins), and the
 * list is written back sorted by name, which is the order they apply in.
 */
function argoEntries(node: KustomizationNode, items: readonly KustomizeEntry[], index: SiteIndex, out: EnvironmentImages): KustomizeEntry[] {
  const byName = new Map<string, KustomizeEntry>();
  for (const e of node.facts.images) byName.set(e.name.value, e);
  for (const item of items) {
    // `*` keeps a part of the entry it replaces: not modelled, the entry stays as written.
    if ([item.newName, item.newTag, item.digest].some((p) => p?.value === '*')) {
      out.incomplete.push(`kustomize.images ${item.argoString?.value ?? item.name.value} keeps a part with *: not read`);
      continue;
    }
    // The entry replaced is not deployed: judged through this environment, it gets no finding of its own.
    const replaced = byName.get(item.name.value);
    if (replaced && !replaced.argoString) consume(out, replaced.file, entrySite(index, replaced));
    byName.set(item.name.value, item);
  }
  return [...byName.values()].sort((a, b) => (a.name.value < b.name.value ? -1 : a.name.value > b.name.value ? 1 : 0));
}

function applyPatch(file: string, items: Item[], index: SiteIndex, out: EnvironmentImages): void {
  const facts = index.graph.facts.of(file);
  if (!facts) return;
  out.files.push(file);
  const sites = index.sites(file);
  for (const pc of facts.patches) {
    const target = items.find((it) => it.container === pc.container && it.resource.name === pc.resource.name && (it.resource.kind === pc.resource.kind || !pc.resource.kind));
    const siteIndex = pc.image ? sites.findIndex((s) => s.span.start === pc.image!.span.start) : -1;
    if (pc.image && siteIndex >= 0) {
      consume(out, file, siteIndex);
      const replaced = itemFromSite(file, sites[siteIndex], siteIndex, pc.image);
      if (target) {
        // The patch's image replaces the container's: it becomes the place the image is written.
        Object.assign(target, { ...replaced, pullPolicy: target.pullPolicy ?? replaced.pullPolicy, field: target.field, keys: target.keys });
      } else items.push(replaced);
    }
    if (target && pc.pullPolicy !== undefined && target.pullPolicy) target.pullPolicy = { ...target.pullPolicy, value: pc.pullPolicy };
  }
}

function applies(item: Item, specs: readonly FieldSpec[]): boolean {
  if (item.field === 'containers' || item.field === 'initContainers' || item.field === 'volume') return true;
  return specs.some((s) => (!s.kind || s.kind === item.resource.kind) && s.path.length === item.keys.length && s.path.every((k, i) => k === item.keys[i]));
}

/** kustomize's image transformer, one entry over the collected items. */
export function applyEntry(entry: KustomizeEntry, items: Item[], specs: readonly FieldSpec[], index: SiteIndex | undefined, out: EnvironmentImages | undefined): void {
  const place = (p: ScalarPart, role: PlaceRole): Place => {
    const pl: Place = { file: entry.file, span: p.span, shape: 'kustomize-entry', role, value: p.value, entry };
    const site = index ? entrySite(index, entry) : -1;
    if (site >= 0) pl.site = site;
    return pl;
  };
  const newName = entry.newName?.value;
  const newTag = entry.newTag?.value;
  const digest = entry.digest?.value;
  const suffix = entry.tagSuffix?.value;
  if (!newName && !newTag && !digest && !suffix) return;
  let matched = false;
  for (const item of items) {
    if (item.name !== entry.name.value || !applies(item, specs)) continue;
    matched = true;
    const decisive = entry.newTag ?? entry.digest ?? entry.newName ?? entry.name;
    item.overrides.push(place(decisive, entry.newTag ? 'tag' : entry.digest ? 'digest' : 'name'));
    if (newName) {
      item.name = newName;
      item.namePlace = place(entry.newName!, 'name');
    }
    if (newTag && digest) {
      item.tag = newTag.replace(/@.*$/, '');
      item.tagPlace = place(entry.newTag!, 'tag');
      item.digest = digest;
      item.digestPlace = place(entry.digest!, 'digest');
    } else if (newTag) {
      const at = newTag.indexOf('@');
      item.tag = at === -1 ? newTag : newTag.slice(0, at);
      item.tagPlace = place(entry.newTag!, 'tag');
      item.digest = at === -1 ? undefined : newTag.slice(at + 1);
      item.digestPlace = at === -1 ? undefined : place(entry.newTag!, 'digest');
    } else if (digest) {
      item.tag = undefined;
      item.tagPlace = undefined;
      item.digest = digest;
      item.digestPlace = place(entry.digest!, 'digest');
    }
    if (suffix && !digest) {
      item.tag = (item.tag ?? '') + suffix;
      item.tagPlace = place(entry.tagSuffix!, 'tag');
      item.digest = undefined;
      item.digestPlace = undefined;
    }
  }
  if (matched && index && out) consume(out, entry.file, entrySite(index, entry));
}

/** The extractor's site for an `images:` entry: its range is the newTag's, else the newName's or name's. */
function entrySite(index: SiteIndex, entry: KustomizeEntry): number {
  const argo = entry.argoString;
  if (argo) return index.siteAt(entry.file, { start: argo.exact ? argo.span.start + argo.value.indexOf('=') + 1 : argo.span.start, end: 0 });
  for (const p of [entry.newTag, entry.newName, entry.name, entry.digest]) {
    if (!p) continue;
    const i = index.siteAt(entry.file, p.span);
    if (i >= 0) return i;
  }
  return -1;
}

function effective(item: Item): EffectiveImage {
  let reference = item.name;
  if (item.tag !== undefined && item.tag !== '') reference += `:${item.tag}`;
  if (item.digest) reference += `@${item.digest}`;
  const img: EffectiveImage = {
    reference,
    image: item.name,
    provenance: { base: item.base, name: item.namePlace, tag: item.tag ? item.tagPlace : undefined, digest: item.digest ? item.digestPlace : undefined, overrides: item.overrides },
  };
  if (item.tag) img.tag = item.tag;
  if (item.digest) img.digest = item.digest;
  if (item.pullPolicy) img.pullPolicy = item.pullPolicy;
  return img;
}

// ---------------------------------------------------------------------------------------------
// Helm

interface Layer {
  file: string;
  tree: ValuesMap;
  /** Sites of this layer's file (for finding the image maps it declares); empty for files read only for values. */
  sites: readonly JudgedSite[];
  defaults: boolean;
  /** Argo CD `helm.parameters`: keys can be set, not added (see HelmMapRef.parameters). */
  parameters?: boolean;
  /** The part of the file under WRAPPED_DEFAULTS (merged beneath every layer's root part). */
  wrapped?: boolean;
}

/**
 * istio's charts keep their whole `values.yaml` under this key; each chart's
 * `templates/zzz_profile.yaml` takes it out of `.Values` and merges `.Values` over it
 * (`mustMergeOverwrite $defaults $.Values`), so `global.hub` there is the default of the root's
 * `global.hub`, and a user's values file writes at the root. The key is the chart's own contract
 * (users are told never to set it), so its presence as a map in the chart's `values.yaml` is what
 * marks a chart that merges it: the template itself is never read (templates are not YAML).
 */
const WRAPPED_DEFAULTS = '_internal_defaults_do_not_set';

function helmLayers(chart: ChartNode, index: SiteIndex, files: string[], extra: Layer[] = []): Layer[] {
  const layers: Layer[] = [];
  if (chart.defaults) {
    const tree = index.valuesOf(chart.defaults);
    if (tree) layers.push({ file: chart.defaults, tree, sites: index.sites(chart.defaults), defaults: true });
  }
  for (const f of files) {
    const tree = index.valuesOf(f);
    if (tree) layers.push({ file: f, tree, sites: index.sites(f), defaults: false });
  }
  return unwrapped([...layers, ...extra]);
}

/**
 * A chart that wraps its defaults (WRAPPED_DEFAULTS): every layer's wrapped part (Helm merges
 * them as any key), then every layer's root part, which the template merges over them.
 */
function unwrapped(layers: Layer[]): Layer[] {
  const defaults = layers.find((l) => l.defaults);
  if (!defaults || entry(defaults.tree, WRAPPED_DEFAULTS)?.kind !== 'map') return layers;
  const inner: Layer[] = [];
  const outer: Layer[] = [];
  for (const l of layers) {
    const w = entry(l.tree, WRAPPED_DEFAULTS);
    if (w?.kind === 'map') inner.push({ ...l, tree: w, wrapped: true });
    outer.push({ ...l, tree: rootPart(l.tree) });
  }
  return [...inner, ...outer];
}

/** Trees without their WRAPPED_DEFAULTS, one per tree, so that the leafIndex of each is kept too. */
const rootParts = new WeakMap<ValuesMap, ValuesMap>();

function rootPart(tree: ValuesMap): ValuesMap {
  let part = rootParts.get(tree);
  if (!part) rootParts.set(tree, (part = { ...tree, entries: tree.entries.filter(([k]) => k !== WRAPPED_DEFAULTS) }));
  return part;
}

function appImages(app: AppNode, index: SiteIndex, out: EnvironmentImages): EffectiveImage[] {
  out.files.push(app.facts.file);
  if (app.target.kind === 'kustomization') {
    const node = app.target.node;
    if (app.source.images.length === 0) return kustomize(node, index, out, []).map(effective);
    const items = collect(node, index, out, []);
    applyOwn(node, items, index, out, argoEntries(node, app.source.images, index, out));
    return items.map(effective);
  }
  if (app.target.kind !== 'chart') return [];
  const chart = app.target.chart;
  const files: string[] = [];
  for (const w of app.source.valueFiles) {
    // Argo CD: relative to the chart folder; Flux: relative to the source root, tried from the chart up.
    const candidates = [posix.resolve(chart.dir, w.value)];
    for (let d = posix.dirname(chart.dir); posix.dirname(d) !== d; d = posix.dirname(d)) candidates.push(posix.resolve(d, w.value));
    const found = candidates.find((c) => index.valuesOf(c) !== undefined);
    if (found) files.push(found);
    else out.incomplete.push(`values file ${w.value} is missing`);
  }
  const appSites = index.sites(app.facts.file);
  const extra: Layer[] = [];
  for (const tree of [app.source.values, app.source.valuesObject]) {
    if (tree) extra.push({ file: app.facts.file, tree, sites: appSites, defaults: false });
  }
  // Argo CD passes `helm.parameters` as `--set`, which Helm applies over every values file and string.
  if (app.source.parameters.length) extra.push({ file: app.facts.file, tree: parameterValues(app.source.parameters), sites: [], defaults: false, parameters: true });
  return helm(chart, helmLayers(chart, index, files, extra), index, out);
}

/**
 * Argo CD `helm.parameters` as a values layer, with Helm's `--set` semantics: a dotted name is a key
 * path (`\.` is a dot inside a key), a key with an index (`args[0]`) sets a list, which replaces the
 * list below whole; the value is typed unless `forceString` (only `null` matters here: it removes the
 * key), `{a,b}` is a list, and a backslash escapes the next character. Argo CD passes the plain ones
 * first, then the `forceString` ones (`--set-string`); a later one wins over an earlier one. Every leaf
 * keeps the range of its `value:`, so a finding about it is shown, pinned and promoted there.
 */
export function parameterValues(params: readonly HelmParameter[]): ValuesMap {
  const tree: ValuesMap = { kind: 'map', entries: [], insertAt: -1, indent: null };
  const ordered = [...params.filter((p) => !p.forceString), ...params.filter((p) => p.forceString)];
  for (const p of ordered) {
    const { keys, list } = setPath(p.name.value);
    if (keys.length === 0) continue;
    let node = tree;
    for (const k of keys.slice(0, -1)) {
      let next = entry(node, k);
      if (next?.kind !== 'map') {
        next = { kind: 'map', entries: [], insertAt: -1, indent: null };
        setEntry(node, k, next);
      }
      node = next;
    }
    const last = keys[keys.length - 1];
    const written = p.value?.value ?? '';
    const value = written.replace(/\\(.)/gs, '$1');
    if (list || (value.startsWith('{') && value.endsWith('}'))) {
      setEntry(node, last, { kind: 'other' });
      continue;
    }
    const at = p.value?.span ?? { start: p.name.span.end, end: p.name.span.end };
    // A value written with escapes is not its text: read, never edited.
    const part = p.value ? { ...p.value, value, exact: p.value.exact && value === written } : { value: '', span: at, token: at, exact: false };
    setEntry(node, last, { kind: 'leaf', part, isNull: !p.forceString && value.toLowerCase() === 'null' });
  }
  return tree;
}

/** Helm's `--set` key: the keys of its path, and whether it ends in a list index. */
function setPath(name: string): { keys: string[]; list: boolean } {
  const keys: string[] = [];
  let key = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\' && i + 1 < name.length) key += name[++i];
    else if (c === '.') {
      keys.push(key);
      key = '';
    } else if (c === '[') {
      // `a.b[0].c`: everything from the list on replaces the list `b`; image maps in lists are not modelled.
      keys.push(key);
      return { keys: keys.filter((k) => k !== ''), list: true };
    } else key += c;
  }
  keys.push(key);
  return { keys: keys.filter((k) => k !== ''), list: false };
}

function setEntry(map: ValuesMap, key: string, node: ValuesNode): void {
  map.entries = map.entries.filter(([k]) => k !== key);
  map.entries.push([key, node]);
}

type LeafIndex = Map<number, { path: string[]; key: string }>;

/**
 * leafIndex by tree. A values tree is never changed once read (an edited file gets a new one), and
 * one chart's defaults are a layer of each of its environments: a keystroke (which builds them all
 * again) walks the defaults once, not once per environment, and not at all when they were not edited.
 */
const leafIndexes = new WeakMap<ValuesMap, LeafIndex>();

/** Where every leaf of a tree is: by the start of its value's range → the path of its map and its key. */
function leafIndex(tree: ValuesMap): LeafIndex {
  const known = leafIndexes.get(tree);
  if (known) return known;
  const out: LeafIndex = new Map();
  const walk = (m: ValuesMap, path: string[]) => {
    for (const [k, v] of m.entries) {
      if (v.kind === 'map') walk(v, [...path, k]);
      else if (v.kind === 'leaf') out.set(v.part.span.start, { path, key: k });
    }
  };
  walk(tree, []);
  leafIndexes.set(tree, out);
  return out;
}

function mapAtPath(tree: ValuesMap, path: readonly string[]): ValuesMap | null | undefined {
  let node: ValuesMap = tree;
  for (const k of path) {
    const next = entry(node, k);
    if (next === undefined) return undefined; // not set here
    if (next.kind !== 'map') return null; // replaced here by something that is not a map
    node = next;
  }
  return node;
}

type Hit = { leaf: ValuesLeaf; layer: Layer };

/**
 * The merged value of `path` + `key`: the last layer that sets it wins; `null` removes it. Over
 * wrapped defaults, the root parts win as `mustMergeOverwrite` lets them: a value the root parts
 * remove (`null`) or leave empty (`""`) does not replace the wrapped default.
 */
function merged(layers: readonly Layer[], path: readonly string[], key: string): Hit | undefined {
  if (!layers.some((l) => l.wrapped)) return lastSet(layers, path, key) ?? undefined;
  const top = lastSet(layers.filter((l) => !l.wrapped), path, key);
  if (top && top.leaf.part.value !== '') return top;
  return lastSet(layers.filter((l) => l.wrapped), path, key) ?? top ?? undefined;
}

/** The last of `layers` that sets `path` + `key`; null when one removes it or replaces a map on the way. */
function lastSet(layers: readonly Layer[], path: readonly string[], key: string): Hit | null | undefined {
  for (let i = layers.length - 1; i >= 0; i--) {
    const m = mapAtPath(layers[i].tree, path);
    if (m === null) return null;
    if (m === undefined) continue;
    const v = entry(m, key);
    if (v === undefined) continue;
    if (v.kind !== 'leaf' || v.isNull) return null;
    return { leaf: v, layer: layers[i] };
  }
  return undefined;
}

const REGISTRY_KEYS = ['registry', 'hub'];
const REPOSITORY_KEYS = ['repository', 'image', 'name'];

function helm(chart: ChartNode, layers: Layer[], index: SiteIndex, out: EnvironmentImages): EffectiveImage[] {
  // The image maps: every map (or `image:` string) a layer's sites point at, by key path.
  const maps = new Map<string, { path: string[]; repoKey: string; base: Place; baseSite: JudgedSite; baseLayer: Layer; whole: boolean }>();
  for (const layer of layers) {
    out.files.push(layer.file);
    const leaves = leafIndex(layer.tree);
    layer.sites.forEach((site, i) => {
      // A split map's site covers its tag (or its repository when the tag is empty).
      const at = leaves.get(site.span.start);
      if (!at) return;
      const m = mapAtPath(layer.tree, at.path);
      if (!m) return;
      const repoKey = REPOSITORY_KEYS.find((k) => entry(m, k)?.kind === 'leaf' && (site.helm || k === at.key)) ?? at.key;
      const id = JSON.stringify([...at.path, repoKey]);
      consume(out, layer.file, i);
      if (maps.has(id)) return;
      const whole = !site.helm && !['registry', 'hub', 'tag', 'digest'].some((k) => entry(m, k) !== undefined);
      const base: Place = { file: layer.file, span: site.span, shape: 'site', role: 'reference', value: site.reference, site: i };
      maps.set(id, { path: at.path, repoKey, base, baseSite: site, baseLayer: layer, whole });
    });
  }

  const images: EffectiveImage[] = [];
  const global = (...keys: string[]) => merged(layers, ['global', ...keys.slice(0, -1)], keys[keys.length - 1]);
  for (const { path, repoKey, base: siteBase, baseSite, baseLayer, whole: wholeMap } of maps.values()) {
    const get = (key: string) => merged(layers, path, key);
    // A prometheus-community map's `sha` is its digest when no `digest` has a value (see shaDigest).
    const sha = repoKey === 'repository' ? effectiveSha(get('digest'), get('sha')) : undefined;
    const leafPlace = (hit: { leaf: ValuesLeaf; layer: Layer }, key: string, role: PlaceRole): Place => {
      const place: Place = { file: hit.layer.file, span: hit.leaf.part.span, shape: 'helm-value', role, value: hit.leaf.part.value, helm: mapRef(hit.layer, path, layers, sha?.form) };
      const site = index.siteAt(hit.layer.file, hit.leaf.part.span);
      if (site >= 0 && key !== 'registry' && key !== 'hub') place.site = site;
      return place;
    };
    // Overrides: every non-default layer that sets a key of this map, at its most telling key.
    const overrides: Place[] = [];
    for (const layer of layers) {
      // The layer that first writes the map is its base, not an override of it.
      if (layer.defaults || layer === baseLayer) continue;
      const m = mapAtPath(layer.tree, path);
      if (!m) continue;
      for (const key of ['tag', 'digest', ...(repoKey === 'repository' ? ['sha'] : []), repoKey, ...REGISTRY_KEYS]) {
        const v = entry(m, key);
        if (v?.kind === 'leaf') {
          overrides.push(leafPlace({ leaf: v, layer }, key, key === 'tag' ? 'tag' : key === 'digest' || key === 'sha' ? 'digest' : key === repoKey ? 'repository' : 'registry'));
          break;
        }
      }
    }
    const repo = get(repoKey);
    if (!repo || !repo.leaf.part.value) continue;
    const registryKey = REGISTRY_KEYS.find((k) => layers.some((l) => { const m = mapAtPath(l.tree, path); return !!m && entry(m, k) !== undefined; }));
    const slashed = repo.leaf.part.value.includes('/');
    const proxy = wholeMap && !slashed && isIstioProxy(path, repoKey) && !!global('hub')?.leaf.part.value;
    // istio's templates take an `image` that holds a `/` whole, whatever `hub` and `tag` say.
    const whole = (wholeMap && !proxy) || (registryKey === 'hub' && slashed);
    // An override of a whole reference writes all of it (an edit there rewrites the reference).
    if (whole) for (const o of overrides) if (o.role === 'repository') o.role = 'reference';
    let base = siteBase;
    // `image: pilot` beside `hub`/`tag` is a part of the map, not a reference: a pin goes in the map.
    if (!whole && !proxy && !baseSite.helm) base = { ...siteBase, shape: 'helm-value', role: 'repository', helm: mapRef(baseLayer, path, layers, sha?.form) };
    if (whole) {
      const split = splitLoose(repo.leaf.part.value);
      const place = leafPlace(repo, repoKey, 'reference');
      place.shape = repo.layer.file === base.file && repo.leaf.part.span.start === base.span.start ? 'site' : place.shape;
      images.push({
        reference: repo.leaf.part.value,
        image: split.name,
        tag: split.tag,
        digest: split.digest,
        provenance: { base, name: place, tag: split.tag !== undefined ? place : undefined, digest: split.digest ? place : undefined, overrides },
        pullPolicy: baseSite.pullPolicy,
      });
      continue;
    }
    let registry: { value: string; place: Place } | undefined;
    const own = registryKey ? get(registryKey) : undefined;
    const bitnami = registryKey === 'registry' && repoKey === 'repository' ? global('imageRegistry') : undefined;
    const nginx = registryKey === 'registry' && repoKey === 'image' ? global('image', 'registry') : undefined;
    const hub = registryKey === 'hub' || proxy ? global('hub') : undefined;
    if (bitnami?.leaf.part.value) registry = { value: bitnami.leaf.part.value, place: leafPlace(bitnami, 'imageRegistry', 'registry') };
    else if (nginx?.leaf.part.value) registry = { value: nginx.leaf.part.value, place: leafPlace(nginx, 'registry', 'registry') };
    else if (own?.leaf.part.value) registry = { value: own.leaf.part.value, place: leafPlace(own, registryKey!, 'registry') };
    else if (hub?.leaf.part.value) registry = { value: hub.leaf.part.value, place: leafPlace(hub, 'hub', 'registry') };

    let tag: { value: string; place: Place } | undefined;
    let fromAppVersion = false;
    let appVersionMissing = false;
    // istio reads no `tag` or `digest` beside `global.proxy.image`: only `global.tag`.
    const ownTag = proxy ? undefined : get('tag');
    const globalTag = registryKey === 'hub' || proxy ? global('tag') : undefined;
    if (ownTag?.leaf.part.value) tag = { value: ownTag.leaf.part.value, place: leafPlace(ownTag, 'tag', 'tag') };
    else if (globalTag?.leaf.part.value) tag = { value: globalTag.leaf.part.value, place: leafPlace(globalTag, 'tag', 'tag') };
    else {
      fromAppVersion = true;
      const av = chart.facts.appVersion;
      // What the chart's templates print for this map's empty tag (`v` + appVersion in some charts).
      if (av) tag = { value: chartTag(av.value, templateTagAffix(index.chartTags(chart.dir), path)).tag, place: { file: chart.chartFile, span: av.span, shape: 'chart-app-version', role: 'tag', value: av.value } };
      else appVersionMissing = true;
    }
    // A global the environment's own file sets (`global.tag` at its root) decides this image there.
    for (const [hit, place] of [[globalTag, tag?.place], [hub, registry?.place]] as const) {
      // Only when the global is what decided it (not the map's own key).
      if (!hit || !place || hit.layer.defaults || place.span !== hit.leaf.part.span) continue;
      if (!overrides.some((o) => o.file === place.file)) overrides.push(place);
    }
    const ownDigest = proxy ? undefined : get('digest');
    let digest: { value: string; place: Place } | undefined = ownDigest?.leaf.part.value ? { value: ownDigest.leaf.part.value, place: leafPlace(ownDigest, 'digest', 'digest') } : undefined;
    if (!digest && sha && !proxy) digest = { value: sha.digest, place: leafPlace(sha.hit, 'sha', 'digest') };
    let tagValue = tag?.value;
    if (tagValue?.includes('@')) {
      const at = tagValue.indexOf('@');
      if (!digest) digest = { value: tagValue.slice(at + 1), place: tag!.place };
      tagValue = tagValue.slice(0, at);
    }
    const name = registry ? `${registry.value.replace(/\/+$/, '')}/${repo.leaf.part.value}` : repo.leaf.part.value;
    let reference = name;
    if (tagValue) reference += `:${tagValue}`;
    if (digest) reference += `@${digest.value}`;
    const namePlace = leafPlace(repo, repoKey, 'repository');
    if (proxy) {
      // Its digest can only be written as a whole reference in its `image` key.
      base = { ...siteBase, whole: name };
      for (const o of overrides) o.whole = name;
    }
    const policy = get('pullPolicy');
    const img: EffectiveImage = {
      reference,
      image: name,
      provenance: { base, name: namePlace, registry: registry?.place, tag: tagValue ? tag!.place : undefined, digest: digest?.place, overrides },
    };
    if (tagValue) img.tag = tagValue;
    if (digest) img.digest = digest.value;
    if (baseSite.pullPolicy) img.pullPolicy = { ...baseSite.pullPolicy, value: policy ? policy.leaf.part.value : baseSite.pullPolicy.value };
    if (fromAppVersion) img.tagFromAppVersion = true;
    if (appVersionMissing) img.appVersionMissing = true;
    images.push(img);
  }
  return images;
}

/** istio's sidecar and init images: `global.proxy.image`, `global.proxy_init.image` (pkg/kube/inject ProxyImage). */
function isIstioProxy(path: readonly string[], repoKey: string): boolean {
  return repoKey === 'image' && path.length === 2 && path[0] === 'global' && (path[1] === 'proxy' || path[1] === 'proxy_init');
}

/** The `sha` that holds a map's digest: set, in a known form, and no `digest` with a value beside it. */
function effectiveSha(digest: Hit | undefined, sha: Hit | undefined): { hit: Hit; digest: string; form: ShaForm } | undefined {
  if (digest?.leaf.part.value || !sha?.leaf.part.value) return undefined;
  const part = sha.leaf.part;
  const read = shaDigest(part.value);
  if (!read) return undefined;
  // A plain all-digit hex is a number to YAML (and to Helm, which renders it `1.2e+63`): not a digest.
  // Only the hex form can be one (`sha256:` makes a string), so only it is parsed to tell.
  if (read.form === 'hex' && part.token.start === part.span.start && yamlString(part.value) !== part.value) return undefined;
  return { hit: sha, ...read };
}

/** The map at `path` in one layer, for writing a digest (or tag) into it. */
function mapRef(layer: Layer, path: string[], layers: readonly Layer[], shaForm?: ShaForm): HelmMapRef {
  const m = mapAtPath(layer.tree, path) || undefined;
  // No prototype: a values key may be any string.
  const keys: Record<string, ScalarPart> = Object.create(null) as Record<string, ScalarPart>;
  if (m) for (const [k, v] of m.entries) if (v.kind === 'leaf') keys[k] = v.part;
  const defaultsHaveDigest = layers.some((l) => {
    const dm = l.defaults ? mapAtPath(l.tree, path) : undefined;
    return !!dm && entry(dm, 'digest') !== undefined;
  });
  const ref: HelmMapRef = { file: layer.file, path, keys, insertAt: m?.insertAt ?? -1, indent: m?.indent ?? null, defaultsHaveDigest };
  if (m?.start !== undefined) ref.start = m.start;
  if (shaForm) ref.shaForm = shaForm;
  if (layer.parameters) ref.parameters = true;
  return ref;
}
