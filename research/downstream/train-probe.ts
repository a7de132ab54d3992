/**
 * Trains one retrieval probe on one dataset with one seed: fixed-size batches drawn without
 * replacement from a seeded shuffle (reshuffled each epoch; a clip never meets itself as a
 * negative), the row weights passed to the weighted InfoNCE. Same seed, rows and thread count →
 * the same weights.
 */
import { mulberry32, shuffled } from '../../models/rng.js';
import { initProbeWeights, type Weights } from '../../models/probe/params.js';
import { type ProbeRuntime, type ProbeTrainerOptions } from '../../models/probe/runtime.js';

/** One training pair, already tokenized, with its frames. */
export interface ProbeExample {
  readonly frames: Uint8Array;
  readonly ids: readonly number[];
  readonly weight: number;
}

/** Options of {@link trainProbe}. */
export interface TrainProbeOptions {
  readonly runtime: ProbeRuntime;
  readonly examples: readonly ProbeExample[];
  /** Fixes the initial weights and the batch order. */
  readonly seed: number;
  readonly steps: number;
  /** Rows per batch (capped at the number of examples). */
  readonly batch: number;
  /** Optimizer settings (totalSteps defaults to `steps`). */
  readonly optimizer?: ProbeTrainerOptions;
  readonly signal?: AbortSignal;
}

/** A trained probe and how its training went. */
export interface TrainedProbe {
  readonly weights: Weights;
  /** Mean loss per tenth of the run (10 points). */
  readonly lossCurve: number[];
  /** Logit scale at the last step. */
  readonly finalScale: number;
  readonly seconds: number;
}

/** Batches of `batch` distinct indices from seeded epoch shuffles of 0..n−1. */
export function* batchOrder(n: number, batch: number, seed: number): Generator<number[]> {
  const r = mulberry32(seed);
  const all = Array.from({ length: n }, (_, i) => i);
  for (;;) {
    const order = shuffled(all, r);
    for (let i = 0; i + batch <= n; i += batch) yield order.slice(i, i + batch);
  }
}

/** Trains a probe from the seed's initial weights. */
export async function trainProbe(o: TrainProbeOptions): Promise<TrainedProbe> {
  const t0 = performance.now();
  const n = o.examples.length;
  if (n < 2) throw new Error(`probe training needs ≥ 2 rows, got ${n}`);
  const cfg = o.runtime.config;
  const B = Math.min(o.batch, n);
  const trainer = o.runtime.trainer(initProbeWeights(cfg, o.seed), { totalSteps: o.steps, ...o.optimizer });
  const per = cfg.frames * cfg.frameSize * cfg.frameSize * 3;
  const frames = new Uint8Array(B * per);
  const losses: number[] = [];
  let scale = Number.NaN;
  const order = batchOrder(n, B, o.seed * 1_000_003 + 17);
  for (let s = 0; s < o.steps; s++) {
    o.signal?.throwIfAborted();
    const idx = order.next().value as number[];
    const rows = idx.map((i) => o.examples[i]);
    rows.forEach((r, i) => frames.set(r.frames, i * per));
    const res = await trainer.step({ frames, ids: rows.map((r) => r.ids), weights: rows.map((r) => r.weight) });
    losses.push(res.loss);
    scale = res.scale;
  }
  const tenth = Math.max(1, Math.ceil(losses.length / 10));
  const lossCurve: number[] = [];
  for (let i = 0; i < losses.length; i += tenth) {
    const part = losses.slice(i, i + tenth);
    lossCurve.push(part.reduce((a, b) => a + b, 0) / part.length);
  }
  return { weights: trainer.weights(), lossCurve, finalScale: scale, seconds: (performance.now() - t0) / 1000 };
}
