/**
 * Checks of stages made before any work starts, so a bad declaration fails with a message that
 * names the stage instead of hanging or failing deep inside a run.
 */
import type { AnyStage } from './stage.js';

/** How a declared value reads in an error message (strings quoted, so `"4"` differs from `4`). */
function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Throws unless the stage's `batchSize` and `concurrency` are positive integers (a batch size of 0
 * would make re-batching loop forever; a concurrency of 0 would never start a `process` call).
 */
export function checkStageSettings(stage: Pick<AnyStage, 'name' | 'batchSize' | 'concurrency'>): void {
  for (const key of ['batchSize', 'concurrency'] as const) {
    const value: unknown = stage[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new Error(`stage ${JSON.stringify(stage.name)}: ${key} must be a positive integer, got ${quote(value)}`);
    }
  }
}
