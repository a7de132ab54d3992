/**
 * Judge directories (`saveJudge` / `Judge.load`): a saved and loaded judge embeds clips and
 * captions exactly as the probe runtime does with the in-memory weights, and reads back its
 * manifest and learned logit scale (clamped at maxLogScale); the content hash is the sha256 of the
 * stored config, tokenizer and weights — equal for equal weights whatever the training id, different
 * when any weight differs; saving onto an existing directory throws and leaves it untouched, and no
 * temp directory is left behind; a missing, truncated or oversized `weights.bin`, a missing
 * `judge.json`/`tokenizer.json`, an unparsable `judge.json` and a foreign `format` each fail with
 * an error naming the directory and the file.
 */
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../../models/device.js';
import { makeProbeConfig } from '../../../models/probe/config.js';
import { JUDGE_FORMAT, Judge, saveJudge } from '../../../models/probe/judge.js';
import { initProbeWeights, LOG_SCALE, probeParamSpecs } from '../../../models/probe/params.js';
import { ProbeRuntime } from '../../../models/probe/runtime.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { tempDir } from '../../helpers/tmp.js';
import { stackFrames, toyClips } from '../toy.js';

const device = new Device({ intraOpThreads: 1, interOpThreads: 1 });
const clips = toyClips(6, 2, 16, 7);
const captions = [...clips.map((c) => c.caption), 'so today we look at this', ''];
const tok = CaptionTokenizer.train(
  clips.map((c) => `${c.caption} ${c.asr}`),
  { vocabSize: 64 },
);
const cfg = makeProbeConfig({ count: 2, size: 16 }, tok.vocabSize, {
  dModel: 16,
  heads: 2,
  ffn: 32,
  patch: 8,
  maxTextLen: 8,
});
const weights = (seed: number, logScale = Math.log(5)) => {
  const w = initProbeWeights(cfg, seed);
  w.set(LOG_SCALE, Float32Array.of(logScale));
  return w;
};

let root: string;
let rt: ProbeRuntime;
const opened: Judge[] = [];
const load = async (dir: string): Promise<Judge> => {
  const j = await Judge.load(dir, device);
  opened.push(j);
  return j;
};
/** A fresh copy of the saved judge `a`, to break. */
let copies = 0;
const copyOfA = (): string => {
  const dir = join(root, `broken-${copies++}`);
  cpSync(join(root, 'a'), dir, { recursive: true });
  return dir;
};
const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

beforeAll(async () => {
  root = await tempDir('flywheel-judge-');
  rt = await ProbeRuntime.open(cfg, device);
  saveJudge(join(root, 'a'), {
    config: cfg,
    tokenizer: tok,
    weights: weights(1),
    trainingDataId: 'train-a',
    metrics: { loss: 0.5, split: 'fold-0' },
  });
});
afterAll(async () => {
  await Promise.all(opened.map((j) => j.release()));
  await rt.release();
});

