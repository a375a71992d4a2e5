/**
 * Walks one parsed YAML document and collects every image site, dispatching each
 * mapping pair to the shape that owns it. Aliases are followed one hop for image
 * values (reported at the anchor) and never walked into, so an alias bomb costs nothing.
 */
import { Pair, YAMLMap, YAMLSeq, isMap, isScalar, isSeq } from 'yaml';
import type { ImageSite, ScalarPart } from '../types';
import { scalarPart } from '../yamlSource';
import { PathKey, WalkContext, deref, findPair, isTemplated, keyOf, pullPolicySlot } from './context';
import { classifyMap, isPlaceholder, notPulledImage } from './classify';
import { helmSplitSite, imageVolumeSite, mapView } from './helmValues';
import { argoKustomizeImageSite, kustomizeEntrySite } from './kustomize';
import type { WorkloadReader } from '../env/workloads';

const DOCKER_URI = 'docker://';

/**
 * Walks a document's tree: for image sites (`ctx`), and for the environment model's workload images
 * and patch containers (`workloads`, see env/workloads.ts) on the same way, so the model's facts
 * cost no second walk. Without `ctx` only the workloads are read.
 */
export function walkDocument(ctx: WalkContext | null, root: unknown, workloads?: WorkloadReader): void {
  if (!isMap(root) && !isSeq(root)) return;
  const path: PathKey[] = [];
  /**
   * `images`: workload images are read here (see WorkloadReader), `parentKey` and `inList` saying
   * where the node sits for them (a list passes its key on to its items); `patch`: patch containers
   * are read here, `patchKey` being the key this node is the value of.
   */
  const visit = (node: unknown, parentKey: string | undefined, inList: boolean, images: boolean, patch: boolean, patchKey: string | undefined): void => {
    if (!ctx && !images && !patch) return;
    if (isMap(node)) {
      if (ctx) visitMap(ctx, node, path);
      for (const pair of node.items) {
        const value = pair.value;
        const collection = isMap(value) || isSeq(value);
        if (!collection && !images) continue;
        const key = keyOf(pair);
        let deeper = images && key !== null;
        if (deeper && key === 'image') deeper = workloads!.image(node, value, path, parentKey, inList);
        if (!collection) continue;
        path.push(key ?? '');
        visit(value, key ?? undefined, false, deeper, patch, key ?? undefined);
        path.pop();
      }
    } else if (isSeq(node)) {
      const containers = patch && (patchKey === 'containers' || patchKey === 'initContainers');
      for (let i = 0; i < node.items.length; i++) {
        const item = node.items[i];
        path.push(i);
        if (containers && isMap(item)) {
          // A patch's container: nothing inside it is another one.
          visit(item, parentKey, true, images, false, undefined);
          workloads!.patchContainer(item);
        } else visit(item, parentKey, true, images, patch, undefined);
        path.pop();
      }
    }
  };
  visit(root, undefined, false, !!workloads?.images, !!workloads?.patch, undefined);
}

function visitMap(ctx: WalkContext, map: YAMLMap, path: readonly PathKey[]): void {
  for (const pair of map.items) {
    const key = keyOf(pair);
    if (key === null) continue;
    const value = deref(ctx, pair.value);
    if (isImageKey(ctx.imageKeys, key)) {
      if (isScalar(value)) {
        if (!ctx.splitMaps.has(map)) imageValue(ctx, map, pair, path, key);
      } else if (isMap(value)) helmMap(ctx, value, [...path, key]);
    } else if (isMap(value)) {
      // Only a map under an image key or with a `repository` can hold an image in parts.
      if (key.endsWith('Image') || findPair(value, 'repository')) helmMap(ctx, value, [...path, key]);
    } else if (key === 'images' && isSeq(value)) {
      imagesList(ctx, value, path);
    } else if (key === 'uses' && isScalar(value)) {
      // GitHub Actions: a step that runs a container image directly.
      const part = scalarPart(value, ctx.source);
      if (part?.value.startsWith(DOCKER_URI)) addScalarSite(ctx, part, DOCKER_URI.length);
    } else if (key === 'container' && isScalar(value) && path.length === 2 && path[0] === 'jobs') {
      // GitHub Actions: `jobs.<id>.container: image` (the `{image: …}` form is an image key).
      const part = scalarPart(value, ctx.source);
      if (part) addScalarSite(ctx, part, 0);
    } else if (key === 'values' && isScalar(value) && path[path.length - 1] === 'helm') {
      // Argo CD: `helm.values` is a string of YAML inside this YAML.
      const part = scalarPart(value, ctx.source);
      if (part && !isTemplated(ctx, part)) ctx.embeddedValues(part);
    }
  }
}

