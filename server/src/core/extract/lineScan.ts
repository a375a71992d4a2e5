/**
 * The fast path: a line-oriented structural scanner for the common subset of YAML that
 * real manifests, values files and (blanked) chart templates are written in.
 *
 * It builds the same node tree the `yaml` package would (`YAMLMap`, `YAMLSeq`, `Pair`,
 * `Scalar`, with the same source ranges and the same core-schema values), so the one
 * shape walk (`walk.ts`) decides what is an image for both paths: a detection change
 * lands in both at once. This is the one deliberate exception to "never read YAML
 * without the `yaml` parser", and it is proven against it site by site in
 * test/core/fastpath.test.ts.
 *
 * Whatever it is not certain of, it refuses with a `Bail` and the caller parses that
 * document with `yaml` instead: anything that could make `yaml` report an error, and
 * every construct whose value or range it does not reproduce exactly. Some refusals are
 * lazy: a folded block scalar's value, a double-quoted string with escapes and a block
 * collection's end offset are only computed by `yaml`, so the node throws a `Bail` if
 * and when the walk reads them (most never are: `command: |` is not an image).
 */
import { Document, Scalar, isScalar } from 'yaml';
import type { Span } from '../types';
import type { Comment } from '../yamlSource';

export type BailCause =
  | 'tab' // a tab where YAML indentation or separation could be
  | 'special-characters' // CR, BOM, control characters, Unicode line separators
  | 'directive' // `%YAML`, `...`, content on the `---` line
  | 'anchor-alias-tag' // `&a`, `*a`, `!tag`
  | 'complex-key' // `? key`, a key that is not a one-line scalar
  | 'multi-line-flow' // a flow collection `{…}`/`[…]` not closed on its line, or one we do not read
  | 'multi-line-scalar' // a plain or quoted scalar continued on the next lines
  | 'block-scalar' // a block scalar whose value is read, or whose layout is unusual
  | 'quoted-escape' // a double-quoted string with escapes whose value is read
  | 'collection-end' // the end offset of a block collection is read (an insertion point after it)
  | 'nested-sequence' // `- - a`
  | 'root-scalar' // a document that is one scalar
  | 'indentation' // indentation that does not line up with an open collection
  | 'syntax' // anything else we do not read with certainty
  | 'walk-error'; // the walk failed on our tree (the `yaml` path decides what to report)

export class Bail extends Error {
  /** The start of the line being read when the scanner gave up (diagnostics only). */
  line = -1;
  constructor(readonly reason: BailCause) {
    super(`fast path: ${reason}`);
  }
}

export interface ScannedDocument {
  /** A tree the `yaml` node tests (`isMap`, `isScalar` …) accept, as the walk reads it. */
  contents: unknown;
  comments: Comment[];
  /**
   * `yaml` reports an error on this document, and the tree is the one it recovers: right only if
   * the template excuses the document's errors (`templateExcusesErrors` on the text as written),
   * which the caller must check, handing the document to `yaml` with this cause if it does not.
   * `block-scalar`: a block scalar begins with a template action on a line deeper than its first
   * line of text (blanked, a more-indented leading empty line; the error is on the value only).
   * `syntax`: a compact nested mapping (`key: a: b`, see `pairValue`).
   */
  needsTemplateExcuse?: BailCause;
  /**
   * The document's first template action sits where, in the text as written, a node starts: first on
   * its line or first in a value (after `key: ` or `- `), with nothing before it that could hold it
   * (no block scalar, quoted or plain scalar going on over its line, no error `yaml` reports). The text
   * before it is the same as written and blanked, so there `{{` opens a flow collection, which no
   * text token contains: `templateExcusesErrors` says yes without a parse.
   */
  actionExcuses?: true;
}

// The nodes are light objects carrying `yaml`'s own node-type marks (registered symbols), so
// `isMap`/`isSeq`/`isScalar` accept them; yaml's classes cost a defineProperty per node.
const NODE_TYPE = Symbol.for('yaml.node.type');
const MAP = Symbol.for('yaml.map');
const SEQ = Symbol.for('yaml.seq');
const PAIR = Symbol.for('yaml.pair');
const SCALAR = Symbol.for('yaml.scalar');
const ALIAS = Symbol.for('yaml.alias');

const UNREAD = Symbol('unread');

/** A scalar whose value is computed from the text when first read (most never are) and whose range is made when asked. */
class FastScalar {
  [NODE_TYPE] = SCALAR;
  private known: unknown = UNREAD;
  /** Set when only `yaml` knows the value: reading it throws a `Bail` with this cause. */
  unknown: BailCause | null = null;
  constructor(
    private readonly src: string,
    public type: Scalar.Type,
    public start: number,
    public end: number,
    /** The value, when the scanner computed it already (a literal block scalar). */
    value?: string,
  ) {
    if (value !== undefined) this.known = value;
  }

