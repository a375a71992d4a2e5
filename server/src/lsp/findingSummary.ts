/**
 * What of a document's findings is published. A file can hold hundreds of thousands of findings
 * (a generated manifest, 200,000 documents); turning them all into diagnostics and one JSON
 * message takes the server's main thread for many seconds, and an editor shows no more than about
 * a thousand per file anyway (VS Code's own limit). So at most MAX_PUBLISHED are published, the most
 * severe first, with a notice that says how many there are; `image-pin check` lists them all.
 * Code actions still find every finding (sites.ts findingsAt), on whichever thread holds them.
 */
import type { Severity } from '../core/types';
import type { LocatedFinding } from '../scan/checkText';

const MAX_PUBLISHED = 1000;

/** The rules a registry lookup fixes. */
export const PINNABLE_RULES: ReadonlySet<string> = new Set(['missing-tag', 'floating-tag', 'unpinned-tag']);

export interface FindingSummary {
  /** The findings to publish, in document order. */
  shown: LocatedFinding[];
  total: number;
  /** Findings a pin can fix (the "Pin all images in this file" action is offered from two). */
  pinnable: number;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

export function summarize(findings: readonly LocatedFinding[]): FindingSummary {
  const pinnable = findings.filter((f) => f.site !== undefined && PINNABLE_RULES.has(f.rule)).length;
  if (findings.length <= MAX_PUBLISHED) return { shown: [...findings], total: findings.length, pinnable };
  const kept = findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => RANK[a.finding.severity] - RANK[b.finding.severity] || a.index - b.index)
    .slice(0, MAX_PUBLISHED)
    .sort((a, b) => a.index - b.index);
  return { shown: kept.map((k) => k.finding), total: findings.length, pinnable };
}
