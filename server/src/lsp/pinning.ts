/**
 * Pinning from the editor: plan with the CLI's planner (pin/plan.ts), look digests up with the
 * shared registry lookup (pin/lookup.ts), and turn the outcomes into versioned text edits. An
 * edit is only ever produced for the exact text it was computed from.
 */
import { Connection, OptionalVersionedTextDocumentIdentifier, TextDocumentEdit, TextDocuments, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { PinStyle } from '../core/config';
import { formatReference } from '../core/reference';
import { LineIndex } from '../core/text';
import { LookupResult, lookUpCandidate } from '../pin/lookup';
import { PinCandidate, PinOutcome, outcomeFor, planPins } from '../pin/plan';
import type { EnvironmentService } from './environments';
import { LocatedExtraction, extractLocated } from '../scan/checkText';
import { listFiles } from '../scan/files';
import { readForCheck } from '../scan/readFile';
import { Notifier, notifier } from './messages';
import { UNTRUSTED_REPORT, pinReport } from './pinReports';
import { FileChange, applyReviewed, reviewedEdit } from './reviewedEdit';
import type { DocumentPolicy, PolicyService } from './policy';
import { Report, withProgress, type ProgressOptions } from './progress';
import type { PinCommandResult, RegistrySettings, Report as UserReport } from './protocol';
import { RegistryAccess, UNTRUSTED_MESSAGE } from './registryAccess';
import type { DocumentState, Validator } from './validation';
import { WorkspaceFolders, pathToUri, uriKey, uriToPath } from './workspaceFolders';

/** One file's pin plan, tied to the text it was computed from. */
export interface PlannedFile {
  uri: string;
  /** The open document's version, or null for a file read from disk. */
  version: number | null;
  text: string;
  path?: string;
  candidates: PinCandidate[];
  style: PinStyle;
  verifyDigests: boolean;
  /** The config file's `registries` (mirror, CA) and its folder: lookups honour them as the CLI does. */
  workspaceRegistries: { registries: Record<string, RegistrySettings>; baseDir: string };
  /** Read from disk, its bytes are not what its text encodes back to (invalid UTF-8): the editor would not keep them. */
  lossy?: boolean;
}

export interface Selection {
  /** Only these site indexes (a quick fix). */
  sites?: number[];
  /** Only the candidates starting at these offsets (a quick fix on an environment finding that is not a site). */
  offsets?: number[];
  /** Only the site at this offset (pin at cursor). */
  at?: number;
  /** Overrides the config's pinStyle. */
  style?: PinStyle;
}

export interface PinServiceDeps {
  /** The environment model: pins go where environment findings are (an overlay's entry, a values file). */
  environments?: EnvironmentService;
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  validator: Validator;
  policy: PolicyService;
  access: RegistryAccess;
  folders: WorkspaceFolders;
  /** The client shows annotated workspace edits for review (VS Code's refactor preview). */
  reviewEdits?: boolean;
}

const CHANGED_SINCE_OFFERED = 'Image Pin: the document changed since this fix was offered, so nothing was changed. Try the fix again.';

const nothing = (reason: string): PinCommandResult => ({ applied: false, pinned: 0, files: 0, pins: [], failed: [], reason });

export class PinService {
  private readonly notify: Notifier;

  constructor(private readonly deps: PinServiceDeps) {
    this.notify = notifier(deps.connection);
  }

  /** Tells the user what a pin did (or why it could not), once the edit is applied or has failed. */
  report(result: PinCommandResult, single: boolean): void {
    const report = this.reportFor(result, single);
    if (report) this.notify.report(report);
  }

  /** The report for a result, for a client that shows it later (a code action's command). */
  reportFor(result: PinCommandResult, single: boolean): UserReport | undefined {
    return pinReport(result, { single, display: (uri) => this.deps.folders.display(uri) });
  }

  /**
   * The edit that pins the selected sites of one file. `expectedVersion`: the version a code
   * action was offered for; when the document is no longer at it, there is no edit. Failures are
   * in the result, for the caller to report (`report`).
   */
  async pinFile(uri: string, selection: Selection, progress: Omit<ProgressOptions, 'title'>, expectedVersion?: number): Promise<{ edit?: WorkspaceEdit; result: PinCommandResult }> {
    const { connection, documents, access } = this.deps;
    if (expectedVersion !== undefined && documents.get(uri)?.version !== expectedVersion) {
      this.notify.warn(CHANGED_SINCE_OFFERED);
      return { result: nothing('stale') };
    }
    if (!access.trusted) {
      this.notify.report(UNTRUSTED_REPORT);
      return { result: nothing('untrusted') };
    }
    const file = await this.plan(uri, selection);
    if (expectedVersion !== undefined && file && file.version !== expectedVersion) {
      // The fix's site indexes belong to the version it was offered for.
      this.notify.warn(CHANGED_SINCE_OFFERED);
      return { result: nothing('stale') };
    }
    if (!file || file.candidates.length === 0) {
      this.notify.info('Image Pin: there is no unpinned image here to pin.');
      return { result: nothing('nothing to pin') };
    }
    const title = file.candidates.length === 1 ? `Pinning ${file.candidates[0].reference}` : `Pinning ${file.candidates.length} images`;
    const looked = await withProgress(connection, { ...progress, title }, (report, signal) => this.lookUp([file], report, signal).then((o) => ({ outcomes: o.get(file)!, cancelled: signal.aborted })));
    if (looked.cancelled) return { result: nothing('cancelled') };
    const failed = this.failures([[file, looked.outcomes]]);
    if (!this.stillCurrent(file)) {
      this.notify.warn('Image Pin: the document changed while the digests were looked up, so nothing was changed. Try again.');
      return { result: { ...nothing('stale'), failed } };
    }
    const edits = this.textEdits(file, looked.outcomes);
    if (edits.length === 0) return { result: { ...nothing(failed.length ? 'lookup failed' : 'already pinned'), failed } };
    const edit: WorkspaceEdit = { documentChanges: [TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(file.uri, file.version), edits)] };
    return { edit, result: { applied: true, pinned: pinnedCount(looked.outcomes), files: 1, pins: pinsOf(file, looked.outcomes), failed } };
  }

  /**
   * Pins every unpinned reference of every workspace folder in one undoable edit. A client with
   * a refactor preview shows the whole edit, grouped by file, before anything changes; any other
   * client is asked first.
   */
  async pinWorkspace(progress: Omit<ProgressOptions, 'title'>): Promise<PinCommandResult> {
    const { connection, access, folders, policy } = this.deps;
    if (!access.trusted) {
      this.notify.report(UNTRUSTED_REPORT);
      return nothing('untrusted');
    }
    const open = new Map(this.deps.documents.all().map((d) => [uriKey(d.uri), d.uri]));
    const files: PlannedFile[] = [];
    for (const folder of folders.all()) {
      const resolver = await policy.resolverForFolder(folder);
      for (const listed of listFiles([folder.path], resolver).files) {
        if (listed.skipped) continue;
        const planned = await this.plan(open.get(listed.absolute) ?? pathToUri(listed.absolute), {});
        if (planned && planned.candidates.length > 0) files.push(planned);
      }
    }
    const references = files.reduce((n, f) => n + f.candidates.length, 0);
    if (references === 0) {
      this.notify.info('Image Pin: every image in the workspace is pinned already.');
      return nothing('nothing to pin');
    }
    if (!this.deps.reviewEdits) {
      const images = new Set(files.flatMap((f) => f.candidates.map((c) => lookupKey(f, c)))).size;
      const question = `Pin ${references} image reference${references === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'} to their digests? ${images} image${images === 1 ? '' : 's'} will be looked up.`;
      const answer = await connection.window.showInformationMessage(question, { title: 'Pin' }, { title: 'Cancel' });
      if (answer?.title !== 'Pin') return nothing('declined');
    }

    const looked = await withProgress(connection, { ...progress, title: `Pinning images in the workspace` }, async (report, signal) => ({
      outcomes: await this.lookUp(files, report, signal),
      cancelled: signal.aborted,
    }));
    if (looked.cancelled) return nothing('cancelled');
    const failed = this.failures([...looked.outcomes]);
    const changes: FileChange[] = [];
    const pins: PinCommandResult['pins'] = [];
    for (const file of files) {
      const outcomes = looked.outcomes.get(file)!;
      const edits = this.textEdits(file, outcomes);
      if (edits.length === 0) continue;
      const error = file.lossy
        ? 'the file holds bytes that are not valid UTF-8, which the editor would replace; left as it is (image-pin pin --write keeps every byte)'
        : !this.stillCurrent(file)
          ? 'the file changed while the digests were looked up; left as it is'
          : undefined;
      if (error) {
        for (const o of outcomes) if (o.edits.length > 0) failed.push({ uri: file.uri, reference: o.candidate.reference, error });
        continue;
      }
      const n = pinnedCount(outcomes);
      const shown = folders.display(file.uri);
      changes.push({ uri: file.uri, version: file.version, edits, label: shown, description: `pin ${n} image reference${n === 1 ? '' : 's'}` });
      pins.push(...pinsOf(file, outcomes));
    }
    if (changes.length === 0) {
      const result = { ...nothing('lookup failed'), failed };
      this.report(result, false);
      return result;
    }
    const edit = reviewedEdit(changes, !!this.deps.reviewEdits);
    const applied = await applyReviewed(connection, 'Pin images to digests', edit);
    if (!applied.applied) {
      connection.console.info(`workspace pin not applied: ${applied.reason}`);
      this.notify.report({ kind: 'status', message: 'Image Pin: nothing was pinned (no change was accepted in the preview)' });
      return { ...nothing(applied.reason ?? 'not applied'), failed };
    }
    const result: PinCommandResult = { applied: true, pinned: pins.length, files: changes.length, pins, failed };
    this.report(result, false);
    return result;
  }

  /** The plan for a file: from the open document's checked state, else from disk. */
  async plan(uri: string, selection: Selection): Promise<PlannedFile | undefined> {
    const { documents, policy } = this.deps;
    let version: number | null = null;
    let text: string;
    let extraction: LocatedExtraction;
    let documentPolicy: DocumentPolicy;
    let lossy = false;
    const file = uriToPath(uri);
    if (documents.get(uri)) {
      const state = await this.currentState(uri);
      if (!state) return undefined;
      ({ version, text } = state);
      extraction = state.extraction;
      documentPolicy = state.policy;
    } else {
      if (!file) return undefined;
      documentPolicy = await policy.forUri(uri);
      if (!documentPolicy.selected) return undefined;
      const read = readForCheck(file, documentPolicy.config.maxFileSize);
      if (read.kind !== 'text') return undefined;
      text = read.text;
      lossy = !Buffer.from(text, 'utf8').equals(read.bytes);
      extraction = extractLocated(text, { path: file, imageKeys: documentPolicy.config.imageKeys });
    }
    const { config, relativePath } = documentPolicy;
    const j = file ? this.deps.environments?.judgement(file) : undefined;
    const environments = j && file ? { covered: j.model.covered.get(file), placed: j.placed.get(file) } : undefined;
    let candidates = planPins(extraction, config, relativePath, { file, at: selection.at, environments, chartText: this.deps.validator.chartText });
    if (selection.sites || selection.offsets) {
      candidates = candidates.filter((c) => (c.index >= 0 && selection.sites?.includes(c.index)) || selection.offsets?.includes(c.span.start));
    }
    return {
      uri,
      version,
      text,
      path: file,
      candidates,
      style: selection.style ?? config.pinStyle,
      verifyDigests: config.verifyDigests,
      workspaceRegistries: { registries: config.registries, baseDir: config.baseDir },
      ...(lossy ? { lossy } : {}),
    };
  }

  /** An open document's checked state with all its sites. */
  private async currentState(uri: string): Promise<(DocumentState & { extraction: LocatedExtraction; policy: DocumentPolicy }) | undefined> {
    const { validator } = this.deps;
    // A large document's sites come from the worker, which may have moved on to a newer version meanwhile.
    for (let attempt = 0; attempt < 3; attempt++) {
      const state = await validator.current(uri);
      if (!state?.policy || state.sites === 'none') return undefined;
      const extraction = await validator.extraction(state);
      if (extraction) return { ...state, extraction, policy: state.policy };
    }
    return undefined;
  }

  /** Looks every candidate up, each distinct image once; the registry client bounds concurrency. */
  private async lookUp(files: PlannedFile[], report: Report, signal: AbortSignal): Promise<Map<PlannedFile, PinOutcome[]>> {
    const lookups = new Map<string, Promise<LookupResult>>();
    let done = 0;
    const pending = files.map((file) => ({ file, results: file.candidates.map((candidate) => {
      const key = lookupKey(file, candidate);
      let lookup = lookups.get(key);
      if (!lookup) {
        const client = this.deps.access.client(file.verifyDigests, file.workspaceRegistries);
        lookup = (client ? lookUpCandidate(client, candidate, { signal, withPlatforms: true }) : Promise.resolve({ error: UNTRUSTED_MESSAGE })).then((result) => {
          done++;
          report(`${done}/${lookups.size} images looked up`, (100 * done) / lookups.size);
          return result;
        });
        lookups.set(key, lookup);
      }
      return lookup;
    }) }));
    const out = new Map<PlannedFile, PinOutcome[]>();
    for (const { file, results } of pending) {
      const resolved = await Promise.all(results);
      out.set(file, file.candidates.map((c, i) => outcomeFor(file.text, c, file.style, resolved[i])));
    }
    return out;
  }

  private textEdits(file: PlannedFile, outcomes: PinOutcome[]): TextEdit[] {
    const lines = new LineIndex(file.text);
    return outcomes.flatMap((o) => o.edits).map((e) => TextEdit.replace(lines.range(e.start, e.end), e.newText));
  }

  /** Whether the file still has the text the plan was made from. */
  private stillCurrent(file: PlannedFile): boolean {
    const open = this.deps.documents.get(file.uri) ?? this.deps.documents.all().find((d) => file.path !== undefined && uriKey(d.uri) === file.path);
    if (file.version !== null) return open?.version === file.version;
    if (open) return open.getText() === file.text;
    if (file.path === undefined) return false;
    // Non-blocking, regular files only: a FIFO put in the file's place since the plan never makes this wait.
    const read = readForCheck(file.path, Infinity);
    return read.kind === 'text' && read.text === file.text;
  }

  /** What could not be pinned, logged; the caller reports it with the rest of the result. */
  private failures(results: Array<[PlannedFile, PinOutcome[]]>): PinCommandResult['failed'] {
    const failed = results.flatMap(([file, outcomes]) =>
      outcomes.filter((o) => o.error).map((o) => {
        const f: PinCommandResult['failed'][number] = { uri: file.uri, reference: o.candidate.reference, error: o.error! };
        if (o.errorCode) f.code = o.errorCode;
        return f;
      }),
    );
    for (const f of failed) this.deps.connection.console.warn(`could not pin ${f.reference} in ${f.uri}: ${f.error}`);
    return failed;
  }
}

/** Candidates with the same key share one registry lookup. */
function lookupKey(file: PlannedFile, candidate: PinCandidate): string {
  const t = candidate.target;
  if ('error' in t) return `error\n${file.uri}\n${candidate.index}`;
  const registries = JSON.stringify(file.workspaceRegistries.registries);
  return [formatReference({ domain: t.ref.domain, path: t.ref.path, tag: t.ref.tag }), t.currentDigest ?? '', file.verifyDigests, registries, file.workspaceRegistries.baseDir].join('\n');
}

function pinsOf(file: PlannedFile, outcomes: PinOutcome[]): PinCommandResult['pins'] {
  return outcomes
    .filter((o) => o.edits.length > 0 && o.digest)
    .map((o) => (o.mirror ? { uri: file.uri, reference: o.candidate.reference, digest: o.digest!, mirror: o.mirror } : { uri: file.uri, reference: o.candidate.reference, digest: o.digest! }));
}

function pinnedCount(outcomes: PinOutcome[]): number {
  return outcomes.filter((o) => o.edits.length > 0).length;
}
