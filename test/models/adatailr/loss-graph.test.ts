/**
 * The training graph's loss and token weights against the host reference: for every loss kind,
 * the Trainer's in-graph `loss`/`tokenWeight` must equal `weightedNll`/`tailrWeights` computed on
 * the host from the same step's `tokenLogp` output.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createNoiseControl, lossConfigSchema } from '../../../models/adatailr/loss-config.js';
import { perSampleNll } from '../../../models/adatailr/loss-truncation.js';
import { tailrWeights, weightedNll } from '../../../models/adatailr/token-weights.js';
import { captionMask, snapshotPreScorer } from '../../../models/adatailr/train-loop.js';
import { Device } from '../../../models/device.js';
import { createModel } from '../../../models/model.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { Trainer, type StepResult } from '../../../models/trainer.js';
import { type CaptionBatch } from '../../../models/batch.js';
import { experimentConfig } from '../../../research/noise-experiment/experiment.js';
import { makeToyTask, stackFrames, taskCorpus, type ToyRow } from '../../../research/noise-experiment/toy-task.js';

const device = new Device({ intraOpThreads: 1 });
const task = makeToyTask({ trainClips: 64, heldoutClips: 1, noise: 0.4, frames: 2, frameSize: 16, seed: 3 });
const batchOf = (rows: readonly ToyRow[]): CaptionBatch => ({
  frames: stackFrames(rows),
  text: rows.map((r) => r.asr),
  captions: rows.map((r) => r.caption),
});
const batches = [0, 16, 32, 48].map((i) => batchOf(task.train.slice(i, i + 16)));
let trainer: Trainer;

/** Asserts the step's graph outputs equal the host reference for (γ, w_min, sample weights). */
async function expectMatchesHost(
  r: StepResult,
  batch: CaptionBatch,
  gamma: number,
  wMin: number,
  sw: Float32Array,
): Promise<Float32Array> {
  const [B, L] = r.dims;
  expect(B).toBe(batch.text.length);
  const mask = await captionMask(trainer, batch.captions!, L);
  const w = tailrWeights(r.tokenLogp, gamma, wMin);
  let real = 0;
  for (let i = 0; i < mask.length; i++) {
    expect(r.tokenWeight[i]).toBeCloseTo(w[i] * mask[i], 5);
    if (mask[i]) {
      real++;
      expect(r.tokenWeight[i]).toBeGreaterThanOrEqual(wMin - 1e-6);
      expect(r.tokenWeight[i]).toBeLessThanOrEqual(1 + 1e-6);
    } else expect(r.tokenLogp[i]).toBe(0);
  }
  expect(real).toBeGreaterThan(B * 2);
  expect(r.loss).toBeCloseTo(weightedNll(r.tokenLogp, mask, sw, L, gamma, wMin), 4);
  return mask;
}

