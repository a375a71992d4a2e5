/**
 * Pinning one file, shared by `image-pin pin` and the language server: which sites to
 * resolve, what to ask the registry, and the edits once digests are known. The only I/O is
 * reading the chart's Chart.yaml when a Helm tag falls back to its appVersion, and its templates when a
 * map has an empty `sha`; the registry calls are the caller's.
 */
import { siteCovers } from '../core/siteParts';
import type { ImagePinConfig, PinStyle } from '../core/config';
import { FixResult, ResolutionTarget, TextEdit, pinEdits, resolutionTarget } from '../core/fix';
import { formatReference } from '../core/reference';
import { grammarOf } from '../core/rules';
import type { ImageSite, Span } from '../core/types';
import { parseReference } from '../core/reference';
import { type EffectiveImage, type Place, placeEdits } from '../core/env';
import { LocatedExtraction, LocatedFinding, findingsFor, chartTagFor } from '../scan/checkText';
import type { ChartText } from '../scan/chart';
import { chartShaForm } from '../scan/chartTemplates';
import type { ShaForm } from '../core/types';
import { hasShaKey } from '../core/promote/plan';

/** Rules whose sites a pin fixes. */
const PINNABLE = new Set(['missing-tag', 'floating-tag', 'unpinned-tag']);

export interface PinCandidate {
  /** Index into the extraction's sites (-1: a place that is not a site, such as a values file's `tag`). */
  index: number;
  /** The site edited, when the place is a site. */
  site?: ImageSite;
  /** A place of the environment model edited instead of a site (an overlay's entry, an environment's values). */
  place?: Place;
  /** The reference as judged (the effective reference for an environment finding). */
  reference: string;
  /** Where the candidate is in the file. */
  span: Span;
  target: ResolutionTarget | { error: string };
  /** How the chart renders the map's empty `sha`, when it has one the chart's templates render (scan/chartTemplates.ts). */
  emptyShaForm?: ShaForm;
}

export interface PlanOptions {
  /** Also re-resolve references that already carry tag@digest. */
  update?: boolean;
  /** The file's path: Helm values with an empty tag resolve the appVersion of the chart around it. */
  file?: string;
  /** Chart.yaml texts open in an editor (see chartTagOf). */
  chartText?: ChartText;
  /** Only sites whose range contains this offset (pin at cursor). */
  at?: number;
  /** The environment model's answer for this file: sites it covers, and the findings it placed here. */
  environments?: { covered?: ReadonlySet<number>; placed?: readonly LocatedFinding[] };
}

/** Sites to pin: those with a pinnable finding (after suppression and severity), plus pinned ones with --update. */
export function planPins(extraction: LocatedExtraction, config: ImagePinConfig, relativePath: string, opts: PlanOptions = {}): PinCandidate[] {
  const chosen = new Set<number>();
  const covered = opts.environments?.covered;
  // Looked up once for the findings and the targets (only when a site falls back to it).
  const chartTag = chartTagFor(extraction, opts.file, opts.chartText);
  for (const f of findingsFor(extraction, config, relativePath, undefined, chartTag)) {
    if (f.site !== undefined && PINNABLE.has(f.rule) && !covered?.has(f.site)) chosen.add(f.site);
  }
  if (opts.update) {
    extraction.sites.forEach((site, i) => {
      const grammar = grammarOf(site.reference);
      // A digest with a tag beside it can be refreshed; a bare digest names no tag to follow.
      if (grammar.ok && grammar.tag && grammar.digest && !site.ignored) chosen.add(i);
    });
  }
  // Every site of this file is in the one chart around it, whose templates are walked once, when a site asks.
  let chartForm: { form: ShaForm | undefined } | undefined;
  const fileShaForm = () => (chartForm ??= { form: opts.file ? chartShaForm(opts.file) : undefined }).form;
  const candidates: PinCandidate[] = [...chosen]
    .sort((a, b) => a - b)
    .map((index) => {
      const site = extraction.sites[index];
      return withShaForm({ index, site, reference: site.reference, span: site.span, target: resolutionTarget(site, chartTag) }, fileShaForm);
    });
  const seen = new Set<string>();
  for (const f of opts.environments?.placed ?? []) {
    // One candidate per place and image (a shared global such as istio's `global.tag` decides several).
    const key = `${f.span.start}\0${f.effective?.image}`;
    if (!PINNABLE.has(f.rule) || !f.place || !f.effective || seen.has(key)) continue;
    seen.add(key);
    candidates.push(withShaForm(placedCandidate(extraction, f.place, f.effective), fileShaForm, f.effective));
  }
  candidates.sort((a, b) => a.span.start - b.span.start);
  // A Helm map's tag, digest or registry counts as its site (an empty `tag: ""` has no reference text).
  return candidates.filter((c) => opts.at === undefined || (c.site ? siteCovers(c.site, opts.at) : c.span.start <= opts.at && opts.at <= c.span.end));
}

