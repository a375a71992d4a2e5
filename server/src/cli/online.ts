/**
 * `image-pin check --online`: the scan's pinned references verified against their registries
 * (server/src/verify/), the verdicts turned into findings of the files they are in.
 */
import { ConfigResolver } from '../scan/configResolver';
import { type FileReport, type ScanResult, sortFindings, summarize } from '../scan/scanner';
import { countVerdicts, verdictFinding } from '../core/verify';
import { LineIndex } from '../core/text';
import type { JudgedSite } from '../core/types';
import type { LocatedFinding } from '../scan/checkText';
import { RegistryClient } from '../registry';
import { type PinItem, verifyPins } from '../verify/verifyPins';
import { registryClientOptions } from './common';

export interface OnlineOptions {
  configFile?: string;
  noCache?: boolean;
  timeoutSeconds?: number;
}

/** Where a verified reference is: a site of a file, or the place that set an environment's effective digest. */
type Where = { report: FileReport; index: number } | { report: FileReport; site: JudgedSite; environment: string };

/**
 * Adds unknown-digest, moved-tag and registry-error findings to `result` and its summary: for every
 * site that carries a digest, and for every effective reference of an environment that carries one
 * and is written nowhere as a whole (a digest set in `values-prod.yaml` over a tag in `values.yaml`),
 * reported where its digest (or tag) is set.
 */
export async function verifyScan(result: ScanResult, opts: OnlineOptions): Promise<void> {
  const baseConfig = new ConfigResolver(opts.configFile).forDir(process.cwd());
  const client = new RegistryClient(registryClientOptions(baseConfig, opts));
  const items: Array<PinItem<Where>> = [];
  const byFile = new Map<string, FileReport>();
  for (const report of result.files) {
    if (!report.extraction || !report.config) continue;
    byFile.set(report.absolute, report);
    report.sites.forEach((site, index) => {
      // `# image-pin: ignore` without rules silences the reference entirely: no request either.
      if (site.ignored?.length === 0) return;
      items.push({ reference: site.reference, place: { report, index } });
    });
  }
  items.push(...environmentItems(result, byFile));
  try {
    const verified = await verifyPins(client, items);
    const touched = new Set<FileReport>();
    const seen = new Set<string>();
    for (const { item, verdict } of verified) {
      const where = item.place;
      const { report } = where;
      const site = 'index' in where ? report.sites[where.index] : where.site;
      const found = verdictFinding(site, 'index' in where ? where.index : -1, verdict, report.config!);
      if (!found) continue;
      let finding: LocatedFinding;
      if ('index' in where) finding = { ...found, range: report.extraction!.siteRanges[where.index] };
      else {
        // One finding per place and verdict, however many environments share it.
        const key = `${report.absolute}\n${site.span.start}\n${found.rule}\n${site.reference}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const text = result.environments?.text(report.absolute) ?? '';
        const { site: _index, ...rest } = found;
        finding = { ...rest, message: `In environment ${where.environment}: ${found.message}`, range: new LineIndex(text).range(site.span.start, site.span.end) };
      }
      report.findings.push(finding);
      touched.add(report);
    }
    for (const report of touched) sortFindings(report.findings);
    result.summary = { ...summarize(result.files), online: countVerdicts(verified) };
  } finally {
    await client.close();
  }
}

/** Effective references with a digest that no site holds as written. */
function environmentItems(result: ScanResult, byFile: Map<string, FileReport>): Array<PinItem<Where>> {
  const out: Array<PinItem<Where>> = [];
  for (const env of result.environments?.model.environments ?? []) {
    for (const image of env.images) {
      if (!image.digest || image.ignored?.length === 0) continue;
      const base = image.provenance.base;
      const baseReport = byFile.get(base.file);
      if (base.site !== undefined && baseReport?.sites[base.site]?.reference === image.reference) continue;
      const place = image.provenance.digest ?? image.provenance.tag ?? base;
      const report = byFile.get(place.file);
      if (!report) continue;
      const site: JudgedSite = { reference: image.reference, span: place.span };
      if (image.ignored) site.ignored = image.ignored;
      out.push({ reference: image.reference, place: { report, site, environment: env.name } });
    }
  }
  return out;
}
