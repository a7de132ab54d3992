/**
 * Checks of stages made before any work starts, so a bad declaration fails with a message that
 * names the stage instead of hanging or failing deep inside a run: settings (when the engine wraps
 * a stage) and the whole list — unique names, each input fed by the stage before (when a run is planned).
 */
import type { Schema } from 'apache-arrow';
import { clipsSchema } from '../schemas/clips.js';
import { typeName } from '../schemas/arrow.js';
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

/** Throws when two stages share a name (names are output directories and error-row keys). */
export function checkUniqueNames(stages: readonly Pick<AnyStage, 'name'>[]): void {
  const first = new Map<string, number>();
  stages.forEach((s, i) => {
    const j = first.get(s.name);
    if (j !== undefined)
      throw new Error(
        `stage names must be unique: stage ${i + 1} and stage ${j + 1} are both named ${JSON.stringify(s.name)}`,
      );
    first.set(s.name, i);
  });
}

/**
 * Throws unless every stage's input columns are produced upstream with the same Arrow type
 * (compared as `String(type)`, nullability ignored, like the shard reader's check): the first
 * stage reads `source` (the manifest's clips table), each later one the previous stage's output.
 */
export function checkSchemaChain(
  stages: readonly Pick<AnyStage, 'name' | 'inputSchema' | 'outputSchema'>[],
  source: Schema = clipsSchema,
): void {
  stages.forEach((stage, i) => {
    const upstream = i === 0 ? source : stages[i - 1].outputSchema;
    const from = i === 0 ? 'the manifest (clips schema)' : `stage ${JSON.stringify(stages[i - 1].name)}`;
    for (const field of stage.inputSchema.fields) {
      const found = upstream.fields.find((f) => f.name === field.name);
      const at = `stage ${JSON.stringify(stage.name)} reads column ${JSON.stringify(field.name)} as ${typeName(field.type)}`;
      if (!found)
        throw new Error(
          `${at}, but ${from} does not output it (outputs ${upstream.fields.map((f) => f.name).join(', ')})`,
        );
      if (typeName(found.type) !== typeName(field.type))
        throw new Error(`${at}, but ${from} outputs it as ${typeName(found.type)}`);
    }
  });
}

/** Every plan-time check of a stage list: settings, unique names, and the schema chain from `source`. */
export function checkStageList(stages: readonly AnyStage[], source: Schema = clipsSchema): void {
  for (const s of stages) checkStageSettings(s);
  checkUniqueNames(stages);
  checkSchemaChain(stages, source);
}
