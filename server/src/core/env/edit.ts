/**
 * Writing a digest at a place of the environment model: the overlay's `images:` entry or the
 * environment's values map the finding is on. A `site` place is the extractor's site and is edited by
 * `pinEdits` (core/fix.ts); this covers the places that are not whole references.
 */
import { FixResult, editable, insertPair, setScalar } from '../fix';
import type { Place } from './types';

export interface PlaceValue {
  digest: string;
  /** The tag that was resolved (the effective tag, e.g. the chart's appVersion), written beside the digest when a tag must carry it. */
  tag?: string;
  /** The effective reference before the edit, for the new reference's name. */
  reference: string;
}

export function placeEdits(text: string, place: Place, v: PlaceValue): FixResult {
  const name = v.reference.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  if (place.shape === 'kustomize-entry' && place.entry && !place.entry.argoString) {
    const e = place.entry;
    const problem = editable(e.digest, 'the digest') ?? editable(e.newTag, 'newTag');
    if (problem) return { ok: false, error: problem };
    const tag = v.tag ? `:${v.tag}` : '';
    const newReference = `${name}${tag}@${v.digest}`;
    if (e.digest) return { ok: true, edits: [setScalar(text, e.digest, v.digest)], newReference };
    if (e.newTag && e.newTag.value.includes('@')) return { ok: true, edits: [setScalar(text, e.newTag, `${e.newTag.value.replace(/@.*$/, '')}@${v.digest}`)], newReference };
    if (e.insertAt < 0) return { ok: false, error: `${v.reference} cannot be edited in place here` };
    return { ok: true, edits: [insertPair(text, e.insertAt, e.indent, 'digest', v.digest)], newReference };
  }
  if (place.shape === 'helm-value' && place.helm) {
    const h = place.helm;
    const problem = editable(h.keys.digest, 'the digest') ?? editable(h.keys.tag, 'the tag');
    if (problem) return { ok: false, error: problem };
    const newReference = `${name}${v.tag ? `:${v.tag}` : ''}@${v.digest}`;
    if (h.keys.digest) return { ok: true, edits: [setScalar(text, h.keys.digest, v.digest)], newReference };
    if (h.defaultsHaveDigest) {
      if (h.insertAt < 0) return { ok: false, error: `${v.reference} cannot be edited in place here` };
      return { ok: true, edits: [insertPair(text, h.insertAt, h.indent, 'digest', v.digest)], newReference };
    }
    if (!v.tag) return { ok: false, error: `${v.reference} has no tag to pin and its chart has no digest key` };
    const value = `${v.tag}@${v.digest}`;
    if (h.keys.tag) return { ok: true, edits: [setScalar(text, h.keys.tag, value)], newReference };
    if (h.insertAt < 0) return { ok: false, error: `${v.reference} cannot be edited in place here` };
    return { ok: true, edits: [insertPair(text, h.insertAt, h.indent, 'tag', `"${value}"`)], newReference };
  }
  return { ok: false, error: `${v.reference} is written at ${place.shape === 'chart-app-version' ? "the chart's appVersion" : 'a whole reference'}: pin it there` };
}
