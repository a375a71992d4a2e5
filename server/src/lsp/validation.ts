/**
 * Checking open documents: on open at once, on change after a short per-document debounce.
 * The newest version wins: a run that finishes after the document changed again (or after the
 * settings changed) publishes nothing. Each document keeps a DocumentCache so that an edit
 * re-parses only the YAML documents it touched; large documents (long, or of many YAML documents)
 * are checked on a worker.
 */
import type { Connection, Diagnostic, Position, Range, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DocumentCache } from '../core/extract';
import type { Doc } from '../core/env/read';
import { todayUtc } from '../core/rules';
import { LineIndex, looksBinary } from '../core/text';
import { LocatedExtraction, LocatedFinding, extractLocated, findingsFor, chartTagFor } from '../scan/checkText';
import type { ChartText } from '../scan/chart';
import { chartTagOf } from '../scan/chartTemplates';
import { BINARY_REASON, tooLargeReason } from '../scan/readFile';
import { sortFindings } from '../scan/scanner';
import { type PinnedPlace, tagConflicts } from '../core/verify';
import { ConfigFileDiagnostics, isConfigFile } from './configFiles';
import { brokenConfigNotice, findingDiagnostic, moreFindingsNotice, skippedDiagnostic } from './diagnostics';
import { FindingSummary, summarize } from './findingSummary';
import { LargeDocumentChecker, isLarge } from './largeDocuments';
import { DocumentPolicy, PolicyService } from './policy';
import { LocatedSite, SiteFinding, findingsAt, locateHelmPart, locateSite } from './sites';
import { ENVIRONMENT_PASS_MS, type EnvironmentService } from './environments';
import { throughEnvironments } from '../scan/environments';
import { uriToPath } from './workspaceFolders';

/** The result of checking one version of a document: what code actions and hovers work from. */
export interface DocumentState {
  uri: string;
  version: number;
  /** Settings and config files in effect (see Validator.invalidate). */
  generation: number;
  text: string;
  policy?: DocumentPolicy;
  /**
   * Where the image sites and findings are: here, on the worker (a large document; they are
   * fetched as needed through findingsAt(), siteAt() and extraction()), or nowhere (not selected,
   * skipped, a config file).
   */
  sites: 'here' | 'worker' | 'none';
  extraction?: LocatedExtraction;
  /** Every finding, when the sites are here. */
  findings: LocatedFinding[];
  /** What is published, and how many findings there are wherever they are. */
  summary: FindingSummary;
  /** The environment model's generation this state was judged with. */
  envGeneration?: number;
  /** The text's line index, made by the first request that needs one (hovers and code actions ask again and again). */
  lines?: LineIndex;
}

/** A state's line index, made once per state (a version of the document's text). */
export function linesOf(state: DocumentState): LineIndex {
  return (state.lines ??= new LineIndex(state.text));
}

const NO_FINDINGS: FindingSummary = { shown: [], total: 0, pinnable: 0 };

export interface ValidatorOptions {
  debounceMs: number;
  /** Told about broken config files a document ran into. */
  configFiles: ConfigFileDiagnostics;
  /** Pin verification: known verdicts become findings; a checked document's pins are verified. */
  verification?: {
    findings(extraction: LocatedExtraction, policy: DocumentPolicy): Promise<LocatedFinding[]>;
    documentChecked(uri: string, extraction: LocatedExtraction): Promise<void>;
    documentOpenedOrClosed(uri: string): void;
  };
  /** The environment model: documents it covers are judged through their environments. */
  environments?: EnvironmentService;
}

export class Validator {
  private readonly states = new Map<string, DocumentState>();
  private readonly running = new Map<string, { version: number; generation: number; done: Promise<DocumentState | undefined> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly caches = new Map<string, DocumentCache>();
  private readonly large = new LargeDocumentChecker();
  private generation = 0;
  private envTimer?: NodeJS.Timeout;
  /** The diagnostics last published per document (version and content). */
  private readonly sent = new Map<string, string>();
  /** Open documents' URIs by path (for Chart.yaml texts open in the editor). */
  private readonly paths = new Map<string, string>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly policy: PolicyService,
    private readonly opts: ValidatorOptions,
  ) {}

  opened(uri: string): void {
    const file = uriToPath(uri);
    if (file) this.paths.set(file, uri);
    this.opts.verification?.documentOpenedOrClosed(uri);
    void this.validate(uri);
  }

  /** A Chart.yaml's text as open in the editor (unsaved edits too), for the appVersion an empty Helm tag falls back to. */
  readonly chartText: ChartText = (chart) => {
    const uri = this.paths.get(chart);
    return uri === undefined ? undefined : this.documents.get(uri)?.getText();
  };

