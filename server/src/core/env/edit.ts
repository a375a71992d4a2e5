/**
 * Writing an image at a place of the environment model: the one edit placer that `pin` (a digest
 * looked up for a finding's place) and promotion (a tag and digest copied from another stage, or given
 * to `set`) both use. A place is an overlay's `images:` entry, an Argo CD `kustomize.images` string, an
 * environment's values map or a whole reference. Edits go through the same helpers as `pinEdits`
 * (core/fix.ts): only the value's characters change, quotes and the rest of the line stay.
 */
import { FixResult, TextEdit, editable, insertPair, setScalar, setString, shaValue, yamlString } from '../fix';
import { splitWritten } from '../reference';
import type { ScalarPart, ShaForm } from '../types';
import type { HelmMapRef, KustomizeEntry, Place } from './types';
import { UNPLACED, placeValuesMap } from './read';

export { yamlString };

/** What a place must make the environment deploy. */
export interface Want {
  digest: string;
  /** The tag to write beside the digest (`newTag`, the map's `tag`, `name:tag@digest`); without it, the tag written there stays. */
  tag?: string;
  /**
   * The tag a `tag@digest` value is written with when `tag` is not given and the place writes none
   * (an empty Helm `tag:` whose effective tag is the chart's appVersion). It is never added on its own.
   */
  fallbackTag?: string;
  /**
   * How the chart's templates render the image map's `sha` (core/shaTemplates.ts), given by the caller
   * only when the chart's map has a `sha` key: a map whose `sha` is empty or absent then gets the
   * digest there, beside a plain tag, instead of `tag@digest` (kube-prometheus-stack copies the tag
   * into a field the operator reads as a version).
   */
  emptyShaForm?: ShaForm;
}

export type EditResult = { ok: true; edits: TextEdit[] } | { ok: false; error: string };

/** Edits that make `place` (an existing override or whole reference) say `want`. */
export function editPlace(text: string, place: Place, want: Want): EditResult {
  if (place.whole !== undefined) return editWhole(text, place, place.whole, want);
  if (place.shape === 'kustomize-entry' && place.entry) {
    return place.entry.argoString ? editArgoString(text, place.entry.argoString, want) : editEntry(text, place.entry, want);
  }
  // A values key that holds a whole reference (`image: repo:tag`) is edited as one.
  if (place.shape === 'helm-value' && place.helm && place.role !== 'reference') return editMap(text, place.helm, want);
  if (place.shape === 'site' || place.shape === 'helm-value') {
    if (text.slice(place.span.start, place.span.end) !== place.value) return { ok: false, error: `${place.value} is written with escapes or across lines; edit it by hand` };
    const written = splitWritten(place.value);
    if (!written) return { ok: false, error: `"${place.value}" is not a valid image reference` };
    return { ok: true, edits: [{ start: place.span.start, end: place.span.end, newText: composed(written.name, want.tag ?? written.tag, want.digest) }] };
  }
  return { ok: false, error: "it is decided by the chart's appVersion, which every environment of the chart shares" };
}

/**
 * An image istio reads as `global.hub/image:global.tag` (`global.proxy.image`): pinned by writing the
 * whole reference at its `image` key, which istio then takes as it is. A global (`global.tag`) is
 * shared by every image of the chart, so no digest is written there.
 */
function editWhole(text: string, place: Place, name: string, want: Want): EditResult {
  const tag = want.tag ?? want.fallbackTag;
  const reference = composed(name, tag, want.digest);
  if (place.shape !== 'site') return { ok: false, error: `${name} is read with global.hub and global.tag, which every image of the chart shares; set its \`image:\` to ${reference} by hand` };
  if (text.slice(place.span.start, place.span.end) !== place.value) return { ok: false, error: `${place.value} is written with escapes or across lines; edit it by hand` };
  return { ok: true, edits: [{ start: place.span.start, end: place.span.end, newText: reference }] };
}

