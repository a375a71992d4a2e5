/**
 * Text edits that fix a site, computed from the site's ranges alone: pin it to a digest,
 * add a pull policy, or add a suppression comment. Each edit touches only the scalar (or
 * the one new line) it must, so quotes, comments, indentation, key order and line
 * endings stay as they were.
 */
import { isMap, isScalar, parseDocument } from 'yaml';
import type { PinStyle } from './config';
import { parseReference, pinnedText, splitWritten, type ImageReference } from './reference';
import { lineStartBefore } from './text';
import type { ChartTag, ImageSite, RuleId, ScalarPart, ShaForm } from './types';

/** Replace `[start, end)` of the text with `newText`. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export type FixResult = { ok: true; edits: TextEdit[]; newReference: string } | { ok: false; error: string };

/** What to ask the registry for: the reference with the tag that is deployed. */
export interface ResolutionTarget {
  ref: ImageReference & { tag: string };
  /** How the tag was chosen: as written, the implicit `latest`, or the chart's appVersion. */
  tagSource: 'written' | 'implicit-latest' | 'app-version';
  /** The digest currently pinned, if any (for `--update` and platform pins). */
  currentDigest?: string;
}

/** `chartTag`: what an empty Helm tag deploys (the chart's appVersion as its templates print it). */
export function resolutionTarget(site: ImageSite, chartTag?: ChartTag): ResolutionTarget | { error: string } {
  const parsed = parseReference(site.reference);
  if (!parsed.ok) return { error: `"${site.reference}" is not a valid image reference: ${parsed.error}` };
  const ref = parsed.ref;
  if (site.helm?.tagFromAppVersion) {
    if (!chartTag) return { error: `${site.reference} has no tag and no chart appVersion was found (Chart.yaml) to resolve` };
    return { ref: { ...ref, tag: chartTag.tag }, tagSource: 'app-version', currentDigest: ref.digest };
  }
  if (ref.tag) return { ref: { ...ref, tag: ref.tag }, tagSource: 'written', currentDigest: ref.digest };
  return { ref: { ...ref, tag: 'latest' }, tagSource: 'implicit-latest', currentDigest: ref.digest };
}

/** The file's line break: CRLF, LF, or a lone CR (old Mac files) when there is no LF at all. */
function newline(text: string): string {
  if (text.includes('\r\n')) return '\r\n';
  return text.includes('\r') && !text.includes('\n') ? '\r' : '\n';
}

export function editable(part: ScalarPart | undefined, what: string): string | null {
  if (part && !part.exact) return `${what} is written with escapes or across lines; edit it by hand`;
  return null;
}

/** Inserts `key: value` as a new pair of a map, after its last pair. */
export function insertPair(text: string, at: number, indent: string | null, key: string, value: string): TextEdit {
  const newText = indent === null ? `, ${key}: ${value}` : `${newline(text)}${indent}${key}: ${value}`;
  return { start: at, end: at, newText };
}

/** Sets a scalar's value: an empty plain value right after `key:` needs a space first. */
export function setScalar(text: string, part: ScalarPart, value: string): TextEdit {
  const empty = part.span.start === part.span.end;
  const needsSpace = empty && text[part.span.start - 1] === ':';
  return { start: part.span.start, end: part.span.end, newText: needsSpace ? ` ${value}` : value };
}

/**
 * The edits that pin `site` to `digest`. `tagForEmpty` is the tag resolved for a Helm map
 * whose tag is empty (its appVersion), written next to the digest when there is no digest key.
 * `emptyShaForm` is how the chart's templates render the map's empty `sha` (see core/shaTemplates.ts):
 * the digest then goes there and the tag stays a plain tag (kube-prometheus-stack copies it into a
 * field the operator reads as a version).
 */
