/**
 * Verifying the pins of opened documents (and pins typed in since) in the background
 * (`imagePin.verifyPins: onOpen`) and of
 * the whole workspace on command, with the verifier the CLI uses (verify/verifyPins.ts). Each
 * reference is verified at most once per cache lifetime; its verdict then becomes a diagnostic
 * (unknown-digest, moved-tag) when its document is next checked. registry-error is no diagnostic
 * in the editor — an offline laptop must not turn red — but shows in the hover and the status bar.
 * In an untrusted workspace there is no client, so nothing is verified and nothing is sent.
 */
import type { Connection } from 'vscode-languageserver';
import { VERSION } from '../cli/version';
import { type PinVerdict, type VerifyCounts, countVerdicts, countsText, pinQuestion, verdictFinding } from '../core/verify';
import type { ImagePinConfig } from '../core/config';
import type { Range } from '../core/text';
import type { JudgedSite } from '../core/types';
import type { LocatedExtraction, LocatedFinding } from '../scan/checkText';
import { type FileReport, scan } from '../scan/scanner';
import { type PinItem, verifyPins } from '../verify/verifyPins';
import { notifier } from './messages';
import type { DocumentPolicy, PolicyService } from './policy';
import { withProgress, type ProgressOptions } from './progress';
import { VERIFICATION_STATUS, type VerificationStatus } from './protocol';
import type { RegistryAccess } from './registryAccess';
import type { SettingsStore } from './settings';
import type { WorkspaceFolders } from './workspaceFolders';

/** A reference's verdict and when it was reached. */
export interface Verified {
  verdict: PinVerdict;
  at: number;
}

export interface VerifyWorkspaceResult extends VerifyCounts {
  /** Why nothing was verified: untrusted, cancelled. */
  reason?: string;
}

const DEFAULT_TTL_SECONDS = 600;
const MIN_TTL_SECONDS = 30;

export interface PinVerificationDeps {
  connection: Connection;
  access: RegistryAccess;
  settings: SettingsStore;
  policy: PolicyService;
  folders: WorkspaceFolders;
  /** Checks an open document again, so new verdicts become diagnostics. */
  recheck: (uri: string) => void;
  /** Publishes the diagnostics of files that are not open (the workspace scan's). */
  publish: (reports: FileReport[]) => Promise<void>;
  now?: () => number;
}

export class PinVerification {
  private readonly verdicts = new Map<string, Verified>();
  /** References being verified, and the documents waiting for them. */
  private readonly waiting = new Map<string, Set<string>>();
  /**
   * An open document's pinned references when it was last verified: a later check (a keystroke)
   * verifies only references new since then; the document's others wait until it is opened again.
   */
  private readonly asked = new Map<string, Set<string>>();
  private readonly now: () => number;

