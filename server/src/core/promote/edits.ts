/**
 * New overrides for a promotion: when the target environment has no place of its own that decides an
 * image, one is added to its own file — an `images:` entry (or the list) in its kustomization, the
 * image map's key path in its values file, an Argo CD Application's `kustomize.images` item or
 * `helm.valuesObject` keys, a Flux HelmRelease's `spec.values` keys. An existing place is edited by
 * the one edit placer `pin` uses too (core/env/edit.ts `editPlace`). New lines take the line endings
 * and the indentation of the map or list they join; nothing else in the file changes.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { type EditResult, type Want, yamlString } from '../env/edit';

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
 * Where a new override goes: a document of the file (an offset inside it, see read.ts `SourceAt`; the
 * first document when absent) and the key path from its root, list indexes as numbers.
 */
export interface Anchor {
  doc?: number;
  path: ReadonlyArray<string | number>;
}

/**
 * Adds the keys `pairs` to the map at `path` of a values file (or under an Application's
 * `valuesObject`), creating the maps of the path that are missing under the deepest one that exists,
 * two spaces per level. A key the map already has is refused, never written twice.
 */
export function addMapPath(text: string, path: ReadonlyArray<string | number>, pairs: ReadonlyArray<[string, string]>, doc?: number, opts: { fresh?: boolean } = {}): EditResult {
  return addUnder(text, { doc, path }, { pairs }, opts.fresh);
}

/** Appends `item` (a string) to the block list at `path` (Argo CD `kustomize.images`), creating the list and the maps above it when missing. */
export function addListItem(text: string, at: Anchor, item: string): EditResult {
  return addUnder(text, at, { item });
}

/** `fresh`: the map at `path` must not exist yet (it would be another image's). */
function addUnder(text: string, at: Anchor, add: { pairs: ReadonlyArray<[string, string]> } | { item: string }, fresh = false): EditResult {
  const found = documentAt(text, at.doc);
  if ('error' in found) return { ok: false, error: found.error };
  const n = nl(text);
  const path = at.path;
  const where = (depth: number) => path.slice(0, depth).join('.') || 'the document';
  let node: unknown = found.contents;
  let depth = 0;
  // The map (or list) the remaining keys go under: the deepest that exists.
  let open: { at: number; indent: string } | undefined;
  if (node === null || (isScalar(node) && node.value === null)) open = { at: found.end, indent: '' };
  else if (isMap(node) && !node.flow && node.items.length === 0) open = { at: found.end, indent: '' };
  while (!open && depth < path.length) {
    const key = path[depth];
    if (typeof key === 'number') {
      if (!isSeq(node) || node.flow || !isMap(node.items[key]) || (node.items[key] as YAMLMap).flow) return { ok: false, error: `${where(depth + 1)} ${notBlock(isSeq(node) ? node.items[key] : node, 'map')}` };
      node = node.items[key];
      depth++;
      continue;
    }
    if (!isMap(node) || node.flow) return { ok: false, error: `${where(depth)} ${notBlock(node, 'map')}` };
    const pair = findPair(node, key);
    if (!pair) break;
    const value = pair.value as Node | null;
    if (value === null || (isScalar(value) && value.value === null && !(value.range && value.range[1] > value.range[0]))) {
      // `key:` with nothing after it: what is missing goes right below it.
      const k = (pair.key as Node).range!;
      const indent = columnOf(text, k[0]);
      if (indent === undefined) return { ok: false, error: `${where(depth + 1)} is not written one key per line; add it by hand` };
      open = { at: endOfLine(text, k[1]), indent: indent + '  ' };
      depth++;
      break;
    }
    const last = depth === path.length - 1;
    const fits = 'item' in add && last ? isSeq(value) : isMap(value) || (isSeq(value) && typeof path[depth + 1] === 'number');
    if (!fits || (value as YAMLMap).flow || ((isMap(value) || isSeq(value)) && value.items.length === 0)) {
      return { ok: false, error: `${where(depth + 1)} ${notBlock(value, 'item' in add && last ? 'list' : 'map')}` };
    }
    node = value;
    depth++;
  }
  if (!open && depth === path.length && 'item' in add) {
    // The list exists: one more item at its dash's indentation.
    const seq = node as YAMLSeq;
    const first = (seq.items[0] as Node).range![0];
    const lineStart = text.lastIndexOf('\n', first - 1) + 1;
    const lead = text.slice(lineStart, first);
    if (!/^[ \t]*-[ \t]+$/.test(lead)) return { ok: false, error: `${where(depth)} is not written one item per line; add it by hand` };
    const end = endOfLine(text, lastContent(text, (seq.items[seq.items.length - 1] as Node).range![1]));
    return { ok: true, edits: [{ start: end, end, newText: `${n}${/^[ \t]*/.exec(lead)![0]}- ${yamlString(add.item)}` }] };
  }
  if (!open) {
    const map = node as YAMLMap;
    const indent = columnOf(text, (map.items[0].key as Node).range![0]);
    if (indent === undefined) return { ok: false, error: `${where(depth)} is not written one key per line; add it by hand` };
    if (depth === path.length && fresh) return { ok: false, error: `${where(depth)} is already there (another image's map); add the image by hand` };
    if (depth === path.length && 'pairs' in add) {
      const dup = add.pairs.find(([k]) => findPair(map, k));
      if (dup) return { ok: false, error: `${where(depth)} already has \`${dup[0]}\`, which is not where this image is decided; edit it by hand` };
    }
    const last = map.items[map.items.length - 1];
    const lastEnd = (last.value as Node | null)?.range?.[1] ?? (last.key as Node).range![1];
    open = { at: endOfLine(text, lastContent(text, lastEnd)), indent };
  }
  if (open.at < 0) return { ok: false, error: `${where(depth)} is empty in a document that is not the file's last; add it by hand` };
  const lines: string[] = [];
  let ind = open.indent;
  for (const key of path.slice(depth)) {
    if (typeof key === 'number') return { ok: false, error: `${where(depth)} has no item ${key}` };
    lines.push(`${ind}${key}:`);
    ind += '  ';
  }
  if ('pairs' in add) for (const [k, v] of add.pairs) lines.push(`${ind}${k}: ${yamlString(v)}`);
  else lines.push(`${ind}- ${yamlString(add.item)}`);
  const atEnd = open.at === found.end;
  const lead = atEnd ? (open.at === 0 || text[open.at - 1] === '\n' ? '' : n) : n;
  return { ok: true, edits: [{ start: open.at, end: open.at, newText: lead + lines.join(n) + (atEnd ? n : '') }] };
}

