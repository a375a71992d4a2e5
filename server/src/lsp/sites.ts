/** Finding the image site under a position, on whichever thread holds the extraction. */
import type { Position, Range } from 'vscode-languageserver';
import { helmPartAt } from '../core/siteParts';
import type { ImageSite } from '../core/types';
import type { LocatedExtraction, LocatedFinding } from '../scan/checkText';

/** A site with its index and line/character range. */
export interface LocatedSite {
  index: number;
  site: ImageSite;
  range: Range;
}

export function locateSite(extraction: LocatedExtraction, position: Position): LocatedSite | undefined {
  const index = extraction.siteRanges.findIndex((r) => contains(r, position));
  return index < 0 ? undefined : { index, site: extraction.sites[index], range: extraction.siteRanges[index] };
}

/** Whether the range holds the position, either end included (a cursor just after a reference is on it). */
function contains(range: Range, p: Position): boolean {
  const after = p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character);
  const before = p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return after && before;
}

/**
 * The Helm split-map site one of whose other parts (tag, digest, registry) holds `offset`: an
 * empty `tag: ""` has no reference text of its own, but hovering it should explain the site.
 * The range is the part's token, where the pointer is.
 */
export function locateHelmPart(extraction: LocatedExtraction, offset: number, range: (start: number, end: number) => Range): LocatedSite | undefined {
  for (const [index, site] of extraction.sites.entries()) {
    const part = helmPartAt(site, offset);
    if (part) return { index, site, range: range(part.token.start, part.token.end) };
  }
  return undefined;
}

/** A finding about a site, with the site (what a code action is made from); no site for an environment's finding at a place that is not one. */
export interface SiteFinding {
  finding: LocatedFinding;
  site?: ImageSite;
}

/** The findings about a site (or an environment's place) whose range overlaps (or touches) `range`. */
export function findingsAt(findings: readonly LocatedFinding[], extraction: LocatedExtraction, range: Range): SiteFinding[] {
  return findings
    .filter((f) => (f.site !== undefined || f.place) && overlaps(f.range, range))
    .map((finding) => ({ finding, site: finding.site !== undefined ? extraction.sites[finding.site] : undefined }));
}

/** Ranges that overlap or touch: a cursor at either end of a reference counts. */
export function overlaps(a: Range, b: Range): boolean {
  const before = (p: Position, q: Position) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}
