/**
 * "Judge and place": every environment's effective references judged by the same rules as a single
 * file, and each verdict reported where its fix belongs —
 * - at the override that leaves the reference mutable (an overlay's `newTag`, a values file's `tag`);
 * - at the base line when an environment deploys it as written, naming those environments;
 * - a pull-policy verdict at the workload's own line (the pull policy is set there).
 * A base reference that every environment overrides with a digest gets nothing.
 */
import { severityOf } from '../config';
import { RuleContext, grammarOf, isFloatingTag, judge } from '../rules';
import type { JudgedSite, RuleId, Severity, Span } from '../types';
import type { EffectiveImage, Environment, EnvironmentModel, ImageStatus, Place, Workspace } from './types';

export interface EnvironmentRef {
  id: string;
  stage: string;
  root: string;
  name: string;
}

export interface PlacedFinding {
  file: string;
  span: Span;
  rule: RuleId;
  severity: Severity;
  message: string;
  /** The effective reference judged (of the first environment listed). */
  image: string;
  /** The site at the place, when the place is one of the file's sites. */
  site?: number;
  place: Place;
  /** The effective image, with its provenance (of the first environment listed). */
  effective: EffectiveImage;
  environments: EnvironmentRef[];
  /** The place is the base line deployed as written (not an override). */
  asWritten: boolean;
}

const TEMPLATED = /\$[{(A-Za-z_]|\{\{/;

/** What a reference is, regardless of allowances: the `status` of `image-pin envs`. */
export function imageStatus(image: Pick<EffectiveImage, 'reference' | 'tagFromAppVersion' | 'appVersionMissing'>, floating: (tag: string) => boolean): ImageStatus {
  if (TEMPLATED.test(image.reference)) return 'templated';
  const g = grammarOf(image.reference);
  if (!g.ok) return 'invalid-reference';
  if (g.digest) return 'pinned';
  if (image.appVersionMissing) return 'unpinned-tag';
  if (!g.tag) return 'missing-tag';
  return floating(g.tag) ? 'floating-tag' : 'unpinned-tag';
}

/** Where a verdict on this image goes: its last override, else its base line. */
function placeOf(image: EffectiveImage, rule: RuleId): { place: Place; asWritten: boolean } {
  const last = image.provenance.overrides[image.provenance.overrides.length - 1];
  if (rule === 'pull-policy' || !last) return { place: image.provenance.base, asWritten: !last };
  return { place: last, asWritten: false };
}

/** One environment's verdicts before they are merged with other environments' (see placeFindings' `memo`). */
interface Verdict {
  key: string;
  rule: RuleId;
  severity: Severity;
  message: string;
  image: EffectiveImage;
  place: Place;
  asWritten: boolean;
}

/** Verdicts kept by the images they judged: an environment taken from the last build (ModelMemo) is not judged again. */
export type VerdictMemo = WeakMap<readonly EffectiveImage[], { ctx: RuleContext; verdicts: Verdict[] }>;

export function placeFindings(
  model: EnvironmentModel,
  ws: Workspace,
  contextFor: (env: Environment) => RuleContext,
  display: (path: string) => string = (p) => p,
  memo?: VerdictMemo,
): PlacedFinding[] {
  // Only environments judged again ask for sites: the map of every file is made then, if at all.
  let byPath: Map<string, readonly JudgedSite[]> | undefined;
  const sitesOf = ws.sitesOf ?? ((file: string) => (byPath ??= new Map(ws.files.map((f) => [f.path, f.sites]))).get(file));
  const ignoredAt = (place: Place): string[] | undefined => (place.site !== undefined ? sitesOf(place.file)?.[place.site]?.ignored : undefined);
  const byPlace = new Map<string, PlacedFinding>();
  const order: string[] = [];
  for (const env of model.environments) {
    const ctx = contextFor(env);
    const kept = memo?.get(env.images);
    let verdicts: Verdict[];
    if (kept && sameContext(kept.ctx, ctx)) verdicts = kept.verdicts;
    else {
      verdicts = judgeEnvironment(env, ctx, ignoredAt);
      memo?.set(env.images, { ctx, verdicts });
    }
    for (const v of verdicts) {
      const ref: EnvironmentRef = { id: env.id, stage: env.stage, root: env.root, name: env.name };
      const known = byPlace.get(v.key);
      if (known) {
        if (!known.environments.some((e) => e.id === env.id)) known.environments.push(ref);
        continue;
      }
      order.push(v.key);
      byPlace.set(v.key, { file: v.place.file, span: v.place.span, rule: v.rule, severity: v.severity, message: v.message, image: v.image.reference, site: v.place.site, place: v.place, effective: v.image, environments: [ref], asWritten: v.asWritten });
    }
  }
  return order.map((k) => {
    const f = byPlace.get(k)!;
    const names = f.environments.map((e) => envLabel(e, display)).join(', ');
    f.message = f.asWritten ? `${f.message}; deployed as written by ${names}` : `${f.message}; in ${names}`;
    return f;
  });
}

/** The verdicts on one environment's images, each where its fix belongs. */
function judgeEnvironment(env: Environment, ctx: RuleContext, ignoredAt: (place: Place) => string[] | undefined): Verdict[] {
  const out: Verdict[] = [];
  for (const image of env.images) {
    if (TEMPLATED.test(image.reference)) continue;
    const judged: JudgedSite = { reference: image.reference, span: image.provenance.base.span };
    if (image.pullPolicy) judged.pullPolicy = image.pullPolicy;
    if (image.appVersionMissing) judged.helm = { tagFromAppVersion: true };
    const verdict = judge(judged, ctx);
    if (!verdict) continue;
    const { place, asWritten } = placeOf(image, verdict.rule);
    const ignored = ignoredAt(place) ?? (place === image.provenance.base ? undefined : ignoredAt(image.provenance.base));
    if (ignored && (ignored.length === 0 || ignored.includes(verdict.rule))) continue;
    const severity = severityOf(ctx.config, verdict.rule);
    if (severity === 'off') continue;
    // By image too: one global (istio's `global.tag`) decides several images, each pinned on its own.
    out.push({ key: `${place.file}\0${place.span.start}\0${verdict.rule}\0${image.image}`, rule: verdict.rule, severity, message: verdict.message, image, place, asWritten });
  }
  return out;
}

/** Whether two rule contexts judge alike: the same config object and the same paths, day and stage. */
function sameContext(a: RuleContext, b: RuleContext): boolean {
  const x = a.alsoPaths ?? [];
  const y = b.alsoPaths ?? [];
  return a.config === b.config && a.relativePath === b.relativePath && a.today === b.today && a.chartTag?.tag === b.chartTag?.tag && a.stage === b.stage && x.length === y.length && x.every((p, i) => p === y[i]);
}

/** How a message names an environment: its stage and its root. */
export function envLabel(e: EnvironmentRef, display: (path: string) => string = (p) => p): string {
  return `${e.stage} (${display(e.root)})`;
}

export { isFloatingTag };
