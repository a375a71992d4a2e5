/**
 * Reading YAML source with the `yaml` package while keeping exact offsets:
 * splitting a stream into documents, blanking Helm template actions, parsing one
 * document with its comments, and reading a scalar's text range.
 */
import { Composer, Document, Parser, Scalar, isScalar, visit } from 'yaml';
import { lineStartBefore } from './text';
import type { ScalarPart, Span } from './types';

/** The text ranges of the documents of a YAML stream, split at `---` lines. */
export function splitDocuments(text: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  let marker = text.startsWith('---') ? 0 : nextMarker(text, 0);
  while (marker !== -1) {
    const after = text.charCodeAt(marker + 3);
    // `---` starts a document only when followed by white space or the end of the text.
    if (Number.isNaN(after) || after === 0x20 || after === 0x09 || after === 0x0a || after === 0x0d) {
      if (marker > start) spans.push({ start, end: marker });
      start = marker;
    }
    marker = nextMarker(text, marker + 3);
  }
  spans.push({ start, end: text.length });
  return spans;
}

function nextMarker(text: string, from: number): number {
  const at = text.indexOf('\n---', from);
  return at === -1 ? -1 : at + 1;
}

export interface Blanked {
  text: string;
  /** Ranges that held a template action (`{{ … }}`), now spaces. */
  actions: Span[];
}

/**
 * Replaces every Go template action `{{ … }}` with spaces, keeping line breaks, so the
 * YAML parser reads the literal parts of a Helm chart template at their original offsets.
 * An action left open runs to the end of its line.
 */
export function blankTemplateActions(text: string): Blanked {
  const actions: Span[] = [];
  let at = text.indexOf('{{');
  if (at === -1) return { text, actions };
  // A loop of native searches rather than a replace with a callback per action (a chart holds thousands):
  // each action is `{{` to the first `}}` after it, or to the end of its line when none follows.
  // Concatenated pieces keep a one-byte text one-byte.
  let blanked = '';
  let from = 0;
  while (at !== -1) {
    let end = text.indexOf('}}', at + 2);
    if (end !== -1) end += 2;
    else {
      end = text.indexOf('\n', at + 2);
      if (end === -1) end = text.length;
    }
    actions.push({ start: at, end });
    const action = text.slice(at, end);
    blanked += text.slice(from, at) + (action.includes('\n') || action.includes('\r') ? action.replace(NOT_A_BREAK, ' ') : blanks(end - at));
    from = end;
    at = text.indexOf('{{', end);
  }
  return { text: blanked + text.slice(from), actions };
}

const NOT_A_BREAK = /[^\r\n]/g;

/** `length` spaces; the short ones (most actions) made once, not once per action. */
function blanks(length: number): string {
  if (length >= BLANKS.length) return ' '.repeat(length);
  return (BLANKS[length] ??= ' '.repeat(length));
}
const BLANKS: Array<string | undefined> = new Array(256);


/**
 * Whether the syntax errors of a document with template actions are the template's, given its
 * original (unblanked) text. They are when the text as written parses (a values file whose `tpl`
 * strings hold `{{ … }}`: blanking there can only break what was valid), or when some action may
 * shape the structure. An action inside a comment, a quoted string, a block scalar's body or the
 * middle of a plain value only changes the text of that one token, so it excuses nothing; control
 * actions, `include … | nindent` and values that start with `{{` do.
 */
export function templateExcusesErrors(text: string, actions: readonly Span[]): boolean {
  if (actions.length === 0) return false;
  // Most chart templates open with an action (`{{- if … }}`, a `{{/* … */}}` header) above any YAML:
  // nothing there can hold it as text, so it shapes the structure, and the text need not be parsed.
  if (leadsTheDocument(text, actions.reduce((a, b) => (b.start < a.start ? b : a)))) return true;
  return excusedByTokens(text, actions);
}

/**
 * Whether only blank lines, comment lines and a `---` line come before the action, and only spaces
 * before it on its line: then no scalar, quoted string, block scalar or comment of the text as written
 * can contain it (what `excusedByTokens` would find by parsing). Conservative: anything else, a tab or
 * a CR included, says no and leaves the question to the parse.
 */
