/**
 * Pins that tell the truth, as pure decisions: what to ask the registry about a pinned reference,
 * and — given its answers — which finding it deserves (`unknown-digest`, `moved-tag`,
 * `registry-error`, or none). Also `tag-conflict`: one tag pinned to two digests in one scan.
 * The requests themselves are made by server/src/verify/.
 */
import type { ImagePinConfig } from './config';
import { severityOf } from './config';
import { formatReference, fullName, parseReference } from './reference';
import { isFloatingTag } from './rules';
import type { Finding, JudgedSite, RuleId } from './types';

/** What a pinned reference asks of the registry: does the digest exist, and does the tag still point at it. */
export interface PinQuestion {
  domain: string;
  path: string;
  digest: string;
  /** The tag written beside the digest, when there is one. */
  tag?: string;
}

/** The question a reference asks, or undefined when it is not a valid reference with a digest. */
export function pinQuestion(reference: string): PinQuestion | undefined {
  const parsed = parseReference(reference);
  if (!parsed.ok || !parsed.ref.digest) return undefined;
  const { domain, path, digest, tag } = parsed.ref;
  return tag ? { domain, path, digest, tag } : { domain, path, digest };
}

/** Identifies a digest in its repository: the unit of a digest request. */
export function digestKey(q: PinQuestion): string {
  return `${fullName(q)}@${q.digest}`;
}

/** Identifies a tag in its repository: the unit of a tag request. */
export function tagKey(q: PinQuestion & { tag: string }): string {
  return `${fullName(q)}:${q.tag}`;
}

/** The registry's answer about a digest (HEAD of the manifest by digest). */
export type DigestAnswer = { exists: boolean } | { error: string };

/** The registry's answer about a tag: its digest now (and, for an index, its platform manifests), gone, or no answer. */
export type TagAnswer = { digest: string; children?: string[] } | { gone: string } | { error: string };

export type PinVerdict =
  | { status: 'verified'; /** The pin is a platform manifest of the index the tag points to. */ platformOf?: string }
  | { status: 'unknown-digest'; registry: string; digest: string; tagNow?: string }
  | { status: 'moved-tag'; tag: string; digest: string; now?: string; gone?: string }
  | { status: 'registry-error'; reason: string };

/**
 * The decision. A digest the registry does not have is `unknown-digest` whatever the tag says; a
 * tag that points elsewhere (or is gone) is `moved-tag` — unless the pinned digest is one of the
 * platform manifests of the index the tag points to now; no answer is `registry-error`.
 * A digest the tag points to exactly needs no answer of its own: the tag's answer proves it exists.
 */
export function judgePin(q: PinQuestion, digest: DigestAnswer | undefined, tag: TagAnswer | undefined): PinVerdict {
  const tagNow = tag && 'digest' in tag ? tag.digest : undefined;
  const proven = tagNow === q.digest;
  if (!proven && digest && 'exists' in digest && !digest.exists) {
    return tagNow ? { status: 'unknown-digest', registry: q.domain, digest: q.digest, tagNow } : { status: 'unknown-digest', registry: q.domain, digest: q.digest };
  }
  if (q.tag && tag) {
    if ('gone' in tag) return { status: 'moved-tag', tag: q.tag, digest: q.digest, gone: tag.gone };
    if ('digest' in tag && tag.digest !== q.digest && !tag.children?.includes(q.digest)) {
      return { status: 'moved-tag', tag: q.tag, digest: q.digest, now: tag.digest };
    }
  }
  const tagReason = q.tag && (!tag || 'error' in tag) ? (tag && 'error' in tag ? tag.error : 'the tag was not checked') : undefined;
  const digestReason = !proven && (!digest || 'error' in digest) ? (digest && 'error' in digest ? digest.error : 'the digest was not checked') : undefined;
  if (tagReason && digestReason) return { status: 'registry-error', reason: `${tagReason} (the digest could not be checked either)` };
  if (tagReason || digestReason) return { status: 'registry-error', reason: (tagReason ?? digestReason)! };
  if (tag && 'digest' in tag && tag.digest !== q.digest) return { status: 'verified', platformOf: tag.digest };
  return { status: 'verified' };
}

/** How many pins a verification found in each state. */
export interface VerifyCounts {
  pins: number;
  verified: number;
  moved: number;
  unknown: number;
  registryErrors: number;
}

export function countVerdicts(results: ReadonlyArray<{ verdict: PinVerdict }>): VerifyCounts {
  const counts: VerifyCounts = { pins: results.length, verified: 0, moved: 0, unknown: 0, registryErrors: 0 };
  for (const { verdict } of results) {
    if (verdict.status === 'verified') counts.verified++;
    else if (verdict.status === 'moved-tag') counts.moved++;
    else if (verdict.status === 'unknown-digest') counts.unknown++;
    else counts.registryErrors++;
  }
  return counts;
}

/** `N pins verified, K moved, J unknown` (and how many could not be checked). */
export function countsText(c: VerifyCounts): string {
  return `${c.pins} pin${c.pins === 1 ? '' : 's'} verified, ${c.moved} moved, ${c.unknown} unknown${c.registryErrors ? `, ${c.registryErrors} could not be checked` : ''}`;
}

function verdictRule(v: PinVerdict): RuleId | undefined {
  return v.status === 'verified' ? undefined : v.status;
}

