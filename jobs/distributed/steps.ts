/**
 * Splits a run's stages into steps: a step is one BullMQ flow (its shards, then a barrier) and
 * one shard task over its stages. A stage starts a new step only where the previous stage's stored
 * output is its whole input; after an in-flight stage (`persist: false`) or a stored projection
 * (`persistSchema`) the two run together in one streaming shard task, exactly as the local runner
 * runs them. A step that holds any GPU stage is routed to the GPU queue.
 */
import { sameFields } from '../../schemas/arrow.js';
import type { AnyStage } from '../../pipeline/stage.js';
import type { ResourceClass } from './names.js';
import { resourceClassOf } from './spec.js';

/** One step of a distributed run. */
export interface StepPlan {
  /** The stage names joined by `+` (e.g. `frames`, `attach-frames+caption`). */
  readonly name: string;
  /** Indices into the run's stage list, consecutive. */
  readonly stages: readonly number[];
  readonly class: ResourceClass;
}

/** True when stage `s`'s committed output file holds everything the next stage reads. */
export function storesFullOutput(s: Pick<AnyStage, 'persist' | 'persistSchema' | 'outputSchema'>): boolean {
  if (s.persist === false) return false;
  return s.persistSchema === undefined || sameFields(s.persistSchema, s.outputSchema);
}

/** Groups stages into steps (see the module comment). */
export function planSteps(stages: readonly AnyStage[]): StepPlan[] {
  const groups: number[][] = [];
  stages.forEach((_, i) => {
    if (i > 0 && !storesFullOutput(stages[i - 1])) groups[groups.length - 1].push(i);
    else groups.push([i]);
  });
  return groups.map((g) => ({
    name: g.map((i) => stages[i].name).join('+'),
    stages: g,
    class: g.some((i) => resourceClassOf(stages[i].resources) === 'gpu') ? 'gpu' : 'cpu',
  }));
}