  get value(): unknown {
    if (this.unknown !== null) throw new Bail(this.unknown);
    if (this.known === UNREAD) {
      if (this.type === Scalar.PLAIN) this.known = plainValue(this.src.slice(this.start, this.end));
      else {
        const inner = this.src.slice(this.start + 1, this.end - 1);
        // `''` is a quote in a single-quoted scalar (a double-quoted one with escapes is poisoned).
        this.known = this.type === Scalar.QUOTE_SINGLE && inner.includes("''") ? inner.replace(/''/g, "'") : inner;
      }
    }
    return this.known;
  }

  get range(): [number, number, number] {
    return [this.start, this.end, this.end];
  }
}

class FastPair {
  [NODE_TYPE] = PAIR;
  constructor(
    public key: FastScalar,
    public value: unknown,
  ) {}
}

class FastCollection {
  [NODE_TYPE]: symbol;
  items: unknown[] = [];
  flow = false;
  private known?: [number, number, number];
  /** Set when only `yaml` knows where the collection ends: reading `range` throws a `Bail` with this cause. */
  unknown: BailCause | null = null;
  constructor(seq: boolean) {
    this[NODE_TYPE] = seq ? SEQ : MAP;
  }

  get range(): [number, number, number] | undefined {
    if (this.unknown !== null) throw new Bail(this.unknown);
    return this.known;
  }

  set range(range: [number, number, number] | undefined) {
    this.known = range;
  }
}

/** `*name`: resolves, as `yaml`'s `Alias.resolve` does, to the node last anchored `&name` before it. */
class FastAlias {
  [NODE_TYPE] = ALIAS;
  constructor(
    public source: string,
    public range: [number, number, number],
    private readonly target: unknown,
  ) {}
  resolve(): unknown {
    return this.target;
  }
}

/** A node whose `value` (scalar) or `range` (collection) only `yaml` knows: reading it hands the document to `yaml`. */
function poison<T extends FastScalar | FastCollection>(node: T, cause: BailCause): T {
  node.unknown = cause;
  return node;
}

// The core schema's plain-scalar tags, from `yaml` itself: `1.10` is a number, `~` is null, as there.
const defaults = new Document();
const PLAIN_TAGS = defaults.schema.tags.filter((t) => t.default === true && t.test !== undefined) as Array<{
  test: RegExp;
  resolve: (text: string, onError: (message: string) => void, options: typeof defaults.options) => unknown;
}>;
const noError = (): void => undefined;

function plainValue(text: string): unknown {
  // Every core-schema plain scalar that is not a string starts with one of `~nNtTfF0-9+-.`.
  const c = text.charCodeAt(0);
  if (text.length > 0 && !(c <= 57 ? c >= 48 || c === 43 || c === 45 || c === 46 : c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70)) {
    return text;
  }
  for (const tag of PLAIN_TAGS) {
    if (tag.test.test(text)) {
      // Some tags answer with a node (null, booleans), as the composer unwraps them.
      const v = tag.resolve(text, noError, defaults.options);
      return isScalar(v) ? v.value : v;
    }
  }
  return text;
}

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;

// Characters that cannot start a plain scalar (or start something we leave to `yaml`).
const NOT_PLAIN_START = charSet(',[]{}#&*!|>\'"%@`');
const FLOW_END = charSet(',[]{}');

/** A set of ASCII characters by code: a table lookup where a `Set` hashes the number (asked once per line or more). */
function charSet(chars: string): { has(c: number): boolean } {
  const table = new Uint8Array(128);
  for (const ch of chars) table[ch.charCodeAt(0)] = 1;
  return { has: (c) => c < 128 && table[c] === 1 };
}
const SPECIAL = /[\r\uFEFF\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029]/;
const MAX_KEY = 1024;
const ANCHOR_CHAR = /[A-Za-z0-9_.-]/;

interface Frame {
  seq: boolean;
  indent: number;
  start: number;
  node: FastCollection;
}

/** A key or `-` whose value starts on a later line (or is null). */
interface Pending {
  frame: Frame;
  /** Where `yaml` places the null scalar if no value follows: the first non-space after the indicator. */
  nullAt: number;
  /** `key: &name` with the value below. */
  anchor?: string;
  /** Where the value goes: the pair's value, or item `index` of `seq`. */
  pair: FastPair | null;
  seq: FastCollection | null;
  index: number;
}

function settle(p: Pending, node: unknown): void {
  if (p.pair) p.pair.value = node;
  else p.seq!.items[p.index] = node;
}

/** Scans one document's text (template actions already blanked, at `actions`); throws `Bail`. */
export function scanDocument(src: string, wantComments: boolean, actions: readonly Span[] = []): ScannedDocument {
  const at = { pos: 0 };
  try {
    return scan(src, wantComments, at, actions);
  } catch (err) {
    if (err instanceof Bail) err.line = at.pos;
    throw err;
  }
}