describe('training-graph loss = host reference (weightedNll / tailrWeights on the step’s own tokenLogp)', () => {
  beforeAll(async () => {
    const tok = CaptionTokenizer.train(taskCorpus(), { vocabSize: 200 });
    trainer = await Trainer.create(createModel(experimentConfig(tok.vocabSize), tok, 5), device, {
      lr: 1e-2,
      warmupSteps: 2,
      totalSteps: 100,
    });
    // a few MLE steps so token probabilities spread over (0, 1) instead of sitting near 1/|V|
    for (let s = 0; s < 12; s++) await trainer.step(batches[s % 4]);
  });

  it('mle (γ = 0): weights are exactly 1 on real tokens and the loss is the plain mean NLL', async () => {
    const nc = createNoiseControl(lossConfigSchema.parse({ kind: 'mle' }), trainer.model.config.vocabSize);
    const inp = nc.inputsFor(16);
    expect(inp.gamma).toBe(0);
    const r = await trainer.step(batches[0], inp);
    const mask = await expectMatchesHost(r, batches[0], 0, 0, inp.sampleWeight);
    mask.forEach((m, i) => expect(r.tokenWeight[i]).toBe(m));
    let nll = 0;
    let n = 0;
    mask.forEach((m, i) => m && ((nll -= r.tokenLogp[i]), n++));
    expect(r.loss).toBeCloseTo(nll / n, 4);
  });

  for (const [gamma, wMin] of [
    [0.25, 0],
    [0.5, 0.1],
    [1, 0.05],
    [1, 0],
  ] as const) {
    it(`tailr γ=${gamma}, w_min=${wMin}: weights in [w_min, 1], loss = weightedNll`, async () => {
      const nc = createNoiseControl(
        lossConfigSchema.parse({ kind: 'tailr', gamma, wMin }),
        trainer.model.config.vocabSize,
      );
      const inp = nc.inputsFor(16);
      const r = await trainer.step(batches[1], inp);
      const mask = await expectMatchesHost(r, batches[1], gamma, wMin, inp.sampleWeight);
      // the weights really vary (some tokens plausible, some not), so the comparison is not vacuous
      const real = Array.from(r.tokenWeight).filter((_, i) => mask[i]);
      expect(Math.max(...real) - Math.min(...real)).toBeGreaterThan(0.2);
      if (gamma === 1 && wMin === 0)
        real.forEach((w, k) =>
          expect(w).toBeCloseTo(Math.exp(Array.from(r.tokenLogp).filter((_, i) => mask[i])[k]), 5),
        );
    });
  }

  it('adatailr: the strategy’s γ (after observing steps) is the γ the graph weights with', async () => {
    const nc = createNoiseControl(
      lossConfigSchema.parse({ kind: 'adatailr', warmupSteps: 2, wMin: 0.02 }),
      trainer.model.config.vocabSize,
    );
    const gammas: number[] = [];
    for (let s = 0; s < 4; s++) {
      const inp = nc.inputsFor(16);
      const r = await trainer.step(batches[s], inp);
      const mask = await expectMatchesHost(r, batches[s], inp.gamma, 0.02, inp.sampleWeight);
      expect(nc.observe(r.tokenLogp, mask, r.dims[1]).gamma).toBe(inp.gamma);
      gammas.push(inp.gamma);
    }
    expect(gammas.slice(0, 2)).toEqual([0, 0]); // warm-up
    expect(gammas[3]).toBeGreaterThan(0); // 40% corrupted captions: the estimate moves γ off MLE
  });

  it('loss-truncation: sample weights from Captioner.score pre-scoring drop the highest-NLL rows; loss = weightedNll', async () => {
    const nc = createNoiseControl(
      lossConfigSchema.parse({ kind: 'loss-truncation', dropFraction: 0.25 }),
      trainer.model.config.vocabSize,
    );
    const pre = snapshotPreScorer(trainer, device);
    const p = await pre(batches[2]);
    const inp = nc.inputsFor(16, p);
    const r = await trainer.step(batches[2], inp);
    await pre.release();
    const [B, L] = r.dims;
    expect(Array.from(inp.sampleWeight).filter((w) => w === 0)).toHaveLength(4);
    const mask = await expectMatchesHost(r, batches[2], 0, 0, inp.sampleWeight);
    // the pre-score (snapshot before the step) equals the step's own forward pass
    const own = perSampleNll(r.tokenLogp, mask, B, L);
    const scored = perSampleNll(p.tokenLogp, p.mask, B, p.seqLen);
    own.forEach((x, b) => expect(x).toBeCloseTo(scored[b], 3));
    const worstKept = Math.max(...Array.from(own).filter((_, b) => inp.sampleWeight[b] === 1));
    const bestDropped = Math.min(...Array.from(own).filter((_, b) => inp.sampleWeight[b] === 0));
    expect(bestDropped).toBeGreaterThanOrEqual(worstKept - 1e-4);
  });
});
