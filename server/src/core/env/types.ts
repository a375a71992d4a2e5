/**
 * The environment model's data: what the workspace gives it, what it reads of kustomizations,
 * charts and Argo CD / Flux documents, and what it answers — environments, the effective image
 * reference each deploys, and where every part of that reference was written (provenance).
 *
 * Paths are absolute and `/`-separated. Offsets are string indices into a file's text, as in
 * `ImageSite` (see ../types.ts).
 */
import type { JudgedSite, ScalarPart, ShaForm, Span } from '../types';
import type { FileFacts, SourceAt } from './read';
import type { TagRendering } from '../tagTemplates';

/** A file the scan (or the editor) extracted, with its sites. */
export interface WorkspaceFile {
  path: string;
  /** The extractor's sites; only `reference`, `span`, `ignored`, `pullPolicy` and `helm.tagFromAppVersion` are read. */
  sites: readonly JudgedSite[];
}

/**
 * What the model is given: the extracted files, and the text of any file it asks for (a
 * kustomization's resource, a chart's Chart.yaml). `text` returns undefined for a file that does not
 * exist or cannot be read; the model never touches the file system itself.
 */
export interface Workspace {
  files: readonly WorkspaceFile[];
  text(path: string): string | undefined;
  /** What a file says that the model reads, when the caller already has it (see read.ts `readFacts`). */
  facts?(path: string): FileFacts | undefined;
  /** A listed file's sites, when the caller has them by path (else looked up in `files`). */
  sitesOf?(path: string): readonly JudgedSite[] | undefined;
  /**
   * How a chart folder's templates default an image's tag to the appVersion (core/tagTemplates.ts),
   * asked only for a chart whose image has an empty tag; without it the appVersion is taken as written.
   */
  chartTags?(chartDir: string): readonly TagRendering[];
}

export type EnvironmentKind = 'kustomize' | 'helm' | 'argocd' | 'flux';

/** Which part of a reference a place wrote. */
export type PlaceRole = 'reference' | 'name' | 'registry' | 'repository' | 'tag' | 'digest';

/**
 * One place in a file that contributed to an effective reference.
 * `shape` says what is written there, and so how an edit there is made:
 * - `site`: a whole reference as a scalar (`image: nginx:1.27`, a Helm `image:` string, an Argo CD `kustomize.images` string)
 * - `kustomize-entry`: an entry of a kustomization's `images:` (or an Argo CD/Flux image override) — see `entry`
 * - `helm-value`: a key of a Helm values map (`tag`, `digest`, `registry` …) — see `helm`
 * - `chart-app-version`: the `appVersion` of Chart.yaml, used for an empty tag
 */
export interface Place {
  file: string;
  /** The value's range (the key's, for an absent value that is implied). */
  span: Span;
  shape: 'site' | 'kustomize-entry' | 'helm-value' | 'chart-app-version';
  role: PlaceRole;
  /** The value written there ('' for an empty value). */
  value: string;
  /** For `site`: the index of the site in its file's sites. */
  site?: number;
  /** For `kustomize-entry`: the entry's parts, for adding a `digest:` to it. */
  entry?: KustomizeEntry;
  /** For `helm-value`: the map this key belongs to, for setting or adding `digest`/`tag` in it. */
  helm?: HelmMapRef;
  /**
   * The image's name (registry included) when it can only be pinned as a whole reference written
   * at its `image` key (istio's `global.proxy.image`, read with `global.hub` and `global.tag`): a
   * `site` is rewritten to `whole:tag@digest`; a `helm-value` (a global) refuses with that advice.
   */
  whole?: string;
}

/** An `images:` entry: `{name, newName?, newTag?, digest?, tagSuffix?}`. */
export interface KustomizeEntry {
  file: string;
  name: ScalarPart;
  newName?: ScalarPart;
  newTag?: ScalarPart;
  digest?: ScalarPart;
  tagSuffix?: ScalarPart;
  /** Where a new key goes, and its indentation (null: a flow map). -1: not editable here. */
  insertAt: number;
  indent: string | null;
  /** For an Argo CD `kustomize.images` string (`name=repo:tag`): the whole scalar. */
  argoString?: ScalarPart;
}

