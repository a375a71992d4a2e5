/**
 * The environment model in the editor: fed by a quiet index of each workspace folder (the CLI's scan,
 * nothing published), the Scan Workspace command, watched-file events and the open documents' current
 * text. Validation asks it for a document's judgement; hover asks which environments deploy a site;
 * the Environments view asks for the whole list. The model is rebuilt lazily, once per change.
 */
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { VERSION } from '../cli/version';
import { type BuildCounts, type EffectiveImage, type Environment, ModelMemo, deployersOf, imageStatus, mayDeclareApp } from '../core/env';
import { isFloatingTag, todayUtc } from '../core/rules';
import { LineIndex } from '../core/text';
import type { JudgedSite } from '../core/types';
import { type Doc, type FileFacts, readFacts } from '../core/env/read';
import { splitDocuments } from '../core/yamlSource';
import { Bail } from '../core/extract/lineScan';
import { EnvironmentJudgement, ModelInput, ModelInputs, PackedFacts, judgeEnvironments } from '../scan/environments';
import { FileReport, scan } from '../scan/scanner';
import { readRegularFile } from '../scan/files';
import { unchangedSince } from '../scan/fileTime';
import type { EditorConfigResolver, PolicyService } from './policy';
import { DID_CHANGE_ENVIRONMENTS, type EnvironmentInfo, type EnvironmentsResult } from './protocol';
import { driftKey, driftOf } from '../core/promote/drift';
import { Folder, WorkspaceFolders, pathToUri } from './workspaceFolders';

interface FolderIndex {
  folder: Folder;
  resolver?: EditorConfigResolver;
  reports: Map<string, FileReport>;
  /** The reports' environment facts, taken out of them: kept as text, parsed when a build asks. */
  facts: PackedFacts;
  indexed: boolean;
  /** Files changed on disk while the folder was being indexed (deleted: no report), applied over the index's reports. */
  pending?: Map<string, FileReport | undefined>;
  judgement?: EnvironmentJudgement;
  builtAt: number;
  /** What the last build kept: a keystroke recomputes only the environments that read the edited file. */
  memo: ModelMemo;
  /** The environments that read one edited document, at a model version (see documentJudgement). */
  partial?: { version: number; file: string; judgement: EnvironmentJudgement };
  /** The model's inputs (reports, open documents' sites instead), kept while only open documents' texts change. */
  inputs?: ModelInputs;
  /** When the scan that made `reports` started (0: unknown); files changed on disk since are in `refreshed`. */
  scannedAt: number;
  refreshed: Set<string>;
  /** Paths as messages show them (relative to the folder), kept across builds. */
  shown: Map<string, string>;
}

interface OpenDocument {
  text: string;
  sites: readonly JudgedSite[];
  declaresApp: boolean;
  /** What the model read of this text, once (other documents' keystrokes build the model again). */
  facts?: FileFacts;
  /** The extraction's parse of every document of this text, if it parsed them all: the facts are read from it. */
  parsed?: readonly Doc[];
  /**
   * Opened with the text the folder's index read, and not changed since: the model's input for the file
   * did not change when it was opened, and does not when it is closed.
   */
  asIndexed?: boolean;
}

/**
 * How long after the last change of the model other documents and closed files are judged again:
 * while typing goes on, only the edited document is judged (from the environments that read it).
 */
export const ENVIRONMENT_PASS_MS = 200;

/**
 * An open document's facts, from the documents its check read. Those may be the fast path's trees
 * (validation.ts), which throw a `Bail` for a part only `yaml` knows: then the text is parsed here
 * (`bailed` true).
 */
function factsOf(file: string, text: string, parsed: readonly Doc[] | undefined): { facts: FileFacts; bailed: boolean } {
  try {
    return { facts: readFacts(file, text, parsed), bailed: false };
  } catch (err) {
    if (!(err instanceof Bail) || !parsed) throw err;
    return { facts: readFacts(file, text), bailed: true };
  }
}

/**
 * Per judgement, the line index of each file the Environments view places an image in: made once, not
 * once per image (a chart's values file of 200 KiB is where dozens of environments' images are written).
 */