/**
 * `imageKeys.has(key)`, without hashing the key when no extra keys are configured (`image` is always one,
 * so a set of one is `image` alone): the walk asks for every pair, and each key is a string fresh from
 * the text, whose hash a set lookup computes first (about a tenth of the walk on the realistic profile).
 */
function isImageKey(imageKeys: ReadonlySet<string>, key: string): boolean {
  return imageKeys.size === 1 ? key === 'image' : imageKeys.has(key);
}

function imageValue(ctx: WalkContext, map: YAMLMap, pair: Pair, path: readonly PathKey[], key: string): void {
  const part = scalarPart(deref(ctx, pair.value), ctx.source);
  if (!part) return;
  // Compose and Skaffold name the image they build, not one they pull; Ceph names a disk image.
  if (notPulledImage(path, mapView(ctx, map).keys)) return;
  let prefix = 0;
  if (part.value.startsWith(DOCKER_URI)) prefix = DOCKER_URI.length;
  else if (path.length === 1 && path[0] === 'runs') return; // action.yml `runs.image: Dockerfile` is a path
  const site = addScalarSite(ctx, part, prefix);
  if (!site || key !== 'image') return;
  if (findPair(map, 'pull_policy') || isComposeService(path)) {
    site.pullPolicy = pullPolicySlot(ctx, map, 'pull_policy', 'always', pair);
  } else if (isContainerPath(path) || findPair(map, 'imagePullPolicy')) {
    site.pullPolicy = pullPolicySlot(ctx, map, 'imagePullPolicy', 'Always', pair);
  }
}

function isComposeService(path: readonly PathKey[]): boolean {
  return path.length === 2 && path[0] === 'services';
}

/** Kubernetes containers, at any depth: `…containers[i]`, `initContainers`, `ephemeralContainers`, Tekton `steps`/`sidecars`. */
function isContainerPath(path: readonly PathKey[]): boolean {
  const parent = path[path.length - 2];
  return (
    typeof path[path.length - 1] === 'number' &&
    (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers' || parent === 'steps' || parent === 'sidecars')
  );
}

function helmMap(ctx: WalkContext, map: YAMLMap, path: readonly PathKey[]): void {
  const kind = classifyMap(path, mapView(ctx, map), ctx.shapeOptions);
  if (!kind) return;
  const site = kind.kind === 'volume' ? imageVolumeSite(ctx, map) : helmSplitSite(ctx, map, kind.dialect, kind.tagKey);
  if (site?.helm) ctx.splitMaps.add(map);
  if (site) addSite(ctx, site);
}

function imagesList(ctx: WalkContext, seq: YAMLSeq, path: readonly PathKey[]): void {
  if (path[path.length - 1] === 'kustomize') {
    for (const item of seq.items) {
      const site = argoKustomizeImageSite(ctx, item);
      if (site) addSite(ctx, site);
    }
  } else if (ctx.kustomization && path.length === 0) {
    for (const item of seq.items) {
      const site = kustomizeEntrySite(ctx, item);
      if (site) addSite(ctx, site);
    }
  }
}

function addScalarSite(ctx: WalkContext, part: ScalarPart, prefixLength: number): ImageSite | null {
  if (isTemplated(ctx, part)) return null;
  const reference = part.value.slice(prefixLength);
  if (isPlaceholder(reference)) return null;
  const span = part.exact ? { start: part.span.start + prefixLength, end: part.span.end } : part.span;
  return addSite(ctx, { shape: 'scalar', reference, span, scalar: part, prefixLength: prefixLength || undefined });
}

function addSite(ctx: WalkContext, site: ImageSite): ImageSite | null {
  if (ctx.seen.has(site.span.start)) return null;
  ctx.seen.add(site.span.start);
  ctx.sites.push(site);
  return site;
}
