/**
 * The environment model: what each environment of a workspace deploys, and where every part of each
 * effective reference was written. Pure: the caller gives the extracted files and a way to read a
 * file's text (see types.ts `Workspace`).
 *
 *   readGraph (graph.ts)        what includes what; which files are environments' roots
 *   environmentImages (overrides.ts)   the effective references of one environment, with provenance
 *   placeFindings (place.ts)    the policy's verdicts, placed where the fix belongs
 *
 * docs/environments.md describes the model and this API.
 */
import * as posix from 'node:path/posix';
import { type EnvRoot, type Graph, readGraph } from './graph';
import { type EnvironmentImages, SiteIndex, environmentImages } from './overrides';
import type { VerdictMemo } from './place';
import { PROGRESSION_UNKNOWN, Stage, inferredStage, progressionRank, stageWord } from './stages';
import type { Environment, EnvironmentModel, Workspace } from './types';

export * from './types';
export { readGraph, envOfValuesFile, chartDirsOf, KUSTOMIZATION_NAMES } from './graph';
export { mayDeclareApp } from './read';
export { progressionRank, inferredStage, configuredStage, compareStages, stageWord, type Stage } from './stages';
export { placeEdits, editPlace, yamlString, type PlaceValue, type Want, type EditResult } from './edit';
export { placeFindings, imageStatus, type PlacedFinding, type EnvironmentRef } from './place';

export interface ModelOptions {
  /** Which files may declare an Argo CD Application or Flux HelmRelease (default: files with sites whose text says so). */
  mayBeApp?: (file: string) => boolean;
  /** The stage of an environment; undefined (or no function): inferred from its name. */
  stageOf?: (env: Pick<Environment, 'root' | 'rootFile' | 'name' | 'kind'>) => Stage | undefined;
  /** What the previous build of this workspace kept: environments that read no changed file are not computed again. */
  memo?: ModelMemo;
  /**
   * Only the environments that read this file, with the ids, stages and order they have in the whole
   * model: what the file's own findings need (the editor's keystroke). The memo is left as it was, so
   * the next whole build still knows what changed.
   */
  only?: string;
}

/**
 * What one build of a workspace's model keeps for the next (the language server builds it again on
 * every keystroke in a file an environment reads). Give every build the same memo and add to
 * `changed` each file whose text changed since the previous build: an environment whose reads
 * include none of them is taken as it was. Anything else that changed (files added or removed, a
 * file changed on disk, settings): use a new memo. The files listed must be the same too, and a
 * changed Chart.yaml or kustomize `configurations` file (read while the graph is built, not by an
 * environment) computes everything again.
 */
export class ModelMemo {
  readonly changed = new Set<string>();
  files?: Set<string>;
  results = new Map<string, { got: EnvironmentImages; reads: Set<string> }>();
  /** placeFindings' verdicts on the environments taken as they were. */
  readonly verdicts: VerdictMemo = new WeakMap();
}

