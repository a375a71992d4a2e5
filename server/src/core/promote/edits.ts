/**
 * The text of a promotion: making one place of an environment deploy a given tag and digest. The
 * place is one the environment model found (an overlay's `images:` entry, a values map, an Argo CD
 * `kustomize.images` string, a whole reference) or a new one added to the environment's own file (an
 * `images:` entry, a values map path). Edits go through the same helpers as `pin` (core/fix.ts):
 * only the value's characters change, quotes and the rest of the line stay.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { TextEdit, editable, insertPair, setScalar } from '../fix';
import { splitWritten } from '../reference';
import type { ScalarPart } from '../types';
import type { HelmMapRef, KustomizeEntry, Place } from '../env/types';

/** What a place must make the environment deploy. */
export interface Want {
  /** Written beside the digest when set (`newTag`, the map's `tag`, `name:tag@digest`). */
  tag?: string;
  digest: string;
}

export type EditResult = { ok: true; edits: TextEdit[] } | { ok: false; error: string };

/** Edits that make `place` (an existing override or whole reference) say `want`. */
export function editPlace(text: string, place: Place, want: Want): EditResult {
  if (place.shape === 'kustomize-entry' && place.entry) {
    return place.entry.argoString ? editReferenceScalar(text, place.entry.argoString, want, true) : editEntry(text, place.entry, want);
  }
  if (place.shape === 'helm-value' && place.helm) return editMap(text, place.helm, want);
  if (place.shape === 'site') {
    if (text.slice(place.span.start, place.span.end) !== place.value) return { ok: false, error: `${place.value} is written with escapes or across lines; edit it by hand` };
    const written = splitWritten(place.value);
    if (!written) return { ok: false, error: `"${place.value}" is not a valid image reference` };
    return { ok: true, edits: [{ start: place.span.start, end: place.span.end, newText: composed(written.name, want.tag ?? written.tag, want.digest) }] };
  }
  return { ok: false, error: "it is decided by the chart's appVersion, which every environment of the chart shares" };
}

function composed(name: string, tag: string | undefined, digest: string): string {
  return `${name}${tag ? `:${tag}` : ''}@${digest}`;
}

/** An Argo CD `kustomize.images` string `[name=]repo[:tag][@digest]`: the whole string is rewritten. */
function editReferenceScalar(text: string, part: ScalarPart, want: Want, argo: boolean): EditResult {
  const problem = editable(part, part.value);
  if (problem) return { ok: false, error: problem };
  const eq = argo ? part.value.indexOf('=') : -1;
  const prefix = eq >= 0 ? part.value.slice(0, eq + 1) : '';
  const written = splitWritten(part.value.slice(prefix.length));
  if (!written) return { ok: false, error: `"${part.value}" is not a valid image reference` };
  return { ok: true, edits: [setScalar(text, part, prefix + composed(written.name, want.tag ?? written.tag, want.digest))] };
}

/** An overlay's `images:` entry: `newTag` (when the source has a tag) and `digest`, set or added. */
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

/** A values map: `digest` set or added (with `tag` when the source has one), or `tag: tag@digest` when the chart has no digest key. */
function editMap(text: string, h: HelmMapRef, want: Want): EditResult {
  const problem = editable(h.keys.digest, 'the digest') ?? editable(h.keys.tag, 'the tag');
  if (problem) return { ok: false, error: problem };
  const edits: TextEdit[] = [];
  const added: Array<[string, string]> = [];
  const tagNow = h.keys.tag?.value;
  if (h.keys.digest || h.defaultsHaveDigest) {
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
    const tag = want.tag ?? tagNow?.replace(/@.*$/, '');
    if (!tag) return { ok: false, error: 'the chart has no digest key and there is no tag to write `tag@digest` with' };
    const value = `${tag}@${want.digest}`;
    if (h.keys.tag) edits.push(setString(text, h.keys.tag, value));
    else added.push(['tag', value]);
  }
  if (added.length) {
    if (h.insertAt < 0) return { ok: false, error: 'the map cannot be extended in place; edit it by hand' };
    edits.push(insertPairs(text, h.insertAt, h.indent, added));
  }
  return { ok: true, edits };
}

/** Several new pairs at one point, in order (one edit, so their order cannot be mixed up). */
function insertPairs(text: string, at: number, indent: string | null, pairs: ReadonlyArray<[string, string]>): TextEdit {
  return { start: at, end: at, newText: pairs.map(([k, v]) => insertPair(text, at, indent, k, yamlString(v)).newText).join('') };
}

/**
 * Sets a scalar to a string value. A plain scalar whose new value YAML would read as something else
 * (`1.10` is a number) gets quotes; a quoted one keeps its quotes.
 */