const viewLines = new WeakMap<EnvironmentJudgement, Map<string, LineIndex>>();

function linesIn(j: EnvironmentJudgement, file: string): LineIndex {
  let byFile = viewLines.get(j);
  if (!byFile) viewLines.set(j, (byFile = new Map()));
  let lines = byFile.get(file);
  if (!lines) byFile.set(file, (lines = new LineIndex(j.text(file) ?? '')));
  return lines;
}

function newIndex(folder: Folder, counts: BuildCounts): FolderIndex {
  return { folder, reports: new Map(), facts: new PackedFacts(), indexed: false, builtAt: -1, memo: new ModelMemo(counts), scannedAt: 0, refreshed: new Set(), shown: new Map() };
}

const MODEL_FILE = /(^|\/)(kustomization\.ya?ml|Kustomization|Chart\.yaml|values[^/]*\.ya?ml|[^/]*-values\.ya?ml)$/;

export class EnvironmentService {
  private readonly indexes = new Map<string, FolderIndex>();
  private readonly open = new Map<string, OpenDocument>();
  private readonly disk = new Map<string, string | undefined>();
  private version = 0;
  private notifyTimer?: NodeJS.Timeout;
  private readonly listeners: Array<() => void> = [];
  /**
   * Open documents whose facts the fast path's trees could not give (a value only `yaml` reads, such as
   * a plain scalar over several lines in a values file): checked with `yaml` while they stay open, so a
   * keystroke parses them once, not with both.
   */
  private readonly yamlFacts = new Set<string>();
  /** What the model's builds did since the service started, over every folder (tests read it). */
  readonly counts: BuildCounts = { graphs: 0, environments: 0 };

  constructor(
    private readonly deps: {
      connection: Connection;
      folders: WorkspaceFolders;
      policy: PolicyService;
      fail: (what: string) => (err: Error) => void;
    },
  ) {}

  /** The model's input changed (after indexing, a file change, an edit to a file it reads). */
  get generation(): number {
    return this.version;
  }

  /** Called after each change of the model's input, e.g. to re-judge files that are not open. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Indexes every workspace folder in the background (again, when settings, configs or folders changed). */
  start(): void {
    this.indexes.clear();
    this.disk.clear();
    for (const folder of this.deps.folders.all()) {
      const index = newIndex(folder, this.counts);
      this.indexes.set(folder.path, index);
      this.indexFolder(index).catch(this.deps.fail(`indexing ${folder.path} for environments`));
    }
    this.bump();
  }

  private async indexFolder(index: FolderIndex): Promise<void> {
    const resolver = await this.deps.policy.resolverForFolder(index.folder);
    const startedAt = Date.now();
    const scanned = await scan([index.folder.path], { resolver, version: VERSION, environments: false });
    if (this.indexes.get(index.folder.path) !== index) return; // restarted meanwhile
    this.scanned(index.folder, resolver, scanned.files, startedAt);
  }

  /** A scan of a folder (the index, or Scan Workspace) that started at `startedAt` read these files. */
  scanned(folder: Folder, resolver: EditorConfigResolver, reports: readonly FileReport[], startedAt: number): void {
    let index = this.indexes.get(folder.path);
    if (!index) this.indexes.set(folder.path, (index = newIndex(folder, this.counts)));
    index.resolver = resolver;
    index.reports = new Map(reports.map((r) => [r.absolute, r]));
    index.facts = new PackedFacts();
    for (const r of reports) index.facts.take(r.absolute, r.extraction);
    index.scannedAt = startedAt;
    index.refreshed = new Set();
    // A change seen while the scan ran may have come after the scan read the file: its own read wins.
    for (const [file, report] of index.pending ?? []) {
      index.refreshed.add(file);
      this.setReport(index, file, report);
    }
    index.pending = undefined;
    index.indexed = true;
    index.memo = new ModelMemo(this.counts);
    index.inputs = undefined;
    this.disk.clear();
    this.bump();
  }

