/**
 * Row weights in the training loop: a row of weight 0 changes nothing — two identical trainers from
 * the same seed end with the same weights (and the same logged NLL, γ and ρ̂) whether the batch
 * holds the zero-weight row or not; a weight of 2 on one row changes the update; a negative, NaN or
 * misaligned weight is refused.
 */
import { describe, expect, it } from 'vitest';
import { experimentConfig } from '../../../research/noise-experiment/experiment.js';
import { makeToyTask, taskCorpus } from '../../../research/noise-experiment/toy-task.js';
import { trainWithNoiseControl, type LossConfigInput } from '../../../models/adatailr/train-loop.js';
import type { CaptionBatch } from '../../../models/batch.js';
import { Device } from '../../../models/device.js';
import { createModel } from '../../../models/model.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { Trainer } from '../../../models/trainer.js';

const device = new Device({ intraOpThreads: 1 });
const tok = CaptionTokenizer.train(taskCorpus(), { vocabSize: 200 });
const cfg = experimentConfig(tok.vocabSize);
const task = makeToyTask({
  trainClips: 6,
  heldoutClips: 1,
  noise: 0,
  frames: cfg.frames,
  frameSize: cfg.frameSize,
  seed: 4,
});
const [a, b, c] = task.train as [(typeof task.train)[0], (typeof task.train)[0], (typeof task.train)[0]];
// the third row is longer in text and caption, so leaving it out also changes the padding
const third = { ...c, caption: `${c.caption} and a ${b.caption} next to it`, asr: `${c.asr} ${a.asr} ${b.asr}` };

function batchOf(
  rows: readonly { frames: Uint8Array; asr: string; caption: string }[],
  weights?: number[],
): CaptionBatch {
  const frames = new Uint8Array(rows.reduce((n, r) => n + r.frames.length, 0));
  rows.forEach((r, i) => frames.set(r.frames, i * r.frames.length));
  return {
    frames,
    text: rows.map((r) => r.asr),
    captions: rows.map((r) => r.caption),
    ...(weights ? { weights } : {}),
  };
}

/** Two steps on the same batch with a fresh trainer (model seed 2), returning the final weights and curves. */
async function train(batch: CaptionBatch, lossConfig: LossConfigInput = { kind: 'adatailr', warmupSteps: 1 }) {
  const trainer = await Trainer.create(createModel(cfg, tok, 2), device, { lr: 1e-2, warmupSteps: 1, totalSteps: 4 });
  try {
    const r = await trainWithNoiseControl({ trainer, batches: [batch, batch], lossConfig, vocabSize: cfg.vocabSize });
    return { weights: trainer.weights(), r };
  } finally {
    await trainer.release();
  }
}

/**
 * Largest weight difference, leaving out the attention key biases: softmax ignores a shift shared by
 * all scores, so their true gradient is exactly 0 and Adam turns float rounding noise there into
 * steps (measured ~1e-4 when the padded length changes) — noise, not signal. Every other
 * parameter agrees to ~3e-7.
 */
function maxDiff(x: Map<string, Float32Array>, y: Map<string, Float32Array>): number {
  let d = 0;
  for (const [k, v] of x) {
    if (/\.k\.b$/.test(k)) continue;
    const w = y.get(k)!;
    for (let i = 0; i < v.length; i++) d = Math.max(d, Math.abs(v[i] - w[i]));
  }
  return d;
}

describe('trainWithNoiseControl with row weights', () => {
  it('a zero-weight row changes neither the update nor the logged metrics', async () => {
    const two = await train(batchOf([a, b]));
    const three = await train(batchOf([a, b, third], [1, 1, 0]));
    const full = await train(batchOf([a, b, third], [1, 1, 1]));
    expect(maxDiff(two.weights, three.weights)).toBeLessThan(1e-5);
    expect(maxDiff(two.weights, full.weights)).toBeGreaterThan(1e-3); // the row does matter when weighed
    three.r.nllCurve.forEach((x, i) => expect(x).toBeCloseTo(two.r.nllCurve[i], 4));
    three.r.lossCurve.forEach((x, i) => expect(x).toBeCloseTo(two.r.lossCurve[i], 4));
    expect(three.r.gammaCurve).toEqual(two.r.gammaCurve);
    expect(three.r.rhoCurve).toEqual(two.r.rhoCurve);
  });

  it('explicit weights of 1 are the same as no weights; a weight of 2 on one row changes the update', async () => {
    const plain = await train(batchOf([a, b]), { kind: 'mle' });
    const ones = await train(batchOf([a, b], [1, 1]), { kind: 'mle' });
    const double = await train(batchOf([a, b], [1, 2]), { kind: 'mle' });
    expect(maxDiff(plain.weights, ones.weights)).toBe(0);
    expect(maxDiff(plain.weights, double.weights)).toBeGreaterThan(1e-3);
    expect(double.r.lossCurve[0]).not.toBeCloseTo(plain.r.lossCurve[0], 6);
  });

  it('refuses negative, non-finite and misaligned weights', async () => {
    await expect(train(batchOf([a, b], [1, -0.5]))).rejects.toThrow(/row weight 1 is -0.5/);
    await expect(train(batchOf([a, b], [Number.NaN, 1]))).rejects.toThrow(RangeError);
    await expect(train(batchOf([a, b], [1]))).rejects.toThrow(/1 row weights for 2 rows/);
  });
});
