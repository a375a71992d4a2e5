/**
 * Glob matching for every pattern a config holds (`floatingTags`, `include`, `exclude`, allowance
 * `paths` and `images`). A config comes with the repository, so a pattern may be hostile: matching
 * is the greedy two-pointer wildcard walk, which never costs more than pattern × subject steps
 * (a backtracking regular expression costs exponential time on `*a*a*a…b`), and patterns beyond
 * GLOB_LIMITS are refused with a located config error.
 *
 * Syntax: `*` any run of characters within a path segment, `?` one character, `[abc]` `[a-z]`
 * `[!x]` one character of a class, `**` as a whole segment any number of segments (zero too),
 * `{a,b}` alternatives, `\x` a literal x. Dots are not special (`*` matches `.github`).
 */

export const GLOB_LIMITS = {
  /** Characters in one pattern. */
  length: 1024,
  /** `*`, `?` and `[…]` in one pattern: each is a place the walk may have to retry from. */
  wildcards: 64,
  /** Patterns one pattern's `{…}` alternatives expand to. */
  alternatives: 256,
};

/** Why a pattern is refused, or undefined when it is usable. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.length > GLOB_LIMITS.length) return `the pattern is ${pattern.length} characters long; at most ${GLOB_LIMITS.length} are allowed`;
  let wildcards = 0;
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') wildcards++;
    else if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
  }
  if (wildcards > GLOB_LIMITS.wildcards) return `the pattern has ${wildcards} wildcards; at most ${GLOB_LIMITS.wildcards} are allowed`;
  if (expand(pattern, GLOB_LIMITS.alternatives + 1).length > GLOB_LIMITS.alternatives) {
    return `the pattern's {…} alternatives make more than ${GLOB_LIMITS.alternatives} patterns`;
  }
  return undefined;
}

export interface GlobOptions {
  /** Letters match either case (tags). */
  nocase?: boolean;
  /** Walk every pattern, without first ruling out those whose literal segments the subject lacks (what proves that short cut). */
  exhaustive?: boolean;
}

/** One matcher for a list of patterns: true when any of them matches the whole subject. */
export function globMatcher(patterns: readonly string[], opts: GlobOptions = {}): (subject: string) => boolean {
  const compiled = patterns.flatMap((p) => expand(p, GLOB_LIMITS.alternatives).map((alt) => compile(alt, !!opts.nocase)));
  // Patterns without wildcards are looked up; a one-segment pattern is tried on the subject whole.
  const literals = new Set(compiled.flatMap((c) => (c.literal !== undefined ? [c.literal] : [])));
  const wild = compiled.filter((c) => c.literal === undefined);
  return (subject) => {
    const s = opts.nocase ? subject.toLowerCase() : subject;
    if (literals.has(s)) return true;
    let segments: string[] | undefined;
    for (const c of wild) {
      const only = c.segments.length === 1 ? c.segments[0] : undefined;
      if (only !== undefined && only !== 'globstar') {
        if (!s.includes('/') && only(s)) return true;
        continue;
      }
      // A segment without wildcards must be one of the subject's, so the subject must hold its text:
      // most subjects lack one of them (`testdata` in `**/testdata/**`), and are not split to find that out.
      if (!opts.exhaustive && !holdsAll(s, c.needs)) continue;
      segments ??= s.split('/');
      if (matchSegments(c, segments)) return true;
    }
    return false;
  };
}

function holdsAll(subject: string, texts: readonly string[]): boolean {
  for (const t of texts) if (!subject.includes(t)) return false;
  return true;
}

/** Whether one pattern matches the whole subject. */
export function globMatch(pattern: string, subject: string, opts: GlobOptions = {}): boolean {
  return globMatcher([pattern], opts)(subject);
}

type Token = { kind: 'char'; c: string } | { kind: 'any' } | { kind: 'class'; negated: boolean; ranges: Array<[string, string]> } | { kind: 'star' };
/** A path segment of a pattern: `**` (any number of segments), or what one segment must match. */
type Segment = 'globstar' | ((segment: string) => boolean);
interface Compiled {
  /** Set when the pattern has no wildcard: compared as a string. */
  literal?: string;
  segments: Segment[];
  globstar: boolean;
  /** The text of each segment without wildcards (`**`/`testdata`/`**`: `testdata`), which a matching subject holds. */
  needs: string[];
}

function compile(pattern: string, nocase: boolean): Compiled {
  const segments: Segment[] = [];
  const needs: string[] = [];
  let tokens: Token[] = [];
  let wild = false;
  let literal = '';
  const endSegment = () => {
    // `**` alone in a segment crosses folders; anywhere else it is just `*`.
    if (tokens.length === 2 && tokens[0].kind === 'star' && tokens[1].kind === 'star' && rawSegment === '**') segments.push('globstar');
    else segments.push(segmentMatcher(tokens.filter((t, i) => !(t.kind === 'star' && tokens[i - 1]?.kind === 'star'))));
    if (tokens.length > 0 && tokens.every((t) => t.kind === 'char')) needs.push(tokens.map((t) => (t as { c: string }).c).join(''));
    tokens = [];
    rawSegment = '';
  };
  let rawSegment = '';
  for (let i = 0; i < pattern.length; i++) {
    let c = pattern[i];
    if (c === '/') {
      endSegment();
      literal += '/';
      continue;
    }
    rawSegment += c;
    if (c === '\\' && i + 1 < pattern.length) {
      c = pattern[++i];
      rawSegment += c;
      const lc = nocase ? c.toLowerCase() : c;
      tokens.push({ kind: 'char', c: lc });
      literal += lc;
    } else if (c === '*') {
      tokens.push({ kind: 'star' });
      wild = true;
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
      wild = true;
    } else if (c === '[' && classEnd(pattern, i) > 0) {
      const end = classEnd(pattern, i);
      tokens.push(parseClass(pattern.slice(i + 1, end), nocase));
      rawSegment += pattern.slice(i + 1, end + 1);
      i = end;
      wild = true;
    } else {
      const lc = nocase ? c.toLowerCase() : c;
      tokens.push({ kind: 'char', c: lc });
      literal += lc;
    }
  }
  endSegment();
  const globstar = segments.includes('globstar');
  return wild ? { segments, globstar, needs } : { literal, segments, globstar, needs };
}