  /** A file changed on disk (or was deleted: no report). Followed from the start, before any Scan Workspace. */
  fileChanged(file: string, report: FileReport | undefined): void {
    this.disk.delete(file);
    const index = this.indexOf(file);
    if (!index) return;
    if (!index.indexed) {
      (index.pending ??= new Map()).set(file, report);
      return;
    }
    const listed = index.reports.has(file);
    index.refreshed.add(file);
    this.setReport(index, file, report);
    if (report && listed) {
      // A file the index listed changed on disk (or a document was closed: its text on disk counts
      // again): as for a keystroke, the environments that read it are computed again, not all.
      index.memo.changed.add(file);
      this.inputChanged(index, file, report.extraction);
    } else {
      // On disk, files can appear that a kustomization names but no environment read: everything is judged again.
      index.memo = new ModelMemo(this.counts);
      index.inputs = undefined;
    }
    this.bump();
  }

  /** An open document was checked. True when the model's input changed (other documents may need judging again). */
  documentChecked(file: string, text: string, sites: readonly JudgedSite[], parsed: readonly Doc[] = []): boolean {
    const prev = this.open.get(file);
    if (prev && prev.text === text) return false;
    const all = parsed.length > 0 && parsed.length === splitDocuments(text).length;
    const open: OpenDocument = { text, sites, declaresApp: mayDeclareApp(text), parsed: all ? parsed : undefined };
    this.open.set(file, open);
    const index = this.indexOf(file);
    // Opened as the index read it (the usual open): the model's input is the same, nothing to judge again.
    if (!prev && index && this.asIndexed(index, file) && text === this.readDisk(file)) {
      open.asIndexed = true;
      return false;
    }
    if (index) {
      index.memo.changed.add(file);
      this.inputChanged(index, file, { sites, declaresApp: open.declaresApp });
    }
    if (!this.matters(file, prev?.text ?? this.readDisk(file), text)) return false;
    this.bump();
    return true;
  }

  /** Whether an open document's check should read it with the fast path (see `yamlFacts`). */
  readsFast(file: string): boolean {
    return !this.yamlFacts.has(file);
  }

  /** An open document was closed. False when the model's input for the file stays what it was (nothing to tell it of the file on disk). */
  documentClosed(file: string): boolean {
    this.yamlFacts.delete(file);
    const prev = this.open.get(file);
    if (!prev) return true;
    this.open.delete(file);
    const index = this.indexOf(file);
    // Never changed while it was open, nor on disk since the index read it.
    if (prev.asIndexed && index && this.asIndexed(index, file)) {
      const report = index.reports.get(file)?.extraction;
      if (report && index.inputs?.lists(file)) index.inputs.set({ absolute: file, extraction: report });
      return false;
    }
    if (index) {
      index.memo.changed.add(file);
      // Its input is the index's report again (or none).
      this.inputChanged(index, file, index.reports.get(file)?.extraction);
    }
    if (prev.text !== this.readDisk(file) && this.matters(file, prev.text, this.readDisk(file))) this.bump();
    return true;
  }

  /** The index's report of a file is this one (none: the file is gone), its facts taken into the index's. */
  private setReport(index: FolderIndex, file: string, report: FileReport | undefined): void {
    if (report) {
      index.reports.set(file, report);
      if (report.extraction) index.facts.take(file, report.extraction);
      else index.facts.drop(file);
    } else {
      index.reports.delete(file);
      index.facts.drop(file);
    }
  }

  /** Whether the index's report of the file is of its text on disk now (not modified since the index read it). */
  private asIndexed(index: FolderIndex, file: string): boolean {
    return index.indexed && index.reports.has(file) && !index.refreshed.has(file) && unchangedSince(file, index.scannedAt);
  }

  /**
   * A file's input to the model changed: changed in place in the kept inputs, which a file new to
   * them, or one that has none now, makes anew at the next build (placed where a new build puts it).
   */
  private inputChanged(index: FolderIndex, file: string, extraction: ModelInput['extraction']): void {
    if (extraction && index.inputs?.lists(file)) {
      index.inputs.set({ absolute: file, extraction });
      return;
    }
    index.inputs = undefined;
    // The file joins the model's files (a document the index did not list is opened) or leaves them
    // (closed again, or its input is gone): the memo's graph is of another list of files, and every
    // build for a keystroke would read the graph again until the next whole build. The memo starts
    // anew, so the next build is whole and the keystrokes after it are computed in part again.
    if (index.memo.files && index.memo.files.has(file) !== (extraction !== undefined)) index.memo = new ModelMemo(this.counts);
  }