/** What `pin` gives a finding's place: the digest looked up, and the effective tag and reference it was looked up for. */
export interface PlaceValue {
  digest: string;
  /** The tag that was resolved (the effective tag, e.g. the chart's appVersion), written beside the digest when a tag must carry it. */
  tag?: string;
  /** The effective reference before the edit, for the new reference's name. */
  reference: string;
  /** See `Want.emptyShaForm`. */
  emptyShaForm?: ShaForm;
}

/**
 * `pin`'s edit at a finding's place: the digest is set or added and the tag written there stays (the
 * effective tag is only written where the digest must ride on it, `tag: tag@digest`). A whole
 * reference and the chart's appVersion are pinned by the site's own edit (`pinEdits`), not here.
 */
export function placeEdits(text: string, place: Place, v: PlaceValue): FixResult {
  if (place.shape !== 'kustomize-entry' && place.shape !== 'helm-value' && place.whole === undefined) {
    return { ok: false, error: `${v.reference} is written at ${place.shape === 'chart-app-version' ? "the chart's appVersion" : 'a whole reference'}: pin it there` };
  }
  const got = editPlace(text, place, { digest: v.digest, ...(v.tag ? { fallbackTag: v.tag } : {}), ...(v.emptyShaForm ? { emptyShaForm: v.emptyShaForm } : {}) });
  if (!got.ok) return { ok: false, error: `${v.reference}: ${got.error}` };
  const name = v.reference.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  return { ok: true, edits: got.edits, newReference: composed(name, v.tag, v.digest) };
}

export function composed(name: string, tag: string | undefined, digest: string): string {
  return `${name}${tag ? `:${tag}` : ''}@${digest}`;
}

/** An Argo CD `kustomize.images` string `[name=]repo[:tag][@digest]`: the whole string is rewritten. */
function editArgoString(text: string, part: ScalarPart, want: Want): EditResult {
  const problem = editable(part, part.value);
  if (problem) return { ok: false, error: problem };
  const eq = part.value.indexOf('=');
  const prefix = eq >= 0 ? part.value.slice(0, eq + 1) : '';
  const written = splitWritten(part.value.slice(prefix.length));
  if (!written) return { ok: false, error: `"${part.value}" is not a valid image reference` };
  return { ok: true, edits: [setScalar(text, part, prefix + composed(written.name, want.tag ?? written.tag, want.digest))] };
}

/** An overlay's `images:` entry: `newTag` (when a tag is wanted) and `digest`, set or added; `newTag: tag@digest` kept in that form. */
function editEntry(text: string, e: KustomizeEntry, want: Want): EditResult {
  const problem = editable(e.digest, 'the digest') ?? editable(e.newTag, 'newTag');
  if (problem) return { ok: false, error: problem };
  const edits: TextEdit[] = [];
  const added: Array<[string, string]> = [];
  if (e.newTag && e.newTag.value.includes('@')) {
    // `newTag: 1.4.2@sha256:…` is the pin's form here: keep it.
    const tag = want.tag ?? e.newTag.value.replace(/@.*$/, '');
    edits.push(setString(text, e.newTag, `${tag}@${want.digest}`));
    if (e.digest) edits.push(setString(text, e.digest, want.digest));
  } else {
    if (want.tag !== undefined) {
      if (e.newTag) {
        if (e.newTag.value !== want.tag) edits.push(setString(text, e.newTag, want.tag));
      } else added.push(['newTag', want.tag]);
    }
    if (e.digest) {
      if (e.digest.value !== want.digest) edits.push(setString(text, e.digest, want.digest));
    } else added.push(['digest', want.digest]);
  }
  if (added.length) {
    if (e.insertAt < 0) return { ok: false, error: 'the entry cannot be extended in place; edit it by hand' };
    edits.push(insertPairs(text, e.insertAt, e.indent, added));
  }
  return { ok: true, edits };
}

