/**
 * The environment model over a scanned workspace, shared by `check`, `pin`, `envs` and the language
 * server: builds the model from the files' extractions (reading only the few files it asks for), judges
 * every environment under the config of its root, and turns placed findings into located ones.
 */
import * as path from 'node:path';
import { ConfigError, type ImagePinConfig } from '../core/config';
import { EnvironmentModel, ModelMemo, PlacedFinding, Workspace, buildModel, configuredStage, inferredStage, placeFindings } from '../core/env';
import { LineIndex, type Position, type Range } from '../core/text';
import type { JudgedSite } from '../core/types';
import { Doc, FileFacts, mayDeclareApp, readFacts } from '../core/env/read';
import { splitDocuments } from '../core/yamlSource';
import { fastDocuments } from '../core/extract';
import type { JudgedExtraction, LocatedFinding } from './checkText';
import { chartTagFor, findingsFor } from './checkText';
import type { ConfigResolver } from './configResolver';
import { readRegularFile } from './files';
import { type TemplateReading, templateRenderings } from './chartTemplates';
import { factsFromJson, factsToJson } from './resultCache';

export interface ModelInput {
  absolute: string;
  extraction?: { sites: readonly JudgedSite[]; declaresApp?: boolean; facts?: FileFacts; siteRanges?: readonly Range[]; lineStarts?: readonly number[] };
}

const WHOLE_FILE = /(^|[\\/])(kustomization\.ya?ml|Kustomization|Chart\.yaml)$/;
const VALUES_NAME = /(^|[\\/])(values[^\\/]*\.ya?ml|[^\\/]*-values\.ya?ml)$/;

export interface FactsOptions {
  /**
   * false: the file's Helm values tree is not read (no chart is listed where it could be the chart's
   * values; the model reads it itself should an Application name it). Default: by the file's name.
   */
  values?: boolean;
  /** What `mayDeclareApp(text)` said, when the caller asked already. */
  app?: boolean;
  /**
   * Read the documents the extraction skipped, and Applications' `helm.values` texts, with the fast
   * scanner too (it may throw a `Bail`).
   */
  fast?: boolean;
}

/**
 * A file's facts for the environment model, from the documents its extraction parsed. Documents the
 * extractor skipped cannot hold an image, so workloads and patches are complete from those; a file the
 * model reads as a whole (a kustomization, Chart.yaml, values, an Application) is parsed here when the
 * extractor skipped any of its documents. Files that hold nothing the model reads get no facts.
 */
export function environmentFacts(file: string, text: string, docs: readonly Doc[], opts: FactsOptions = {}): FileFacts | undefined {
  const app = opts.app ?? mayDeclareApp(text);
  const whole = WHOLE_FILE.test(file) || (opts.values !== false && VALUES_NAME.test(file)) || app;
  if (!whole && docs.length === 0) return undefined;
  const complete = !whole || docs.length === splitDocuments(text).length;
  return readFacts(file, text, complete ? docs : opts.fast ? fastDocuments(text) : undefined, { values: opts.values === false ? false : undefined, app, fast: opts.fast });
}

export interface EnvironmentJudgement {
  model: EnvironmentModel;
  /** Located findings about environments, by file. */
  placed: Map<string, LocatedFinding[]>;
  /** Reads a file's text (cached), as the model did. */
  text: (file: string) => string | undefined;
  /**
   * Where an offset of a file is (a problem's place): from the line starts its extraction kept, else
   * from its text, read as the model did; undefined when it cannot be read.
   */
  position: (file: string, offset: number) => Position | undefined;
  /** How long building and judging the model took, in milliseconds (for benchmarks). */
  elapsedMs: number;
}

export interface JudgeOptions {
  resolver: ConfigResolver;
  today: string;
  /** Texts the caller already holds (open documents), null for a file it knows is missing; anything else is read from disk. */
  texts?: (file: string) => string | null | undefined;
  /** Facts the caller keeps between judgements (open documents'), for files whose input has none. */
  facts?: (file: string) => FileFacts | undefined;
  /** How paths are shown in messages (default: relative to the current folder). */
  display?: (file: string) => string;
  /** Kept between judgements of the same workspace (the language server's): see ModelMemo. */
  memo?: ModelMemo;
  /** Only the environments that read this file (see ModelOptions.only): what its own findings need. */
  only?: string;
}

/**
 * The model's view of a workspace's inputs: the files with sites, which may declare an Application,
 * and each file's extraction by path. Kept by a caller that judges the same workspace again (the
 * language server), with `set` for a file whose input changed, so a judgement does not go over every
 * input again.
 */