/** The finding's message: what the registry said and what it means for the deployment. */
export function verdictMessage(reference: string, v: PinVerdict): string | undefined {
  switch (v.status) {
    case 'verified':
      return undefined;
    case 'unknown-digest':
      return (
        `${reference}: the digest ${v.digest} does not exist in ${v.registry}, so the deployment would fail to pull it; ` +
        `the digest was mistyped or the manifest deleted.${v.tagNow ? ` The tag points to ${v.tagNow} now.` : ''}`
      );
    case 'moved-tag':
      return v.gone !== undefined
        ? `${reference}: the tag "${v.tag}" no longer exists (${v.gone}); the reference names a tag that does not name ${v.digest}. Keep the artifact and drop the tag, or pin a current tag.`
        : `${reference}: the tag "${v.tag}" now points to ${v.now}, not to the pinned ${v.digest}; the reference says "${v.tag}" while deploying something else. Update the digest or drop the tag.`;
    case 'registry-error':
      return `${reference} could not be verified: ${v.reason}. The pin was not checked.`;
  }
}

/** The finding for a site's verdict under its config: none when verified, ignored by a comment, or off. */
export function verdictFinding(site: JudgedSite, index: number, v: PinVerdict, config: ImagePinConfig): Finding | undefined {
  const rule = verdictRule(v);
  if (!rule) return undefined;
  if (site.ignored && (site.ignored.length === 0 || site.ignored.includes(rule))) return undefined;
  const severity = severityOf(config, rule);
  if (severity === 'off') return undefined;
  return { rule, severity, span: site.span, message: verdictMessage(site.reference, v)!, image: site.reference, site: index };
}

/** One pinned reference of a scan, for tag-conflict: where it is and which config judges it. */
export interface PinnedPlace {
  site: JudgedSite;
  /** The site's index in its file's extraction. */
  index: number;
  config: ImagePinConfig;
  /** How messages name the place (`deploy.yaml:12:14`). */
  where: string;
}

/**
 * A pinned reference's tag key, tag and digest, by reference (the editor looks for conflicts on every
 * keystroke of a document whose other references did not change; parsing each again was most of a keystroke).
 */
const pinnedTags = new Map<string, { key: string; tag: string; digest: string } | null>();

/**
 * The tag a site's reference pins, keyed by repository and tag, with its digest; null when it pins
 * none. Taken from the grammar the site carries when there is one (a cached site's: the reference is
 * not parsed again), else parsed.
 */
function pinnedTag(site: JudgedSite): { key: string; tag: string; digest: string } | null {
  const reference = site.reference;
  let pinned = pinnedTags.get(reference);
  if (pinned !== undefined) return pinned;
  const g = site.grammar;
  if (g && (!g.ok || g.repository !== undefined || g.tag === undefined || g.digest === undefined)) {
    pinned = g.ok && g.repository !== undefined && g.tag !== undefined && g.digest !== undefined ? { key: `${g.repository}:${g.tag}`, tag: g.tag, digest: g.digest } : null;
  } else {
    const q = pinQuestion(reference);
    pinned = q?.tag ? { key: tagKey({ ...q, tag: q.tag }), tag: q.tag, digest: q.digest } : null;
  }
  if (pinnedTags.size >= 10_000) pinnedTags.clear();
  pinnedTags.set(reference, pinned);
  return pinned;
}

/**
 * `tag-conflict`: the same registry/repository:tag pinned to different digests. Each place of such
 * a tag gets a finding naming the other places with other digests and both digests. Tags in the
 * floating set (of the place's config) move by design and are left out; so are ignored sites.
 * Returns findings by the index of the place.
 */
export function tagConflicts(places: readonly PinnedPlace[]): Map<number, Finding> {
  const byTag = new Map<string, number[]>();
  places.forEach((p, i) => {
    const pinned = pinnedTag(p.site);
    if (!pinned || isFloatingTag(p.config, pinned.tag)) return;
    const key = pinned.key;
    const list = byTag.get(key);
    if (list) list.push(i);
    else byTag.set(key, [i]);
  });
  const out = new Map<number, Finding>();
  for (const [, indexes] of byTag) {
    if (indexes.length < 2) continue;
    const digestOf = (i: number) => pinnedTag(places[i].site)!.digest;
    if (new Set(indexes.map(digestOf)).size < 2) continue;
    for (const i of indexes) {
      const p = places[i];
      if (p.site.ignored && (p.site.ignored.length === 0 || p.site.ignored.includes('tag-conflict'))) continue;
      const severity = severityOf(p.config, 'tag-conflict');
      if (severity === 'off') continue;
      const mine = digestOf(i);
      const others = indexes.filter((j) => digestOf(j) !== mine);
      const q = pinQuestion(p.site.reference)!;
      const name = formatReference({ domain: q.domain, path: q.path, tag: q.tag }, { familiar: true });
      const shown = others.slice(0, 5).map((j) => `${places[j].where} (${digestOf(j)})`);
      if (others.length > 5) shown.push(`${others.length - 5} more`);
      out.set(i, {
        rule: 'tag-conflict',
        severity,
        span: p.site.span,
        image: p.site.reference,
        site: p.index,
        message: `${name} is pinned here to ${mine} but to another digest at ${shown.join(', ')}: one tag, two artifacts. Pin every place to the digest the tag was published with.`,
      });
    }
  }
  return out;
}
