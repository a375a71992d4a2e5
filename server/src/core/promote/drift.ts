/**
 * Drift between stages: what promoting each stage from the one before it would move. One definition
 * for `image-pin envs` (its `≠` marks), the Environments view (`≠ staging`) and the promotion CodeLenses.
 * Pure, like the plan it asks.
 */
import type { EnvironmentModel } from '../env/types';
import { type Move, planPromotion, stagesOf } from './plan';

export interface StageMove {
  from: string;
  to: string;
  move: Move;
}

/** Each pair of consecutive stages, in stage order: the moves promoting the earlier to the later would make. */
export function movesFromPreviousStages(model: EnvironmentModel, text: (file: string) => string | undefined): StageMove[] {
  const stages = stagesOf(model);
  const out: StageMove[] = [];
  for (let i = 1; i < stages.length; i++) {
    const plan = planPromotion(model, text, { from: stages[i - 1], to: stages[i] });
    if (plan.ok) for (const move of plan.moves) out.push({ from: stages[i - 1], to: stages[i], move });
  }
  return out;
}

/** What has drifted, by `driftKey(environment id, image)`: the stage before, and the reference promoting from it would give. */
export function driftOf(model: EnvironmentModel, text: (file: string) => string | undefined): Map<string, { stage: string; reference: string }> {
  const drift = new Map<string, { stage: string; reference: string }>();
  for (const { from, move } of movesFromPreviousStages(model, text)) if (move.env) drift.set(driftKey(move.env.id, move.image), { stage: from, reference: move.to.reference });
  return drift;
}

export function driftKey(envId: string, image: string): string {
  return `${envId}\n${image}`;
}