export class ModelInputs {
  readonly files: Array<{ path: string; sites: readonly JudgedSite[] }> = [];
  readonly apps = new Set<string>();
  private readonly at = new Map<string, number>();
  private readonly extractions = new Map<string, ModelInput['extraction']>();

  constructor(inputs: Iterable<ModelInput> = []) {
    for (const input of inputs) this.set(input);
  }

  /** Adds a file, or replaces its input (the list of files stays as it was if it was there). */
  set(input: ModelInput): void {
    const e = input.extraction;
    this.extractions.set(input.absolute, e);
    if (e?.declaresApp) this.apps.add(input.absolute);
    else this.apps.delete(input.absolute);
    const i = this.at.get(input.absolute);
    if (!e) {
      if (i !== undefined) throw new Error(`${input.absolute}: an input cannot lose its extraction (make new inputs)`);
      return;
    }
    const file = { path: input.absolute, sites: e.sites };
    if (i === undefined) {
      this.at.set(input.absolute, this.files.length);
      this.files.push(file);
    } else this.files[i] = file;
  }

  /** Whether the file is one of `files`. */
  lists(file: string): boolean {
    return this.at.has(file);
  }

  extraction(file: string): ModelInput['extraction'] {
    return this.extractions.get(file);
  }
}

/**
 * Files' environment facts kept as JSON text (the result cache's form), taken out of their extractions:
 * the language server's index holds the facts of every file of a workspace, most of which no
 * environment reads, and as objects they were most of the index's heap, which the collector goes over
 * while the user types. A file's facts are parsed when a build asks for them (once per build: see
 * `reader`), and not kept after it.
 */
export class PackedFacts {
  private readonly texts = new Map<string, string>();
  /** Extractions whose facts are taken (an extraction handed over again keeps its file's text). */
  private readonly taken = new WeakSet<object>();

  /**
   * The file's facts are those of this extraction, which keeps none itself after. An extraction from
   * the result cache (facts not a property of its own but read from the cache's bytes when asked) keeps
   * its own: they are compact until the model asks, and it asks for a few files' only.
   */
  take(file: string, extraction: ModelInput['extraction']): void {
    if (!extraction || this.taken.has(extraction)) return;
    if (!Object.prototype.hasOwnProperty.call(extraction, 'facts')) {
      this.texts.delete(file);
      return;
    }
    const facts = extraction.facts;
    if (facts) this.texts.set(file, factsToJson(facts));
    else this.texts.delete(file);
    extraction.facts = undefined;
    this.taken.add(extraction);
  }

  /** The file is gone (or has no extraction). */
  drop(file: string): void {
    this.texts.delete(file);
  }

  /** Facts for one build: each file's parsed once, when first asked. */
  reader(): (file: string) => FileFacts | undefined {
    const parsed = new Map<string, FileFacts>();
    return (file) => {
      let facts = parsed.get(file);
      if (facts) return facts;
      const text = this.texts.get(file);
      if (text === undefined) return undefined;
      parsed.set(file, (facts = factsFromJson(text)));
      return facts;
    };
  }
}