  changed(uri: string): void {
    clearTimeout(this.timers.get(uri));
    if (this.opts.debounceMs <= 0) {
      void this.validate(uri);
      return;
    }
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        void this.validate(uri);
      }, this.opts.debounceMs),
    );
  }

  closed(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    this.states.delete(uri);
    this.sent.delete(uri);
    const file = uriToPath(uri);
    if (file && this.paths.get(file) === uri) this.paths.delete(file);
    this.caches.delete(uri);
    this.large.forget(uri);
    this.opts.verification?.documentOpenedOrClosed(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** Checks an open document again although its text did not change (new verdicts); '*': every one. */
  refresh(uri: string): void {
    const uris = uri === '*' ? this.documents.all().map((d) => d.uri) : [uri];
    for (const u of uris) {
      const run = this.running.get(u);
      void (run ? run.done : Promise.resolve()).then(() => {
        this.states.delete(u);
        return this.validate(u);
      });
    }
  }

  /** Settings or config files changed: every open document is checked again. */
  invalidate(): void {
    this.generation++;
    for (const doc of this.documents.all()) void this.validate(doc.uri);
  }

  /** The state of the document's current version, checking it now if that has not happened yet. */
  async current(uri: string): Promise<DocumentState | undefined> {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    // A run can end without a state when the document changed meanwhile: then check the newer version.
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = await this.validate(uri);
      if (state || !this.documents.get(uri)) return state;
    }
    return undefined;
  }

  /** The whole extraction of a state; undefined when it was not checked or is no longer current. */
  async extraction(state: DocumentState): Promise<LocatedExtraction | undefined> {
    if (state.sites === 'worker' && !state.extraction) state.extraction = await this.large.extraction(state.uri, state.version);
    return state.extraction;
  }

  /** The findings at a range, with their sites (for code actions: a few, never a large document's all). */
  async findingsAt(state: DocumentState, range: Range): Promise<SiteFinding[] | undefined> {
    if (state.sites === 'worker') return this.large.findingsAt(state.uri, state.version, range);
    return state.extraction && findingsAt(state.findings, state.extraction, range);
  }

  /** The site whose reference text contains the position (for hovers). */
  async siteAt(state: DocumentState, position: Position): Promise<LocatedSite | undefined> {
    if (state.sites === 'worker' && !state.extraction) return this.large.siteAt(state.uri, state.version, position);
    if (!state.extraction) return undefined;
    const lines = linesOf(state);
    return locateSite(state.extraction, position) ?? locateHelmPart(state.extraction, lines.offset(position), (s, e) => lines.range(s, e));
  }

  dispose(): void {
    clearTimeout(this.envTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.large.dispose();
  }

  private async validate(uri: string): Promise<DocumentState | undefined> {
    for (;;) {
      const doc = this.documents.get(uri);
      if (!doc) return undefined;
      const known = this.states.get(uri);
      const envs = this.opts.environments?.generation;
      if (known && known.version === doc.version && known.generation === this.generation && (known.envGeneration === undefined || known.envGeneration === envs)) return known;
      const run = this.running.get(uri);
      if (run && run.version === doc.version && run.generation === this.generation) return run.done;
      if (run) {
        // One run per document at a time; when it ends, the newest version is checked.
        await run.done;
        continue;
      }
      const generation = this.generation;
      const done = this.check(doc, generation)
        .catch((err: Error) => {
          this.connection.console.error(`checking ${uri} failed: ${err.stack ?? err.message}`);
          return undefined;
        })
        .finally(() => this.running.delete(uri));
      this.running.set(uri, { version: doc.version, generation, done });
      return done;
    }
  }

  private async check(doc: TextDocument, generation: number): Promise<DocumentState | undefined> {
    const { uri, version } = doc;
    const text = doc.getText();
    const file = uriToPath(uri);
    if (file && isConfigFile(file)) {
      this.opts.configFiles.checkOpen(uri, file, text, version);
      return this.store({ uri, version, generation, text, sites: 'none', findings: [], summary: NO_FINDINGS }, []);
    }

    const policy = await this.policy.forUri(uri);
    // Typing went on while the settings were read: that newer version is checked instead.
    if (this.documents.get(uri)?.version !== version || generation !== this.generation) return undefined;
    if (policy.configError) this.opts.configFiles.report([[policy.configError.file, policy.configError.error]]);
    const state: DocumentState = { uri, version, generation, text, policy, sites: 'none', findings: [], summary: NO_FINDINGS };
    if (!policy.selected) return this.store(state, []);
    const notices = policy.configError && file ? [brokenConfigNotice(policy.configError.file, policy.configError.error, file)] : [];

    const skipped = skipReason(text, policy.config.maxFileSize);
    if (skipped) return this.store(state, [...notices, skippedDiagnostic(skipped)]);

    const today = todayUtc();
    if (isLarge(text)) {
      const chartTag = file ? chartTagOf(file, this.chartText) : undefined;
      state.summary = await this.large.check({ uri, version, text, path: file, config: policy.config, relativePath: policy.relativePath, today, chartTag });
      state.sites = 'worker';
    } else {
      let cache = this.caches.get(uri);
      if (!cache) this.caches.set(uri, (cache = new DocumentCache()));
      // The documents parsed now (the others come from the cache) serve the environment model's facts
      // when they are all of the file's: a keystroke in a values file parses it once, not twice. Read
      // with the structural fast path as scans are (it hands `yaml` every document it is unsure of, so
      // syntax errors and sites are the parser's). A values map whose end only `yaml` knows is left for
      // an edit to find in the text (read.ts UNPLACED): diagnostics do not need it. A document whose
      // facts needed `yaml` anyway is read with it while it stays open (EnvironmentService.readsFast).
      const parsed: Doc[] = [];
      const fast = !file || !this.opts.environments || this.opts.environments.readsFast(file);
      state.extraction = extractLocated(text, { path: file, imageKeys: policy.config.imageKeys, cache, fast, onDocument: (doc, source, offset, workloads) => parsed.push({ doc, source, offset, workloads }) });
      state.sites = 'here';
      cache.sweep();
      state.findings = findingsFor(state.extraction, policy.config, policy.relativePath, today, chartTagFor(state.extraction, file, this.chartText));
      if (file && this.opts.environments) state.findings = this.withEnvironments(this.opts.environments, file, text, state, parsed);
      const more = [...documentTagConflicts(state.extraction, policy), ...((await this.opts.verification?.findings(state.extraction, policy)) ?? [])];
      if (more.length) {
        state.findings.push(...more);
        sortFindings(state.findings);
      }
      state.summary = summarize(state.findings);
    }
    const { shown, total } = state.summary;
    if (total > shown.length) notices.push(moreFindingsNotice(state.summary));
    const stored = this.store(state, [...notices, ...shown.map((f) => findingDiagnostic(f, uri, version))]);
    if (stored?.extraction && this.opts.verification) {
      this.opts.verification.documentChecked(uri, stored.extraction).catch((err: Error) => this.connection.console.error(`verifying the pins of ${uri} failed: ${err.stack ?? err.message}`));
    }
    return stored;
  }

  /**
   * A document's findings through its environments: sites an environment covers are judged there, and
   * the findings the model places in this document are added. The model reads this document's current
   * text, so every range is one of this version.
   */
  private withEnvironments(envs: EnvironmentService, file: string, text: string, state: DocumentState, parsed: readonly Doc[]): LocatedFinding[] {
    envs.documentChecked(file, text, state.extraction!.sites, parsed);
    const j = envs.documentJudgement(file);
    state.envGeneration = envs.generation;
    return j ? throughEnvironments(file, state.findings, j) : state.findings;
  }

  /**
   * The environment model changed: open documents are judged again (each re-parses nothing it has
   * cached) once typing pauses; the edited document was judged with its change already.
   */
  environmentsChanged(): void {
    clearTimeout(this.envTimer);
    this.envTimer = setTimeout(() => {
      this.envTimer = undefined;
      for (const doc of this.documents.all()) void this.validate(doc.uri);
    }, ENVIRONMENT_PASS_MS);
  }

  /** Keeps and publishes a state, unless the document or the settings moved on meanwhile. */
  private store(state: DocumentState, diagnostics: Diagnostic[]): DocumentState | undefined {
    const doc = this.documents.get(state.uri);
    if (!doc || doc.version !== state.version || state.generation !== this.generation) return undefined;
    this.states.set(state.uri, state);
    // Judged again for an environment change with the same outcome: nothing new to show.
    const key = `${state.version}\0${JSON.stringify(diagnostics)}`;
    if (this.sent.get(state.uri) === key) return state;
    this.sent.set(state.uri, key);
    void this.connection.sendDiagnostics({ uri: state.uri, version: state.version, diagnostics });
    return state;
  }
}

/** tag-conflict within one document (the workspace scan finds them across files). */
function documentTagConflicts(extraction: LocatedExtraction, policy: DocumentPolicy): LocatedFinding[] {
  const places: PinnedPlace[] = [];
  extraction.sites.forEach((site, index) => {
    if (site.reference.includes('@')) places.push({ site, index, config: policy.config, where: `line ${extraction.siteRanges[index].start.line + 1}` });
  });
  if (places.length < 2) return [];
  return [...tagConflicts(places).values()].map((f) => ({ ...f, range: extraction.siteRanges[f.site!] }));
}

/** Why an open document is not checked, as the CLI would say of the file. */
function skipReason(text: string, maxFileSize: number): string | undefined {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: only a length near the limit needs counting.
  if (text.length * 3 > maxFileSize) {
    const size = Buffer.byteLength(text);
    if (size > maxFileSize) return tooLargeReason(size, maxFileSize);
  }
  if (looksBinary(Buffer.from(text.slice(0, 8192)))) return BINARY_REASON;
  return undefined;
}
