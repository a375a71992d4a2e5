/**
 * What a chart's templates render for an image's tag when the values leave it empty. Most charts
 * render Chart.yaml's appVersion as it is (`.Values.image.tag | default .Chart.AppVersion`); some put
 * a `v` before it (`default (printf "v%s" .Chart.AppVersion) .Values.image.tag`, or a helper's
 * `print "v" .Chart.AppVersion` in the `else` of `if .Values.image.tag`), because their images are
 * tagged `v2.13.0` while the chart's appVersion is `2.13.0`. Read from the templates' text (Go
 * templates, not YAML), in time linear in it, as core/shaTemplates.ts reads `sha`. No I/O.
 */
import { renderingsOf, templateActions } from './shaTemplates';
import type { ChartTag } from './types';

/** What is printed around the appVersion. */
export interface TagAffix {
  prefix: string;
  suffix: string;
}

/** One place a template defaults a tag to the appVersion: the map it is the tag of (`.Values.x.image`, or `` when not named), and what it prints around it. */
export interface TagRendering extends TagAffix {
  subject: string;
}

const APP_VERSION = /^(\$\w*)?\.Chart\.AppVersion$/;
/** A map's `tag` named from the values (`.Values.a.image.tag`, `$.Values…`, `$root.Values…`): the map is group 1. */
const VALUES_TAG = /^(?:\$\w*)?(\.Values(?:\.\w+)+)\.tag$/;
/** Anything else that reads as a tag: `.tag`, `$img.tag`, `.image.tag`, `$tag`, `$imageTag`. */
const SOME_TAG = /(^|\.)tag$|^\$\w*tag$/i;
/** A label's version (`app.kubernetes.io/version: {{ … }}`) is not the image's tag. */
const LABEL_BEFORE = /version:\s*$/i;

/** Every default of a tag to the chart's appVersion in one template's text. */
export function tagRenderings(text: string): TagRendering[] {
  const out: TagRendering[] = [];
  // The tag each open `if`/`with`/`range`/`define` block tests, when it is `if <tag>` (else null).
  const blocks: Array<string | null> = [];
  for (const [open, close] of templateActions(text)) {
    let body = text.slice(open + 2, close);
    if (body.startsWith('-')) body = body.slice(1);
    if (body.endsWith('-')) body = body.slice(0, -1);
    body = body.trim();
    if (body.startsWith('/*')) continue;
    const t = tokens(body);
    if (!t) continue;
    const head = t[0];
    if (head === 'end') blocks.pop();
    else if (head === 'if' || head === 'with' || head === 'range' || head === 'define' || head === 'block') {
      blocks.push(head === 'if' && t.length === 2 && SOME_TAG.test(t[1]) ? subjectOf(t[1]) : null);
    }
    if (!body.includes('.Chart.AppVersion')) continue;
    // The line before the action, looked at over a bounded stretch (a long line costs no more).
    const before = text.slice(Math.max(0, open - 120), open);
    if (LABEL_BEFORE.test(before.slice(before.lastIndexOf('\n') + 1))) continue;
    const inIf = blocks.length ? blocks[blocks.length - 1] : null;
    let seen = 0;
    for (let i = 0; i < t.length; i++) {
      if (!APP_VERSION.test(t[i])) continue;
      // A few are enough for any real action; stopping keeps the reading linear.
      if (++seen > 4) break;
      const r = renderingAt(t, i, inIf);
      if (r) out.push(r);
    }
  }
  return out;
}

/** The rendering of the appVersion at token `i`, or undefined when it does not default a tag (a label, a condition). */
function renderingAt(t: readonly string[], i: number, inIf: string | null): TagRendering | undefined {
  // The expression that prints the appVersion: `(printf "v%s" AV)`, `(print "v" AV)`, or AV itself, at [from, to].
  let from = i;
  let to = i;
  let affix: TagAffix = { prefix: '', suffix: '' };
  const called = calledAt(t, i);
  if (called) ({ from, to, affix } = called);
  const before = t[from - 1];
  const after = t[to + 1];
  // `<tag> | default E` (E ends the pipeline or its group) and `default E <tag>`.
  if (before === 'default' && t[from - 2] === '|' && t[from - 3] !== undefined && SOME_TAG.test(t[from - 3]) && (after === undefined || after === '|' || after === ')')) {
    return { subject: subjectOf(t[from - 3]), ...affix };
  }
  if (before === 'default' && after !== undefined && SOME_TAG.test(after)) return { subject: subjectOf(after), ...affix };
  // A helper's `{{ print "v" .Chart.AppVersion }}`, alone in its action: the tag when the values give none.
  if (called && from === 0 && to === t.length - 1 && (affix.prefix || affix.suffix)) return { subject: inIf ?? '', ...affix };
  return undefined;
}