function leadsTheDocument(text: string, action: Span): boolean {
  let lineStart = 0;
  for (;;) {
    const eol = text.indexOf('\n', lineStart);
    if (eol === -1 || eol >= action.start) return LEADING_SPACES.test(text.slice(lineStart, action.start));
    if (!LEADING_LINE.test(text.slice(lineStart, eol))) return false;
    lineStart = eol + 1;
  }
}
const LEADING_SPACES = /^ *$/;
const LEADING_LINE = /^(?: *(?:#[^\r]*)?|---)$/;

/** `templateExcusesErrors` decided from the tokens of the text as written, without its short cut (exported for its test). */
export function excusedByTokens(text: string, actions: readonly Span[]): boolean {
  if (actions.length === 0) return false;
  let tokens;
  try {
    tokens = Array.from(new Parser().parse(text));
  } catch {
    return true;
  }
  // The structural test first: it needs only the CST, while composing a template as written (its
  // `{{ … }}` read as nested flow maps, error after error) costs several times the parse, and most
  // templates that reach here have a structural action anyway.
  const textTokens: TextToken[] = [];
  for (const token of tokens) collectTextTokens(token, textTokens);
  textTokens.sort((a, b) => a.start - b.start);
  if (actions.some((action) => !insideText(action, text, textTokens))) return true;
  try {
    const docs = Array.from(new Composer({ uniqueKeys: false, strict: false }).compose(tokens, true, text.length));
    return docs.every((d) => d.errors.length === 0);
  } catch {
    return true;
  }
}

interface TextToken {
  /** Where an action may sit without touching the structure: inside the quotes, after a block header. */
  start: number;
  end: number;
  plain: boolean;
  /** For a block scalar: the end of its first line with content, which sets the indentation of all. */
  indentLineEnd?: number;
}

function insideText(action: Span, text: string, tokens: readonly TextToken[]): boolean {
  // The last token that starts at or before the action.
  let lo = 0;
  let hi = tokens.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].start <= action.start) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found === -1) return false;
  const t = tokens[found];
  if (action.end > t.end) return false;
  // A plain value starting with `{{` is a flow map to the parser; one line at most, or it may render lines.
  if (t.plain) return action.start > t.start && !/[\r\n]/.test(text.slice(action.start, action.end));
  // Blanking an action that begins the first content line of a block scalar changes its indentation.
  if (t.indentLineEnd !== undefined && action.start < t.indentLineEnd) {
    const lineStart = lineStartBefore(text, action.start);
    if (text.slice(lineStart, action.start).trim() === '') return false;
  }
  return true;
}

function collectTextTokens(token: unknown, out: TextToken[]): void {
  if (!token || typeof token !== 'object') return;
  if (Array.isArray(token)) {
    for (const t of token) collectTextTokens(t, out);
    return;
  }
  const t = token as { type?: string; offset?: number; source?: string; props?: Array<{ offset: number; source: string }> } & Record<string, unknown>;
  const offset = t.offset ?? 0;
  switch (t.type) {
    case 'comment':
    case 'scalar':
      out.push({ start: offset, end: offset + (t.source ?? '').length, plain: t.type === 'scalar' });
      return;
    case 'single-quoted-scalar':
    case 'double-quoted-scalar':
      out.push({ start: offset + 1, end: offset + (t.source ?? '').length - 1, plain: false });
      return;
    case 'block-scalar': {
      const last = t.props?.[t.props.length - 1];
      const body = last ? last.offset + last.source.length : offset;
      const source = t.source ?? '';
      const content = /\S/.exec(source);
      const lineEnd = content ? source.slice(content.index).search(/[\r\n]|$/) + content.index : 0;
      out.push({ start: body, end: body + source.length, plain: false, indentLineEnd: body + lineEnd });
      return;
    }
  }
  for (const key of CST_CHILDREN) if (key in t) collectTextTokens(t[key], out);
}

export interface Comment {
  offset: number;
  text: string;
}

export interface ParsedDocument {
  doc: Document.Parsed;
  comments: Comment[];
  errors: Array<{ message: string; span: Span }>;
}

