/**
 * `imagePin.scanWorkspace`: the CLI's scan over every workspace folder, with the editor's config
 * merge, published as diagnostics for every file (unopened ones included) so the Problems panel
 * lists them. After a scan, watched-file events keep each file's diagnostics current; open
 * documents are left to validation, which knows their unsaved text.
 */
import * as fs from 'node:fs';
import { Connection, Diagnostic } from 'vscode-languageserver';
import { VERSION } from '../cli/version';
import type { RuleId } from '../core/types';
import type { LocatedFinding } from '../scan/checkText';
import { FileReport, ScanResult, scan, sortFindings } from '../scan/scanner';
import { fileFindings } from '../scan/environments';
import { todayUtc } from '../core/rules';
import { ENVIRONMENT_PASS_MS, type EnvironmentService } from './environments';
import type { EditorConfigResolver } from './policy';
import type { ConfigFileDiagnostics } from './configFiles';
import { findingDiagnostic, skippedDiagnostic } from './diagnostics';
import { notifier } from './messages';
import type { PolicyService } from './policy';
import { withProgress, type ProgressOptions } from './progress';
import type { ScanWorkspaceResult } from './protocol';
import { WorkspaceFolders, pathToUri } from './workspaceFolders';

export interface WorkspaceScanDeps {
  connection: Connection;
  folders: WorkspaceFolders;
  policy: PolicyService;
  configFiles: ConfigFileDiagnostics;
  /** Whether a file is open in the editor (validation owns its diagnostics then). */
  isOpen: (file: string) => boolean;
  /** The environment model: findings of what environments deploy, placed where the fix belongs. */
  environments: EnvironmentService;
  /** Findings from known pin verdicts, added to a file's own (see verification.ts). */
  verdictFindings?: (report: FileReport) => Promise<LocatedFinding[]>;
}

export class WorkspaceScan {
  /** Files whose diagnostics came from a scan, by path. */
  private readonly published = new Set<string>();
  private ran = false;
  private running?: AbortController;
  /** What the last scan (or file event) read of each file, with the resolver of its folder. */
  private readonly reports = new Map<string, { report: FileReport; resolver: EditorConfigResolver }>();
  /** The diagnostics last published per file, to send only what changed when the model changes. */
  private readonly sent = new Map<string, string>();
  private envTimer?: NodeJS.Timeout;
  /** Files whose published findings came from the environment model (so a model change may change them). */
  private readonly envTouched = new Set<string>();

  constructor(private readonly deps: WorkspaceScanDeps) {}

  get hasRun(): boolean {
    return this.ran;
  }

  /** `announce`: the user asked for the scan, so its summary is shown (rescans after a settings change are quiet). */
  async run(progress: Omit<ProgressOptions, 'title'>, announce = false): Promise<ScanWorkspaceResult> {
    // A new scan replaces one still running (e.g. the config changed under it).
    this.running?.abort();
    const mine = new AbortController();
    this.running = mine;
    const started = Date.now();
    const { connection, folders, policy } = this.deps;
    const result: ScanWorkspaceResult = {
      cancelled: false,
      files: 0,
      references: 0,
      findings: 0,
      filesWithFindings: 0,
      errorFindings: 0,
      byRule: {},
      skipped: 0,
      errors: 0,
      configErrors: 0,
    };
    const seen = new Set<string>();
    try {
      await withProgress(connection, { ...progress, title: 'Image Pin: scanning the workspace' }, async (report, signal) => {
        signal.addEventListener('abort', () => mine.abort());
        for (const folder of folders.all()) {
          const resolver = await policy.resolverForFolder(folder);
          const startedAt = Date.now();
          const scanned = await scan([folder.path], {
            resolver,
            signal: mine.signal,
            version: VERSION,
            environments: false,
            onProgress: (done, total) => report(`${folder.name}: ${done}/${total} files`, total ? (100 * done) / total : 100),
          });
          this.deps.environments.scanned(folder, resolver, scanned.files, startedAt);
          for (const file of scanned.files) {
            seen.add(file.absolute);
            this.reports.set(file.absolute, { report: file, resolver });
            await this.publishJudged(file, resolver);
            if (file.findings.length > 0) result.filesWithFindings++;
            result.errorFindings += file.findings.filter((f) => f.severity === 'error').length;
          }
          this.deps.configFiles.report(resolver.errors);
          add(result, scanned, resolver.errors.size);
        }
      });
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
      result.cancelled = true;
    } finally {
      if (this.running === mine) this.running = undefined;
    }
    if (result.cancelled) {
      connection.console.info('workspace scan cancelled');
      return result;
    }
    this.ran = true;
    // Files scanned before but gone now (deleted, or no longer selected by the config).
    for (const file of [...this.published]) if (!seen.has(file)) this.clear(file);
    const rules = Object.entries(result.byRule).map(([rule, n]) => `${rule} ${n}`).join(', ');
    connection.console.info(
      `workspace scan: ${result.files} files, ${result.references} image references, ${result.findings} findings` +
        `${rules ? ` (${rules})` : ''}, ${result.skipped} skipped, ${result.errors} unreadable, ${result.configErrors} invalid configs, in ${Date.now() - started} ms`,
    );
    if (announce) notifier(connection).report({ kind: 'info', message: scanSummary(result), actions: ['showProblems'] });
    return result;
  }

