/**
 * Reading YAML source with the `yaml` package while keeping exact offsets:
 * splitting a stream into documents, blanking Helm template actions, parsing one
 * document with its comments, and reading a scalar's text range.
 */
import { Composer, Document, Parser, Scalar, isScalar } from 'yaml';
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
 */
export function blankTemplateActions(text: string): Blanked {
  const actions: Span[] = [];
  let open = text.indexOf('{{');
  if (open === -1) return { text, actions };
  // Pieces joined once: concatenating onto one growing string cost more than the parse of small templates.
  const parts: string[] = [];
  let copied = 0;
  while (open !== -1) {
    const close = text.indexOf('}}', open + 2);
    const end = close === -1 ? lineEnd(text, open) : close + 2;
    parts.push(text.slice(copied, open), blank(text, open, end));
    actions.push({ start: open, end });
    copied = end;
    open = text.indexOf('{{', end);
  }
  parts.push(text.slice(copied));
  return { text: parts.join(''), actions };
}

/** Spaces for `text[start, end)`, keeping its line breaks. */
function blank(text: string, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return text.slice(start, end).replace(/[^\r\n]/g, ' ');
  }
  return ' '.repeat(end - start);
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
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
  const errors = docs.flatMap((d) => d.errors).map((e) => ({
    message: firstLine(e.message),
    // At least one character, so an editor has something to underline.
    span: { start: Math.min(e.pos[0], text.length), end: Math.min(Math.max(e.pos[1], e.pos[0] + 1), text.length) },
  }));
  return { doc: doc as Document.Parsed, comments, errors };
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
  return { value, span: exact ? span : { start, end: valueEnd }, exact, token: { start, end: valueEnd } };
}