export function judgeEnvironments(given: readonly ModelInput[] | ModelInputs, opts: JudgeOptions): EnvironmentJudgement {
  const inputs = given instanceof ModelInputs ? given : new ModelInputs(given);
  const started = process.hrtime.bigint();
  const cache = new Map<string, string | undefined>();
  const text = (file: string): string | undefined => {
    const held = opts.texts?.(file);
    if (held !== undefined) return held ?? undefined;
    // Never a FIFO or device a kustomization names (that read would never end), nor an exception per missing file.
    if (!cache.has(file)) cache.set(file, readRegularFile(file));
    return cache.get(file);
  };
  // A chart's tag defaults, read once per judgement: every environment of the chart asks for each of
  // its maps with an empty tag, and each reading walks the chart's templates folder (to see a change).
  const chartTags = new Map<string, TemplateReading['tags']>();
  // Facts are looked up when the model asks: a cached extraction parses its facts only then; the
  // caller's (open documents') serve files whose input has none.
  const ws: Workspace = {
    files: inputs.files,
    text,
    facts: (f) => inputs.extraction(f)?.facts ?? opts.facts?.(f),
    sitesOf: (f) => inputs.extraction(f)?.sites,
    chartTags: (dir) => {
      let tags = chartTags.get(dir);
      if (!tags) chartTags.set(dir, (tags = templateRenderings(dir).tags));
      return tags;
    },
  };
  const configOf = (file: string): ImagePinConfig | undefined => {
    try {
      return opts.resolver.forFile(file);
    } catch (err) {
      if (err instanceof ConfigError) return undefined;
      throw err;
    }
  };
  const rel = (config: ImagePinConfig, file: string) => opts.resolver.relativePath(config, file);
  const configs = new Map<string, ImagePinConfig | undefined>();
  const configOfRoot = (file: string) => {
    if (!configs.has(file)) configs.set(file, configOf(file));
    return configs.get(file);
  };
  const model = buildModel(ws, {
    memo: opts.memo,
    only: opts.only,
    mayBeApp: (file) => inputs.apps.has(file),
    stageOf: (env) => {
      const config = configOfRoot(env.rootFile);
      if (!config || config.stages.length === 0) return undefined;
      const configured = configuredStage(config.stages, [rel(config, env.root), rel(config, env.rootFile)]);
      if (configured) return configured;
      // Not in any configured stage: after them, in the inferred order.
      const inferred = inferredStage(env.name);
      return { name: inferred.name, order: config.stages.length + inferred.order };
    },
  });
  const shown = new Map<string, string>();
  const displayOne = opts.display ?? ((p: string) => path.relative(process.cwd(), p) || p);
  const display = (p: string) => {
    let d = shown.get(p);
    if (d === undefined) shown.set(p, (d = displayOne(p)));
    return d;
  };
  const found: PlacedFinding[] = placeFindings(
    model,
    ws,
    (env) => {
      const config = configOfRoot(env.rootFile) ?? opts.resolver.forDir(process.cwd());
      return { config, relativePath: rel(config, env.rootFile), alsoPaths: [rel(config, env.root)], today: opts.today, stage: env.stage };
    },
    display,
    opts.memo?.verdicts,
  );
  const placed = new Map<string, LocatedFinding[]>();
  const lines = new Map<string, LineIndex | undefined>();
  const linesOf = (file: string): LineIndex | undefined => {
    if (lines.has(file)) return lines.get(file);
    // The text the model read, unless it has been edited since (an open document): then only that text is right.
    const kept = opts.texts?.(file) === undefined ? inputs.extraction(file)?.lineStarts : undefined;
    const t = kept ? undefined : text(file);
    const li = kept ? LineIndex.fromStarts(kept) : t === undefined ? undefined : new LineIndex(t);
    lines.set(file, li);
    return li;
  };
  const rangeOf = (file: string, span: { start: number; end: number }, site: number | undefined) => {
    // The extraction's own line/column of the site, when the place is exactly it: no need to read the file.
    const e = inputs.extraction(file);
    const s = site !== undefined ? e?.sites[site] : undefined;
    if (s && s.span.start === span.start && s.span.end === span.end && e?.siteRanges?.[site!]) return e.siteRanges[site!];
    return linesOf(file)?.range(span.start, span.end);
  };
  for (const f of found) {
    const range = rangeOf(f.file, f.span, f.site);
    if (!range) continue;
    const located: LocatedFinding = {
      rule: f.rule,
      severity: f.severity,
      span: f.span,
      message: f.message,
      image: f.image,
      range,
      environments: f.environments.map((e) => ({ ...e, root: display(e.root) })),
      place: f.place,
      effective: f.effective,
    };
    if (f.site !== undefined) located.site = f.site;
    let list = placed.get(f.file);
    if (!list) placed.set(f.file, (list = []));
    list.push(located);
  }
  const position = (file: string, offset: number) => linesOf(file)?.position(offset);
  return { model, placed, text, position, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** A file's findings: its own sites judged as before unless an environment covers them, plus the environment findings placed in it. */
export function fileFindings(
  absolute: string,
  extraction: JudgedExtraction,
  config: ImagePinConfig,
  relativePath: string,
  today: string,
  judgement: EnvironmentJudgement | undefined,
): LocatedFinding[] {
  const own = findingsFor(extraction, config, relativePath, today, chartTagFor(extraction, absolute));
  return judgement ? throughEnvironments(absolute, own, judgement) : own;
}

/**
 * A file's own findings seen through the environments (the CLI's scan and the editor's open
 * documents): those of sites an environment covers give way to the environments' findings placed
 * in the file, in the order of their places (by rule where two start together).
 */
export function throughEnvironments(absolute: string, own: LocatedFinding[], judgement: EnvironmentJudgement): LocatedFinding[] {
  const covered = judgement.model.covered.get(absolute);
  const kept = covered ? own.filter((f) => f.site === undefined || !covered.has(f.site)) : own;
  const placed = judgement.placed.get(absolute);
  if (!placed) return kept;
  return [...kept, ...placed].sort((a, b) => a.span.start - b.span.start || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}