function scan(src: string, wantComments: boolean, at: { pos: number }, actions: readonly Span[]): ScannedDocument {
  if (SPECIAL.test(src)) throw new Bail('special-characters');
  const hasTabs = src.includes('\t');
  const n = src.length;
  const comments: Comment[] = [];
  const stack: Frame[] = [];
  let root: FastCollection | null = null;
  // At most one slot waits at a time: one object serves them all.
  let pending: Pending | null = null;
  const slot: Pending = { frame: undefined as unknown as Frame, nullAt: 0, anchor: undefined, pair: null, seq: null, index: 0 };
  const hold = (frame: Frame, nullAt: number, anchor: string | undefined, pair: FastPair | null, seq: FastCollection | null, index: number): Pending => {
    slot.frame = frame;
    slot.nullAt = nullAt;
    slot.anchor = anchor;
    slot.pair = pair;
    slot.seq = seq;
    slot.index = index;
    return slot;
  };
  let first = true;
  // Where the line loop resumes after a block scalar's body (set by blockScalar).
  let blockEnd = -1;
  // Where the node ending the line ends, when not at the line's end (set by pairValue).
  let valueEnd = -1;
  let needsTemplateExcuse: BailCause | undefined;
  const firstAction = actions.length > 0 ? actions[0].start : -1;
  let actionExcuses = false;
  // Where `yaml` ends the last node read so far (a collection closed now ends there), and
  // whether comment lines came after it: `yaml` hangs those on some collection, not reproduced here.
  let lastEnd = 0;
  let commentSince = false;
  const anchors = new Map<string, unknown>();
  // The plain scalar that ended the previous content line: the next, deeper line may continue it.
  let lastPlain: FastScalar | null = null;

  const comment = (at: number, eol: number): void => {
    if (wantComments) comments.push({ offset: at, text: src.slice(at, eol) });
  };

  /** After a value on a line ends at `at`: nothing, or a comment after white space (then true). */
  const lineRest = (at: number, eol: number): boolean => {
    let j = at;
    while (j < eol && src.charCodeAt(j) === SPACE) j++;
    if (j === eol) return false;
    if (src.charCodeAt(j) !== HASH || j === at) throw new Bail('syntax');
    comment(j, eol);
    return true;
  };

  const newFrame = (seq: boolean, indent: number, start: number): Frame => {
    const frame = { seq, indent, start, node: new FastCollection(seq) };
    stack.push(frame);
    return frame;
  };

  /** A block collection ends where its last item does (after that line's break; at a null, the null). */
  const close = (frame: Frame): void => {
    if (commentSince) {
      // Comment lines after the last item: `yaml` may count them into the collection's range.
      poison(frame.node, 'collection-end');
    } else {
      frame.node.range = [frame.start, lastEnd, lastEnd];
    }
  };

  const resolveNull = (p: Pending): void => {
    // Where `yaml` puts an anchored null is not worth reproducing.
    if (p.anchor !== undefined) throw new Bail('anchor-alias-tag');
    settle(p, nullScalar(p.nullAt));
    lastEnd = p.nullAt;
    // `key: # comment` with no value: `yaml` ends the null at the next token.
    if (src.charCodeAt(p.nullAt) === HASH) commentSince = true;
  };

  let pos = 0;
  while (pos < n) {
    let eol = src.indexOf('\n', pos);
    if (eol === -1) eol = n;
    at.pos = pos;
    let i = pos;
    while (i < eol && src.charCodeAt(i) === SPACE) i++;
    const ind = i - pos;
    if (firstAction < eol && firstAction >= pos && firstAction <= i) {
      // First on its line (blanked, the action is spaces): a node starts there unless a plain scalar
      // above can go on over this line, as written.
      const top = stack.length > 0 ? stack[stack.length - 1].indent : -1;
      actionExcuses = !needsTemplateExcuse && (lastPlain === null || firstAction - pos <= top);
    }
    if (i === eol) {
      pos = eol + 1;
      continue;
    }
    const c = src.charCodeAt(i);
    if (c === HASH) {
      comment(i, eol);
      commentSince = true;
      pos = eol + 1;
      continue;
    }
    if (hasTabs) {
      const tab = src.indexOf('\t', pos);
      if (tab !== -1 && tab < eol) throw new Bail('tab');
    }
    if (ind === 0 && (c === DASH || c === 46 /* . */) && src.startsWith(c === DASH ? '---' : '...', i) && (i + 3 === eol || src.charCodeAt(i + 3) === SPACE)) {
      // A document marker: `---` only as the first line (splitDocuments cut there), and alone.
      if (c !== DASH || !first || root) throw new Bail('directive');
      lineRest(i + 3, eol);
      first = false;
      pos = eol + 1;
      continue;
    }
    if (ind === 0 && c === 37 /* % */) throw new Bail('directive');
    first = false;
    const dash = c === DASH && (i + 1 === eol || src.charCodeAt(i + 1) === SPACE);
    // The key that starts this line, once read (undefined: not read yet), so it is not made twice.
    let lineKey: FastScalar | null | undefined;
    // The line is a pair without a key (`: value`).
    let keyless = false;
    const plain = lastPlain as FastScalar | null;
    lastPlain = null;

    if (!pending && plain && stack.length > 0 && ind > stack[stack.length - 1].indent && !commentSince) {
      // A plain scalar folded over several lines (descriptions, long commands). Its value is left to `yaml`.
      const end = continuationEnd(src, i, eol);
      plain.end = end;
      lastPlain = poison(plain, 'multi-line-scalar');
      pos = eol + 1;
      lastEnd = Math.min(pos, n);
      continue;
    }
    if (pending) {
      const p = pending;
      pending = null;
      if (ind > p.frame.indent && !dash && !(lineKey = readKey(src, i, eol)) && !(keyless = keyLess(i, eol))) {
        // `key:` with its scalar on the next line.
        settle(p, anchored(p.anchor === undefined ? null : { name: p.anchor }, value(p.frame, i, eol)));
        pos = eol + 1;
        lastEnd = Math.min(pos, n);
        commentSince = false;
        continue;
      }
      if (ind > p.frame.indent || (!p.frame.seq && ind === p.frame.indent && dash)) {
        const node = newFrame(dash, ind, i).node;
        settle(p, node);
        if (p.anchor !== undefined) anchors.set(p.anchor, node);
      } else {
        resolveNull(p);
      }
    }
    // Whether this line closed a collection deeper than itself.
    let closedDeeper = false;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.indent > ind || (top.seq && top.indent === ind && !dash)) {
        if (top.indent > ind) closedDeeper = true;
        close(stack.pop()!);
      } else break;
    }
    if (stack.length === 0) {
      if (root) throw new Bail('indentation');
      root = newFrame(dash, ind, i).node;
    }
    const top = stack[stack.length - 1];
    let misaligned = false;
    if (top.indent !== ind) {
      // A key between the indentation of a map and of a collection below it that this line closed (a
      // chart's `labels:` whose first pair is `{{ $k }}: …`, then `app: …`): `yaml` reports that all
      // of a map's items must start at the same column, and reads the pair as the map's. Only with its
      // value on the line, and nothing deeper after it.
      misaligned = closedDeeper && ind > top.indent && !top.seq && !dash && !!(lineKey ?? (lineKey = readKey(src, i, eol)));
      if (!misaligned) throw new Bail(ind > top.indent ? 'multi-line-scalar' : 'indentation');
      needsTemplateExcuse = 'syntax';
    }

    if (top.seq) {
      // `- item`: a null, a map starting on this line, or a value.
      let k = i + 1;
      while (k < eol && src.charCodeAt(k) === SPACE) k++;
      if (firstAction > i + 1 && firstAction < k && !needsTemplateExcuse) actionExcuses = true;
      const seq = top.node;
      const index = seq.items.length;
      seq.items.push(null);
      const anchor = anchorAt(k, eol);
      if (anchor) k = anchor.next;
      if (k === eol || src.charCodeAt(k) === HASH) {
        if (k < eol) comment(k, eol);
        pending = hold(top, k, anchor?.name, null, seq, index);
      } else if (src.charCodeAt(k) === DASH && (k + 1 === eol || src.charCodeAt(k + 1) === SPACE)) {
        throw new Bail('nested-sequence');
      } else {
        const key = readKey(src, k, eol);
        if (key) {
          // `- &a key: v`: which node the anchor is on is not worth being unsure of.
          if (anchor) throw new Bail('anchor-alias-tag');
          const frame = newFrame(false, k - pos, k);
          seq.items[index] = frame.node;
          pending = pairValue(frame, key, keyAfter, eol);
        } else {
          seq.items[index] = anchored(anchor, value(top, k, eol));
        }
      }
    } else {
      if (dash) throw new Bail('indentation');
      const key = lineKey === undefined ? readKey(src, i, eol) : lineKey;
      if (key) {
        pending = pairValue(top, key, keyAfter, eol, !misaligned);
        if (misaligned) {
          if (pending) throw new Bail('indentation');
          lastPlain = null;
        }
      }
      else if (keyless && top.node.items.length === 0) {
        // The first pair of a map, without a key (a chart's `{{ $k }}: {{ $v }}` blanked, below `labels:`):
        // `yaml` starts the map at the `:` with a null key there, and reports nothing while the map's
        // other pairs line up with it. Read only with a plain or empty value.
        pending = pairValue(top, nullScalar(i), i + 1, eol, false);
      } else throw new Bail(c === 63 /* ? */ ? 'complex-key' : 'syntax');
    }
    if (blockEnd !== -1) {
      pos = lastEnd = blockEnd;
      blockEnd = -1;
    } else {
      pos = eol + 1;
      lastEnd = Math.min(pos, n);
    }
    if (valueEnd !== -1) {
      lastEnd = valueEnd;
      valueEnd = -1;
    }
    commentSince = false;
  }
  if (pending) resolveNull(pending);
  while (stack.length > 0) close(stack.pop()!);
  return { contents: root, comments, needsTemplateExcuse, actionExcuses: actionExcuses || undefined };

  /** Whether only spaces are in [from, eol). */
  function onlySpaces(from: number, eol: number): boolean {
    for (let j = from; j < eol; j++) if (src.charCodeAt(j) !== SPACE) return false;
    return true;
  }

  /** Whether the line's text at `i` is a pair without a key, `:` then a space or the line's end. */
  function keyLess(i: number, eol: number): boolean {
    return src.charCodeAt(i) === COLON && (i + 1 === eol || src.charCodeAt(i + 1) === SPACE);
  }

  /**
   * Adds `key: …` to the map of `frame`; returns the pending slot when the value is not on this line.
   * `compact`: the value may be a compact nested mapping, `key: a: b` (a chart's `key: {{ a }}: {{ b }}`,
   * `url: http://{{ host }}:{{ port }}` blanked). `yaml` reports it and recovers a map at `a` with
   * the pair `a: b` (`a` may be empty, a null key, and `b` a null), which takes the indentation of
   * the line: the pairs below at that indentation are its own. Read only with a plain or empty `b`.
   */
  function pairValue(frame: Frame, key: FastScalar, after: number, eol: number, compact = true): Pending | null {
    const pair = new FastPair(key, null);
    frame.node.items.push(pair);
    let v = after;
    while (v < eol && src.charCodeAt(v) === SPACE) v++;
    if (firstAction > after && firstAction < v && !needsTemplateExcuse) actionExcuses = true;
    const anchor = anchorAt(v, eol);
    if (anchor) v = anchor.next;
    if (v === eol || src.charCodeAt(v) === HASH) {
      if (v < eol) comment(v, eol);
      return hold(frame, v, anchor?.name, pair, null, 0);
    }
    if (!compact && (anchor || NOT_PLAIN_START.has(src.charCodeAt(v)))) throw new Bail('syntax');
    if (src.charCodeAt(v) === DASH && compact && !anchor && onlySpaces(v + 1, eol)) {
      // `key: -` and nothing after it on the line (a chart's `name: {{ a }}-{{ b }}` blanked): `yaml`
      // reports a sequence indicator on the line of a key and reads a null at the `-`, where the
      // collection holding it then ends.
      needsTemplateExcuse = 'syntax';
      pair.value = nullScalar(v);
      valueEnd = v;
      return null;
    }
    const node = value(frame, v, eol, compact && !anchor);
    if (mappingColon !== -1) {
      const colon = mappingColon;
      mappingColon = -1;
      needsTemplateExcuse = 'syntax';
      const inner = newFrame(false, frame.indent, v);
      pair.value = inner.node;
      const held = pairValue(inner, node as FastScalar, colon + 1, eol, false);
      // A deeper line below is no continuation of `b` to `yaml` here.
      lastPlain = null;
      return held;
    }
    pair.value = anchored(anchor, node);
    return null;
  }

  /** `&name ` before a value: its name and where the value starts. */
  function anchorAt(v: number, eol: number): { name: string; next: number } | null {
    if (src.charCodeAt(v) !== 38 /* & */) return null;
    let j = v + 1;
    while (j < eol && ANCHOR_CHAR.test(src[j])) j++;
    if (j === v + 1 || (j < eol && src.charCodeAt(j) !== SPACE)) throw new Bail('anchor-alias-tag');
    const name = src.slice(v + 1, j);
    while (j < eol && src.charCodeAt(j) === SPACE) j++;
    return { name, next: j };
  }

  function anchored(anchor: { name: string } | null, node: unknown): unknown {
    if (anchor) {
      if (node instanceof FastAlias) throw new Bail('anchor-alias-tag');
      anchors.set(anchor.name, node);
    }
    return node;
  }

  /**
   * A value starting at `v` on the line ending at `eol`, inside the collection `frame`. With `compact`,
   * a plain value holding a mapping indicator gives the key before it, `mappingColon` set (see `pairValue`).
   */
  function value(frame: Frame, v: number, eol: number, compact = false): unknown {
    const c = src.charCodeAt(v);
    if (c === 42 /* * */) {
      let j = v + 1;
      while (j < eol && ANCHOR_CHAR.test(src[j])) j++;
      const target = anchors.get(src.slice(v + 1, j));
      // An alias to nothing is an error `yaml` reports.
      if (j === v + 1 || target === undefined) throw new Bail('anchor-alias-tag');
      lineRest(j, eol);
      return new FastAlias(src.slice(v + 1, j), [v, j, j], target);
    }
    if (c === 38 /* & */ || c === 33 /* ! */) throw new Bail('anchor-alias-tag');
    if (c === 124 /* | */ || c === 62 /* > */) return blockScalar(frame, v, eol);
    if (c === 34 /* " */ || c === 39 /* ' */) {
      const close = { eol };
      const q = quoted(src, v, eol, { minIndent: frame.indent, close });
      lineRest(q.end, close.eol);
      if (close.eol !== eol) blockEnd = close.eol < n ? close.eol + 1 : n;
      return q;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      const f = flow(src, v, eol);
      lineRest(f.end, eol);
      return f.node;
    }
    const end = plainEnd(src, v, eol, false, compact);
    if (mappingColon !== -1) return end > v ? plainScalar(src, v, end) : nullScalar(v);
    const commented = lineRest(end, eol);
    const node = plainScalar(src, v, end);
    // Only a scalar that ends its line (no comment after it) can go on on the next one.
    if (!commented) lastPlain = node;
    return node;
  }

  /** `|` or `>`: the body is skipped; its value is left to `yaml` should the walk read it. */
  function blockScalar(frame: Frame, v: number, eol: number): FastScalar {
    let h = v + 1;
    if (src.charCodeAt(h) === DASH) h++;
    // Keep chomping (`+`) and explicit indentation change where the value ends: rare, left to `yaml`.
    const indicator = src.charCodeAt(h);
    if (indicator === 43 /* + */ || (indicator >= 48 && indicator <= 57)) throw new Bail('block-scalar');
    lineRest(h, eol);
    let q = eol + 1;
    let contentIndent = -1;
    let leadingBlank = 0;
    let end = -1;
    // What the first line of the body that is not blank as written holds: a template action first, or not.
    let written: 'unknown' | 'action' | 'other' = 'unknown';
    let valueUnknown = false;
    while (q < n) {
      let e = src.indexOf('\n', q);
      if (e === -1) e = n;
      let s = q;
      while (s < e && src.charCodeAt(s) === SPACE) s++;
      const lineIndent = s - q;
      if (s === e) {
        // White space only: an empty line, or content when it is longer than the indentation.
        if (contentIndent < 0) {
          leadingBlank = Math.max(leadingBlank, lineIndent);
          if (written === 'unknown') {
            const on = actionOnLine(actions, q, e);
            if (on !== 'none') written = on === 'starts' ? 'action' : 'other';
          }
        } else if (lineIndent > contentIndent) end = e < n ? e + 1 : n;
        q = e + 1;
        continue;
      }
      if (contentIndent < 0) {
        if (lineIndent <= frame.indent) throw new Bail('block-scalar');
        if (leadingBlank > lineIndent) {
          // `yaml` reports more-indented leading empty lines. Where that line is a template action
          // starting the block's text (`{{- if … }}` in a chart's ConfigMap), the template may excuse it.
          if (written !== 'action') throw new Bail('block-scalar');
          needsTemplateExcuse = 'block-scalar';
          valueUnknown = true;
        }
        contentIndent = lineIndent;
      }
      if (lineIndent < contentIndent) {
        if (lineIndent > frame.indent) throw new Bail('block-scalar');
        break;
      }
      end = e < n ? e + 1 : n;
      q = e + 1;
    }
    if (end < 0) throw new Bail('block-scalar');
    blockEnd = end;
    if (valueUnknown) return poison(new FastScalar(src, src.charCodeAt(v) === 124 ? Scalar.BLOCK_LITERAL : Scalar.BLOCK_FOLDED, v, end), 'block-scalar');
    if (src.charCodeAt(v) === 124) {
      // A literal block's value is its lines without the indentation (Argo CD `helm.values` is one).
      return new FastScalar(src, Scalar.BLOCK_LITERAL, v, end, literalValue(src, eol + 1, end, contentIndent, src.charCodeAt(v + 1) === DASH));
    }
    // Folding is left to `yaml`, should the walk read a folded value.
    return poison(new FastScalar(src, Scalar.BLOCK_FOLDED, v, end), 'block-scalar');
  }
}