export function buildModel(ws: Workspace, opts: ModelOptions = {}): EnvironmentModel {
  const graph = readGraph(ws, { mayBeApp: opts.mayBeApp });
  const index = new SiteIndex(ws, graph);
  const covered = new Map<string, Set<number>>();
  const environments: Environment[] = [];
  const ids = new Map<string, number>();
  const memo = opts.memo;
  const reusable = memo !== undefined && canReuse(memo, ws, graph);
  const results = new Map<string, { got: EnvironmentImages; reads: Set<string> }>();
  for (const root of graph.roots) {
    let key = rootKey(root);
    while (results.has(key)) key += '#';
    let result = reusable ? memo.results.get(key) : undefined;
    if (!result || [...memo!.changed].some((f) => result!.reads.has(f))) {
      index.reads = new Set();
      const got = environmentImages(root, index);
      const reads = index.reads;
      index.reads = undefined;
      for (const f of got.files) reads.add(f);
      for (const f of [root.rootFile, root.chart?.chartFile, root.app?.target.kind === 'chart' ? root.app.target.chart.chartFile : undefined]) if (f) reads.add(f);
      result = { got, reads };
    }
    results.set(key, result);
    const got = result.got;
    let id = `${root.kind}:${root.root}`;
    const n = ids.get(id) ?? 0;
    ids.set(id, n + 1);
    if (n > 0) id += `#${n + 1}`;
    if (opts.only !== undefined && !result.reads.has(opts.only)) continue;
    for (const [file, sites] of got.consumed) {
      let set = covered.get(file);
      if (!set) covered.set(file, (set = new Set()));
      for (const s of sites) set.add(s);
    }
    const base = { root: root.root, rootFile: root.rootFile, name: root.name, kind: root.kind };
    // An Application is named for what it deploys and where (`web-prod`): its stage is the stage word in it.
    const stage = opts.stageOf?.(base) ?? inferredStage(root.kind === 'argocd' || root.kind === 'flux' ? appStage(root.name, root.rootFile) : root.name);
    const env: Environment = { id, ...base, stage: stage.name, stageOrder: stage.order, images: got.images, incomplete: [...new Set(got.incomplete)], files: got.files };
    const app = root.app;
    if (app && app.target.kind !== 'none') {
      env.app = { at: app.source.at, target: app.target.kind };
      if (app.target.kind === 'kustomization') env.app.kustomization = app.target.node.file;
    }
    environments.push(env);
  }
  environments.sort((a, b) => a.stageOrder - b.stageOrder || cmp(a.stage, b.stage) || cmp(a.root, b.root));
  if (memo && opts.only === undefined) {
    memo.results = results;
    memo.files = new Set(ws.files.map((f) => f.path));
    memo.changed.clear();
  }
  return { environments, problems: graph.problems, covered };
}

/** A root's identity across builds: its kind, files, and (for an Application) what it deploys. */
function rootKey(root: EnvRoot): string {
  const target = root.app?.target;
  const deploys = !target ? '' : target.kind === 'chart' ? `chart:${target.chart.dir}` : target.kind === 'kustomization' ? `kustomization:${target.node.file}` : 'none';
  return [root.kind, root.rootFile, root.valuesFile ?? '', root.name, deploys].join('\0');
}

/** Whether the previous build's environments may be taken (see ModelMemo). */
function canReuse(memo: ModelMemo, ws: Workspace, graph: Graph): boolean {
  if (!memo.files || memo.files.size !== ws.files.length || ws.files.some((f) => !memo.files!.has(f.path))) return false;
  for (const f of memo.changed) if (posix.basename(f) === 'Chart.yaml') return false;
  for (const node of graph.kustomizations.values()) {
    for (const w of node.facts.configurations) if (memo.changed.has(posix.resolve(node.dir, w.value))) return false;
  }
  return true;
}

/** The stage word of an Application's name, else of its file's folders (`clusters/prod/api.yaml`), else its name. */
function appStage(name: string, file: string): string {
  for (const candidate of [name, ...posix.dirname(file).split('/').reverse()]) {
    const word = stageWord(candidate);
    if (word !== candidate || progressionRank(candidate) < PROGRESSION_UNKNOWN) return word;
  }
  return name;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The environments that deploy a site (by file and site index), with the image each makes of it. */
export function deployersOf(model: EnvironmentModel, file: string, site: number): Array<{ env: Environment; image: Environment['images'][number] }> {
  const out: Array<{ env: Environment; image: Environment['images'][number] }> = [];
  for (const env of model.environments) {
    for (const image of env.images) {
      const p = image.provenance;
      const places = [p.base, p.name, p.registry, p.tag, p.digest, ...p.overrides];
      if (places.some((pl) => pl && pl.file === file && pl.site === site)) out.push({ env, image });
    }
  }
  return out;
}

/** `/`-separated absolute path (the model's path form) of a native path. */
export function modelPath(p: string): string {
  const s = p.split('\\').join('/');
  return posix.normalize(s);
}