  /**
   * A watched file changed on disk. The environment model follows from the moment its index exists
   * (a new base must show in the Environments view and be promoted without a scan); the file's own
   * diagnostics follow once a scan has listed the workspace. An open document is left to validation
   * and to the model's view of its text; closing it comes back here.
   */
  async fileChanged(file: string, deleted: boolean, tellModel = true): Promise<void> {
    if (this.deps.isOpen(file)) return;
    const gone = (): void => {
      this.deps.environments.fileChanged(file, undefined);
      this.clear(file);
    };
    if (deleted) return gone();
    const folder = this.deps.folders.containing(file);
    if (!folder) return;
    const resolver = await this.deps.policy.resolverForFolder(folder);
    if (!resolver.selects(resolver.forFile(file), file)) return gone();
    const scanned = await scan([file], { resolver, cacheDir: false, environments: false });
    const report = scanned.files[0];
    if (tellModel) this.deps.environments.fileChanged(file, report);
    if (!report || !this.ran) return;
    this.reports.set(file, { report, resolver });
    await this.publishJudged(report, resolver);
  }

  /** The environment model changed: files it judges are published again where their findings changed. */
  environmentsChanged(): void {
    if (!this.ran) return;
    // Once typing pauses (ENVIRONMENT_PASS_MS): each pass asks for the whole judgement.
    clearTimeout(this.envTimer);
    this.envTimer = setTimeout(() => {
      this.envTimer = undefined;
      for (const { report, resolver } of this.reports.values()) {
        if (this.deps.isOpen(report.absolute)) continue;
        const j = this.deps.environments.judgement(report.absolute);
        const touched = j && (j.model.covered.has(report.absolute) || j.placed.has(report.absolute));
        if (touched || this.envTouched.has(report.absolute)) void this.publishJudged(report, resolver, true);
      }
    }, ENVIRONMENT_PASS_MS);
  }

  /** Publishes a file's findings, its sites judged through its environments. */
  private async publishJudged(report: FileReport, resolver: EditorConfigResolver, onlyIfChanged = false): Promise<void> {
    if (report.extraction && report.config) {
      const j = this.deps.environments.judgement(report.absolute);
      // tag-conflict is judged across the whole scan (scanner.ts): kept as the scan found it.
      const conflicts = report.findings.filter((f) => f.rule === 'tag-conflict');
      report.findings = fileFindings(report.absolute, report.extraction, report.config, resolver.relativePath(report.config, report.absolute), todayUtc(), j);
      if (conflicts.length) {
        report.findings.push(...conflicts);
        sortFindings(report.findings);
      }
      if (report.findings.some((f) => f.environments)) this.envTouched.add(report.absolute);
      else this.envTouched.delete(report.absolute);
    }
    await this.publish(report, onlyIfChanged);
  }

  /** Publishes reports of files that are not open (after pins were verified); later changes keep them current. */
  async publishAll(reports: FileReport[]): Promise<void> {
    for (const report of reports) await this.publish(report);
    this.ran = true;
  }

  /**
   * A document was closed: what is on disk counts again. `modelChanged` false: the environment model
   * read the file as it is on disk all along (it was not changed while open, nor on disk).
   */
  documentClosed(file: string, modelChanged = true): Promise<void> {
    if (!modelChanged && !this.ran) return Promise.resolve();
    return this.fileChanged(file, !fs.existsSync(file), modelChanged);
  }

  private async publish(report: FileReport, onlyIfChanged = false): Promise<void> {
    if (this.deps.isOpen(report.absolute)) return;
    const uri = pathToUri(report.absolute);
    let diagnostics: Diagnostic[];
    if (report.skipped) diagnostics = [skippedDiagnostic(report.skipped)];
    else if (report.error) diagnostics = [skippedDiagnostic(`could not read this file (${report.error})`)];
    else {
      const more = (await this.deps.verdictFindings?.(report)) ?? [];
      const findings = more.length ? [...report.findings, ...more] : report.findings;
      if (more.length) sortFindings(findings);
      diagnostics = findings.map((f) => findingDiagnostic(f, uri, null));
    }
    if (diagnostics.length === 0 && !this.published.has(report.absolute)) return;
    const key = JSON.stringify(diagnostics);
    if (onlyIfChanged && this.published.has(report.absolute) && this.sent.get(report.absolute) === key) return;
    this.published.add(report.absolute);
    this.sent.set(report.absolute, key);
    void this.deps.connection.sendDiagnostics({ uri, diagnostics });
  }

  private clear(file: string): void {
    this.reports.delete(file);
    this.sent.delete(file);
    if (!this.published.delete(file)) return;
    void this.deps.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
  }
}

/** `12 findings in 5 files (7 errors)`, then what could not be checked. */
function scanSummary(r: ScanWorkspaceResult): string {
  const n = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;
  let text = `Image Pin: ${n(r.findings, 'finding')} in ${n(r.filesWithFindings, 'file')} (${n(r.errorFindings, 'error')})`;
  const unchecked = [r.errors && `${n(r.errors, 'file')} could not be read`, r.configErrors && `${n(r.configErrors, 'config file')} invalid`].filter(Boolean);
  if (unchecked.length) text += `; ${unchecked.join(', ')}`;
  return text;
}

function add(total: ScanWorkspaceResult, scanned: ScanResult, configErrors: number): void {
  const s = scanned.summary;
  total.files += s.files;
  total.references += s.references;
  total.findings += s.findings;
  total.skipped += s.skipped;
  total.errors += s.errors;
  total.configErrors += configErrors;
  for (const [rule, n] of Object.entries(s.byRule) as Array<[RuleId, number]>) total.byRule[rule] = (total.byRule[rule] ?? 0) + n;
}

