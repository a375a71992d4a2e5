/**
 * "What the files say": the few keys the environment model needs, read from a document's text with
 * the `yaml` AST (exact ranges), independent of the image extractor. Nothing here follows a path or
 * applies an override; see graph.ts and overrides.ts.
 */
import { Composer, Document, Parser, YAMLMap, isMap, isScalar, isSeq } from 'yaml';
import { findPair, insertionPoint, keyOf, nodeSpan } from '../extract/context';
import type { ScalarPart, Span } from '../types';
import { blankTemplateActions, scalarPart } from '../yamlSource';
import type { KustomizeEntry } from './types';

/** A path or name written in a list, with where it is written. */
export interface Written {
  value: string;
  span: Span;
}

/** Every document of a stream, with absolute ranges; template actions blanked. */
export function documents(text: string): { source: string; docs: Document.Parsed[] } {
  const source = blankTemplateActions(text).text;
  try {
    const composer = new Composer({ uniqueKeys: false, strict: false });
    return { source, docs: Array.from(composer.compose(new Parser().parse(source), true, source.length)) as Document.Parsed[] };
  } catch {
    return { source, docs: [] };
  }
}

function part(source: string, map: YAMLMap, key: string, nonString = true): ScalarPart | undefined {
  const pair = findPair(map, key);
  if (!pair) return undefined;
  const p = scalarPart(pair.value, source, { allowNonString: nonString });
  return p ? { ...p, keySpan: nodeSpan(pair.key) } : undefined;
}

