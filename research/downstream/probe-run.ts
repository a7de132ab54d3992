/**
 * One run of a downstream comparison: the probe trained on one dataset with one seed, then scored on
 * the held-out clips in each query wording. Plain data in and out, so a run is the same in the
 * caller's thread or a worker's (`probe-thread.ts`).
 */
import type { ProbeRuntime } from '../../models/probe/runtime.js';
import { type PreparedHeldout, scoreProbe } from './score-probe.js';
import { metricVector } from './summary.js';
import { type ProbeExample, trainProbe } from './train-probe.js';
import type { MetricVector } from './types.js';

/** What one run trains on and is scored on. */
export interface ProbeRunTask {
  readonly examples: readonly ProbeExample[];
  readonly seed: number;
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  /** The held-out set, prepared once per query wording. */
  readonly held: readonly PreparedHeldout[];
}

/** What one run gave: its scores per wording (in the task's order) and how training went. */
export interface ProbeRunResult {
  readonly scored: MetricVector[];
  readonly lossCurve: number[];
  readonly finalScale: number;
  readonly seconds: number;
}

/** Trains the task's probe on `runtime` and scores it, one wording after the other. */
export async function runProbe(runtime: ProbeRuntime, t: ProbeRunTask, signal?: AbortSignal): Promise<ProbeRunResult> {
  const trained = await trainProbe({
    runtime,
    examples: t.examples,
    seed: t.seed,
    steps: t.steps,
    batch: t.batch,
    optimizer: { lr: t.lr },
    ...(signal ? { signal } : {}),
  });
  const scored: MetricVector[] = [];
  for (const h of t.held) scored.push(metricVector(await scoreProbe(runtime, trained.weights, h)));
  return { scored, lossCurve: trained.lossCurve, finalScale: trained.finalScale, seconds: trained.seconds };
}
