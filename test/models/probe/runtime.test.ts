/**
 * The probe in ONNX Runtime (float32): embeddings are unit vectors and ignore padding, a few
 * steps on one batch drive the loss down, and training is deterministic for a seed and thread count;
 * a runtime opened for hard negatives trains on them, and the two kinds of batch are not mixed up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../../models/device.js';
import { makeProbeConfig } from '../../../models/probe/config.js';
import { initProbeWeights } from '../../../models/probe/params.js';
import { ProbeRuntime } from '../../../models/probe/runtime.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { makeRng } from '../../../models/rng.js';
import { WordSwapNegatives } from '../../../models/probe/word-swap.js';
import { stackFrames, toyClips } from '../toy.js';

const clips = toyClips(12, 4, 32, 3);
const tok = CaptionTokenizer.train(
  clips.map((c) => c.caption),
  { vocabSize: 64 },
);
const cfg = makeProbeConfig({ count: 4, size: 32 }, tok.vocabSize);
let rt: ProbeRuntime;
let ids: number[][];

beforeAll(async () => {
  rt = await ProbeRuntime.open(cfg, new Device({ intraOpThreads: 1, interOpThreads: 1 }));
  ids = await tok.encodeBatch(clips.map((c) => c.caption));
});
afterAll(() => rt.release());

const norms = (e: Float32Array, d: number): number[] =>
  Array.from({ length: e.length / d }, (_, i) => Math.hypot(...e.subarray(i * d, (i + 1) * d)));

describe('probe runtime', () => {
  it('embeds videos and texts as unit vectors; text padding changes nothing', async () => {
    const w = initProbeWeights(cfg, 1);
    const v = await rt.embedVideos(w, stackFrames(clips), clips.length);
    const t = await rt.embedTexts(w, ids);
    expect(v.length).toBe(clips.length * cfg.dModel);
    for (const n of [...norms(v, cfg.dModel), ...norms(t, cfg.dModel)]) expect(n).toBeCloseTo(1, 5);
    // the same row alone (no padding) and beside a longer row (padded) embeds the same
    const short = [ids[0]];
    const long = [ids[0], [...ids[1], ...ids[1], ...ids[1]]];
    const a = await rt.embedTexts(w, short);
    const b = (await rt.embedTexts(w, long)).subarray(0, cfg.dModel);
    for (let i = 0; i < cfg.dModel; i++) expect(b[i]).toBeCloseTo(a[i], 5);
  });

  it('rejects a frame buffer of the wrong size, naming the expected geometry', async () => {
    await expect(rt.embedVideos(initProbeWeights(cfg, 1), new Uint8Array(10), 1)).rejects.toThrow(
      /expected 1 clips × 4 frames × 32×32×3/,
    );
  });

  it('fits one batch (the loss falls) and is deterministic for a seed and thread count', async () => {
    const batch = { frames: stackFrames(clips), ids, weights: clips.map((_, i) => (i % 3 === 0 ? 0.5 : 1)) };
    const train = async (seed: number) => {
      const tr = rt.trainer(initProbeWeights(cfg, seed), { totalSteps: 30, warmupSteps: 3, lr: 3e-3 });
      const losses: number[] = [];
      for (let i = 0; i < 30; i++) losses.push((await tr.step(batch)).loss);
      return { losses, weights: tr.weights() };
    };
    const a = await train(1);
    const b = await train(1);
    const c = await train(2);
    expect(a.losses[29]).toBeLessThan(a.losses[0] * 0.5);
    expect(b.losses).toEqual(a.losses);
    for (const [k, v] of a.weights)
      expect(Buffer.from(b.weights.get(k)!.buffer).equals(Buffer.from(v.buffer))).toBe(true);
    expect(c.losses[0]).not.toBe(a.losses[0]);
  });

  it('trains against word-swapped hard negatives: each clip then prefers its caption to its near copy', async () => {
    const hardRt = await ProbeRuntime.open(cfg, new Device({ intraOpThreads: 1, interOpThreads: 1 }), {
      hardNegatives: true,
    });
    try {
      const captions = clips.map((c) => c.caption);
      const swaps = new WordSwapNegatives(1);
      swaps.observe(captions);
      const negatives = captions.map((c, i) => swaps.negative(c, makeRng(1, 'hard', i)) ?? captions[(i + 1) % 12]);
      const hardIds = await tok.encodeBatch(negatives);
      const frames = stackFrames(clips);
      // a hard-negative trainer needs the negatives; a plain one refuses them
      const w0 = initProbeWeights(cfg, 1);
      await expect(hardRt.trainer(w0).step({ frames, ids })).rejects.toThrow(/has no hardIds/);
      await expect(rt.trainer(w0).step({ frames, ids, hardIds })).rejects.toThrow(/not opened with hardNegatives/);
      await expect(hardRt.trainer(w0).step({ frames, ids, hardIds: hardIds.slice(1) })).rejects.toThrow(
        /11 hard negatives for 12 rows/,
      );
      const tr = hardRt.trainer(w0, { totalSteps: 60, warmupSteps: 3, lr: 3e-3 });
      const losses: number[] = [];
      for (let i = 0; i < 60; i++) losses.push((await tr.step({ frames, ids, hardIds })).loss);
      expect(losses[59]).toBeLessThan(losses[0] * 0.5);
      const d = cfg.dModel;
      const v = await hardRt.embedVideos(tr.weights(), frames, 12);
      const pos = await hardRt.embedTexts(tr.weights(), ids);
      const neg = await hardRt.embedTexts(tr.weights(), hardIds);
      const dot = (a: Float32Array, b: Float32Array, i: number): number =>
        a.subarray(i * d, (i + 1) * d).reduce((s, x, k) => s + x * b[i * d + k], 0);
      const prefers = clips.filter((_, i) => dot(v, pos, i) > dot(v, neg, i)).length;
      expect(prefers).toBe(12);
    } finally {
      await hardRt.release();
    }
  });
});
