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
import { type EnvRoot, type Graph, readGraph, updateGraph } from './graph';
import { type EnvironmentImages, SiteIndex, environmentImages } from './overrides';
import type { VerdictMemo } from './place';
import { PROGRESSION_UNKNOWN, Stage, inferredStage, progressionRank, stageWord } from './stages';
import type { Environment, EnvironmentModel, Workspace, WorkspaceFile } from './types';

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
 * include none of them is taken as it was (a file changed on disk that was listed is changed the same
 * way). Anything else that changed (files added or removed, settings): use a new memo. The files
 * listed must be the same too, and a
 * changed Chart.yaml or kustomize `configurations` file (read while the graph is built, not by an
 * environment) computes everything again.
 *
 * The graph (what includes what) and the files' sites by path are kept too, and brought up to date
 * with the changed files when none of them changed the structure (updateGraph); else read again.
 */
export class ModelMemo {
  /** @param counts Where builds given this memo count their work (a caller's, kept across memos; for tests). */
  constructor(readonly counts?: BuildCounts) {}
  readonly changed = new Set<string>();
  files?: Set<string>;
  /** The array that listed `files` (see sameFileList). */
  listed?: readonly WorkspaceFile[];
  results = new Map<string, BuildResult>();
  graph?: Graph;
  index?: SiteIndex;
  /** placeFindings' verdicts on the environments taken as they were. */
  readonly verdicts: VerdictMemo = new WeakMap();
  /** The graph `results` were computed for (every root of it has one), and which roots read each file. */
  resultsGraph?: Graph;
  readers?: { results: ModelMemo['results']; byFile: Map<string, number[]> };
}

/** One root's environment as a build computed it, with what it read; `env` once made of it. */
interface BuildResult {
  got: EnvironmentImages;
  reads: Set<string>;
  env?: Environment;
}

/** What builds did: graphs read from nothing, environments computed (not taken as they were). */
export interface BuildCounts {
  graphs: number;
  environments: number;
}

/** The roots (by position in the graph `results` were computed for) whose last computation read each file. */
function readersOf(memo: ModelMemo, keys: readonly string[]): Map<string, number[]> {
  if (memo.readers?.results === memo.results) return memo.readers.byFile;
  const byFile = new Map<string, number[]>();
  keys.forEach((key, i) => {
    for (const f of memo.results.get(key)?.reads ?? []) {
      const list = byFile.get(f);
      if (list) list.push(i);
      else byFile.set(f, [i]);
    }
  });
  memo.readers = { results: memo.results, byFile };
  return byFile;
}

