/** What the shape extractors share while walking one parsed document. */
import { Alias, Document, Node, Pair, YAMLMap, isAlias, isScalar } from 'yaml';
import type { ImageSite, PullPolicySlot, ScalarPart, Span } from '../types';
import { scalarPart } from '../yamlSource';
import { ShapeOptions, hasSedPlaceholder } from './classify';

export type { PathKey } from './classify';

export interface WalkContext {
  /** The document's text, template actions blanked. */
  source: string;
  doc: Document.Parsed;
  /** Keys whose string value is a whole image reference (`image` plus configured ones). */
  imageKeys: ReadonlySet<string>;
  /** What the shape classifier needs to know of the file. */
  shapeOptions: ShapeOptions;
  /** The file is a kustomization (by name or `kind: Kustomization`). */
  kustomization: boolean;
  /** Template action ranges blanked out of `source`. */
  templateActions: readonly Span[];
  sites: ImageSite[];
  /** Scalars already reported, by start offset: an alias never reports its anchor twice. */
  seen: Set<number>;
  /** Maps read as split image references: their `image` key is a part, not a whole reference. */
  splitMaps: Set<unknown>;
  /** Called for an Argo CD `helm.values` string: YAML inside YAML. */
  embeddedValues(part: ScalarPart): void;
}

/**
 * A value that is produced by a template or a variable is not an image we can judge: one that holds
 * a template action, or that an action on its line is written against (`{{ .Values.registry }}/app`,
 * `app:1.0{{ .Values.suffix }}`), since the rendered value is not the text we see.
 */
export function isTemplated(ctx: WalkContext, part: ScalarPart): boolean {
  // The actions are in text order and do not overlap, so only two can touch the token: the last one
  // starting before its end (overlapping it, or the nearest before it) and the next one. Any action
  // farther away touches it only through blanks that the nearer one's also spans.
  const actions = ctx.templateActions;
  const token = part.token;
  let lo = 0;
  let hi = actions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (actions[mid].start < token.end) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && actionTouches(ctx.source, actions[lo - 1], token)) return true;
  if (lo < actions.length && actionTouches(ctx.source, actions[lo], token)) return true;
  // `${VAR}`, `$VAR`, Kubernetes/Tekton `$(VAR)`, template actions left in embedded strings, `IMAGE_TAG` for sed.
  return /\$[{(A-Za-z_]|\{\{/.test(part.value) || hasSedPlaceholder(part.value);
}

function actionTouches(source: string, action: Span, token: Span): boolean {
  if (action.start < token.end && action.end > token.start) return true;
  const [from, to] = action.end <= token.start ? [action.end, token.start] : [token.end, action.start];
  // Only blanks between them on one line: the action's output joins the value.
  for (let i = from; i < to; i++) if (source[i] !== ' ' && source[i] !== '\t') return false;
  return true;
}

export function keyOf(pair: Pair): string | null {
  const key = pair.key;
  if (!isScalar(key)) return null;
  // Read once: the fast scanner's scalars compute it in a getter.
  const value = key.value;
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

export function findPair(map: YAMLMap, key: string): Pair | undefined {
  // The last one wins, as for duplicate keys from template branches.
  let found: Pair | undefined;
  for (const pair of map.items) if (keyOf(pair) === key) found = pair;
  return found;
}

/** Follows an alias to its anchor's node (no expansion beyond that one hop). */
export function deref(ctx: WalkContext, node: unknown): unknown {
  if (isAlias(node)) return (node as Alias).resolve(ctx.doc) ?? null;
  return node;
}

/** The string scalar under `key` in `map`, with its text range. */
export function stringAt(ctx: WalkContext, map: YAMLMap, key: string, allowNonString = false): ScalarPart | undefined {
  const pair = findPair(map, key);
  if (!pair) return undefined;
  const part = scalarPart(deref(ctx, pair.value), ctx.source, allowNonString ? NON_STRING : undefined);
  if (!part) return undefined;
  // Spelled out rather than spread: the same members in the same order, at a fraction of the cost.
  return { value: part.value, span: part.span, exact: part.exact, token: part.token, keySpan: nodeSpan(pair.key) };
}

const NON_STRING = { allowNonString: true };

export function nodeSpan(node: unknown): Span | undefined {
  const range = (node as Node | null)?.range;
  return range ? { start: range[0], end: range[1] } : undefined;
}

/** Where a new `key: value` pair can be added to `map`: after its last pair, at its keys' indentation. */
export function insertionPoint(source: string, map: YAMLMap): { at: number; indent: string | null } {
  const last = map.items[map.items.length - 1];
  const lastEnd = nodeSpan(last?.value)?.end ?? nodeSpan(last?.key)?.end ?? map.range?.[1] ?? 0;
  if (map.flow) return { at: lastEnd, indent: null };
  const firstKey = nodeSpan(map.items[0]?.key);
  const lineStart = source.lastIndexOf('\n', (firstKey?.start ?? 0) - 1) + 1;
  const indent = ' '.repeat((firstKey?.start ?? lineStart) - lineStart);
  let at = lastEnd;
  // Past the rest of the line, so a trailing comment stays with its pair.
  while (at < source.length && source[at] !== '\n' && source[at] !== '\r') at++;
  return { at, indent };
}

/** The pull policy slot of a map that holds an image: its key, current value and where to add it. */
export function pullPolicySlot(ctx: WalkContext, map: YAMLMap, key: string, always: string, after?: Pair): PullPolicySlot {
  const part = stringAt(ctx, map, key);
  let point = insertionPoint(ctx.source, map);
  if (after && !map.flow) {
    // Right below the image line reads best for a container.
    let at = nodeSpan(after.value)?.end ?? point.at;
    while (at < ctx.source.length && ctx.source[at] !== '\n' && ctx.source[at] !== '\r') at++;
    point = { at, indent: point.indent };
  }
  return { key, always, value: part ? part.value : null, valueSpan: part?.exact ? part.span : undefined, insertAt: point.at, indent: point.indent };
}