/** Parses one document's text. Duplicate keys are allowed: template branches produce them. */
export function parseDocument(text: string, opts: { comments?: boolean } = {}): ParsedDocument {
  const tokens = Array.from(new Parser().parse(text));
  const comments: Comment[] = [];
  if (opts.comments ?? true) for (const token of tokens) collectComments(token, comments);
  const composer = new Composer({ uniqueKeys: false, strict: false });
  const docs = Array.from(composer.compose(tokens, true, text.length));
  const doc = docs[0] ?? new Document();
  if (doc.errors.some((e) => e.code === 'MULTILINE_IMPLICIT_KEY')) recoverMultilineKeys(doc, text);
  const errors = docs.flatMap((d) => d.errors).map((e) => ({
    message: firstLine(e.message),
    // At least one character, so an editor has something to underline.
    span: { start: Math.min(e.pos[0], text.length), end: Math.min(Math.max(e.pos[1], e.pos[0] + 1), text.length) },
  }));
  return { doc: doc as Document.Parsed, comments, errors };
}

/**
 * A stray line before a key (`xxxx` above `image: nginx:latest`) makes the parser read both lines
 * as one multi-line key, `xxxx image`. That is reported as a syntax error; for what follows, the key
 * is the line that holds the `:`, so the value under it is still checked.
 */
function recoverMultilineKeys(doc: Document, text: string): void {
  const starts = new Set(doc.errors.filter((e) => e.code === 'MULTILINE_IMPLICIT_KEY').map((e) => e.pos[0]));
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      if (!isScalar(key) || key.type !== Scalar.PLAIN || !key.range || !starts.has(key.range[0])) return;
      const raw = text.slice(key.range[0], key.range[1]);
      const lastBreak = Math.max(raw.lastIndexOf('\n'), raw.lastIndexOf('\r'));
      if (lastBreak === -1) return;
      const line = raw.slice(lastBreak + 1);
      const start = key.range[0] + lastBreak + 1 + (line.length - line.trimStart().length);
      key.value = line.trim();
      key.range = [start, key.range[1], key.range[2]];
    },
  });
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return (nl === -1 ? message : message.slice(0, nl)).replace(/ at line \d+, column \d+:?$/, '');
}

const CST_CHILDREN = ['start', 'sep', 'end', 'items', 'key', 'value', 'props'] as const;

/** Gathers comment tokens from a CST token tree: only real comments, never `#` inside a string. */
function collectComments(token: unknown, out: Comment[]): void {
  if (!token || typeof token !== 'object') return;
  if (Array.isArray(token)) {
    for (const t of token) collectComments(t, out);
    return;
  }
  const t = token as Record<string, unknown>;
  if (t.type === 'comment') {
    out.push({ offset: t.offset as number, text: t.source as string });
    return;
  }
  for (const key of CST_CHILDREN) if (key in t) collectComments(t[key], out);
}

/** A string scalar's value and the range of its text, or null for anything else. */
export function scalarPart(node: unknown, source: string, opts: { allowNonString?: boolean } = {}): ScalarPart | null {
  if (!isScalar(node) || !node.range) return null;
  const [start, valueEnd] = node.range;
  const raw = source.slice(start, valueEnd);
  let value: string;
  let span: Span;
  switch (node.type) {
    case Scalar.PLAIN:
      if (typeof node.value !== 'string' && !opts.allowNonString) return null;
      // The source text, not the parsed value: `tag: 1.10` means "1.10", not 1.1.
      value = node.value === null ? '' : raw.trimEnd();
      span = { start, end: start + value.length };
      break;
    case Scalar.QUOTE_DOUBLE:
    case Scalar.QUOTE_SINGLE:
      value = String(node.value);
      span = { start: start + 1, end: valueEnd - 1 };
      break;
    default:
      if (typeof node.value !== 'string') return null;
      value = node.value;
      span = { start, end: valueEnd };
  }
  const exact = source.slice(span.start, span.end) === value;
  // One span object where the value is its whole token (most are): spans are never changed in place.
  const token = exact && span.start === start && span.end === valueEnd ? span : { start, end: valueEnd };
  return { value, span: exact ? span : token, exact, token };
}