/**
 * The value of a literal block scalar (`|` keeps one final line break, `|-` none) whose body runs from
 * `from` to `end` (after its last content line), each line `indent` deeper than the block: what
 * `yaml` computes for the layouts `blockScalar` accepts (no keep chomping, no indentation indicator,
 * no more-indented leading empty line). A white-space line no longer than the indentation is empty.
 */
function literalValue(src: string, from: number, end: number, indent: number, strip: boolean): string {
  let value = '';
  for (let q = from; q < end; ) {
    let e = src.indexOf('\n', q);
    if (e === -1 || e > end) e = end;
    if (q !== from) value += '\n';
    if (e - q > indent) value += src.slice(q + indent, e);
    q = e + 1;
  }
  return strip ? value : value + '\n';
}

/** Whether a template action starts on the line [from, to) (first among those on it), runs into it from above, or neither. */
function actionOnLine(actions: readonly Span[], from: number, to: number): 'none' | 'starts' | 'continues' {
  let lo = 0;
  let hi = actions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (actions[mid].end <= from) lo = mid + 1;
    else hi = mid;
  }
  const a = actions[lo];
  if (!a || a.start >= to) return 'none';
  return a.start >= from ? 'starts' : 'continues';
}

function nullScalar(at: number): FastScalar {
  return new FastScalar('', Scalar.PLAIN, at, at);
}

