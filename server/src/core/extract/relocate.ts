/**
 * Moving sites between coordinate systems: from a document's own text to the file
 * (a shift), and from a string of YAML embedded in a scalar to the outer file (a map).
 */
import type { ImageSite, ScalarPart, Span } from '../types';

export type OffsetMap = (offset: number) => number;

export function relocateSite(site: ImageSite, map: OffsetMap): ImageSite {
  const span = (s: Span): Span => ({ start: map(s.start), end: map(s.end) });
  // A value that crosses a line of an embedded block keeps its text only when the map is a plain
  // shift over it: the block's indentation, removed inside the value, is back in the file.
  const contiguous = (s: Span): boolean => map(s.end) - map(s.start) === s.end - s.start;
  const part = (p: ScalarPart | undefined): ScalarPart | undefined =>
    p &&
    (p.exact && !contiguous(p.span)
      ? { ...p, span: span(p.token), token: span(p.token), exact: false, keySpan: p.keySpan && span(p.keySpan) }
      : { ...p, span: span(p.span), token: span(p.token), keySpan: p.keySpan && span(p.keySpan) });
  const out: ImageSite = { ...site, span: span(site.span) };
  if (site.scalar) out.scalar = part(site.scalar);
  if (site.helm) {
    const h = site.helm;
    out.helm = { ...h, registry: part(h.registry), repository: part(h.repository)!, tag: part(h.tag), digest: part(h.digest), insertAt: map(h.insertAt) };
  }
  if (site.kustomize) {
    const k = site.kustomize;
    out.kustomize = { ...k, name: part(k.name)!, newName: part(k.newName), newTag: part(k.newTag), digest: part(k.digest), insertAt: map(k.insertAt) };
  }
  if (site.pullPolicy) {
    const p = site.pullPolicy;
    out.pullPolicy = { ...p, insertAt: map(p.insertAt), valueSpan: p.valueSpan && span(p.valueSpan) };
  }
  return out;
}

/** Every range of the site becomes the whole `token`, and nothing is editable: used when offsets cannot be mapped. */
export function pinSiteTo(site: ImageSite, token: Span): ImageSite {
  const part = (p: ScalarPart | undefined): ScalarPart | undefined => p && { ...p, span: token, token, exact: false, keySpan: undefined };
  return {
    ...site,
    span: token,
    scalar: part(site.scalar),
    helm: site.helm && { ...site.helm, registry: part(site.helm.registry), repository: part(site.helm.repository)!, tag: part(site.helm.tag), digest: part(site.helm.digest), insertAt: -1 },
    kustomize: site.kustomize && { ...site.kustomize, name: part(site.kustomize.name)!, newName: part(site.kustomize.newName), newTag: part(site.kustomize.newTag), digest: part(site.kustomize.digest), insertAt: -1 },
    pullPolicy: undefined,
  };
}

/**
 * Maps offsets in the value of a literal block scalar (`|`, `|-`, `|+`) back to the
 * source: each value line is a source line with the block's indentation removed.
 * Returns null when the value does not line up with the source (folded, escaped or tabbed text).
 */
export function blockScalarMap(source: string, token: Span, value: string): OffsetMap | null {
  const header = source.slice(token.start, source.indexOf('\n', token.start));
  if (!/^\|[+-]?[1-9]?[+-]?\s*(#.*)?$/.test(header.trimEnd())) return null;
  const bodyStart = token.start + header.length + 1;
  const lines = source.slice(bodyStart, token.end).split('\n');
  const explicit = /[1-9]/.exec(header)?.[0];
  let indent = explicit ? Number(explicit) : -1;
  if (indent < 0) {
    const first = lines.find((l) => l.trim() !== '');
    indent = first ? first.length - first.trimStart().length : 0;
  }
  const lineStarts: number[] = [];
  let rebuilt = '';
  let at = bodyStart;
  for (const line of lines) {
    lineStarts.push(at + indent);
    rebuilt += line.slice(indent).replace(/\r$/, '') + '\n';
    at += line.length + 1;
  }
  if (!rebuilt.startsWith(value.replace(/\n+$/, ''))) return null;
  const valueLineStarts = [0];
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) valueLineStarts.push(i + 1);
  return (offset) => {
    let line = 0;
    while (line + 1 < valueLineStarts.length && valueLineStarts[line + 1] <= offset) line++;
    return (lineStarts[line] ?? token.end) + (offset - valueLineStarts[line]);
  };
}
