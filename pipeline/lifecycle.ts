/** Stage lifecycle: setup in order, teardown (reverse order) guaranteed in `finally`. */
import { asError } from './engine.js';
import type { AnyStage } from './stage.js';

/**
 * Runs `fn` with every stage set up; tears down exactly the stages whose setup succeeded, even
 * when `fn` or a later setup throws. A teardown failure never hides the original error.
 */
export async function withStages<T>(stages: readonly AnyStage[], fn: () => Promise<T>): Promise<T> {
  const ready: AnyStage[] = [];
  let outcome: { ok: true; value: T } | { ok: false; error: Error };
  try {
    for (const s of stages) {
      try {
        await s.setup();
      } catch (e) {
        throw new Error(`stage ${s.name}: setup failed: ${(e as Error).message}`, { cause: e });
      }
      ready.push(s);
    }
    outcome = { ok: true, value: await fn() };
  } catch (e) {
    outcome = { ok: false, error: asError(e) };
  }
  const errors: unknown[] = [];
  for (const s of ready.reverse()) {
    try {
      await s.teardown();
    } catch (e) {
      errors.push(e);
    }
  }
  if (!outcome.ok) throw outcome.error;
  if (errors.length) throw new Error(`stage teardown failed: ${(errors[0] as Error).message}`, { cause: errors[0] });
  return outcome.value;
}
