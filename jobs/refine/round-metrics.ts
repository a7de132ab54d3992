/**
 * What a finished round records in `metrics/round-<k>.json`: the trinity (quantity, diversity,
 * quality), the noise filter against the truth when known, training curves, lineage and timings.
 */
import { corruptedIds, truthAttrs, type TruthRow } from '../../datagen/truth.js';
import { attributeAccuracy } from '../../metrics/attributes.js';
import type { BenchmarkQuality } from '../../metrics/benchmark.js';
import { diversity, type DiversityMetrics } from '../../metrics/diversity.js';
import { noiseDetection, type NoiseDetectionMetrics } from '../../metrics/noise.js';
import { quantity } from '../../metrics/quantity.js';
import type { TrainExample } from './training-set.js';

/** Contents of `metrics/round-<k>.json`. */
export interface RoundRecord {
  readonly round: number;
  /** Content hash of the model version trained in this round. */
  readonly modelVersion: string;
  readonly modelDir: string;
  /** Model version that captioned (rounds ≥ 1) and scored this round's rows. */
  readonly scorerVersion: string;
  /** Mean γ used to turn the scorer's token probabilities into row weights (per shard when adaptive). */
  readonly scoringGamma: number;
  readonly quantity: { rows: number; kept: number; tokens: number; tokensKept: number };
  /** Diversity of the kept captions. */
  readonly diversity: DiversityMetrics;
  /** Held-out quality of this round's model (absent without truth). */
  readonly quality?: BenchmarkQuality;
  /** Held-out quality of the raw ASR text on the same clips. */
  readonly rawAsrQuality?: BenchmarkQuality;
  /** Dropped rows vs rows whose caption is wrong (absent without truth). */
  readonly filter?: NoiseDetectionMetrics & { noisyRows: number };
  readonly pretrain: { steps: number; examples: number; lossCurve: number[]; gammaCurve: number[]; rhoCurve: number[] };
  readonly finetune: { steps: number; examples: number; lossCurve: number[] };
  readonly provider: string;
  readonly trainingDataId: string;
  readonly seconds: { captionAndScore: number; train: number; eval: number };
  readonly evalClips: number;
}

/** Which training rows carry a wrong caption: corrupted ASR for text captions, a caption that misses the truth otherwise. */
export function noisyRowIds(rows: readonly TrainExample[], truth: ReadonlyMap<string, TruthRow>): Set<string> {
  const corrupted = new Set(corruptedIds([...truth.values()]));
  const out = new Set<string>();
  for (const r of rows) {
    const t = truth.get(r.clipId);
    if (!t) continue;
    if (r.captionSource === 'asr') {
      if (corrupted.has(r.clipId)) out.add(r.clipId);
    } else if (r.captionSource === 'synthetic') {
      if (attributeAccuracy([r.caption], [truthAttrs(t)]).exact < 1) out.add(r.clipId);
    }
  }
  return out;
}

/** Quantity, diversity and filter metrics of a round's machine-captioned training rows. */
export function dataMetrics(rows: readonly TrainExample[], truth?: ReadonlyMap<string, TruthRow>): Pick<RoundRecord, 'quantity' | 'diversity' | 'filter'> {
  const machine = rows.filter((r) => r.split !== 'heldout' && r.captionSource !== 'human');
  const q = quantity(
    machine.map((r) => r.caption),
    machine.map((r) => r.keep),
  );
  const kept = machine.filter((r) => r.keep);
  const base = { quantity: { rows: q.rows, kept: q.rowsKept, tokens: q.tokens, tokensKept: q.tokensKept }, diversity: diversity(kept.map((r) => r.caption)) };
  if (!truth) return base;
  const noisy = noisyRowIds(machine, truth);
  const dropped = machine.filter((r) => !r.keep).map((r) => r.clipId);
  return { ...base, filter: { ...noiseDetection(dropped, noisy), noisyRows: noisy.size } };
}