function setString(text: string, part: ScalarPart, value: string): TextEdit {
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

const nl = (text: string) => (text.includes('\r\n') ? '\r\n' : '\n');

/**
 * Adds `- {name, newTag?, digest}` entries to a kustomization's `images:` list, or the list itself (at
 * the end of the file) when there is none.
 */
export function addImageEntries(text: string, entries: ReadonlyArray<{ name: string; want: Want }>): EditResult {
  const doc = parseDocument(text);
  if (doc.errors.length) return { ok: false, error: `it does not parse (${doc.errors[0].message.split('\n')[0]})` };
  const root = doc.contents;
  if (root !== null && !isMap(root)) return { ok: false, error: 'it is not a map' };
  const n = nl(text);
  const render = (dash: string, inner: string) =>
    entries
      .map(({ name, want }) => {
        const keys: Array<[string, string]> = [['name', name], ...(want.tag !== undefined ? [['newTag', want.tag] as [string, string]] : []), ['digest', want.digest]];
        return keys.map(([k, v], i) => `${i === 0 ? `${dash}- ` : inner}${k}: ${yamlString(v)}`).join(n);
      })
      .join(n);
  const images = root ? findPair(root, 'images') : undefined;
  if (images && isSeq(images.value) && !images.value.flow && images.value.items.length > 0) {
    const items = images.value.items as Node[];
    const first = items[0].range![0];
    const lineStart = text.lastIndexOf('\n', first - 1) + 1;
    const lead = text.slice(lineStart, first);
    if (!/^[ \t]*-[ \t]+$/.test(lead)) return { ok: false, error: 'its `images:` list is not written one entry per line; add the entry by hand' };
    const dash = /^[ \t]*/.exec(lead)![0];
    const at = endOfLine(text, lastContent(text, items[items.length - 1].range![1]));
    return { ok: true, edits: [{ start: at, end: at, newText: n + render(dash, ' '.repeat(lead.length)) }] };
  }
  if (images && !(images.value === null || (isScalar(images.value) && images.value.value === null))) {
    return { ok: false, error: 'its `images:` is not a block list; add the entry by hand' };
  }
  const body = render('', '  ');
  if (images) {
    // `images:` with nothing after it.
    const at = endOfLine(text, (images.key as Node).range![1]);
    return { ok: true, edits: [{ start: at, end: at, newText: n + body }] };
  }
  const at = text.length;
  const lead = text.length === 0 || text.endsWith('\n') ? '' : n;
  return { ok: true, edits: [{ start: at, end: at, newText: `${lead}images:${n}${body}${n}` }] };
}

/**
 * Adds the keys `pairs` to the map at `path` of a values file, creating the maps of the path that are
 * missing (under the deepest one that exists), with two spaces per level.
 */
export function addMapPath(text: string, path: readonly string[], pairs: ReadonlyArray<[string, string]>): EditResult {
  const doc = parseDocument(text);
  if (doc.errors.length) return { ok: false, error: `it does not parse (${doc.errors[0].message.split('\n')[0]})` };
  const n = nl(text);
  let node: Node | null = doc.contents;
  if (node !== null && !isMap(node)) return { ok: false, error: 'it is not a map' };
  let depth = 0;
  while (node && depth < path.length) {
    const pair = findPair(node as YAMLMap, path[depth]);
    if (!pair) break;
    if (!isMap(pair.value) || pair.value.flow || pair.value.items.length === 0) {
      return { ok: false, error: `${path.slice(0, depth + 1).join('.')} is not a block map there; add the keys by hand` };
    }
    node = pair.value;
    depth++;
  }
  let indent = '';
  let at = text.length;
  let lead = text.length === 0 || text.endsWith('\n') ? '' : n;
  if (node && (node as YAMLMap).items.length > 0) {
    const m = node as YAMLMap;
    const firstKey = m.items[0].key as Node;
    const lineStart = text.lastIndexOf('\n', firstKey.range![0] - 1) + 1;
    indent = text.slice(lineStart, firstKey.range![0]);
    if (!/^[ \t]*$/.test(indent)) return { ok: false, error: 'its map is not written one key per line; add the keys by hand' };
    const last = m.items[m.items.length - 1];
    const lastEnd = (last.value as Node | null)?.range?.[1] ?? (last.key as Node).range![1];
    at = endOfLine(text, lastContent(text, lastEnd));
    lead = n;
  }
  const lines: string[] = [];
  let ind = indent;
  for (const key of path.slice(depth)) {
    lines.push(`${ind}${key}:`);
    ind += '  ';
  }
  for (const [k, v] of pairs) lines.push(`${ind}${k}: ${yamlString(v)}`);
  const newText = lead + lines.join(n) + (at === text.length ? n : '');
  return { ok: true, edits: [{ start: at, end: at, newText }] };
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

/** The end of the last non-blank character before `end` (a node's range may take trailing blank lines). */
function lastContent(text: string, end: number): number {
  let i = end;
  while (i > 0 && /[\s]/.test(text[i - 1])) i--;
  return i;
}

/** The end of the line `at` is on, before its line break. */
function endOfLine(text: string, at: number): number {
  const i = text.indexOf('\n', at);
  if (i === -1) return text.length;
  return text[i - 1] === '\r' ? i - 1 : i;
}