/** Why a node cannot take a new key or item written one per line. */
function notBlock(node: unknown, want: 'map' | 'list'): string {
  if ((isMap(node) || isSeq(node)) && node.flow) return `is written as a flow ${isMap(node) ? 'map {…}' : 'list […]'}; add the ${want === 'map' ? 'keys' : 'item'} by hand in the form it is written`;
  if ((isMap(node) || isSeq(node)) && node.items.length === 0) return `is an empty ${isMap(node) ? 'map' : 'list'}; add the ${want === 'map' ? 'keys' : 'item'} by hand`;
  return `is not a ${want} (${isSeq(node) ? 'a list' : isMap(node) ? 'a map' : 'a value'}); nothing was added`;
}

/**
 * The document of a file that holds offset `at` (the first without it), parsed; refused when the file
 * does not parse or is a template (`{{ … }}` would be written around, not understood). `end` is where
 * keys at the document's root are appended: the end of the file, for its last document only.
 */
function documentAt(text: string, at: number | undefined): { contents: unknown; end: number } | { error: string } {
  if (text.includes('{{')) return { error: 'it is templated ({{ … }}); add the override to its template by hand' };
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return { error: 'it does not parse' };
  if (docs.length === 0) return { contents: null, end: text.length };
  const i = at === undefined ? 0 : docs.findIndex((d) => d.range[0] <= at && at <= d.range[2]);
  if (i < 0) return { error: 'the document is no longer there; run again' };
  const doc = docs[i] as Document.Parsed;
  if (doc.errors.length) return { error: `it does not parse (${doc.errors[0].message.split('\n')[0]})` };
  return { contents: doc.contents, end: i === docs.length - 1 ? text.length : -1 };
}

/** The indentation of the line's content up to `offset` as spaces (a list item's dash counts as indentation), if only that precedes it. */
function columnOf(text: string, offset: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lead = text.slice(lineStart, offset);
  return /^[ ]*(-[ ]+)*$/.test(lead) ? ' '.repeat(lead.length) : undefined;
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