  constructor(private readonly deps: PinVerificationDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The verdict of a reference, while it is within the cache lifetime. */
  async verdict(reference: string): Promise<Verified | undefined> {
    return this.fresh(reference, await this.ttlMs());
  }

  /** The same with the cache lifetime read once by the caller (a document's every site on each keystroke). */
  private fresh(reference: string, ttl: number): Verified | undefined {
    const hit = this.verdicts.get(reference);
    return hit && this.now() - hit.at < ttl ? hit : undefined;
  }

  /** The diagnostics-worthy findings of a document's known verdicts (no request). */
  findings(extraction: LocatedExtraction, policy: DocumentPolicy): Promise<LocatedFinding[]> {
    return this.siteFindings(extraction.sites, extraction.siteRanges, policy.config);
  }

  /** The same for a file of a workspace scan. */
  reportFindings(report: FileReport): Promise<LocatedFinding[]> {
    if (!report.extraction || !report.config) return Promise.resolve([]);
    return this.siteFindings(report.sites, report.extraction.siteRanges, report.config);
  }

  private async siteFindings(sites: readonly JudgedSite[], ranges: readonly Range[], config: ImagePinConfig): Promise<LocatedFinding[]> {
    if (this.verdicts.size === 0) return [];
    const ttl = await this.ttlMs();
    const out: LocatedFinding[] = [];
    for (const [index, site] of sites.entries()) {
      const known = this.fresh(site.reference, ttl);
      // registry-error is not a diagnostic in the editor: an offline laptop must not turn red.
      if (!known || known.verdict.status === 'registry-error') continue;
      const finding = verdictFinding(site, index, known.verdict, config);
      if (finding) out.push({ ...finding, range: ranges[index] });
    }
    return out;
  }

  /**
   * A document was checked: in the background, verify its pins that have no fresh verdict when it
   * was just opened, else those that are new since its last verification (typed or pasted in).
   */
  async documentChecked(uri: string, extraction: LocatedExtraction): Promise<void> {
    const client = this.deps.access.client(false);
    if (!client || (await this.deps.settings.get()).verifyPins === 'off') return;
    const ttl = await this.ttlMs();
    const items: Array<PinItem<undefined>> = [];
    const mine = new Set<string>();
    const before = this.asked.get(uri);
    this.asked.set(uri, mine);
    for (const site of extraction.sites) {
      if (site.ignored?.length === 0 || !pinQuestion(site.reference) || mine.has(site.reference)) continue;
      mine.add(site.reference);
      const waiting = this.waiting.get(site.reference);
      if (waiting) {
        waiting.add(uri);
        continue;
      }
      if (before?.has(site.reference) || this.fresh(site.reference, ttl)) continue;
      this.waiting.set(site.reference, new Set([uri]));
      items.push({ reference: site.reference, place: undefined });
    }
    this.sendStatus(uri, mine);
    if (items.length === 0) return;
    const recheck = new Set<string>();
    try {
      const results = await verifyPins(client, items);
      const at = this.now();
      for (const { item, verdict } of results) {
        this.verdicts.set(item.reference, { verdict, at });
        for (const u of this.waiting.get(item.reference) ?? []) recheck.add(u);
      }
    } finally {
      for (const item of items) this.waiting.delete(item.reference);
    }
    for (const u of recheck) this.deps.recheck(u);
  }

  /** The document was opened or closed: its next check verifies every pin of it without a fresh verdict. */
  documentOpenedOrClosed(uri: string): void {
    this.asked.delete(uri);
  }

  /**
   * Settings changed: with verification turned off, what it found is forgotten and its diagnostics go;
   * turned on again, the open documents' pins are verified as if they had just been opened.
   */
  async settingsChanged(): Promise<void> {
    if ((await this.deps.settings.get()).verifyPins !== 'off') return;
    this.asked.clear();
    if (this.verdicts.size === 0) return;
    this.verdicts.clear();
    this.deps.recheck('*');
  }

  /** `Image Pin: Verify Pins in Workspace`: every pinned reference of every folder, with progress. */
  async verifyWorkspace(progress: Omit<ProgressOptions, 'title'>): Promise<VerifyWorkspaceResult> {
    const { connection, access, folders, policy } = this.deps;
    const notify = notifier(connection);
    const empty: VerifyCounts = { pins: 0, verified: 0, moved: 0, unknown: 0, registryErrors: 0 };
    const client = access.client(false);
    if (!client) {
      notify.warn('Image Pin does not contact registries in an untrusted workspace. Trust the workspace to verify pins.');
      return { ...empty, reason: 'untrusted' };
    }
    return withProgress(connection, { ...progress, title: 'Image Pin: verifying pins' }, async (report, signal) => {
      const items: Array<PinItem<string>> = [];
      const reports: FileReport[] = [];
      for (const folder of folders.all()) {
        report(`listing ${folder.path}`);
        const scanned = await scan([folder.path], { resolver: await policy.resolverForFolder(folder), signal, version: VERSION });
        reports.push(...scanned.files);
        for (const file of scanned.files) {
          for (const site of file.sites) if (site.ignored?.length !== 0) items.push({ reference: site.reference, place: file.absolute });
        }
      }
      const results = await verifyPins(client, items, { signal, onProgress: (done, total) => report(`${done}/${total} registry answers`, (100 * done) / total) });
      if (signal.aborted) return { ...empty, reason: 'cancelled' };
      const at = this.now();
      for (const { item, verdict } of results) this.verdicts.set(item.reference, { verdict, at });
      const counts = countVerdicts(results);
      for (const { item, verdict } of results) {
        if (verdict.status !== 'verified') connection.console.info(`verify: ${item.place}: ${item.reference}: ${verdict.status}${verdict.status === 'registry-error' ? ` (${verdict.reason})` : ''}`);
      }
      this.deps.recheck('*');
      // Files that are not open show their moved and unknown pins in Problems too.
      await this.deps.publish(reports);
      notify.info(`Image Pin: ${countsText(counts)}.`);
      return counts;
    });
  }

  clear(): void {
    this.verdicts.clear();
  }

  /** What the status bar shows for a document: counts, and why pins could not be verified. */
  private sendStatus(uri: string, references: Set<string>): void {
    const results: Array<{ verdict: PinVerdict }> = [];
    const errors: string[] = [];
    for (const reference of references) {
      const known = this.verdicts.get(reference);
      if (!known) continue;
      results.push(known);
      if (known.verdict.status === 'registry-error') errors.push(`${reference}: ${known.verdict.reason}`);
    }
    const status: VerificationStatus = { uri, ...countVerdicts(results), pending: references.size - results.length, errors };
    void this.deps.connection.sendNotification(VERIFICATION_STATUS, status);
  }

  /** The cache lifetime; a verdict is kept at least MIN_TTL_SECONDS, or a `0` would verify on every keystroke. */
  private async ttlMs(): Promise<number> {
    return Math.max(MIN_TTL_SECONDS, (await this.deps.settings.get()).cacheTtlSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
  }
}
