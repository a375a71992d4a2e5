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

export function placeFindings(
  model: EnvironmentModel,
  ws: Workspace,
  contextFor: (env: Environment) => RuleContext,
  display: (path: string) => string = (p) => p,
): PlacedFinding[] {
  const sitesOf = new Map(ws.files.map((f) => [f.path, f.sites]));
  const ignoredAt = (place: Place): string[] | undefined => (place.site !== undefined ? sitesOf.get(place.file)?.[place.site]?.ignored : undefined);
  const byPlace = new Map<string, PlacedFinding>();
  const order: string[] = [];
  for (const env of model.environments) {
    const ctx = contextFor(env);
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
      const key = `${place.file}\0${place.span.start}\0${verdict.rule}`;
      const ref: EnvironmentRef = { id: env.id, stage: env.stage, root: env.root, name: env.name };
      const known = byPlace.get(key);
      if (known) {
        if (!known.environments.some((e) => e.id === env.id)) known.environments.push(ref);
        continue;
      }
      order.push(key);
      byPlace.set(key, { file: place.file, span: place.span, rule: verdict.rule, severity, message: verdict.message, image: image.reference, site: place.site, place, effective: image, environments: [ref], asWritten });
    }
  }
  return order.map((k) => {
    const f = byPlace.get(k)!;
    const names = f.environments.map((e) => envLabel(e, display)).join(', ');
    f.message = f.asWritten ? `${f.message}; deployed as written by ${names}` : `${f.message}; in ${names}`;
    return f;
  });
}

/** How a message names an environment: its stage and its root. */
export function envLabel(e: EnvironmentRef, display: (path: string) => string = (p) => p): string {
  return `${e.stage} (${display(e.root)})`;
}

export { isFloatingTag };