/**
 * The candidate with how its chart renders an empty `sha` of its map, when it has one: a site's map in
 * this file, or an environment's map, whose chart is the one whose values hold the image's map (an
 * environment's values file may be outside the chart). `fileShaForm`: the form in the chart around this file.
 */
function withShaForm(candidate: PinCandidate, fileShaForm: () => ShaForm | undefined, effective?: EffectiveImage): PinCandidate {
  let form: ShaForm | undefined;
  const h = candidate.place?.helm;
  if (candidate.site?.helm?.emptySha) form = fileShaForm();
  else if (h && !h.shaForm && effective && hasShaKey(effective)) form = chartShaForm(effective.provenance.base.file, h.path);
  if (form) candidate.emptyShaForm = form;
  return candidate;
}

/** A candidate for an environment finding: what to resolve is the effective reference; where to write is the place. */
function placedCandidate(extraction: LocatedExtraction, place: Place, effective: EffectiveImage): PinCandidate {
  const parsed = parseReference(effective.reference);
  // A site pinned as a whole reference under another name (istio's proxy image) is written as a place.
  const site = place.shape === 'site' && place.site !== undefined && place.whole === undefined ? extraction.sites[place.site] : undefined;
  const base = { index: place.site ?? -1, site, place: site ? undefined : place, reference: effective.reference, span: site?.span ?? place.span };
  if (!parsed.ok) return { ...base, target: { error: `"${effective.reference}" is not a valid image reference: ${parsed.error}` } };
  if (effective.appVersionMissing) return { ...base, target: { error: `${effective.reference} has no tag and no chart appVersion was found (Chart.yaml) to resolve` } };
  const ref = parsed.ref;
  const target: ResolutionTarget = ref.tag
    ? { ref: { ...ref, tag: ref.tag }, tagSource: effective.tagFromAppVersion ? 'app-version' : 'written', currentDigest: ref.digest }
    : { ref: { ...ref, tag: 'latest' }, tagSource: 'implicit-latest', currentDigest: ref.digest };
  return { ...base, target };
}

/** A human name for what is resolved: `nginx:1.27`, `ghcr.io/acme/api:dev`. */
export function targetName(target: ResolutionTarget): string {
  return formatReference({ domain: target.ref.domain, path: target.ref.path, tag: target.ref.tag }, { familiar: true });
}

export interface PinOutcome {
  candidate: PinCandidate;
  digest?: string;
  mediaType?: string;
  newReference?: string;
  /** True when the digest is the one already pinned (--update found nothing to change). */
  unchanged?: boolean;
  error?: string;
  /** The registry's error code, when the lookup failed there (`unreachable`, `tag-not-found` …). */
  errorCode?: string;
  /** The mirror that answered the lookup, if one did. */
  mirror?: string;
  edits: TextEdit[];
}

/** Turns a resolved digest (or an error) into edits for one candidate. */
export function outcomeFor(
  text: string,
  candidate: PinCandidate,
  style: PinStyle,
  resolved: { digest: string; mediaType?: string; mirror?: string } | { error: string; code?: string },
): PinOutcome {
  if ('error' in candidate.target) return { candidate, error: candidate.target.error, edits: [] };
  if ('error' in resolved) return resolved.code ? { candidate, error: resolved.error, errorCode: resolved.code, edits: [] } : { candidate, error: resolved.error, edits: [] };
  if (candidate.target.currentDigest === resolved.digest) {
    return { candidate, digest: resolved.digest, mediaType: resolved.mediaType, unchanged: true, newReference: candidate.reference, edits: [] };
  }
  const tagForEmpty = candidate.target.tagSource === 'app-version' ? candidate.target.ref.tag : undefined;
  let fix: FixResult;
  if (candidate.site) fix = pinEdits(text, candidate.site, resolved.digest, style, tagForEmpty, candidate.emptyShaForm);
  else if (candidate.place) {
    const tag = candidate.target.tagSource === 'implicit-latest' ? undefined : candidate.target.ref.tag;
    fix = placeEdits(text, candidate.place, { digest: resolved.digest, tag: style === 'digest' ? undefined : tag, reference: candidate.reference, ...(candidate.emptyShaForm ? { emptyShaForm: candidate.emptyShaForm } : {}) });
  } else fix = { ok: false, error: `${candidate.reference}: nothing to edit` };
  if (!fix.ok) return { candidate, error: fix.error, edits: [] };
  const outcome: PinOutcome = { candidate, digest: resolved.digest, mediaType: resolved.mediaType, newReference: fix.newReference, edits: fix.edits };
  if (resolved.mirror) outcome.mirror = resolved.mirror;
  return outcome;
}