function plainScalar(src: string, start: number, end: number): FastScalar {
  return new FastScalar(src, Scalar.PLAIN, start, end);
}

/** Where `plainEnd` with `compact` met a mapping indicator (`: ` or a `:` ending the line), or -1. */
let mappingColon = -1;

/**
 * The end of a one-line plain scalar starting at `v` (trailing spaces and a comment excluded).
 * In block context a `: ` inside it would be a nested mapping `yaml` rejects (with `compact`, the
 * scalar ends before it and `mappingColon` says where it is); in flow context it stops at `,[]{}`
 * and at `:` before a space or one of those.
 */
function plainEnd(src: string, v: number, eol: number, inFlow: boolean, compact = false): number {
  const c = src.charCodeAt(v);
  if (NOT_PLAIN_START.has(c)) throw new Bail(c === 38 || c === 42 || c === 33 ? 'anchor-alias-tag' : 'syntax');
  if ((c === DASH || c === 63 || c === COLON) && (v + 1 === eol || src.charCodeAt(v + 1) === SPACE || (inFlow && FLOW_END.has(src.charCodeAt(v + 1))))) {
    if (compact && c === COLON) {
      mappingColon = v;
      return v;
    }
    throw new Bail(c === 63 ? 'complex-key' : 'syntax');
  }
  let end = v + 1;
  let j = v + 1;
  for (; j < eol; j++) {
    const ch = src.charCodeAt(j);
    if (ch === SPACE) continue;
    if (ch === HASH && src.charCodeAt(j - 1) === SPACE) {
      if (inFlow) throw new Bail('multi-line-flow');
      break;
    }
    if (ch === COLON) {
      const next = j + 1 < eol ? src.charCodeAt(j + 1) : SPACE;
      if (next === SPACE) {
        if (inFlow) break;
        if (compact) {
          mappingColon = j;
          return end;
        }
        throw new Bail('syntax');
      }
      if (inFlow && FLOW_END.has(next)) break;
    }
    if (inFlow && FLOW_END.has(ch)) break;
    end = j + 1;
  }
  return end;
}