/** `printf "P%sS" AV` / `print "P" AV ["S"]` around the appVersion at `i`, in parentheses or as the whole action. */
function calledAt(t: readonly string[], i: number): { from: number; to: number; affix: TagAffix } | undefined {
  const fn = t[i - 2];
  const first = literal(t[i - 1]);
  if (first === undefined || (fn !== 'printf' && fn !== 'print')) return undefined;
  let affix: TagAffix;
  let last = i;
  if (fn === 'printf') {
    const verb = first.search(/%[sv]/);
    // One verb and no other: the appVersion is the only thing printed into the format.
    if (verb < 0 || first.indexOf('%', verb + 2) >= 0 || first.slice(0, verb).includes('%')) return undefined;
    affix = { prefix: first.slice(0, verb), suffix: first.slice(verb + 2) };
  } else {
    const suffix = literal(t[i + 1]);
    if (suffix !== undefined) last = i + 1;
    affix = { prefix: first, suffix: suffix ?? '' };
  }
  if (t[i - 3] === '(' && t[last + 1] === ')') return { from: i - 3, to: last + 1, affix };
  if (i - 2 === 0 && last === t.length - 1) return { from: 0, to: last, affix };
  return undefined;
}

/** A quoted literal's text (`"v"`, `` `v` ``); undefined for anything else or one with escapes. */
function literal(token: string | undefined): string | undefined {
  if (!token || token.length < 2) return undefined;
  const q = token[0];
  if ((q !== '"' && q !== '`') || token[token.length - 1] !== q) return undefined;
  const inner = token.slice(1, -1);
  return inner.includes('\\') ? undefined : inner;
}

/** `.Values.a.image` for `.Values.a.image.tag` (or `$.Values.a.image.tag`); `` for a tag not named from the values. */
function subjectOf(tag: string): string {
  return VALUES_TAG.exec(tag)?.[1] ?? '';
}

/**
 * An action's words: quoted literals (kept with their quotes), `(`, `)`, `|`, and runs of anything
 * else. One pass; undefined for an unterminated literal.
 */
function tokens(body: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '|') {
      out.push(c);
      i++;
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < body.length && body[j] !== c) j += c === '"' && body[j] === '\\' ? 2 : 1;
      if (j >= body.length) return undefined;
      out.push(body.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i + 1;
      while (j < body.length && !' \t\n\r()|"`'.includes(body[j])) j++;
      out.push(body.slice(i, j));
      i = j;
    }
  }
  return out;
}

/**
 * What an empty tag of the map at `path` defaults to: what the templates render for
 * `.Values.<path>.tag` when they name it, else what every rendering in the chart agrees on (maps passed
 * to a helper). None, or two that differ: undefined (the bare appVersion is assumed, as before).
 */
export function templateTagAffix(renderings: readonly TagRendering[], path?: readonly string[]): TagAffix | undefined {
  const pool = renderingsOf(renderings, path);
  if (pool.length === 0) return undefined;
  const { prefix, suffix } = pool[0];
  return pool.every((r) => r.prefix === prefix && r.suffix === suffix) ? { prefix, suffix } : undefined;
}

/** The tag an empty `tag:` deploys: the appVersion as the templates print it (as written when they do not say). */
export function chartTag(appVersion: string, affix: TagAffix | undefined): ChartTag {
  if (!affix) return { tag: appVersion, appVersion, rendered: false };
  return { tag: `${affix.prefix}${appVersion}${affix.suffix}`, appVersion, rendered: true };
}