/** A values map: `digest` set or added (with `tag` when one is wanted), or `tag: tag@digest` when the chart has no digest key. */
function editMap(text: string, h: HelmMapRef, want: Want): EditResult {
  const problem = editable(h.keys.digest, 'the digest') ?? editable(h.keys.tag, 'the tag');
  if (problem) return { ok: false, error: problem };
  const edits: TextEdit[] = [];
  const added: Array<[string, string]> = [];
  const tagNow = h.keys.tag?.value;
  if (h.shaForm) return editSha(text, h, h.shaForm, want);
  // An Argo CD parameters map without a `sha` parameter gets none added: the digest rides on the tag there.
  if (want.emptyShaForm && !h.keys.digest?.value && (!h.parameters || h.keys.sha)) return editSha(text, h, want.emptyShaForm, want, true);
  // Argo CD parameters get no new key: without a digest parameter, the digest rides on the tag parameter.
  if (h.keys.digest || (h.defaultsHaveDigest && !h.parameters)) {
    if (tagNow?.includes('@')) edits.push(setString(text, h.keys.tag!, `${want.tag ?? tagNow.replace(/@.*$/, '')}@${want.digest}`));
    else if (want.tag !== undefined) {
      if (h.keys.tag) {
        if (tagNow !== want.tag) edits.push(setString(text, h.keys.tag, want.tag));
      } else added.push(['tag', want.tag]);
    }
    if (h.keys.digest) {
      if (h.keys.digest.value !== want.digest) edits.push(setString(text, h.keys.digest, want.digest));
    } else added.push(['digest', want.digest]);
  } else {
    const tag = want.tag ?? (tagNow?.replace(/@.*$/, '') || want.fallbackTag);
    if (!tag) return { ok: false, error: 'the chart has no digest key and there is no tag to write `tag@digest` with' };
    const value = `${tag}@${want.digest}`;
    if (h.keys.tag) edits.push(setString(text, h.keys.tag, value));
    else added.push(['tag', value]);
  }
  return withAdded(text, h, edits, added);
}

/**
 * A map whose digest is its `sha` (prometheus-community charts): the digest goes there in the form the
 * chart renders (the hex alone, or the whole digest), never into a `digest` key the chart does not read
 * nor onto the tag (which would render `tag@…@sha256:…`).
 */
function editSha(text: string, h: HelmMapRef, form: ShaForm, want: Want, fromTemplates = false): EditResult {
  const problem = editable(h.keys.sha, 'the digest');
  if (problem) return { ok: false, error: problem };
  const edits: TextEdit[] = [];
  const added: Array<[string, string]> = [];
  const tagNow = h.keys.tag?.value;
  let tag = want.tag ?? (tagNow?.includes('@') ? tagNow.replace(/@.*$/, '') : undefined);
  // The chart renders its `sha` only beside a tag: an empty one (the appVersion stood in) is written out.
  if (fromTemplates && tag === undefined && !tagNow) tag = want.fallbackTag;
  if (tag !== undefined) {
    if (h.keys.tag) {
      if (tagNow !== tag) edits.push(setString(text, h.keys.tag, tag));
    } else added.push(['tag', tag]);
  }
  const value = shaValue(want.digest, form);
  if (h.keys.sha) {
    if (h.keys.sha.value !== value) edits.push(setString(text, h.keys.sha, value));
  } else added.push(['sha', value]);
  return withAdded(text, h, edits, added);
}

/** `edits` plus the new pairs of a values map, or why they cannot be added there. */
function withAdded(text: string, h: HelmMapRef, edits: TextEdit[], added: ReadonlyArray<[string, string]>): EditResult {
  if (added.length) {
    if (h.parameters) return { ok: false, error: `its helm.parameters set ${h.path.join('.')} but not its ${added.map(([k]) => k).join(' and ')}; add the parameter by hand` };
    const point = h.insertAt === UNPLACED && h.start !== undefined ? placeValuesMap(text, h.start) : { at: h.insertAt, indent: h.indent };
    if (point.at < 0) return { ok: false, error: 'the map cannot be extended in place; edit it by hand' };
    edits.push(insertPairs(text, point.at, point.indent, added));
  }
  return { ok: true, edits };
}

/** Several new pairs at one point, in order (one edit, so their order cannot be mixed up). */
function insertPairs(text: string, at: number, indent: string | null, pairs: ReadonlyArray<[string, string]>): TextEdit {
  return { start: at, end: at, newText: pairs.map(([k, v]) => insertPair(text, at, indent, k, yamlString(v)).newText).join('') };
}
