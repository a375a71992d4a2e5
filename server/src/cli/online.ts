/**
 * `image-pin check --online`: the scan's pinned references verified against their registries
 * (server/src/verify/), the verdicts turned into findings of the files they are in.
 */
import { ConfigResolver } from '../scan/configResolver';
import { type FileReport, type ScanResult, sortFindings, summarize } from '../scan/scanner';
import { countVerdicts, verdictFinding } from '../core/verify';
import { RegistryClient } from '../registry';
import { type PinItem, verifyPins } from '../verify/verifyPins';
import { registryClientOptions } from './common';

export interface OnlineOptions {
  configFile?: string;
  noCache?: boolean;
  timeoutSeconds?: number;
}

/** Adds unknown-digest, moved-tag and registry-error findings to `result` and its summary. */
export async function verifyScan(result: ScanResult, opts: OnlineOptions): Promise<void> {
  const baseConfig = new ConfigResolver(opts.configFile).forDir(process.cwd());
  const client = new RegistryClient(registryClientOptions(baseConfig, opts));
  const items: Array<PinItem<{ report: FileReport; index: number }>> = [];
  for (const report of result.files) {
    if (!report.extraction || !report.config) continue;
    report.sites.forEach((site, index) => {
      // `# image-pin: ignore` without rules silences the reference entirely: no request either.
      if (site.ignored?.length === 0) return;
      items.push({ reference: site.reference, place: { report, index } });
    });
  }
  try {
    const verified = await verifyPins(client, items);
    const touched = new Set<FileReport>();
    for (const { item, verdict } of verified) {
      const { report, index } = item.place;
      const finding = verdictFinding(report.sites[index], index, verdict, report.config!);
      if (!finding) continue;
      report.findings.push({ ...finding, range: report.extraction!.siteRanges[index] });
      touched.add(report);
    }
    for (const report of touched) sortFindings(report.findings);
    result.summary = { ...summarize(result.files), online: countVerdicts(verified) };
  } finally {
    await client.close();
  }
}
