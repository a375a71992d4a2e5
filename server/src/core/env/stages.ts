/**
 * Stages: which step of promotion an environment is. Configured (`stages:` of `.image-pin.yaml`, in
 * promotion order, matched against the environment's root) or inferred from its name (an overlay
 * folder, the `<env>` of a values file, an Application's name) by the usual progression.
 */
import type { StageConfig } from '../config';
import { globMatcher } from '../glob';

const PROGRESSION: ReadonlyArray<RegExp> = [
  /^(local|localhost|kind|minikube|sandbox|docker)$/,
  /^(dev|develop|development|feature|preview|review)$/,
  /^(test|testing|qa|ci|int|integration|smoke|e2e|sit)$/,
  /^(stage|staging|stg|preprod|pre-prod|uat|canary|perf)$/,
  /^(prod|production|prd|live|release)$/,
];

/** Unknown names come after the known progression. */
export const PROGRESSION_UNKNOWN = PROGRESSION.length;
const UNKNOWN = PROGRESSION_UNKNOWN;

/** The progression rank of a name: the latest known stage word in it (`web-prod` → prod), or after all known ones. */
export function progressionRank(name: string): number {
  let rank = -1;
  const words = [name.toLowerCase(), ...name.toLowerCase().split(/[-_.\s/]+/)];
  for (const w of words) {
    const r = PROGRESSION.findIndex((re) => re.test(w));
    if (r > rank) rank = r;
  }
  return rank === -1 ? UNKNOWN : rank;
}

export interface Stage {
  name: string;
  order: number;
}

/** The stage an environment infers from its name. */
export function inferredStage(name: string): Stage {
  return { name, order: progressionRank(name) };
}

/** The known stage word in a longer name (`web-prod` → `prod`), or the name itself. */
export function stageWord(name: string): string {
  const words = name.toLowerCase().split(/[-_.\s/]+/);
  let best: string | undefined;
  let rank = -1;
  for (const w of words) {
    const r = PROGRESSION.findIndex((re) => re.test(w));
    if (r > rank) {
      rank = r;
      best = w;
    }
  }
  return best ?? name;
}

const matchers = new WeakMap<StageConfig, (p: string) => boolean>();

/**
 * The configured stage of an environment whose root and root file are `paths` (relative to the
 * config's folder): the first stage one of whose globs matches one of them. Undefined when none does.
 */
export function configuredStage(stages: readonly StageConfig[], paths: readonly string[]): Stage | undefined {
  for (let i = 0; i < stages.length; i++) {
    let m = matchers.get(stages[i]);
    if (!m) {
      const globs = stages[i].paths.flatMap((g) => (g.endsWith('/**') ? [g] : [g, `${g.replace(/\/+$/, '')}/**`]));
      m = globMatcher(globs);
      matchers.set(stages[i], m);
    }
    if (paths.some((p) => m!(p))) return { name: stages[i].name, order: i };
  }
  return undefined;
}

/** Orders stage names for output: by order, then by name. */
export function compareStages(a: Stage, b: Stage): number {
  return a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