/** Where a continuation line of a plain scalar ends; anything but plain words is left to `yaml`. */
function continuationEnd(src: string, i: number, eol: number): number {
  const c = src.charCodeAt(i);
  if (NOT_PLAIN_START.has(c) || c === DASH || c === 63 || c === COLON) throw new Bail('multi-line-scalar');
  let end = i + 1;
  for (let j = i + 1; j < eol; j++) {
    const ch = src.charCodeAt(j);
    if (ch === SPACE) continue;
    if ((ch === HASH && src.charCodeAt(j - 1) === SPACE) || (ch === COLON && (j + 1 === eol || src.charCodeAt(j + 1) === SPACE))) throw new Bail('multi-line-scalar');
    end = j + 1;
  }
  return end;
}

/** Just after the `:` of the key `readKey` read last (one number, not an object per key). */
let keyAfter = 0;

/** `key:` at `k` (plain or quoted, on one line), or null when the line does not start with a key; sets `keyAfter`. */
function readKey(src: string, k: number, eol: number): FastScalar | null {
  const c = src.charCodeAt(k);
  if (c === 34 || c === 39) {
    let q: FastScalar;
    try {
      q = quoted(src, k, eol);
    } catch (err) {
      // Not closed on its line: a quoted value going on below, not a key.
      if (err instanceof Bail && err.reason === 'multi-line-scalar') return null;
      throw err;
    }
    const end = q.end;
    if (src.charCodeAt(end) !== COLON || (end + 1 !== eol && src.charCodeAt(end + 1) !== SPACE)) return null;
    keyAfter = end + 1;
    return q;
  }
  if (NOT_PLAIN_START.has(c)) return null;
  if ((c === 63 || c === COLON || c === DASH) && (k + 1 === eol || src.charCodeAt(k + 1) === SPACE)) return null;
  for (let j = k + 1; j < eol; j++) {
    const ch = src.charCodeAt(j);
    if (ch === HASH && src.charCodeAt(j - 1) === SPACE) return null;
    if (ch === COLON && (j + 1 === eol || src.charCodeAt(j + 1) === SPACE)) {
      let end = j;
      while (src.charCodeAt(end - 1) === SPACE) end--;
      if (end - k > MAX_KEY) throw new Bail('complex-key');
      keyAfter = j + 1;
      return plainScalar(src, k, end);
    }
  }
  return null;
}

