/**
 * Where each `image` of a Kubernetes resource sits, for the image transformer and patches, and which
 * containers a strategic-merge patch names: read by the walk of a document's tree (`walkDocument` in
 * extract/walk.ts), which calls a reader at each `image` key and each container of a patch. The
 * extraction's walk reads them on the way (the environment model's facts then cost no second walk);
 * read.ts walks a document itself only when the extraction did not hand its reading over.
 */
import { YAMLMap, isMap, isScalar } from 'yaml';
import { findPair } from '../extract/context';
import type { PathKey } from '../extract/classify';
import type { Span } from '../types';
import { scalarPart } from '../yamlSource';

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

/** Containers of a strategic-merge patch: by resource and container name, what the patch sets. */
export interface PatchContainer {
  resource: { kind: string; name: string };
  container: string;
  image?: WorkloadImage;
  /** `imagePullPolicy` the patch sets, if any. */
  pullPolicy?: string;
}

/**
 * One document's workload images and patch containers, in file offsets, as the walk meets them: every
 * `image` string of the document's resource (none in a CustomResourceDefinition, none under a key that
 * is not a string or inside an image volume), and every named map in a `containers`/`initContainers`
 * list (not inside another such container). The document's root must be a map for either.
 */
export class WorkloadReader {
  readonly workloads: WorkloadImage[] = [];
  readonly patches: PatchContainer[] = [];
  /** Where each patch container's `image` value starts (-1: none), to find its workload once the whole file is read. */
  readonly patchImages: number[] = [];
  /** The walk starts reading images (the root is a map, not a CRD's) and patch containers (the root is a map). */
  readonly images: boolean;
  readonly patch: boolean;
  /** The document's resource, shared by every image and patch container read in it (never changed). */
  private readonly resource: { kind: string; name: string } = { kind: '', name: '' };

  /** `source`: the text the tree's ranges count in; `offset`: where that text starts in the file. */
  constructor(
    private readonly source: string,
    private readonly offset: number,
    root: unknown,
  ) {
    this.patch = isMap(root);
    if (!isMap(root)) {
      this.images = false;
      return;
    }
    const kind = this.valueAt(root, 'kind') ?? '';
    const meta = findPair(root, 'metadata')?.value;
    this.resource = { kind, name: isMap(meta) ? (this.valueAt(meta, 'name') ?? '') : '' };
    this.images = kind !== 'CustomResourceDefinition';
  }

  /**
   * The pair `image: value` of `map`, at `path` (keys and list indexes from the root; all its keys are
   * strings where images are read): records an image string, or an image volume's `reference`. Whether
   * images are read below it (a map or list under `image` that is neither).
   */
  image(map: YAMLMap, value: unknown, path: readonly PathKey[], parentKey: string | undefined, inList: boolean): boolean {
    if (isScalar(value)) {
      const p = scalarPart(value, this.source);
      if (!p || !p.value) return false;
      const container = inList && (parentKey === 'containers' || parentKey === 'initContainers' || parentKey === 'ephemeralContainers') ? parentKey : undefined;
      const img: WorkloadImage = { span: this.shift(p.span), value: p.value, field: container ?? 'other', keys: keysOf(path, 'image'), resource: this.resource };
      if (container) {
        img.container = this.valueAt(map, 'name');
        img.pullPolicy = this.valueAt(map, 'imagePullPolicy') ?? null;
      }
      this.workloads.push(img);
      return false;
    }
    if (isMap(value) && parentKey === 'volumes' && inList) {
      const pair = findPair(value, 'reference');
      const ref = pair ? scalarPart(pair.value, this.source) : null;
      if (ref?.value) this.workloads.push({ span: this.shift(ref.span), value: ref.value, field: 'volume', keys: keysOf(path, 'image', 'reference'), resource: this.resource });
      return false;
    }
    return true;
  }

  /** A map in a `containers`/`initContainers` list: a patch's container when it has a name. */
  patchContainer(item: YAMLMap): void {
    const name = this.valueAt(item, 'name');
    if (!name) return;
    const imagePair = findPair(item, 'image');
    const img = imagePair ? scalarPart(imagePair.value, this.source) : null;
    this.patchImages.push(img ? img.span.start + this.offset : -1);
    this.patches.push({ resource: this.resource, container: name, image: undefined, pullPolicy: this.valueAt(item, 'imagePullPolicy') || undefined });
  }

  /** The string value under `key` (the last pair). */
  private valueAt(map: YAMLMap, key: string): string | undefined {
    const pair = findPair(map, key);
    return pair ? scalarPart(pair.value, this.source)?.value : undefined;
  }

  private shift(s: Span): Span {
    return this.offset === 0 ? s : { start: s.start + this.offset, end: s.end + this.offset };
  }
}

function keysOf(path: readonly PathKey[], ...last: string[]): string[] {
  const keys: string[] = [];
  for (const k of path) if (typeof k === 'string') keys.push(k);
  keys.push(...last);
  return keys;
}

/**
 * A file's workload images and patch containers from its documents' readers: a patch container's
 * image is the workload image at its `image` value; a file without any image has no patch containers.
 */
export function fileWorkloads(readers: readonly WorkloadReader[]): { workloads: WorkloadImage[]; patches: PatchContainer[] } {
  if (readers.length === 1 && readers[0].patches.length === 0) return { workloads: readers[0].workloads, patches: [] };
  const workloads: WorkloadImage[] = [];
  const patches: PatchContainer[] = [];
  const patchImages: number[] = [];
  for (const r of readers) {
    for (const w of r.workloads) workloads.push(w);
    for (const p of r.patches) patches.push(p);
    for (const i of r.patchImages) patchImages.push(i);
  }
  if (workloads.length === 0) return { workloads, patches: [] };
  if (patches.length > 0) {
    const at = new Map<number, WorkloadImage>();
    for (const w of workloads) if (!at.has(w.span.start)) at.set(w.span.start, w);
    patches.forEach((p, i) => (p.image = at.get(patchImages[i])));
  }
  return { workloads, patches };
}