/** A Helm values map that holds (part of) an image, in one values file. */
export interface HelmMapRef {
  file: string;
  /** Key path of the map from the values root (`['controller', 'image']`). */
  path: string[];
  /** Keys present in this file's map, with their values. */
  keys: Record<string, ScalarPart>;
  /** Where a new key goes (-1: not here; UNPLACED, read.ts: the map at `start`, found again in the text). */
  insertAt: number;
  indent: string | null;
  start?: number;
  /** Whether the chart's default map has a `digest` key (then a digest is written there, not appended to the tag). */
  defaultsHaveDigest?: boolean;
  /**
   * The map's digest is its `sha` (set in some layer, no `digest` with a value), written as the hex alone
   * or the whole `sha256:<hex>`: a new digest goes there, in that form (prometheus-community charts).
   */
  shaForm?: ShaForm;
  /**
   * The map is what an Argo CD Application's `helm.parameters` set (`image.tag`): its keys are the
   * parameters' values, set in place; none is added (a digest rides on the tag, `tag@digest`, unless a
   * parameter sets the digest).
   */
  parameters?: boolean;
}

/** Where each part of an effective reference came from. */
export interface Provenance {
  /** The workload's own site the image is deployed from (the base line). */
  base: Place;
  /** The place that decided the name (repository, with registry): the base, a `newName`, a values key. */
  name: Place;
  /** The place that decided the registry when it is not part of `name` (Helm `registry`/`hub`, `global.*`). */
  registry?: Place;
  /** The place that decided the tag, when there is one. */
  tag?: Place;
  /** The place that decided the digest, when there is one. */
  digest?: Place;
  /** Overrides that applied to this image, innermost first (kustomize entries, environment values files). */
  overrides: Place[];
}

export type ImageStatus = 'pinned' | 'floating-tag' | 'unpinned-tag' | 'missing-tag' | 'invalid-reference' | 'templated';

/** One image an environment deploys. */
export interface EffectiveImage {
  /** The effective reference as the manifests would hold it after every override. */
  reference: string;
  /** The repository name as written after renames (no tag, no digest). */
  image: string;
  tag?: string;
  digest?: string;
  provenance: Provenance;
  /** The site's pull policy as deployed (after patches), when the shape has one. */
  pullPolicy?: JudgedSite['pullPolicy'];
  /** Rules suppressed at the base site or the override the finding would go to. */
  ignored?: string[];
  /** The tag is the chart's appVersion because the values leave it empty. */
  tagFromAppVersion?: boolean;
  /** The chart's appVersion was needed and not found. */
  appVersionMissing?: boolean;
}

export interface Environment {
  /** A stable id: `<kind>:<root>`. */
  id: string;
  kind: EnvironmentKind;
  /** The kustomization's folder, the values file, or the Argo CD / Flux file. */
  root: string;
  /** The file whose config and allowances apply (the kustomization file itself for a folder root). */
  rootFile: string;
  /** A short name: the overlay folder, the `<env>` of the values file, the Application's name. */
  name: string;
  /** The stage it belongs to (from `stages:` in the config, else inferred from `name`). */
  stage: string;
  /** The stage's place in promotion order (lower is earlier). */
  stageOrder: number;
  images: EffectiveImage[];
  /** Why the environment is not fully read (a missing or remote resource), said once. */
  incomplete: string[];
  /** Files that make up the environment (resources, patches, kustomizations, values files). */
  files: string[];
  /**
   * For an Argo CD Application or Flux HelmRelease: where its source is written in `rootFile` and what
   * it deploys (a chart or a kustomization, with its file) — what promotion needs to add an override there.
   */
  app?: { at: SourceAt; target: 'chart' | 'kustomization'; kustomization?: string };
}

/** A problem reading the graph: a missing path, a cycle, a remote resource. Not fatal. */
export interface GraphProblem {
  file: string;
  span: Span;
  message: string;
  kind: 'missing' | 'cycle' | 'remote' | 'unreadable';
}

export interface EnvironmentModel {
  environments: Environment[];
  problems: GraphProblem[];
  /**
   * Files whose sites are judged through environments, with the indexes of those sites: every site of
   * a kustomization resource, a kustomization's own `images:` entries, a chart's values files and an
   * Argo CD / Flux document whose source is local. Everything else is judged as today, file by file.
   */
  covered: Map<string, Set<number>>;
}
