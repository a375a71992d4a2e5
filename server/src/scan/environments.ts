/**
 * The environment model over a scanned workspace, shared by `check`, `pin`, `envs` and the language
 * server: builds the model from the files' extractions (reading only the few files it asks for), judges
 * every environment under the config of its root, and turns placed findings into located ones.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, type ImagePinConfig } from '../core/config';
import { EnvironmentModel, PlacedFinding, Workspace, buildModel, configuredStage, inferredStage, placeFindings } from '../core/env';
import { LineIndex } from '../core/text';
import type { JudgedSite } from '../core/types';
import type { JudgedExtraction, LocatedFinding } from './checkText';
import { findingsFor } from './checkText';
import type { ConfigResolver } from './configResolver';

export interface ModelInput {
  absolute: string;
  extraction?: { sites: readonly JudgedSite[]; declaresApp?: boolean };
}

export interface EnvironmentJudgement {
  model: EnvironmentModel;
  /** Located findings about environments, by file. */
  placed: Map<string, LocatedFinding[]>;
  /** Reads a file's text (cached), as the model did. */
  text: (file: string) => string | undefined;
}

export interface JudgeOptions {
  resolver: ConfigResolver;
  today: string;
  /** Texts the caller already holds (open documents); anything else is read from disk. */
  texts?: (file: string) => string | undefined;
  /** How paths are shown in messages (default: relative to the current folder). */
  display?: (file: string) => string;
}

export function judgeEnvironments(inputs: readonly ModelInput[], opts: JudgeOptions): EnvironmentJudgement {
  const cache = new Map<string, string | undefined>();
  const text = (file: string): string | undefined => {
    const held = opts.texts?.(file);
    if (held !== undefined) return held;
    if (!cache.has(file)) {
      let t: string | undefined;
      try {
        t = fs.readFileSync(file, 'utf8');
      } catch {
        t = undefined;
      }
      cache.set(file, t);
    }
    return cache.get(file);
  };
  const files = inputs.filter((f) => f.extraction).map((f) => ({ path: f.absolute, sites: f.extraction!.sites, app: f.extraction!.declaresApp }));
  const apps = new Set(files.filter((f) => f.app).map((f) => f.path));
  const ws: Workspace = { files, text };
  const configOf = (file: string): ImagePinConfig | undefined => {
    try {
      return opts.resolver.forFile(file);
    } catch (err) {
      if (err instanceof ConfigError) return undefined;
      throw err;
    }
  };
  const rel = (config: ImagePinConfig, file: string) => opts.resolver.relativePath(config, file);
  const model = buildModel(ws, {
    mayBeApp: (file) => apps.has(file),
    stageOf: (env) => {
      const config = configOf(env.rootFile);
      if (!config || config.stages.length === 0) return undefined;
      const configured = configuredStage(config.stages, [rel(config, env.root), rel(config, env.rootFile)]);
      if (configured) return configured;
      // Not in any configured stage: after them, in the inferred order.
      const inferred = inferredStage(env.name);
      return { name: inferred.name, order: config.stages.length + inferred.order };
    },
  });
  const display = opts.display ?? ((p: string) => path.relative(process.cwd(), p) || p);
  const found: PlacedFinding[] = placeFindings(
    model,
    ws,
    (env) => {
      const config = configOf(env.rootFile) ?? opts.resolver.forDir(process.cwd());
      return { config, relativePath: rel(config, env.rootFile), alsoPaths: [rel(config, env.root)], today: opts.today, stage: env.stage };
    },
    display,
  );
  const placed = new Map<string, LocatedFinding[]>();
  const lines = new Map<string, LineIndex>();
  for (const f of found) {
    const t = text(f.file);
    if (t === undefined) continue;
    let li = lines.get(f.file);
    if (!li) lines.set(f.file, (li = new LineIndex(t)));
    const located: LocatedFinding = {
      rule: f.rule,
      severity: f.severity,
      span: f.span,
      message: f.message,
      image: f.image,
      range: li.range(f.span.start, f.span.end),
      environments: f.environments.map((e) => ({ ...e, root: display(e.root) })),
      place: f.place,
      effective: f.effective,
    };
    if (f.site !== undefined) located.site = f.site;
    let list = placed.get(f.file);
    if (!list) placed.set(f.file, (list = []));
    list.push(located);
  }
  return { model, placed, text };
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
  const own = findingsFor(extraction, config, relativePath, today);
  if (!judgement) return own;
  const covered = judgement.model.covered.get(absolute);
  const kept = covered ? own.filter((f) => f.site === undefined || !covered.has(f.site)) : own;
  const placed = judgement.placed.get(absolute);
  if (!placed) return kept;
  return [...kept, ...placed].sort((a, b) => a.span.start - b.span.start || (a.rule < b.rule ? -1 : 1));
}
