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
import { readGraph } from './graph';
import { SiteIndex, environmentImages } from './overrides';
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
}

export function buildModel(ws: Workspace, opts: ModelOptions = {}): EnvironmentModel {
  const graph = readGraph(ws, { mayBeApp: opts.mayBeApp });
  const index = new SiteIndex(ws, graph);
  const covered = new Map<string, Set<number>>();
  const environments: Environment[] = [];
  const ids = new Map<string, number>();
  for (const root of graph.roots) {
    const got = environmentImages(root, index);
    for (const [file, sites] of got.consumed) {
      let set = covered.get(file);
      if (!set) covered.set(file, (set = new Set()));
      for (const s of sites) set.add(s);
    }
    let id = `${root.kind}:${root.root}`;
    const n = ids.get(id) ?? 0;
    ids.set(id, n + 1);
    if (n > 0) id += `#${n + 1}`;
    const base = { root: root.root, rootFile: root.rootFile, name: root.name, kind: root.kind };
    // An Application is named for what it deploys and where (`web-prod`): its stage is the stage word in it.
    const stage = opts.stageOf?.(base) ?? inferredStage(root.kind === 'argocd' || root.kind === 'flux' ? appStage(root.name, root.rootFile) : root.name);
    const env: Environment = { id, ...base, stage: stage.name, stageOrder: stage.order, images: got.images, incomplete: [...new Set(got.incomplete)], files: got.files };
    const app = root.app;
    if (app && app.target.kind !== 'none') env.app = { at: app.source.at, target: app.target.kind, parameters: app.source.parameters.map((p) => p.value) };
    environments.push(env);
  }
  environments.sort((a, b) => a.stageOrder - b.stageOrder || cmp(a.stage, b.stage) || cmp(a.root, b.root));
  return { environments, problems: graph.problems, covered };
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