  /** The judgement of the environments of the file's folder, current with open documents; undefined until indexed. */
  judgement(file: string): EnvironmentJudgement | undefined {
    const index = this.indexOf(file);
    if (!index?.indexed || !index.resolver) return undefined;
    if (index.builtAt !== this.version) {
      index.judgement = this.build(index);
      index.builtAt = this.version;
    }
    return index.judgement;
  }

  /**
   * What one document's findings and hovers need, current with every change: while files changed since
   * the last whole build (edited, opened, closed), the environments that read this file, with those
   * that read a changed file computed again (an environment that deploys a site of the file, or places
   * a finding in it, reads it); the others are built when something asks for the whole judgement (the
   * Environments view, promotion) or once changes pause (ENVIRONMENT_PASS_MS), which starts the next
   * run of keystrokes afresh. Else the whole judgement. So a hover, or another open document checked
   * again, right after typing in an overlay or values file, does not wait for the whole build.
   */
  documentJudgement(file: string): EnvironmentJudgement | undefined {
    const index = this.indexOf(file);
    if (!index?.indexed || !index.resolver) return undefined;
    if (index.builtAt === this.version || !index.memo.files) return this.judgement(file);
    if (index.partial?.version !== this.version || index.partial.file !== file) index.partial = { version: this.version, file, judgement: this.build(index, file) };
    return index.partial.judgement;
  }

  /** The environments that deploy the site, and what they make of it (for hover). */
  deployers(file: string, site: number): ReadonlyArray<{ env: Environment; image: EffectiveImage }> {
    const j = this.documentJudgement(file);
    return j ? deployersOf(j.model, file, site) : [];
  }

  /** The judgement of every indexed folder (for promotion). */
  folderJudgements(): Array<{ folder: string; judgement: EnvironmentJudgement }> {
    const out: Array<{ folder: string; judgement: EnvironmentJudgement }> = [];
    for (const index of this.indexes.values()) {
      const judgement = this.judgement(index.folder.path + path.sep);
      if (judgement) out.push({ folder: index.folder.path, judgement });
    }
    return out;
  }

  /** Every environment of every folder, for the Environments view. */
  list(): EnvironmentsResult {
    const environments: EnvironmentInfo[] = [];
    let complete = true;
    for (const index of this.indexes.values()) {
      if (!index.indexed) complete = false;
      const j = this.judgement(index.folder.path + path.sep);
      if (!j || !index.resolver) continue;
      // Drift: what promoting from the stage before would change, by environment and image.
      const drift = driftOf(j.model, j.text);
      for (const env of j.model.environments) {
        const config = index.resolver.forFile(env.rootFile);
        environments.push({
          id: env.id,
          stage: env.stage,
          stageOrder: env.stageOrder,
          kind: env.kind,
          root: path.relative(index.folder.path, env.root).split(path.sep).join('/') || '.',
          rootUri: pathToUri(env.rootFile),
          incomplete: env.incomplete,
          images: env.images.map((img) => {
            const where = img.provenance.overrides[img.provenance.overrides.length - 1] ?? img.provenance.base;
            return {
              image: img.image,
              reference: img.reference,
              status: imageStatus(img, (tag) => isFloatingTag(config, tag)),
              uri: pathToUri(where.file),
              range: linesIn(j, where.file).range(where.span.start, where.span.end),
              ...(drift.has(driftKey(env.id, img.image)) ? { drift: drift.get(driftKey(env.id, img.image)) } : {}),
            };
          }),
        });
      }
    }
    environments.sort((a, b) => a.stageOrder - b.stageOrder || (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : a.root < b.root ? -1 : 1));
    return { environments, complete };
  }

