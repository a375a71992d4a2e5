/**
 * The decisions of what is an image and what is not, as pure functions of where a value sits
 * (its key path), the keys beside it and the scalar values: no `yaml` nodes. The walk over the
 * parsed document and the structural fast path both call these, so they reach the same answers.
 */
import { splitWritten } from '../reference';
import type { ShaForm } from '../types';

/** A key path from the document root: mapping keys and sequence indices. */
export type PathKey = string | number;

/** The dialects of a map that holds an image in parts (Helm values and the like). */
export type ImageMapDialect = 'repository' | 'image' | 'hub' | 'name';

/** What the classifier sees of a mapping: its keys, and the string value of each scalar child. */
export interface MapView {
  keys: readonly string[];
  /** The text of a string scalar under `key`; undefined when absent or not a string scalar. */
  text(key: string): string | undefined;
}

export interface ShapeOptions {
  /** Keys whose value is a whole image reference, or a split image map (`image` plus configured ones). */
  imageKeys: ReadonlySet<string>;
  /** The file is a Helm values file (by name), or the text is Helm values embedded in another file. */
  valuesFile: boolean;
}

/** What a map at `path` (its own key last) is, when it holds an image. */
export type MapKind = { kind: 'split'; dialect: ImageMapDialect; tagKey?: 'tag' | 'version' } | { kind: 'volume' } | null;

/**
 * Decides whether a mapping holds an image, and in which dialect.
 *
 * Under an image key (`image`, `*Image`, configured keys) every dialect of split map is read:
 * `{registry?, repository, tag?, digest?}`, `{hub, image, tag?}`, `{registry?, image, tag|digest}`,
 * `{name, tag}`, and `{reference}` for a Kubernetes image volume.
 *
 * Elsewhere, where values are Helm values (a values file, `values:`/`valuesObject:` of a release)
 * or below a key that names an image (`imageOverride`, `image: {busybox: {…}}`), a map is an image
 * by its shape alone: a `repository` that reads as an image name, beside a `tag`, `digest` or
 * `version`. Chart dependencies, Git sources and chart repositories (URLs, `repoURL`, `branch` …)
 * and schema fragments (no string `repository`) are not.
 */
export function classifyMap(path: readonly PathKey[], map: MapView, opts: ShapeOptions): MapKind {
  const key = path[path.length - 1];
  const has = (k: string) => map.keys.includes(k);
  const tagKey = has('tag') ? 'tag' : has('version') ? 'version' : undefined;
  if (typeof key === 'string' && (opts.imageKeys.has(key) || /Image$/.test(key))) {
    if (key === 'image' && has('reference')) return { kind: 'volume' };
    const dialect = slotDialect(map);
    return dialect ? { kind: 'split', dialect, tagKey } : null;
  }
  if (!tagKey && !has('digest')) return null;
  if (!valuesContext(path, opts) || notImageContext(path, map)) return null;
  const repository = map.text('repository');
  if (!repository || !readsAsImageName(map.text('registry'), repository)) return null;
  return { kind: 'split', dialect: 'repository', tagKey };
}

/** The dialect of a map under an image key, or null when it is something else (a schema fragment, options). */
function slotDialect(map: MapView): ImageMapDialect | null {
  const has = (k: string) => map.keys.includes(k);
  if (map.text('repository')) return 'repository';
  if (map.text('repository') === undefined) {
    if (has('hub') && map.text('image')) return 'hub';
    if (map.text('image') && (has('registry') || has('tag') || has('digest'))) return 'image';
    if (map.text('name') && has('tag')) return 'name';
  }
  return null;
}

const VALUES_KEYS = new Set(['values', 'valuesObject', 'valuesInline']);

/** Helm values: a values file, or below a release's `values`, or below a key that names an image. */
function valuesContext(path: readonly PathKey[], opts: ShapeOptions): boolean {
  if (opts.valuesFile) return true;
  return path.some((k) => typeof k === 'string' && (VALUES_KEYS.has(k) || /image/i.test(k)));
}

