import { describe, expect, it } from 'vitest';
import { Device } from '../../models/device.js';
import { Captioner } from '../../models/inference.js';
import { Trainer } from '../../models/trainer.js';
import { toyBatch, untrainedTiny } from './fixtures.js';
import { toyClips } from './toy.js';

const dev = (): Device => new Device({ intraOpThreads: 1 });

describe('inference graphs', () => {
  it('exported score graph equals the training graph forward (token log p) on the same weights', async () => {
    const model = untrainedTiny(4);
    const clips = toyClips(5, 4, 32, 11);
    const batch = { ...toyBatch(clips), captions: ['a red circle', 'a blue square moves', 'a', 'a green triangle', 'purple'] };
    const captioner = await Captioner.fromModel(model, dev()); // snapshot of the weights before the step
    const trainer = await Trainer.create(model, dev());
    const step = await trainer.step(batch, { gamma: 0.5 });
    const scored = await captioner.score(batch, batch.captions);
    const [B, L] = step.dims;
    expect(B).toBe(5);
    let compared = 0;
    scored.tokenLogp.forEach((row, b) => {
      row.forEach((lp, t) => {
        expect(lp).toBeCloseTo(step.tokenLogp[b * L + t], 4);
        compared++;
      });
      for (let t = row.length; t < L; t++) expect(step.tokenLogp[b * L + t]).toBe(0); // pads
    });
    expect(compared).toBeGreaterThan(10);
    await Promise.all([captioner.release(), trainer.release()]);
  });

  it('generation log-probs equal teacher-forced scores of the generated captions (decoder graph = score graph)', async () => {
    const model = untrainedTiny(5);
    const clips = toyClips(3, 4, 32, 12);
    const batch = toyBatch(clips);
    const cap = await Captioner.fromModel(model, dev());
    for (const beams of [1, 3]) {
      const gen = await cap.generate(batch, { maxLen: 6, beams });
      const sc = await cap.score(batch, gen.ids);
      gen.ids.forEach((ids, b) => {
        expect(ids.length).toBeLessThanOrEqual(6);
        ids.forEach((_, t) => expect(sc.tokenLogp[b][t]).toBeCloseTo(gen.tokenLogp[b][t], 4));
      });
    }
    await cap.release();
  });

  it('is deterministic and batch-independent', async () => {
    const model = untrainedTiny(6);
    const clips = toyClips(4, 4, 32, 13);
    const cap = await Captioner.fromModel(model, dev());
    const all = await cap.generate(toyBatch(clips), { maxLen: 5, beams: 2 });
    const again = await cap.generate(toyBatch(clips), { maxLen: 5, beams: 2 });
    expect(again).toEqual(all);
    const one = await cap.generate(toyBatch(clips.slice(2, 3)), { maxLen: 5, beams: 2 });
    expect(one.ids[0]).toEqual(all.ids[2]);
    expect(one.text[0]).toBe(all.text[2]);
    await cap.release();
  });

  it('rejects malformed batches with the sizes in the message', async () => {
    const model = untrainedTiny(7);
    const cap = await Captioner.fromModel(model, dev());
    await expect(cap.generate({ frames: new Uint8Array(10), text: ['x'] })).rejects.toThrow(/frames has 10 bytes, expected 1 clips × 4 frames × 32×32×3 = 12288/);
    await expect(cap.generate(toyBatch(toyClips(1, 4, 32, 1)), { maxLen: 99 })).rejects.toThrow('maxLen must be an integer in [1, 15], got 99');
    await cap.release();
  });
});