  /** The model's inputs of a folder: the index's reports, open documents' current sites instead. */
  private inputsOf(index: FolderIndex): ModelInputs {
    if (index.inputs) return index.inputs;
    const inputs: ModelInput[] = [];
    const seen = new Set<string>();
    for (const [file, report] of index.reports) {
      seen.add(file);
      const open = this.open.get(file);
      if (open) inputs.push({ absolute: file, extraction: { sites: open.sites, declaresApp: open.declaresApp } });
      else if (report.extraction) inputs.push({ absolute: file, extraction: report.extraction });
    }
    // Open documents the index did not list (new, unsaved files in the folder).
    for (const [file, open] of this.open) {
      if (!seen.has(file) && this.indexOf(file) === index) inputs.push({ absolute: file, extraction: { sites: open.sites, declaresApp: open.declaresApp } });
    }
    return (index.inputs = new ModelInputs(inputs));
  }

  private build(index: FolderIndex, only?: string): EnvironmentJudgement {
    const indexed = index.facts.reader();
    return judgeEnvironments(this.inputsOf(index), {
      resolver: index.resolver!,
      today: todayUtc(),
      texts: (f) => this.open.get(f)?.text ?? this.readDisk(f) ?? null,
      facts: (f) => {
        const open = this.open.get(f);
        // Opened as indexed and not changed since: the index's facts are of its text.
        if (!open || open.asIndexed) return indexed(f);
        if (!open.facts) {
          const read = factsOf(f, open.text, open.parsed);
          open.facts = read.facts;
          open.parsed = undefined;
          if (read.bailed) this.yamlFacts.add(f);
        }
        return open.facts;
      },
      display: (p) => {
        let shown = index.shown.get(p);
        if (shown === undefined) index.shown.set(p, (shown = path.relative(index.folder.path, p).split(path.sep).join('/') || '.'));
        return shown;
      },
      memo: index.memo,
      only,
    });
  }

  /** Whether a change of this file can change the model: it is read by an environment, or it may become so. */
  private matters(file: string, before: string | undefined, after: string | undefined): boolean {
    if (MODEL_FILE.test(file.split(path.sep).join('/'))) return true;
    if ((after !== undefined && mayDeclareApp(after)) || (before !== undefined && mayDeclareApp(before))) return true;
    const index = this.indexOf(file);
    const j = index?.judgement;
    if (!j) return false;
    return j.model.covered.has(file) || j.placed.has(file) || j.model.environments.some((e) => e.files.includes(file));
  }

  /** A file on disk as the CLI's model reads it: a FIFO or anything but a regular file is no text (a read would wait forever). */
  private readDisk(file: string): string | undefined {
    if (!this.disk.has(file)) this.disk.set(file, readRegularFile(file));
    return this.disk.get(file);
  }

  private indexOf(file: string): FolderIndex | undefined {
    let best: FolderIndex | undefined;
    for (const index of this.indexes.values()) {
      const dir = index.folder.path.endsWith(path.sep) ? index.folder.path : index.folder.path + path.sep;
      if (file.startsWith(dir) && (!best || index.folder.path.length > best.folder.path.length)) best = index;
    }
    return best;
  }

  private bump(): void {
    this.version++;
    // The view asks again, for the whole judgement: once typing pauses as long as the other documents
    // wait (ENVIRONMENT_PASS_MS), so that it does not force whole builds between a burst's keystrokes.
    // Set before the listeners' timers of the same delay, so it fires first: the whole build is made
    // once, and the open documents judged again after it take it instead of one build each.
    clearTimeout(this.notifyTimer);
    this.notifyTimer = setTimeout(() => {
      this.settle();
      void this.deps.connection.sendNotification(DID_CHANGE_ENVIRONMENTS);
    }, ENVIRONMENT_PASS_MS);
    for (const l of this.listeners) l();
  }

  /**
   * Changes paused: the whole judgement of each folder a document was judged in part since is built
   * now, off the keystroke path, so that the next keystroke's build computes again only the
   * environments of the file it edits (not those of every file changed since the last whole build).
   */
  private settle(): void {
    for (const index of this.indexes.values()) {
      if (!index.indexed || index.builtAt === this.version || index.memo.changed.size === 0) continue;
      try {
        this.judgement(index.folder.path + path.sep);
      } catch (err) {
        this.deps.fail(`judging the environments of ${index.folder.path}`)(err as Error);
      }
    }
  }

  dispose(): void {
    clearTimeout(this.notifyTimer);
  }
}
