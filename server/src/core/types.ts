/**
 * Data shared by every part of the core: where an image reference sits in a file,
 * and what the policy says about it. Offsets are JavaScript string indices
 * (UTF-16 code units) into the file's text, as LSP positions count them.
 */

/** A half-open range of offsets into a file's text. */
export interface Span {
  start: number;
  end: number;
}

/** The shape family a site was found in; it decides how a fix is written. */
export type SiteShape =
  | 'scalar' // a string scalar holding a whole reference (`image: nginx:1.25`)
  | 'helm-split' // a Helm values map split into registry/repository/tag/digest
  | 'kustomize' // an entry of a kustomization's `images:` list
  | 'argocd-kustomize'; // a string in an Argo CD Application's `kustomize.images`

/** A scalar that holds part of a split reference, with the text range of its value. */
export interface ScalarPart {
  /** The scalar's value. */
  value: string;
  /** Range of the value text inside any quotes; equals the whole token when `exact` is false. */
  span: Span;
  /** True when the source text in `span` is exactly `value` (no escapes or folding). */
  exact: boolean;
  /** Range of the whole scalar token, quotes included. */
  token: Span;
  /** The key's range, for inserting a sibling key after it. */
  keySpan?: Span;
}

/** How a `sha` key of a split image map writes its digest: the 64 hex digits alone, or the whole `sha256:<hex>`. */
export type ShaForm = 'hex' | 'whole';

/**
 * The tag an empty Helm `tag:` deploys: the chart's appVersion as its templates print it (`v2.13.0`
 * for `printf "v%s" .Chart.AppVersion`). `rendered`: the templates said so; false when they did not
 * (or disagreed), and the appVersion as written is assumed.
 */
export interface ChartTag {
  tag: string;
  appVersion: string;
  rendered: boolean;
}

/** The pieces of a Helm values image map (`{registry, repository, tag, digest}` and its dialects). */
export interface HelmSplitParts {
  dialect: 'repository' | 'image' | 'hub' | 'name';
  registry?: ScalarPart;
  repository: ScalarPart;
  tag?: ScalarPart;
  digest?: ScalarPart;
  /**
   * Set when `digest` is the map's `sha` key (no `digest` key has a value): how it writes the digest,
   * the hex digits alone (`sha256:` is added by the chart) or the whole `sha256:<hex>`.
   */
  shaForm?: ShaForm;
  /**
   * The map's `sha` key, present and empty, with no `digest` key: where a digest goes when the chart's
   * templates render `sha` (see core/shaTemplates.ts); otherwise the digest rides on the tag.
   */
  emptySha?: ScalarPart;
  /** The tag comes from the chart's appVersion because it is empty or missing. */
  tagFromAppVersion: boolean;
  /** Where a new key can be inserted into the map (after its last pair). */
  insertAt: number;
  /** Indentation of the map's keys, or null for a flow map `{...}`. */
  indent: string | null;
}

/** An entry of a Kustomize `images:` list. */
export interface KustomizeParts {
  name: ScalarPart;
  newName?: ScalarPart;
  newTag?: ScalarPart;
  digest?: ScalarPart;
  insertAt: number;
  indent: string | null;
}

export interface ImageSite {
  shape: SiteShape;
  /** The reference as the workload will pull it, composed for split forms. */
  reference: string;
  /** The range a diagnostic covers: exactly the reference text, inside any quotes. */
  span: Span;
  /** For `scalar` and `argocd-kustomize`: the scalar holding the reference. */
  scalar?: ScalarPart;
  /** Text before the reference inside the scalar (`docker://`, `name=`), not part of it. */
  prefixLength?: number;
  helm?: HelmSplitParts;
  kustomize?: KustomizeParts;
  /** The pull policy beside the reference, for shapes that have one (containers, Helm image maps, Compose). */
  pullPolicy?: PullPolicySlot;
  /** Rules suppressed by an `# image-pin: ignore` comment; an empty list means all. */
  ignored?: string[];
}

/**
 * Where a pull policy is (or can be) set for a site: `imagePullPolicy` of a container,
 * `pullPolicy` of a Helm image map or image volume, `pull_policy` of a Compose service.
 */
export interface PullPolicySlot {
  key: string;
  /** The value that forces a pull on every start (`Always`, or `always` in Compose). */
  always: string;
  /** The value as written, or null when the key is absent. */
  value: string | null;
  /** Where the value is written, when it is present and plain text. */
  valueSpan?: Span;
  /** Where `key: always` can be inserted, with the indentation of a block map (null: a flow map). */
  insertAt: number;
  indent: string | null;
}

export type RuleId =
  | 'missing-tag'
  | 'floating-tag'
  | 'unpinned-tag'
  | 'invalid-reference'
  | 'yaml-syntax'
  | 'pull-policy'
  | 'expired-allowance'
  | 'tag-conflict'
  | 'unknown-digest'
  | 'moved-tag'
  | 'registry-error';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A problem found in a file, located by offsets; line/column come from a LineIndex. */
export interface Finding {
  rule: RuleId;
  severity: Severity;
  span: Span;
  message: string;
  /** The reference the finding is about, as written (absent for yaml-syntax). */
  image?: string;
  /** Index into the file's sites, when the finding is about a site. */
  site?: number;
}

/** What the rules read of a site: enough to judge it again without the file (what scan caches keep). */
export type JudgedSite = Pick<ImageSite, 'reference' | 'span' | 'ignored'> & {
  pullPolicy?: Pick<PullPolicySlot, 'key' | 'always' | 'value'>;
  helm?: Pick<HelmSplitParts, 'tagFromAppVersion'>;
  /** What the grammar says of the reference, kept so a rescan need not parse it again. */
  grammar?: Grammar;
};

/** The parts of a parsed reference the rules look at, or why it does not parse. */
export type Grammar =
  | {
      ok: true;
      tag?: string;
      digest?: string;
      /**
       * The repository as normalised (`docker.io/library/nginx`), when the reference pins a tag to a
       * digest: what `tag-conflict` groups places by, kept so a rescan need not parse the reference.
       */
      repository?: string;
    }
  | { ok: false; error: string };