describe('saveJudge / Judge.load', () => {
  it('round trip: the loaded judge embeds exactly as the runtime with the saved weights, and knows its manifest and scale', async () => {
    const w = weights(1);
    const j = await load(join(root, 'a'));
    const frames = stackFrames(clips);
    expect(
      bytes(await j.embedVideos(frames, clips.length)).equals(bytes(await rt.embedVideos(w, frames, clips.length))),
    ).toBe(true);
    expect(
      bytes(await j.embedTexts(captions)).equals(bytes(await rt.embedTexts(w, await tok.encodeBatch(captions)))),
    ).toBe(true);
    expect((await j.embedVideos(frames, clips.length)).length).toBe(clips.length * cfg.dModel);
    expect(await j.embedTexts([])).toHaveLength(0);
    expect(j.scale).toBe(Math.exp(Math.fround(Math.log(5))));
    expect(j.scale).toBeCloseTo(5, 5);
    expect(j.config).toEqual(cfg);
    expect(j.manifest).toMatchObject({
      format: JUDGE_FORMAT,
      config: cfg,
      trainingDataId: 'train-a',
      metrics: { loss: 0.5, split: 'fold-0' },
    });
    // a second load of the same directory is the same judge
    const again = await load(join(root, 'a'));
    expect(bytes(await again.embedTexts(captions)).equals(bytes(await j.embedTexts(captions)))).toBe(true);
    expect(again.scale).toBe(j.scale);
  });

  it('a judge with transformer layers over its video patches round-trips, and they change its video embedding', async () => {
    for (const bad of [-1, 1.5])
      expect(() => makeProbeConfig({ count: 2, size: 16 }, tok.vocabSize, { ...cfg, videoLayers: bad })).toThrow(
        `probe config: videoLayers must be a non-negative integer, got ${bad}`,
      );
    const vcfg = makeProbeConfig({ count: 2, size: 16 }, tok.vocabSize, { ...cfg, videoLayers: 1 });
    const vw = initProbeWeights(vcfg, 1);
    saveJudge(join(root, 'video-layers'), { config: vcfg, tokenizer: tok, weights: vw, trainingDataId: 'train-v' });
    const j = await load(join(root, 'video-layers'));
    expect(j.config.videoLayers).toBe(1);
    const vrt = await ProbeRuntime.open(vcfg, device);
    try {
      const frames = stackFrames(clips);
      const got = await j.embedVideos(frames, clips.length);
      expect(bytes(got).equals(bytes(await vrt.embedVideos(vw, frames, clips.length)))).toBe(true);
      // same weights but the layer's output projections zeroed (the layer passes its input on): another embedding
      const skip = new Map(vw);
      for (const n of ['v0.attn.o.w', 'v0.ff2.w']) skip.set(n, new Float32Array(vw.get(n)!.length));
      expect(bytes(await vrt.embedVideos(skip, frames, clips.length)).equals(bytes(got))).toBe(false);
    } finally {
      await vrt.release();
    }
  });

  it('the scale is exp of the stored log scale, clamped at maxLogScale', async () => {
    saveJudge(join(root, 'sharp'), { config: cfg, tokenizer: tok, weights: weights(1, 10), trainingDataId: 'x' });
    expect((await load(join(root, 'sharp'))).scale).toBeCloseTo(Math.exp(cfg.maxLogScale), 6);
    saveJudge(join(root, 'init'), {
      config: cfg,
      tokenizer: tok,
      weights: initProbeWeights(cfg, 1),
      trainingDataId: 'x',
    });
    expect((await load(join(root, 'init'))).scale).toBeCloseTo(Math.exp(cfg.initLogScale), 5);
  });

  it('the content hash is the sha256 of the stored config, tokenizer and weights: equal for equal weights, different otherwise', () => {
    const a = JSON.parse(readFileSync(join(root, 'a', 'judge.json'), 'utf8')) as { contentHash: string };
    const want = createHash('sha256')
      .update(JSON.stringify(cfg))
      .update(readFileSync(join(root, 'a', 'tokenizer.json')))
      .update(readFileSync(join(root, 'a', 'weights.bin')))
      .digest('hex');
    expect(a.contentHash).toBe(want);
    // same weights, other training id and metrics: same hash
    const same = saveJudge(join(root, 'same'), {
      config: cfg,
      tokenizer: tok,
      weights: weights(1),
      trainingDataId: 'train-b',
      metrics: { loss: 9 },
    });
    expect(same.contentHash).toBe(a.contentHash);
    // other seed: different hash
    expect(
      saveJudge(join(root, 'seed2'), { config: cfg, tokenizer: tok, weights: weights(2), trainingDataId: 'train-a' })
        .contentHash,
    ).not.toBe(a.contentHash);
    // one value changed: different hash
    const w = weights(1);
    const first = probeParamSpecs(cfg)[0].name;
    const v = Float32Array.from(w.get(first)!);
    v[0] = v[0] + 1e-3;
    w.set(first, v);
    expect(
      saveJudge(join(root, 'nudged'), { config: cfg, tokenizer: tok, weights: w, trainingDataId: 'train-a' })
        .contentHash,
    ).not.toBe(a.contentHash);
    // only the logit scale changed: different hash
    expect(
      saveJudge(join(root, 'scaled'), {
        config: cfg,
        tokenizer: tok,
        weights: weights(1, 2),
        trainingDataId: 'train-a',
      }).contentHash,
    ).not.toBe(a.contentHash);
  });

  it('is immutable: saving onto an existing directory throws and leaves it as it was; no temp directory is left', () => {
    const before = readFileSync(join(root, 'a', 'weights.bin'));
    const manifest = readFileSync(join(root, 'a', 'judge.json'), 'utf8');
    expect(() =>
      saveJudge(join(root, 'a'), { config: cfg, tokenizer: tok, weights: weights(3), trainingDataId: 'other' }),
    ).toThrow(/already exists; judges are immutable/);
    expect(readFileSync(join(root, 'a', 'weights.bin')).equals(before)).toBe(true);
    expect(readFileSync(join(root, 'a', 'judge.json'), 'utf8')).toBe(manifest);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses weights missing a parameter, naming it, and writes nothing', () => {
    const w = weights(1);
    w.delete(LOG_SCALE);
    expect(() =>
      saveJudge(join(root, 'partial'), { config: cfg, tokenizer: tok, weights: w, trainingDataId: 'x' }),
    ).toThrow(/no logit_scale/);
    expect(readdirSync(root).filter((f) => f.startsWith('partial'))).toEqual([]);
  });
});