/** A quoted scalar closed on its line; a double-quoted one with escapes has its value left to `yaml`. */
function quoted(src: string, v: number, eol: number, multiLine?: { minIndent: number; close: { eol: number } }): FastScalar {
  const double = src.charCodeAt(v) === 34;
  let escaped = false;
  let folded = false;
  let j = v + 1;
  for (;;) {
    if (j >= eol) {
      // In block context a quoted scalar may go on over lines indented deeper than its collection.
      if (!multiLine || eol >= src.length) throw new Bail('multi-line-scalar');
      const start = eol + 1;
      eol = src.indexOf('\n', start);
      if (eol === -1) eol = src.length;
      j = start;
      while (j < eol && src.charCodeAt(j) === SPACE) j++;
      if (j < eol && (j - start <= multiLine.minIndent || src.indexOf('\t', start) < eol && src.indexOf('\t', start) !== -1)) throw new Bail('multi-line-scalar');
      folded = true;
      multiLine.close.eol = eol;
      continue;
    }
    const ch = src.charCodeAt(j);
    if (double && ch === 92 /* \ */) {
      if (!validEscape(src, j + 1, eol)) throw new Bail('syntax');
      escaped = true;
      j += escapeLength(src.charCodeAt(j + 1)) + 1;
      continue;
    }
    if (!double && ch === 39 && src.charCodeAt(j + 1) === 39) {
      escaped = true;
      j += 2;
      continue;
    }
    if (ch === (double ? 34 : 39)) break;
    j++;
  }
  const s = new FastScalar(src, double ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE, v, j + 1);
  if (folded) return poison(s, 'multi-line-scalar');
  return double && escaped ? poison(s, 'quoted-escape') : s;
}

