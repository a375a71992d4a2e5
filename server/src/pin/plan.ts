/**
 * Pinning one file, shared by `image-pin pin` and the language server: which sites to
 * resolve, what to ask the registry, and the edits once digests are known. The only I/O is
 * reading the chart's Chart.yaml when a Helm tag falls back to its appVersion; the registry calls
 * are the caller's.
 */
import { siteCovers } from '../core/siteParts';
import type { ImagePinConfig, PinStyle } from '../core/config';
import { FixResult, ResolutionTarget, TextEdit, pinEdits, resolutionTarget } from '../core/fix';
import { formatReference } from '../core/reference';
import { grammarOf } from '../core/rules';
import type { ImageSite } from '../core/types';
import { LocatedExtraction, findingsFor, appVersionFor } from '../scan/checkText';
import { chartAppVersion } from './chart';

/** Rules whose sites a pin fixes. */
const PINNABLE = new Set(['missing-tag', 'floating-tag', 'unpinned-tag']);

export interface PinCandidate {
  /** Index into the extraction's sites. */
  index: number;
  site: ImageSite;
  target: ResolutionTarget | { error: string };
}

export interface PlanOptions {
  /** Also re-resolve references that already carry tag@digest. */
  update?: boolean;
  /** The file's path: Helm values with an empty tag resolve the appVersion of the chart around it. */
  file?: string;
  /** Only sites whose range contains this offset (pin at cursor). */
  at?: number;
}

/** Sites to pin: those with a pinnable finding (after suppression and severity), plus pinned ones with --update. */
export function planPins(extraction: LocatedExtraction, config: ImagePinConfig, relativePath: string, opts: PlanOptions = {}): PinCandidate[] {
  const chosen = new Set<number>();
  for (const f of findingsFor(extraction, config, relativePath, undefined, appVersionFor(extraction, opts.file))) {
    if (f.site !== undefined && PINNABLE.has(f.rule)) chosen.add(f.site);
  }
  if (opts.update) {
    extraction.sites.forEach((site, i) => {
      const grammar = grammarOf(site.reference);
      // A digest with a tag beside it can be refreshed; a bare digest names no tag to follow.
      if (grammar.ok && grammar.tag && grammar.digest && !site.ignored) chosen.add(i);
    });
  }
  const needsAppVersion = [...chosen].some((i) => extraction.sites[i].helm?.tagFromAppVersion);
  const appVersion = needsAppVersion && opts.file ? chartAppVersion(opts.file) : undefined;
  return [...chosen]
    .sort((a, b) => a - b)
    .map((index) => ({ index, site: extraction.sites[index], target: resolutionTarget(extraction.sites[index], appVersion) }))
    .filter((c) => opts.at === undefined || siteCovers(c.site, opts.at));
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
    return { candidate, digest: resolved.digest, mediaType: resolved.mediaType, unchanged: true, newReference: candidate.site.reference, edits: [] };
  }
  const tagForEmpty = candidate.target.tagSource === 'app-version' ? candidate.target.ref.tag : undefined;
  const fix: FixResult = pinEdits(text, candidate.site, resolved.digest, style, tagForEmpty);
  if (!fix.ok) return { candidate, error: fix.error, edits: [] };
  const outcome: PinOutcome = { candidate, digest: resolved.digest, mediaType: resolved.mediaType, newReference: fix.newReference, edits: fix.edits };
  if (resolved.mirror) outcome.mirror = resolved.mirror;
  return outcome;
}

