/**
 * A workspace scan: list files, reuse cached extractions of unchanged files, extract
 * the rest (in parallel when many), and judge every file under its own config.
 */
import * as path from 'node:path';
import { ConfigError, type ImagePinConfig } from '../core/config';
import { chartDirsOf, modelPath } from '../core/env';
import { grammarOf, todayUtc } from '../core/rules';
import { type PinnedPlace, type VerifyCounts, tagConflicts } from '../core/verify';
import type { JudgedSite, RuleId, Severity } from '../core/types';
import { JudgedExtraction, LocatedFinding } from './checkText';
import { displayLikeFiles } from './display';
import { EnvironmentJudgement, fileFindings, judgeEnvironments } from './environments';
import { ConfigResolver } from './configResolver';
import { ExtractJob, extractMany } from './extractFiles';
import { ListedFile, listFiles, regularFileStat } from './files';
import { ResultCache, defaultCacheDir } from './resultCache';

const NONE: never[] = [];

/** The end of a listed (absolute, clean) path whose name is Chart.yaml. */
const CHART_FILE = `${path.sep}Chart.yaml`;

export interface ScanOptions {
  /** `--config FILE`. */
  configFile?: string;
  /** Decides each file's config instead of one built from `configFile` (the editor merges its settings in). */
  resolver?: ConfigResolver;
  /** Folder for the result cache; false: no cache. */
  cacheDir?: string | false;
  /** The tool version, part of the cache key. */
  version?: string;
  today?: string;
  workers?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** false: judge every file on its own, without the environment model (a single changed file). */
  environments?: boolean;
}

export interface FileReport {
  display: string;
  absolute: string;
  findings: LocatedFinding[];
  sites: JudgedSite[];
  extraction?: JudgedExtraction;
  config?: ImagePinConfig;
  /** Why the file was not checked (too large, binary). */
  skipped?: string;
  /** Why the file could not be read. */
  error?: string;
}

export interface ScanSummary {
  files: number;
  references: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  byRule: Partial<Record<RuleId, number>>;
  skipped: number;
  errors: number;
  /** With `check --online`: how the pinned references fared against their registries. */
  online?: VerifyCounts;
}

export interface ScanResult {
  files: FileReport[];
  /** Paths that could not be listed or read. */
  ioErrors: Array<{ path: string; message: string }>;
  configErrors: ConfigError[];
  summary: ScanSummary;
  /** The environment model and its judgement (absent when turned off). */
  environments?: EnvironmentJudgement;
}

export async function scan(inputs: string[], opts: ScanOptions = {}): Promise<ScanResult> {
  const resolver = opts.resolver ?? new ConfigResolver(opts.configFile);
  const configErrors = new Map<string, ConfigError>();
  if (opts.configFile) resolver.forDir(process.cwd()); // a bad --config is fatal: let ConfigError propagate

  const { files, problems } = listFiles(inputs, resolver);
  const today = opts.today ?? todayUtc();
  const cache = opts.cacheDir === false ? undefined : ResultCache.open(opts.cacheDir ?? defaultCacheDir(), inputs, opts.version ?? '0');

  // Reports start with one shared empty list of findings and sites (each file's own replaces it below): two
  // lists per file made here would live, unused, to the end of the scan.
  const reports: FileReport[] = files.map((f) => ({ display: f.display, absolute: f.absolute, findings: NONE, sites: NONE }));
  const configs: Array<ImagePinConfig | undefined> = files.map((f) => configFor(resolver, f, configErrors));
  const pending: number[] = [];
  const jobs: ExtractJob[] = [];
  // A values file is read as a values tree only where a listed chart can own it (the model reads any
  // other one itself, should an Application name it): most values files of a tree without charts are not.
  const chartDirs = new Set(files.filter((f) => f.absolute.endsWith(CHART_FILE)).map((f) => path.posix.dirname(modelPath(f.absolute))));
  const mayBeChartValues = (file: string) => chartDirsOf(modelPath(file)).some((d) => chartDirs.has(d));
  files.forEach((file, i) => {
    const config = configs[i];
    if (!config) return;
    if (file.skipped) {
      reports[i].skipped = file.skipped;
      return;
    }
    const optionsKey = config.imageKeys.join(',');
    // Only the cache's lookup needs a stat here; without a cache the read's own fstat tells size and kind.
    const stat = cache ? regularFileStat(file.absolute) : undefined;
    const cached = stat && stat.size <= config.maxFileSize ? cache?.get(file.absolute, stat, optionsKey) : undefined;
    if (cached) {
      reports[i].extraction = cached;
    } else {
      pending.push(i);
      const job: ExtractJob = { absolute: file.absolute, imageKeys: config.imageKeys, maxFileSize: config.maxFileSize };
      if (stat) job.stat = { size: stat.size, mtimeMs: stat.mtimeMs }; // so that the read does not stat it again
      if (!mayBeChartValues(file.absolute)) job.values = false;
      jobs.push(job);
    }
  });

  const outcomes = await extractMany(jobs, { workers: opts.workers, signal: opts.signal, onProgress: opts.onProgress });
  outcomes.forEach((outcome, j) => {
    const i = pending[j];
    if (outcome.kind === 'extracted') {
      reports[i].extraction = outcome.extraction;
      cache?.set(files[i].absolute, outcome, configs[i]!.imageKeys.join(','), outcome.extraction);
    } else if (outcome.kind === 'skipped') {
      reports[i].skipped = outcome.reason;
    } else {
      reports[i].error = outcome.reason;
    }
  });
  cache?.save(files.map((f) => f.absolute));

  // What each environment deploys, judged where the fix belongs (kustomize overlays, Helm values per environment …).
  const judgement = opts.environments === false ? undefined : judgeEnvironments(reports.filter((r, i) => configs[i]), { resolver, today, display: displayLikeFiles(reports) });
  reports.forEach((report, i) => {
    const config = configs[i];
    if (!config || !report.extraction) {
      // Lists of its own, which a caller may add to.
      report.findings = [];
      report.sites = [];
      return;
    }
    report.config = config;
    report.sites = report.extraction.sites;
    report.findings = fileFindings(report.absolute, report.extraction, config, resolver.relativePath(config, report.absolute), today, judgement);
  });
  addTagConflicts(reports);

  const ioErrors = [...problems, ...reports.filter((r) => r.error).map((r) => ({ path: r.display, message: r.error! }))];
  return { files: reports, ioErrors, configErrors: [...configErrors.values()], summary: summarize(reports), environments: judgement };
}