/** The test one segment must pass; the common shapes (`name`, `*.yaml`, `v1.*`, `a*b`) as plain string tests. */
function segmentMatcher(tokens: Token[]): (segment: string) => boolean {
  const star = tokens.findIndex(isStarToken);
  const plain = tokens.every((t, i) => t.kind === 'char' || i === star);
  if (!plain) return (segment) => wildcardWalk(tokens, segment, isStarToken, single);
  const text = (ts: Token[]) => ts.map((t) => (t as { c: string }).c).join('');
  if (star < 0) {
    const literal = text(tokens);
    return (segment) => segment === literal;
  }
  const head = text(tokens.slice(0, star));
  const tail = text(tokens.slice(star + 1));
  const min = head.length + tail.length;
  return (segment) => segment.length >= min && segment.startsWith(head) && segment.endsWith(tail);
}

/** Index of the `]` closing a class opened at `open`, or -1 (then `[` is a literal). */
function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '!' || pattern[i] === '^') i++;
  if (pattern[i] === ']') i++; // a leading `]` is a member
  for (; i < pattern.length; i++) {
    if (pattern[i] === '/') return -1;
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
  }
  return -1;
}

function parseClass(body: string, nocase: boolean): Token {
  let i = 0;
  const negated = body[0] === '!' || body[0] === '^';
  if (negated) i++;
  const ranges: Array<[string, string]> = [];
  const add = (from: string, to: string) => {
    if (!nocase) ranges.push([from, to]);
    else {
      ranges.push([from.toLowerCase(), to.toLowerCase()]);
      ranges.push([from.toUpperCase(), to.toUpperCase()]);
    }
  };
  while (i < body.length) {
    let from = body[i++];
    if (from === '\\' && i < body.length) from = body[i++];
    if (body[i] === '-' && i + 1 < body.length) {
      let to = body[i + 1];
      i += 2;
      if (to === '\\' && i < body.length) to = body[i++];
      add(from, to);
    } else add(from, from);
  }
  return { kind: 'class', negated, ranges };
}

function single(token: Token, c: string): boolean {
  switch (token.kind) {
    case 'char':
      return token.c === c;
    case 'any':
      return true;
    case 'class': {
      const inside = token.ranges.some(([from, to]) => from <= c && c <= to);
      return inside !== token.negated;
    }
    case 'star':
      return false;
  }
}

/**
 * The two-pointer wildcard walk: on a mismatch, only the most recent `*` takes one more item and
 * the walk resumes after it. Earlier stars never need to be revisited, so the cost is at most
 * |pattern| × |subject| steps. Used for characters within a segment and for segments within a path.
 */
function wildcardWalk<P, S>(pattern: ArrayLike<P>, subject: ArrayLike<S>, isStar: (p: P) => boolean, matches: (p: P, s: S) => boolean): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < subject.length) {
    if (p < pattern.length && isStar(pattern[p])) {
      starP = p++;
      starS = s;
    } else if (p < pattern.length && matches(pattern[p], subject[s])) {
      p++;
      s++;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else return false;
  }
  while (p < pattern.length && isStar(pattern[p])) p++;
  return p === pattern.length;
}

const isStarToken = (t: Token) => t.kind === 'star';
const isGlobstar = (s: Segment) => s === 'globstar';

function matchSegments(pattern: Compiled, segments: string[]): boolean {
  if (!pattern.globstar) {
    // One segment for one segment: no walk needed.
    return pattern.segments.length === segments.length && pattern.segments.every((p, i) => p !== 'globstar' && p(segments[i]));
  }
  return wildcardWalk(pattern.segments, segments, isGlobstar, (p, s) => p !== 'globstar' && p(s));
}

/**
 * `{a,b}` alternatives expanded into plain patterns, at most `cap` of them (the caller checks the
 * count). A brace without a comma at its level, or without its closing brace, is literal.
 */
function expand(pattern: string, cap: number): string[] {
  const open = findBrace(pattern);
  if (!open) return [pattern];
  const { start, end, parts } = open;
  const out: string[] = [];
  for (const part of parts) {
    for (const rest of expand(pattern.slice(0, start) + part + pattern.slice(end + 1), cap - out.length)) {
      out.push(rest);
      if (out.length >= cap) return out;
    }
  }
  return out;
}

/** The first `{…}` with a top-level comma: its bounds and alternatives. */
function findBrace(pattern: string): { start: number; end: number; parts: string[] } | undefined {
  for (let start = 0; start < pattern.length; start++) {
    const c = pattern[start];
    if (c === '\\') {
      start++;
      continue;
    }
    if (c !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let i = start; i < pattern.length; i++) {
      const d = pattern[i];
      if (d === '\\') i++;
      else if (d === '{') depth++;
      else if (d === ',' && depth === 1) commas.push(i);
      else if (d === '}' && --depth === 0) {
        if (commas.length === 0) break;
        const bounds = [start, ...commas, i];
        const parts = bounds.slice(1).map((b, k) => pattern.slice(bounds[k] + 1, b));
        return { start, end: i, parts };
      }
    }
  }
  return undefined;
}