describe('Judge.load errors', () => {
  it('a missing weights.bin names the directory and the file', async () => {
    const dir = copyOfA();
    rmSync(join(dir, 'weights.bin'));
    await expect(Judge.load(dir, device)).rejects.toThrow(`judge ${dir}: cannot read weights.bin (ENOENT)`);
  });

  it('a weights.bin truncated by whole values names the directory, the file and the parameter', async () => {
    const dir = copyOfA();
    const w = readFileSync(join(dir, 'weights.bin'));
    writeFileSync(join(dir, 'weights.bin'), w.subarray(0, w.length - 4));
    await expect(Judge.load(dir, device)).rejects.toThrow(`judge ${dir}: weights.bin is too short for ${LOG_SCALE}`);
    writeFileSync(join(dir, 'weights.bin'), w.subarray(0, 40));
    await expect(Judge.load(dir, device)).rejects.toThrow(
      new RegExp(`^judge ${dir}: weights\\.bin is too short for v\\.patch\\.w$`),
    );
  });

  it('a weights.bin truncated mid-value (not a multiple of 4 bytes) names the directory and the file', async () => {
    const dir = copyOfA();
    const w = readFileSync(join(dir, 'weights.bin'));
    writeFileSync(join(dir, 'weights.bin'), w.subarray(0, w.length - 1));
    await expect(Judge.load(dir, device)).rejects.toThrow(`judge ${dir}: weights.bin`);
  });

  it('a weights.bin with values to spare is refused', async () => {
    const dir = copyOfA();
    writeFileSync(join(dir, 'weights.bin'), Buffer.concat([readFileSync(join(dir, 'weights.bin')), Buffer.alloc(8)]));
    await expect(Judge.load(dir, device)).rejects.toThrow(`judge ${dir}: weights.bin has 2 values too many`);
  });

  it('a foreign format names the directory and both formats', async () => {
    const dir = copyOfA();
    const m = JSON.parse(readFileSync(join(dir, 'judge.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'judge.json'), JSON.stringify({ ...m, format: 'flywheel-model/1' }));
    await expect(Judge.load(dir, device)).rejects.toThrow(
      `judge ${dir}: format "flywheel-model/1" is not ${JUDGE_FORMAT}`,
    );
    const { format: _, ...noFormat } = m;
    writeFileSync(join(dir, 'judge.json'), JSON.stringify(noFormat));
    await expect(Judge.load(dir, device)).rejects.toThrow(`judge ${dir}: format undefined is not ${JUDGE_FORMAT}`);
  });

  it('a missing judge.json or tokenizer.json, or a missing directory, names the directory and the file', async () => {
    const noManifest = copyOfA();
    rmSync(join(noManifest, 'judge.json'));
    await expect(Judge.load(noManifest, device)).rejects.toThrow(
      `judge ${noManifest}: cannot read judge.json (ENOENT)`,
    );
    const noTok = copyOfA();
    rmSync(join(noTok, 'tokenizer.json'));
    await expect(Judge.load(noTok, device)).rejects.toThrow(`judge ${noTok}: cannot read tokenizer.json (ENOENT)`);
    const nowhere = join(root, 'never-saved');
    await expect(Judge.load(nowhere, device)).rejects.toThrow(`judge ${nowhere}: cannot read judge.json (ENOENT)`);
  });

  it('an unparsable judge.json names the directory and the file', async () => {
    const dir = copyOfA();
    writeFileSync(join(dir, 'judge.json'), '{"format": "flywheel-judge/1", ');
    await expect(Judge.load(dir, device)).rejects.toThrow(new RegExp(`judge ${dir}.*judge\\.json`));
  });
});