/** tag-conflict across the whole scan: each place of a tag pinned to two digests, naming the others. */
function addTagConflicts(reports: FileReport[]): void {
  const places: PinnedPlace[] = [];
  const owners: FileReport[] = [];
  // Indexed loops: run once over every site of a scan, mostly before the code is optimised, where
  // `for … of` makes an iterator result per item and `forEach` a closure per file.
  for (let r = 0; r < reports.length; r++) {
    const report = reports[r];
    if (!report.extraction || !report.config) continue;
    const sites = report.sites;
    for (let index = 0; index < sites.length; index++) {
      const site = sites[index];
      if (!(site.grammar ?? grammarOf(site.reference)).ok || !site.reference.includes('@')) continue;
      const { start } = report.extraction.siteRanges[index];
      places.push({ site, index, config: report.config, where: `${report.display}:${start.line + 1}:${start.character + 1}` });
      owners.push(report);
    }
  }
  const touched = new Set<FileReport>();
  for (const [i, finding] of tagConflicts(places)) {
    const report = owners[i];
    report.findings.push({ ...finding, range: report.extraction!.siteRanges[finding.site!] });
    touched.add(report);
  }
  for (const report of touched) sortFindings(report.findings);
}

/** Findings in the order of the file. */
export function sortFindings(findings: LocatedFinding[]): void {
  findings.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
}

function configFor(resolver: ConfigResolver, file: ListedFile, errors: Map<string, ConfigError>): ImagePinConfig | undefined {
  try {
    // forFile(file.absolute), without taking the path apart again (a new string to hash per file).
    return resolver.forDir(file.dir);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    errors.set(err.file, err);
    return undefined;
  }
}

export function summarize(reports: FileReport[]): ScanSummary {
  const summary: ScanSummary = {
    files: 0,
    references: 0,
    findings: 0,
    bySeverity: { error: 0, warning: 0, info: 0, hint: 0 },
    byRule: {},
    skipped: 0,
    errors: 0,
  };
  // Indexed loops (see addTagConflicts).
  for (let i = 0; i < reports.length; i++) {
    const r = reports[i];
    if (r.skipped) summary.skipped++;
    if (r.error) summary.errors++;
    if (!r.extraction) continue;
    summary.files++;
    summary.references += r.sites.length;
    const findings = r.findings;
    for (let k = 0; k < findings.length; k++) {
      const f = findings[k];
      summary.findings++;
      summary.bySeverity[f.severity]++;
      summary.byRule[f.rule] = (summary.byRule[f.rule] ?? 0) + 1;
    }
  }
  return summary;
}
