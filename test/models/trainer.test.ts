import { describe, expect, it } from 'vitest';
import { Device } from '../../models/device.js';
import { Trainer } from '../../models/trainer.js';
import { toyBatch, untrainedTiny } from './fixtures.js';
import { toyClips } from './toy.js';

const dev = (): Device => new Device({ intraOpThreads: 1 });
const batch = toyBatch(toyClips(8, 4, 32, 21));

describe('Trainer', () => {
  it('updates weights, follows the LR warm-up and lowers the loss on a repeated batch', async () => {
    const model = untrainedTiny(2);
    const before = Float32Array.from(model.weights.get('dec0.ff1.w')!);
    const trainer = await Trainer.create(model, dev(), { lr: 2e-3, warmupSteps: 4, totalSteps: 100 });
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await trainer.step(batch);
      losses.push(r.loss);
      expect(r.step).toBe(i + 1);
      expect(r.gradNorm).toBeGreaterThan(0);
      if (i < 4) expect(r.lr).toBeCloseTo((2e-3 * (i + 1)) / 4, 8);
    }
    expect(trainer.steps).toBe(6);
    expect(losses[5]).toBeLessThan(losses[0]);
    const after = model.weights.get('dec0.ff1.w')!;
    expect(after).not.toEqual(before);
    expect(trainer.weights().get('dec0.ff1.w')).toEqual(after);
    await trainer.release();
  });

  it('sample weights of 0 drop every token: zero loss and, without weight decay, no update', async () => {
    const model = untrainedTiny(3);
    const before = new Map([...model.weights].map(([k, v]) => [k, Float32Array.from(v)]));
    const trainer = await Trainer.create(model, dev(), { weightDecay: 0 });
    const r = await trainer.step(batch, { sampleWeight: new Array(8).fill(0), gamma: 0.7, wMin: 0.1 });
    expect(Math.abs(r.loss)).toBe(0);
    expect(r.gradNorm).toBe(0);
    for (const [k, v] of before) expect(model.weights.get(k)).toEqual(v);
    // token log p is still reported for the host's noise estimate
    expect(r.tokenLogp.some((x) => x < 0)).toBe(true);
    await trainer.release();
  });

  it('rejects bad step inputs, quoting the value', async () => {
    const trainer = await Trainer.create(untrainedTiny(4), dev());
    await expect(trainer.step(batch, { gamma: 1.5 })).rejects.toThrow('gamma must be in [0, 1], got 1.5');
    await expect(trainer.step(batch, { sampleWeight: [1, 1] })).rejects.toThrow(
      'sampleWeight has 2 entries for 8 clips',
    );
    await expect(trainer.step({ frames: batch.frames, text: batch.text })).rejects.toThrow('batch has no captions');
    await expect(Trainer.create(untrainedTiny(4), dev(), { lr: -1 })).rejects.toThrow(
      'lr must be a finite number ≥ 0, got -1',
    );
    await trainer.release();
  });
});
