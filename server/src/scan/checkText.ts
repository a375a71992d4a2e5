/**
 * One file's check, shared by the CLI scan, its worker threads and the language server:
 * text → extraction with line/column ranges → findings under a config.
 */
import type { ImagePinConfig } from '../core/config';
import { Extraction, ExtractOptions, extractImages } from '../core/extract';
import { evaluate, grammarOf, todayUtc } from '../core/rules';
import { LineCursor, Range } from '../core/text';
import type { ChartText } from './chart';
import { chartTagOf } from './chartTemplates';
import type { ChartTag, Finding, JudgedSite } from '../core/types';
import type { EffectiveImage, EnvironmentRef, Place } from '../core/env';
import type { FileFacts } from '../core/env/read';

/** An extraction with the line/column range of every site and syntax error: what a cache keeps. */
export interface LocatedExtraction extends Extraction {
  siteRanges: Range[];
  errorRanges: Range[];
}

/** The part of a located extraction the rules need: what workers send back and the scan cache keeps. */
export interface JudgedExtraction extends Omit<LocatedExtraction, 'sites'> {
  sites: JudgedSite[];
  /** The text may declare an Argo CD Application or Flux HelmRelease (a text test, for the environment model). */
  declaresApp?: boolean;
  /** What the environment model reads of this file, taken from the extraction's own parse. */
  facts?: FileFacts;
  /**
   * Where each line of a kustomization starts (`LineIndex.starts`): the environment model's problems
   * (a missing or remote resource, a cycle) are placed in kustomizations, and are located from these
   * without reading the file again.
   */
  lineStarts?: readonly number[];
}

export function judgedPart(extraction: LocatedExtraction): JudgedExtraction {
  return {
    ...extraction,
    sites: extraction.sites.map((s) => {
      const slim: JudgedSite = { reference: s.reference, span: s.span, grammar: grammarOf(s.reference) };
      if (s.ignored) slim.ignored = s.ignored;
      if (s.pullPolicy) slim.pullPolicy = { key: s.pullPolicy.key, always: s.pullPolicy.always, value: s.pullPolicy.value };
      if (s.helm) slim.helm = { tagFromAppVersion: s.helm.tagFromAppVersion };
      return slim;
    }),
  };
}

export interface LocatedFinding extends Finding {
  range: Range;
  /** For a finding about what environments deploy: those environments (stage, root). */
  environments?: EnvironmentRef[];
  /** Where the finding's fix is written, and the effective reference it judged (environment findings). */
  place?: Place;
  effective?: EffectiveImage;
}

export function extractLocated(text: string, opts: Pick<ExtractOptions, 'path' | 'imageKeys' | 'cache' | 'onDocument' | 'fast'>): LocatedExtraction {
  const extraction = extractImages(text, opts);
  let lines: LineCursor | undefined;
  const range = (start: number, end: number) => (lines ??= new LineCursor(text)).range(start, end);
  return {
    ...extraction,
    siteRanges: extraction.sites.map((s) => range(s.span.start, s.span.end)),
    errorRanges: extraction.syntaxErrors.map((e) => range(e.span.start, e.span.end)),
  };
}

export function findingsFor(extraction: JudgedExtraction, config: ImagePinConfig, relativePath: string, today = todayUtc(), chartTag?: ChartTag): LocatedFinding[] {
  return evaluate(extraction, { config, relativePath, today, chartTag }).map((f) =>
    // A site's finding as one literal of the fields evaluate gave it (a spread of each of ~40,000 findings was a tenth of a warm rescan's findings).
    f.site !== undefined
      ? { rule: f.rule, span: f.span, message: f.message, image: f.image, site: f.site, severity: f.severity, range: extraction.siteRanges[f.site] }
      : { ...f, range: extraction.errorRanges[0] },
  );
}

/**
 * What an empty Helm `tag:` of this file deploys (the chart's appVersion as its templates print it),
 * so that its finding can name it; looked up only when the file has such a site (`open`: Chart.yaml
 * texts open in an editor). The templates' agreement across the chart decides: a site of one file
 * does not know its map's path (the environment model, which does, asks per map).
 */
export function chartTagFor(extraction: Pick<JudgedExtraction, 'sites'>, file: string | undefined, open?: ChartText): ChartTag | undefined {
  if (!file || !extraction.sites.some((s) => s.helm?.tagFromAppVersion)) return undefined;
  return chartTagOf(file, open);
}
