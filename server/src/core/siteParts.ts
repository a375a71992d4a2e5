/** Where a site is in its text beyond the reference itself: the other scalars of a Helm image map. */
import type { ImageSite, ScalarPart } from './types';

/**
 * The tag, digest or registry scalar of a Helm split map that holds `offset` (its whole token,
 * quotes included), so that an empty `tag: ""` can be hovered and pinned where it is written.
 */
export function helmPartAt(site: ImageSite, offset: number): ScalarPart | undefined {
  const h = site.helm;
  if (!h) return undefined;
  return [h.tag, h.digest, h.registry].find((part) => part !== undefined && part.token.start <= offset && offset <= part.token.end);
}

/** Whether `offset` is on the site: its reference, or one of its Helm map's other scalars. */
export function siteCovers(site: ImageSite, offset: number): boolean {
  return (site.span.start <= offset && offset <= site.span.end) || helmPartAt(site, offset) !== undefined;
}