const SIMPLE_ESCAPES = new Set([...'0abt\tnvfre "/\\N_LP'].map((c) => c.charCodeAt(0)));

function escapeLength(c: number): number {
  return c === 120 /* x */ ? 3 : c === 117 /* u */ ? 5 : c === 85 /* U */ ? 9 : 1;
}

function validEscape(src: string, at: number, eol: number): boolean {
  const c = src.charCodeAt(at);
  if (at >= eol) return false; // a line continuation: multi-line
  if (SIMPLE_ESCAPES.has(c)) return true;
  const len = escapeLength(c) - 1;
  if (len === 0) return false;
  return at + len < eol && /^[0-9a-fA-F]+$/.test(src.slice(at + 1, at + 1 + len));
}

/** A flow collection closed on its line: `{a: b, c: [d]}`. Anything unusual is left to `yaml`. */
function flow(src: string, v: number, eol: number): { node: FastCollection; end: number } {
  const isMap = src.charCodeAt(v) === 123;
  const node = new FastCollection(!isMap);
  node.flow = true;
  const close = isMap ? 125 : 93;
  let j = skip(src, v + 1, eol);
  if (src.charCodeAt(j) === close) {
    node.range = [v, j + 1, j + 1];
    return { node, end: j + 1 };
  }
  for (;;) {
    const item = flowNode(src, j, eol);
    j = skip(src, item.end, eol);
    if (isMap) {
      if (!(item.node instanceof FastScalar) || src.charCodeAt(j) !== COLON) throw new Bail('multi-line-flow');
      j = skip(src, j + 1, eol);
      const c = src.charCodeAt(j);
      if (j >= eol || c === 44 || c === close) throw new Bail('multi-line-flow');
      const val = flowNode(src, j, eol);
      node.items.push(new FastPair(item.node, val.node));
      j = skip(src, val.end, eol);
    } else {
      if (src.charCodeAt(j) === COLON) throw new Bail('multi-line-flow');
      node.items.push(item.node);
    }
    const c = src.charCodeAt(j);
    if (j >= eol) throw new Bail('multi-line-flow');
    if (c === close) break;
    if (c !== 44) throw new Bail('multi-line-flow');
    j = skip(src, j + 1, eol);
    if (j >= eol || src.charCodeAt(j) === close) throw new Bail('multi-line-flow');
  }
  node.range = [v, j + 1, j + 1];
  return { node, end: j + 1 };
}

function flowNode(src: string, j: number, eol: number): { node: unknown; end: number } {
  const c = src.charCodeAt(j);
  if (j >= eol) throw new Bail('multi-line-flow');
  if (c === 123 || c === 91) return flow(src, j, eol);
  if (c === 34 || c === 39) {
    const q = quoted(src, j, eol);
    return { node: q, end: q.end };
  }
  const end = plainEnd(src, j, eol, true);
  return { node: plainScalar(src, j, end), end };
}

function skip(src: string, j: number, eol: number): number {
  while (j < eol && src.charCodeAt(j) === SPACE) j++;
  return j;
}
