import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encoderFeeds } from '../../models/batch.js';
import { exportGraphs } from '../../models/captioner/inference-graphs.js';
import { SPECIAL_IDS } from '../../models/captioner/config.js';
import { Device } from '../../models/device.js';
import { Captioner, type GenerateResult } from '../../models/inference.js';
import type { CaptionerModel } from '../../models/model.js';
import { Trainer } from '../../models/trainer.js';
import { toyBatch, untrainedTiny } from './fixtures.js';
import { toyClips } from './toy.js';

const dev = (): Device => new Device({ intraOpThreads: 1 });

/**
 * Every caption has 1..maxLen ordinary tokens (no pad/bos/eos/unk, inside the vocabulary) and its
 * text is the tokenizer's decoding of those ids and not blank. (An untrained tiny model with these
 * seeds never emits eos first, so an empty caption means generation is broken.)
 */
async function expectRealCaptions(
  model: CaptionerModel,
  gen: GenerateResult,
  n: number,
  maxLen: number,
): Promise<void> {
  expect(gen.ids).toHaveLength(n);
  for (const ids of gen.ids) {
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThanOrEqual(maxLen);
    for (const id of ids) {
      expect(id).toBeGreaterThan(SPECIAL_IDS.unk);
      expect(id).toBeLessThan(model.config.vocabSize);
    }
  }
  expect(gen.text).toEqual(await model.tokenizer.decodeBatch(gen.ids));
  for (const t of gen.text) expect(t.trim()).not.toBe('');
}

describe('inference graphs', () => {
  it('exported score graph equals the training graph forward (token log p) on the same weights', async () => {
    const model = untrainedTiny(4);
    const clips = toyClips(5, 4, 32, 11);
    const batch = {
      ...toyBatch(clips),
      captions: ['a red circle', 'a blue square moves', 'a', 'a green triangle', 'purple'],
    };
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
      await expectRealCaptions(model, gen, 3, 6);
      const sc = await cap.score(batch, gen.ids);
      let compared = 0;
      gen.ids.forEach((ids, b) => {
        ids.forEach((_, t) => {
          expect(sc.tokenLogp[b][t]).toBeCloseTo(gen.tokenLogp[b][t], 4);
          // greedy takes the most likely of V tokens, so its probability is at least 1/V
          if (beams === 1) expect(gen.tokenLogp[b][t]).toBeGreaterThanOrEqual(-Math.log(model.config.vocabSize));
          compared++;
        });
      });
      expect(compared).toBeGreaterThanOrEqual(3);
    }
    await cap.release();
  });

  it('the portable full re-run decoder.onnx gives the same next-token log p as the cached step graph', async () => {
    const model = untrainedTiny(8);
    const clips = toyClips(2, 4, 32, 14);
    const batch = toyBatch(clips);
    const cap = await Captioner.fromModel(model, dev());
    const gen = await cap.generate(batch, { maxLen: 4 });
    const graphs = exportGraphs(model.config, model.weights);
    const enc = await ort.InferenceSession.create(graphs.encoder);
    const dec = await ort.InferenceSession.create(graphs.decoder);
    const e = await enc.run({
      frames: new ort.Tensor('uint8', batch.frames, [2, 4, 32, 32, 3]),
      text_ids: await encoderFeeds(model.config, model.tokenizer, batch).then((f) => f.textIds),
    });
    let checked = 0;
    for (let b = 0; b < 2; b++) {
      const ids = gen.ids[b];
      if (ids.length === 0) continue;
      checked++;
      const prefix = [1, ...ids.slice(0, -1)];
      const feeds: Record<string, ort.Tensor> = {
        memory_bias: new ort.Tensor(
          'float32',
          (e.memory_bias.data as Float32Array).slice(b * e.memory_bias.dims[1], (b + 1) * e.memory_bias.dims[1]),
          [1, e.memory_bias.dims[1]],
        ),
        prefix: new ort.Tensor('int64', BigInt64Array.from(prefix, BigInt), [1, prefix.length]),
      };
      for (let i = 0; i < model.config.decLayers; i++) {
        for (const n of [`cross_k.${i}`, `cross_v.${i}`]) {
          const t = e[n];
          const per = t.data.length / t.dims[0];
          feeds[n] = new ort.Tensor('float32', (t.data as Float32Array).slice(b * per, (b + 1) * per), [
            1,
            ...t.dims.slice(1),
          ]);
        }
      }
      const out = await dec.run(feeds);
      const lp = (out.logp_last.data as Float32Array)[ids[ids.length - 1]];
      expect(lp).toBeCloseTo(gen.tokenLogp[b][ids.length - 1], 4);
    }
    expect(checked).toBeGreaterThan(0);
    await Promise.all([cap.release(), enc.release(), dec.release()]);
  });

  it('is deterministic and batch-independent', async () => {
    const model = untrainedTiny(6);
    const clips = toyClips(4, 4, 32, 13);
    const cap = await Captioner.fromModel(model, dev());
    const all = await cap.generate(toyBatch(clips), { maxLen: 5, beams: 2 });
    await expectRealCaptions(model, all, 4, 5);
    const again = await cap.generate(toyBatch(clips), { maxLen: 5, beams: 2 });
    expect(again).toEqual(all);
    const one = await cap.generate(toyBatch(clips.slice(2, 3)), { maxLen: 5, beams: 2 });
    expect(one.ids[0]).toEqual(all.ids[2]);
    expect(one.text[0]).toBe(all.text[2]);
    await cap.release();
  });

  it('rejects malformed batches with the sizes in the message, and sampling without a seed per clip', async () => {
    const model = untrainedTiny(7);
    const cap = await Captioner.fromModel(model, dev());
    await expect(cap.generate({ frames: new Uint8Array(10), text: ['x'] })).rejects.toThrow(
      /frames has 10 bytes, expected 1 clips × 4 frames × 32×32×3 = 12288/,
    );
    await expect(cap.generate(toyBatch(toyClips(1, 4, 32, 1)), { maxLen: 99 })).rejects.toThrow(
      'maxLen must be an integer in [1, 15], got 99',
    );
    await expect(cap.generate(toyBatch(toyClips(1, 4, 32, 1)), { temperature: -1 })).rejects.toThrow(
      'temperature must be a finite number ≥ 0, got -1',
    );
    await expect(cap.generate(toyBatch(toyClips(2, 4, 32, 1)), { temperature: 1, seeds: [1] })).rejects.toThrow(
      /one seed per clip, got 1 for 2/,
    );
    await cap.release();
  });
});
