import { describe, expect, it } from 'vitest';
import { trainWithNoiseControl } from '../../../models/adatailr/train-loop.js';
import { Device } from '../../../models/device.js';
import { createModel } from '../../../models/model.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { Trainer } from '../../../models/trainer.js';
import { experimentConfig } from '../../../research/noise-experiment/experiment.js';
import { epochBatches } from '../../../research/noise-experiment/run-one.js';
import { makeToyTask, taskCorpus } from '../../../research/noise-experiment/toy-task.js';

const device = new Device({ intraOpThreads: 1 });
const tok = CaptionTokenizer.train(taskCorpus(), { vocabSize: 200 });
const cfg = experimentConfig(tok.vocabSize);
const task = makeToyTask({
  trainClips: 48,
  heldoutClips: 1,
  noise: 0.5,
  frames: cfg.frames,
  frameSize: cfg.frameSize,
  seed: 9,
});

async function train(
  loss: Parameters<typeof trainWithNoiseControl>[0]['lossConfig'],
  steps: number,
  signal?: AbortSignal,
) {
  const trainer = await Trainer.create(createModel(cfg, tok, 2), device, {
    lr: 1e-2,
    warmupSteps: 2,
    totalSteps: steps,
  });
  try {
    const seen: number[] = [];
    const r = await trainWithNoiseControl({
      trainer,
      batches: epochBatches(task.train, 12, steps, 4),
      lossConfig: loss,
      vocabSize: cfg.vocabSize,
      device,
      onStep: (m) => seen.push(m.step),
      signal,
    });
    return { r, seen };
  } finally {
    await trainer.release();
  }
}

describe('trainWithNoiseControl', () => {
  it('logs loss, γ and ρ per step; γ = 0 in warm-up, then follows ρ', async () => {
    const { r, seen } = await train({ kind: 'adatailr', warmupSteps: 3 }, 6);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    for (const c of [r.lossCurve, r.nllCurve, r.gammaCurve, r.rhoCurve]) expect(c).toHaveLength(6);
    expect(r.gammaCurve.slice(0, 3)).toEqual([0, 0, 0]);
    expect(r.rhoCurve.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(r.gammaCurve[3]).toBeGreaterThan(0);
    expect(r.gammaCurve[3]).toBeLessThanOrEqual(0.25); // default γ_max
    expect(r.final.rho).toBe(r.rhoCurve[5]);
    expect(r.lossConfig).toMatchObject({ kind: 'adatailr', warmupSteps: 3, wMin: 0 });
  });

  it('without a warm-up in the config, γ stays 0 for the learning-rate warm-up and the result records it', async () => {
    const { r } = await train({ kind: 'adatailr' }, 4); // trainer warm-up: 2 steps
    expect(r.lossConfig).toMatchObject({ kind: 'adatailr', warmupSteps: 2 });
    expect(r.gammaCurve.slice(0, 2)).toEqual([0, 0]);
    expect(r.gammaCurve[2]).toBeGreaterThan(0);
  });

  it('is deterministic given the seed and batch order', async () => {
    const a = await train({ kind: 'adatailr', warmupSteps: 1 }, 4);
    const b = await train({ kind: 'adatailr', warmupSteps: 1 }, 4);
    expect(b.r.lossCurve).toEqual(a.r.lossCurve);
    expect(b.r.gammaCurve).toEqual(a.r.gammaCurve);
  });

  it('mle reports γ 0 and ρ NaN; loss equals the plain NLL', async () => {
    const { r } = await train({ kind: 'mle' }, 2);
    expect(r.gammaCurve).toEqual([0, 0]);
    expect(r.rhoCurve.every(Number.isNaN)).toBe(true);
    r.lossCurve.forEach((l, i) => expect(l).toBeCloseTo(r.nllCurve[i], 4));
  });

  it('loss truncation pre-scores each batch and keeps 1 − dropFraction of it', async () => {
    const { r } = await train({ kind: 'loss-truncation', dropFraction: 0.25 }, 2);
    expect(r.steps.map((s) => s.keptFraction)).toEqual([0.75, 0.75]);
  });

  it('stops on abort and rejects a loss that needs pre-scoring without a scorer', async () => {
    const ac = new AbortController();
    ac.abort();
    expect((await train({ kind: 'mle' }, 3, ac.signal)).r.steps).toHaveLength(0);
    const trainer = await Trainer.create(createModel(cfg, tok, 2), device);
    await expect(
      trainWithNoiseControl({
        trainer,
        batches: [],
        lossConfig: { kind: 'loss-truncation' },
        vocabSize: cfg.vocabSize,
      }),
    ).rejects.toThrow(/needs pre-scoring/);
    await trainer.release();
  });
});