export function buildModel(ws: Workspace, opts: ModelOptions = {}): EnvironmentModel {
  const memo = opts.memo;
  const sameFiles = memo !== undefined && sameFileList(memo, ws);
  let graph: Graph;
  let index: SiteIndex;
  if (sameFiles && memo.graph && memo.index && updateGraph(memo.graph, ws, memo.changed, { mayBeApp: opts.mayBeApp })) {
    graph = memo.graph;
    index = memo.index;
    index.update(ws, memo.changed);
  } else {
    graph = readGraph(ws, { mayBeApp: opts.mayBeApp });
    index = new SiteIndex(ws, graph);
    if (memo?.counts) memo.counts.graphs++;
  }
  if (memo && sameFiles) {
    // Kept even by a build of one file's environments: the graph is current with every changed file.
    memo.graph = graph;
    memo.index = index;
  }
  const covered = new Map<string, Set<number>>();
  const environments: Environment[] = [];
  const reusable = sameFiles && canReuse(memo, graph);
  const results = new Map<string, BuildResult>();
  const changed = memo ? [...memo.changed] : [];
  const names = namesOf(graph);
  // One file's environments, every root of the graph computed before: only the roots whose last
  // computation read that file or a changed one can be among them (the others are taken as they were
  // and read neither); a keystroke does not go over every root of the workspace.
  let roots: Iterable<number> = graph.roots.keys();
  if (opts.only !== undefined && reusable && memo.resultsGraph === graph) {
    const readers = readersOf(memo, names.keys);
    const visit = new Set<number>(readers.get(opts.only));
    for (const f of changed) for (const i of readers.get(f) ?? []) visit.add(i);
    roots = [...visit].sort((a, b) => a - b);
  }
  for (const i of roots) {
    const root = graph.roots[i];
    const key = names.keys[i];
    let result = reusable ? memo.results.get(key) : undefined;
    if (!result || changed.some((f) => result!.reads.has(f))) {
      index.reads = new Set();
      const got = environmentImages(root, index);
      const reads = index.reads;
      index.reads = undefined;
      for (const f of got.files) reads.add(f);
      for (const f of [root.rootFile, root.chart?.chartFile, root.app?.target.kind === 'chart' ? root.app.target.chart.chartFile : undefined]) if (f) reads.add(f);
      result = { got, reads };
      if (memo?.counts) memo.counts.environments++;
    }
    results.set(key, result);
    const got = result.got;
    const id = names.ids[i];
    if (opts.only !== undefined && !result.reads.has(opts.only)) continue;
    for (const [file, sites] of got.consumed) {
      let set = covered.get(file);
      if (!set) covered.set(file, (set = new Set()));
      for (const s of sites) set.add(s);
    }
    // An environment taken as it was is the same object (its stage inferred once; placeFindings' verdicts are kept by its images).
    const made = result.env;
    if (made && made.id === id && made.rootFile === root.rootFile && made.root === root.root && made.name === root.name && made.kind === root.kind) {
      environments.push(made);
      continue;
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
    result.env = env;
    environments.push(env);
  }
  environments.sort((a, b) => a.stageOrder - b.stageOrder || cmp(a.stage, b.stage) || cmp(a.root, b.root));
  if (memo && opts.only === undefined) {
    memo.results = results;
    if (!sameFiles) {
      memo.files = new Set(ws.files.map((f) => f.path));
      memo.listed = ws.files;
    }
    memo.graph = graph;
    memo.index = index;
    memo.resultsGraph = graph;
    memo.changed.clear();
  }
  return { environments, problems: graph.problems, covered };
}

/** Each root's key (its identity across builds) and environment id, by position; made once per graph (a kept graph keeps its roots). */
const rootNames = new WeakMap<Graph, { keys: string[]; ids: string[] }>();

function namesOf(graph: Graph): { keys: string[]; ids: string[] } {
  let names = rootNames.get(graph);
  if (names) return names;
  names = { keys: [], ids: [] };
  const keys = new Set<string>();
  const ids = new Map<string, number>();
  for (const root of graph.roots) {
    let key = rootKey(root);
    while (keys.has(key)) key += '#';
    keys.add(key);
    names.keys.push(key);
    let id = `${root.kind}:${root.root}`;
    const n = ids.get(id) ?? 0;
    ids.set(id, n + 1);
    if (n > 0) id += `#${n + 1}`;
    names.ids.push(id);
  }
  rootNames.set(graph, names);
  return names;
}

/** A root's identity across builds: its kind, files, and (for an Application) what it deploys. */
function rootKey(root: EnvRoot): string {
  const target = root.app?.target;
  const deploys = !target ? '' : target.kind === 'chart' ? `chart:${target.chart.dir}` : target.kind === 'kustomization' ? `kustomization:${target.node.file}` : 'none';
  return [root.kind, root.rootFile, root.valuesFile ?? '', root.name, deploys].join('\0');
}

/**
 * Whether the workspace lists the files of the memo's last whole build. The same array of the same
 * length is taken to list the same files (a caller keeping its list replaces a file's entry by one
 * of the same path, see scan/environments.ts `ModelInputs`).
 */
function sameFileList(memo: ModelMemo, ws: Workspace): boolean {
  if (memo.files === undefined || memo.files.size !== ws.files.length) return false;
  if (memo.listed === ws.files) return true;
  if (!ws.files.every((f) => memo.files!.has(f.path))) return false;
  memo.listed = ws.files;
  return true;
}

/** Whether the previous build's environments may be taken, the files listed being the same (see ModelMemo). */
function canReuse(memo: ModelMemo, graph: Graph): boolean {
  const configurations = configurationFiles(graph);
  for (const f of memo.changed) if (posix.basename(f) === 'Chart.yaml' || configurations.has(f)) return false;
  return true;
}

/** Per graph: the kustomize `configurations` files its kustomizations name (a kept graph names the same: see updateGraph). */
const configurationsOf = new WeakMap<Graph, Set<string>>();

function configurationFiles(graph: Graph): Set<string> {
  let files = configurationsOf.get(graph);
  if (!files) {
    files = new Set();
    for (const node of graph.kustomizations.values()) for (const w of node.facts.configurations) files.add(posix.resolve(node.dir, w.value));
    configurationsOf.set(graph, files);
  }
  return files;
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

type Deployer = { env: Environment; image: Environment['images'][number] };

/** Per model: by file, each environment image placed in it, with the sites it is placed at (in environment and image order). */
const deployerIndex = new WeakMap<EnvironmentModel, Map<string, Array<Deployer & { sites: Array<number | undefined> }>>>();

/**
 * The environments that deploy a site (by file and site index), with the image each makes of it.
 * Asked by every hover: the model's images are indexed by file once.
 */
export function deployersOf(model: EnvironmentModel, file: string, site: number): readonly Deployer[] {
  let byFile = deployerIndex.get(model);
  if (!byFile) {
    byFile = new Map();
    for (const env of model.environments) {
      for (const image of env.images) {
        const p = image.provenance;
        const sitesByFile = new Map<string, Array<number | undefined>>();
        for (const pl of [p.base, p.name, p.registry, p.tag, p.digest, ...p.overrides]) {
          if (!pl) continue;
          const sites = sitesByFile.get(pl.file);
          if (sites) sites.push(pl.site);
          else sitesByFile.set(pl.file, [pl.site]);
        }
        for (const [f, sites] of sitesByFile) {
          const list = byFile.get(f);
          if (list) list.push({ env, image, sites });
          else byFile.set(f, [{ env, image, sites }]);
        }
      }
    }
    deployerIndex.set(model, byFile);
  }
  let answers = deployerAnswers.get(model);
  if (!answers) deployerAnswers.set(model, (answers = new Map()));
  let ofFile = answers.get(file);
  if (!ofFile) answers.set(file, (ofFile = new Map()));
  let answer = ofFile.get(site);
  if (!answer) ofFile.set(site, (answer = (byFile.get(file) ?? []).filter((d) => d.sites.includes(site)).map(({ env, image }) => ({ env, image }))));
  return answer;
}

/** Per model, by file and site: the deployers once asked (a hover is asked again and again while the pointer rests). */
const deployerAnswers = new WeakMap<EnvironmentModel, Map<string, Map<number, readonly Deployer[]>>>();

/** `/`-separated absolute path (the model's path form) of a native path. */
export function modelPath(p: string): string {
  const s = p.split('\\').join('/');
  return posix.normalize(s);
}