/** Keys of maps that point at Git, a chart or a repository of charts rather than at an image. */
const SOURCE_KEYS = ['repoURL', 'targetRevision', 'chart', 'url', 'branch', 'ref', 'revision', 'commit', 'path', 'git'];
/** Parents whose maps are sources or inputs, not images: Argo CD `source(s)`, chart `dependencies`, Actions `with`. */
const SOURCE_PARENTS = new Set(['source', 'sources', 'dependencies', 'with']);

function notImageContext(path: readonly PathKey[], map: MapView): boolean {
  if (SOURCE_KEYS.some((k) => map.keys.includes(k))) return true;
  // The map's own key, or for a list item the list's key.
  const last = path[path.length - 1];
  const owner = typeof last === 'number' ? path[path.length - 2] : last;
  const parent = typeof last === 'number' ? path[path.length - 3] : path[path.length - 2];
  return (typeof owner === 'string' && SOURCE_PARENTS.has(owner)) || (typeof parent === 'string' && SOURCE_PARENTS.has(parent));
}

const GIT_HOSTS = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org']);

/** `registry`/`repository` that name an image repository: no URL, no tag or digest, no Git host. */
function readsAsImageName(registry: string | undefined, repository: string): boolean {
  if (repository.includes('://') || repository.endsWith('.git')) return false;
  const name = registry ? `${registry.replace(/\/+$/, '')}/${repository}` : repository;
  const written = splitWritten(name);
  if (!written || written.tag !== undefined || written.digest !== undefined) return false;
  const first = name.split('/')[0];
  return !GIT_HOSTS.has(first.toLowerCase());
}

/**
 * Why a string under an image key is not an image that gets pulled, or null when it is one:
 * the image a Compose service or a Skaffold artifact builds, a Ceph RBD disk image.
 */
export function notPulledImage(path: readonly PathKey[], siblingKeys: readonly string[]): string | null {
  if (siblingKeys.includes('build')) return 'the image a Compose service builds';
  const last = path[path.length - 1];
  if (typeof last === 'number' && path[path.length - 2] === 'artifacts' && path[path.length - 3] === 'build') return 'the image a Skaffold artifact builds';
  if (last === 'rbd') return 'a Ceph RBD disk image';
  return null;
}

/**
 * The digest a non-empty `sha` key of a `{registry, repository, tag, sha}` map stands for
 * (prometheus-community charts): kube-prometheus-stack renders `repo:tag@sha256:<sha>` (the hex
 * alone), kube-state-metrics renders `repo:tag@<sha>` (the whole digest). Any other value is not
 * read as a digest (undefined), so nothing is made up.
 */
export function shaDigest(value: string): { digest: string; form: ShaForm } | undefined {
  if (/^[0-9a-f]{64}$/.test(value)) return { digest: `sha256:${value}`, form: 'hex' };
  if (/^sha256:[0-9a-f]{64}$/.test(value)) return { digest: value, form: 'whole' };
  return undefined;
}

/** Values that sit where an image goes but are placeholders, not references: empty, istio's `auto`, `<IMAGE>`. */
export function isPlaceholder(value: string): boolean {
  return value === '' || value === 'auto' || /^<.*>$/.test(value);
}

/** An all-caps token for `sed` to replace (`IMAGE_TAG`, `CONTAINER_IMAGES_TAG`, `__REGISTRY_HOST__`). */
const SED_TOKEN = /^(?:__)?[A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)+(?:__)?$/;

/** A value, or a part of a reference (between `/`, `:` and `@`), is a placeholder meant for `sed`. */
export function hasSedPlaceholder(value: string): boolean {
  // A reference has no white space: a longer text (YAML embedded in a string) is not one value.
  if (!/[A-Z]_/.test(value) || /\s/.test(value)) return false;
  return value.split(/[/:@]/).some((piece) => SED_TOKEN.test(piece));
}

/** A Helm values file by its name: `values.yaml`, `values-prod.yaml`, `ci/smoke-values.yaml`, `values/prod.yaml`. */
export function isValuesFile(filePath: string | undefined): boolean {
  if (!filePath) return false;
  const parts = filePath.split(/[\\/]/);
  const base = parts[parts.length - 1].toLowerCase();
  if (!/\.ya?ml$/.test(base)) return false;
  return base.includes('values') || parts.slice(0, -1).some((p) => p.toLowerCase() === 'values');
}