export function pinEdits(text: string, site: ImageSite, digest: string, style: PinStyle, tagForEmpty?: string, emptyShaForm?: ShaForm): FixResult {
  switch (site.shape) {
    case 'scalar':
    case 'argocd-kustomize': {
      const problem = editable(site.scalar, site.reference);
      if (problem) return { ok: false, error: problem };
      const written = splitWritten(site.reference);
      if (!written) return { ok: false, error: `"${site.reference}" is not a valid image reference` };
      const newReference = pinnedText(site.reference, digest, style);
      return { ok: true, edits: [{ start: site.span.start, end: site.span.end, newText: newReference }], newReference };
    }
    case 'helm-split': {
      const h = site.helm!;
      const problem = editable(h.digest, 'the digest') ?? editable(h.tag, 'the tag');
      if (problem) return { ok: false, error: problem };
      const base = site.reference.replace(/@.*$/, '');
      if (h.digest) {
        return { ok: true, edits: [setScalar(text, h.digest, shaValue(digest, h.shaForm))], newReference: `${base}@${digest}` };
      }
      const tag = (h.tag?.value ?? '').replace(/@.*$/, '') || tagForEmpty;
      if (h.emptySha && emptyShaForm) return shaPin(text, site, h.emptySha, emptyShaForm, digest, tag);
      if (!tag) return { ok: false, error: `${site.reference} has no tag to pin and no digest key to set` };
      const value = `${tag}@${digest}`;
      const newReference = `${base.replace(/:[^:/]*$/, '')}:${value}`;
      // `tag@sha256:…` is a string in YAML even where the bare tag (`1.10`) would read as a number.
      if (h.tag) return { ok: true, edits: [setScalar(text, h.tag, value)], newReference };
      if (h.insertAt < 0) return { ok: false, error: `${site.reference} cannot be edited in place here` };
      return { ok: true, edits: [insertPair(text, h.insertAt, h.indent, 'tag', `"${value}"`)], newReference };
    }
    case 'kustomize': {
      const k = site.kustomize!;
      const problem = editable(k.digest, 'the digest') ?? editable(k.newTag, 'newTag');
      if (problem) return { ok: false, error: problem };
      const base = site.reference.replace(/@.*$/, '');
      const newReference = `${base}@${digest}`;
      if (k.digest) return { ok: true, edits: [setScalar(text, k.digest, digest)], newReference };
      if (k.newTag && k.newTag.value.includes('@')) {
        // `newTag: 1.27@sha256:…` is already a pin: keep that form.
        return { ok: true, edits: [setScalar(text, k.newTag, `${k.newTag.value.replace(/@.*$/, '')}@${digest}`)], newReference };
      }
      if (k.insertAt < 0) return { ok: false, error: `${site.reference} cannot be edited in place here` };
      return { ok: true, edits: [insertPair(text, k.insertAt, k.indent, 'digest', digest)], newReference };
    }
  }
}

/**
 * A map with an empty `sha` its chart renders: the digest is set there in the chart's form, and the tag
 * (a `tag@digest` from before, or empty where the chart's appVersion stood in) becomes the plain tag,
 * since charts render the `sha` only beside a tag (`{{ if and .tag .sha }}`).
 */
function shaPin(text: string, site: ImageSite, sha: ScalarPart, form: ShaForm, digest: string, tag: string | undefined): FixResult {
  const h = site.helm!;
  const problem = editable(sha, 'the digest');
  if (problem) return { ok: false, error: problem };
  if (!tag) return { ok: false, error: `${site.reference} has no tag to write beside its sha` };
  const edits: TextEdit[] = [];
  if (h.tag) {
    if (h.tag.value !== tag) edits.push(setString(text, h.tag, tag));
  } else if (h.insertAt < 0) return { ok: false, error: `${site.reference} cannot be edited in place here` };
  else edits.push(insertPair(text, h.insertAt, h.indent, 'tag', yamlString(tag)));
  edits.push(setString(text, sha, shaValue(digest, form)));
  edits.sort((a, b) => a.start - b.start);
  const name = site.reference.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  return { ok: true, edits, newReference: `${name}:${tag}@${digest}` };
}

/** Sets a scalar to a string value: a plain scalar whose new value would read as another type (`1.10`) is quoted. */
export function setString(text: string, part: ScalarPart, value: string): TextEdit {
  const quoted = part.token.start !== part.span.start;
  if (!quoted && yamlString(value) !== value) return { start: part.token.start, end: part.token.end, newText: yamlString(value) };
  return setScalar(text, part, value);
}

/** `value` as a YAML scalar that reads back as the same string: plain when it can be, else double-quoted. */
export function yamlString(value: string): string {
  const doc = parseDocument(`k: ${value}\n`);
  const v = isMap(doc.contents) ? doc.contents.get('k', true) : undefined;
  const plainOk = doc.errors.length === 0 && isScalar(v) && typeof v.value === 'string' && v.value === value;
  return plainOk ? value : JSON.stringify(value);
}

/**
 * What a digest is written as in a map's digest scalar: the digest itself, or for a `sha` key its own
 * form (the hex alone where the chart adds `sha256:`, the whole digest where it does not).
 */
export function shaValue(digest: string, form: ShaForm | undefined): string {
  return form === 'hex' ? digest.replace(/^sha256:/, '') : digest;
}

/** Sets the site's pull policy to Always (the allowance's condition), or null when the shape has none. */
export function pullPolicyEdit(text: string, site: ImageSite): TextEdit | null {
  const slot = site.pullPolicy;
  if (!slot || slot.value === slot.always) return null;
  if (slot.valueSpan) return { start: slot.valueSpan.start, end: slot.valueSpan.end, newText: slot.always };
  if (slot.value !== null || slot.insertAt < 0) return null;
  return insertPair(text, slot.insertAt, slot.indent, slot.key, slot.always);
}

/** A `# image-pin: ignore <rule>` comment alone on the line above the site, at that line's indentation. */
export function ignoreEdit(text: string, site: Pick<ImageSite, 'span'>, rule?: RuleId): TextEdit {
  const lineStart = lineStartBefore(text, site.span.start);
  const indent = /^[ \t]*/.exec(text.slice(lineStart, site.span.start))![0];
  return { start: lineStart, end: lineStart, newText: `${indent}# image-pin: ignore${rule ? ` ${rule}` : ''}${newline(text)}` };
}

/** Applies non-overlapping edits (any order). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}