function strings(source: string, node: unknown): Written[] {
  if (!isSeq(node)) return [];
  const out: Written[] = [];
  for (const item of node.items) {
    const p = scalarPart(item, source);
    if (p && p.value) out.push({ value: p.value, span: p.span });
  }
  return out;
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
export function readKustomization(file: string, text: string): KustomizationFacts {
  const facts: KustomizationFacts = { file, resources: [], components: [], patches: [], configurations: [], images: [], component: false };
  const { source, docs } = documents(text);
  const root = docs[0]?.contents;
  if (!isMap(root)) return facts;
  const list = (key: string) => strings(source, findPair(root, key)?.value);
  facts.resources = [...list('resources'), ...list('bases')];
  facts.components = list('components');
  facts.configurations = list('configurations');
  facts.component = part(source, root, 'kind')?.value === 'Component';
  const patches = findPair(root, 'patches')?.value;
  if (isSeq(patches)) {
    for (const item of patches.items) {
      // A patch given by path whose target is chosen by its own kind and name (strategic merge);
      // JSON 6902 patches (`op:` lists) cannot set a whole image and are left out.
      if (!isMap(item)) continue;
      const p = part(source, item, 'path', false);
      if (p?.value && /\.ya?ml$/.test(p.value)) facts.patches.push({ value: p.value, span: p.span });
    }
  }
  for (const w of list('patchesStrategicMerge')) if (/\.ya?ml$/.test(w.value) && !w.value.includes('\n')) facts.patches.push(w);
  const images = findPair(root, 'images')?.value;
  if (isSeq(images)) for (const item of images.items) {
    const entry = readEntry(file, source, item);
    if (entry) facts.images.push(entry);
  }
  return facts;
}

function readEntry(file: string, source: string, item: unknown): KustomizeEntry | undefined {
  if (!isMap(item)) return undefined;
  const name = part(source, item, 'name', false);
  if (!name?.value) return undefined;
  const point = insertionPoint(source, item);
  return {
    file,
    name,
    newName: part(source, item, 'newName', false),
    newTag: part(source, item, 'newTag'),
    digest: part(source, item, 'digest'),
    tagSuffix: part(source, item, 'tagSuffix'),
    insertAt: point.at,
    indent: point.indent,
  };
}

/** Field specs a transformer configuration adds for `images:`: `images: [{path: spec/x/image, kind?}]`. */
export interface FieldSpec {
  path: string[];
  kind?: string;
}

export function readFieldSpecs(text: string): FieldSpec[] {
  const { source, docs } = documents(text);
  const root = docs[0]?.contents;
  const images = isMap(root) ? findPair(root, 'images')?.value : undefined;
  if (!isSeq(images)) return [];
  const out: FieldSpec[] = [];
  for (const item of images.items) {
    if (!isMap(item)) continue;
    const p = part(source, item, 'path', false)?.value;
    if (!p) continue;
    out.push({ path: p.split('/').filter(Boolean), kind: part(source, item, 'kind', false)?.value || undefined });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Workloads: where each `image` of a resource sits, for the image transformer and patches

/** Where kustomize's image transformer looks by default. */
export type ImageField = 'containers' | 'initContainers' | 'ephemeralContainers' | 'volume' | 'other';

export interface WorkloadImage {
  /** The value's range: matches the extractor's site span for the same scalar. */
  span: Span;
  value: string;
  field: ImageField;
  /** Map keys from the document root to the image (list indexes left out), for field specs. */
  keys: string[];
  resource: { kind: string; name: string };
  /** The container's `name`, for matching a patch. */
  container?: string;
  /** `imagePullPolicy` as written, null when absent (containers only). */
  pullPolicy?: string | null;
}

/** Every `image` string of the file's Kubernetes resources, classified. CustomResourceDefinitions are skipped. */
export function readWorkloadImages(text: string): WorkloadImage[] {
  const { source, docs } = documents(text);
  const out: WorkloadImage[] = [];
  for (const doc of docs) {
    const root = doc.contents;
    if (!isMap(root)) continue;
    const kind = part(source, root, 'kind', false)?.value ?? '';
    if (kind === 'CustomResourceDefinition') continue;
    const name = (() => {
      const meta = mapAt(root, 'metadata');
      return meta ? (part(source, meta, 'name', false)?.value ?? '') : '';
    })();
    const resource = { kind, name };
    const walk = (node: unknown, keys: string[], parentKey: string | undefined, inList: boolean): void => {
      if (isSeq(node)) {
        for (const item of node.items) walk(item, keys, parentKey, true);
        return;
      }
      if (!isMap(node)) return;
      for (const pair of node.items) {
        const key = keyOf(pair);
        if (key === null) continue;
        const value = pair.value;
        if (key === 'image' && isScalar(value)) {
          const p = scalarPart(value, source);
          if (!p || !p.value) continue;
          const container = inList && (parentKey === 'containers' || parentKey === 'initContainers' || parentKey === 'ephemeralContainers') ? parentKey : undefined;
          const img: WorkloadImage = { span: p.span, value: p.value, field: container ?? 'other', keys: [...keys, key], resource };
          if (container) {
            img.container = part(source, node, 'name', false)?.value;
            const policy = part(source, node, 'imagePullPolicy', false);
            img.pullPolicy = policy ? policy.value : null;
          }
          out.push(img);
        } else if (key === 'image' && isMap(value) && parentKey === 'volumes' && inList) {
          const ref = part(source, value, 'reference', false);
          if (ref?.value) out.push({ span: ref.span, value: ref.value, field: 'volume', keys: [...keys, key, 'reference'], resource });
        } else if (isMap(value) || isSeq(value)) {
          walk(value, [...keys, key], key, false);
        }
      }
    };
    walk(root, [], undefined, false);
  }
  return out;
}

/** Containers of a strategic-merge patch: by resource and container name, what the patch sets. */
export interface PatchContainer {
  resource: { kind: string; name: string };
  container: string;
  image?: WorkloadImage;
  /** `imagePullPolicy` the patch sets, if any. */
  pullPolicy?: string;
}

export function readPatchContainers(text: string): PatchContainer[] {
  const { source, docs } = documents(text);
  const out: PatchContainer[] = [];
  const images = readWorkloadImages(text);
  for (const doc of docs) {
    const root = doc.contents;
    if (!isMap(root)) continue;
    const kind = part(source, root, 'kind', false)?.value ?? '';
    const meta = mapAt(root, 'metadata');
    const name = meta ? (part(source, meta, 'name', false)?.value ?? '') : '';
    const visit = (node: unknown, key?: string): void => {
      if (isSeq(node)) {
        for (const item of node.items) {
          if ((key === 'containers' || key === 'initContainers') && isMap(item)) {
            const cname = part(source, item, 'name', false)?.value;
            if (!cname) continue;
            const imgSpan = part(source, item, 'image', false)?.span;
            const policy = part(source, item, 'imagePullPolicy', false)?.value;
            out.push({
              resource: { kind, name },
              container: cname,
              image: imgSpan ? images.find((i) => i.span.start === imgSpan.start) : undefined,
              pullPolicy: policy || undefined,
            });
          } else visit(item);
        }
      } else if (isMap(node)) {
        for (const pair of node.items) visit(pair.value, keyOf(pair) ?? undefined);
      }
    };
    visit(root);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helm

export interface ChartFacts {
  name?: string;
  appVersion?: ScalarPart;
}

export function readChart(text: string): ChartFacts {
  const { source, docs } = documents(text);
  const root = docs[0]?.contents;
  if (!isMap(root)) return {};
  const appVersion = part(source, root, 'appVersion');
  return { name: part(source, root, 'name', false)?.value, appVersion: appVersion?.value ? appVersion : undefined };
}

/** A Helm values tree with the text range of every scalar, for merging and provenance. */
export interface ValuesMap {
  kind: 'map';
  entries: Map<string, ValuesNode>;
  insertAt: number;
  indent: string | null;
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

/** Reads a values file (or an inline values map) into a tree. `map` lets a caller read a map inside a document. */
export function readValues(text: string): ValuesMap {
  const { source, docs } = documents(text);
  return valuesTree(source, docs[0]?.contents);
}

export function valuesTree(source: string, node: unknown): ValuesMap {
  const tree: ValuesMap = { kind: 'map', entries: new Map(), insertAt: -1, indent: null };
  if (!isMap(node)) return tree;
  const point = insertionPoint(source, node);
  tree.insertAt = point.at;
  tree.indent = point.indent;
  for (const pair of node.items) {
    const key = keyOf(pair);
    if (key === null) continue;
    const value = pair.value;
    if (isMap(value)) tree.entries.set(key, valuesTree(source, value));
    else if (isScalar(value) || value === null) {
      const p = value === null ? undefined : scalarPart(value, source, { allowNonString: true });
      const keySpan = nodeSpan(pair.key);
      const empty = keySpan ? { start: keySpan.end + 1, end: keySpan.end + 1 } : { start: 0, end: 0 };
      const leafPart: ScalarPart = p ?? { value: '', span: empty, exact: false, token: empty };
      tree.entries.set(key, { kind: 'leaf', part: { ...leafPart, keySpan }, isNull: value === null || (isScalar(value) && value.value === null) });
    } else tree.entries.set(key, { kind: 'other' });
  }
  return tree;
}

/** Moves every range of a values tree (for values read from a string embedded in a document). */
export function shiftValues(tree: ValuesMap, map: (offset: number) => number, editable: boolean): ValuesMap {
  const out: ValuesMap = { kind: 'map', entries: new Map(), insertAt: editable ? map(tree.insertAt) : -1, indent: tree.indent };
  for (const [k, v] of tree.entries) {
    if (v.kind === 'map') out.entries.set(k, shiftValues(v, map, editable));
    else if (v.kind === 'leaf') {
      const s = (x: Span): Span => ({ start: map(x.start), end: map(x.end) });
      out.entries.set(k, { ...v, part: { ...v.part, span: s(v.part.span), token: s(v.part.token), keySpan: v.part.keySpan && s(v.part.keySpan), exact: v.part.exact && editable } });
    } else out.entries.set(k, v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Argo CD Applications and Flux HelmReleases

/** A cheap text test: can this file declare an Argo CD Application or a Flux HelmRelease? */
export function mayDeclareApp(text: string): boolean {
  return /\bkind:[ \t]*["']?(Application|HelmRelease)\b/.test(text);
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
}

export interface AppFacts {
  kind: 'argocd' | 'flux';
  name: string;
  file: string;
  sources: AppSource[];
}

/** The Argo CD Applications and Flux HelmReleases of a file whose sources are paths in a Git repository. */
export function readApps(file: string, text: string, relocate: (token: Span, value: string) => ((o: number) => number) | null): AppFacts[] {
  const { source, docs } = documents(text);
  const out: AppFacts[] = [];
  for (const doc of docs) {
    const root = doc.contents;
    if (!isMap(root)) continue;
    const kind = part(source, root, 'kind', false)?.value;
    const meta = mapAt(root, 'metadata');
    const name = (meta && part(source, meta, 'name', false)?.value) || '';
    if (kind === 'Application') {
      const spec = mapAt(root, 'spec');
      if (!spec) continue;
      const sources: YAMLMap[] = [];
      const single = mapAt(spec, 'source');
      if (single) sources.push(single);
      const many = findPair(spec, 'sources')?.value;
      if (isSeq(many)) for (const s of many.items) if (isMap(s)) sources.push(s);
      const app: AppFacts = { kind: 'argocd', name, file, sources: [] };
      for (const s of sources) {
        const p = part(source, s, 'path', false);
        if (!p?.value) continue;
        const helm = mapAt(s, 'helm');
        const src: AppSource = { path: { value: p.value, span: p.span }, valueFiles: [], images: [] };
        if (helm) {
          src.valueFiles = strings(source, findPair(helm, 'valueFiles')?.value);
          const values = part(source, helm, 'values', false);
          if (values?.value) {
            const inner = readValues(values.value);
            const map = values.exact ? (o: number) => values.span.start + o : relocate(values.token, values.value);
            src.values = shiftValues(inner, map ?? (() => values.token.start), !!map);
          }
          const obj = mapAt(helm, 'valuesObject');
          if (obj) src.valuesObject = valuesTree(source, obj);
        }
        const kimages = findPair(mapAt(s, 'kustomize') ?? new YAMLMap(), 'images')?.value;
        if (isSeq(kimages)) {
          for (const item of kimages.items) {
            const sp = scalarPart(item, source);
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
      const chart = chartSpec && part(source, chartSpec, 'chart', false);
      // A chart from a Helm repository is a name; a chart from a Git source is a path.
      if (!chart?.value || !/[./]/.test(chart.value)) continue;
      const spec = mapAt(root, 'spec')!;
      const src: AppSource = { path: { value: chart.value, span: chart.span }, valueFiles: chartSpec ? strings(source, findPair(chartSpec, 'valuesFiles')?.value) : [], images: [] };
      const values = mapAt(spec, 'values');
      if (values) src.valuesObject = valuesTree(source, values);
      out.push({ kind: 'flux', name, file, sources: [src] });
    }
  }
  return out;
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
