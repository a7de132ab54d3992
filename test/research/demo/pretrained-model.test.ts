/**
 * The demo's embedded pre-trained captioner: its pre-training job reads no truth and uses a
 * benchmark seed no demo, tuning or evaluation run uses; the shipped version verifies against its
 * manifest, has the demo's geometry, and captions a clip through real ONNX Runtime sessions. The
 * embedded judge from the same job has the demo judges' shape and the captioner's tokenizer.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_JUDGE_DIR, DEMO_MODEL_DIR, demoConfig } from '../../../jobs/demo/demo-config.js';
import {
  buildDemoModel,
  PRETRAIN_DATA,
  pretrainConfig,
  publishJudge,
  publishModel,
} from '../../../research/demo/pretrained-model.js';
import { judgeProbeConfig, startingJudge } from '../../../jobs/refine/judge-training.js';
import { readJudge } from '../../../models/probe/judge.js';
import { Device } from '../../../models/device.js';
import { Captioner } from '../../../models/inference.js';
import { loadVersion } from '../../../models/version.js';
import { tempDir } from '../../helpers/tmp.js';

describe('the demo’s pre-trained captioner', () => {
  it('is pre-trained by a refine job that names no truth table, on a seed apart from the demo, tuning and evaluation seeds', () => {
    const c = pretrainConfig('/data', '/job');
    expect(c.truth).toBeUndefined();
    expect(c.manifest).toBe('/data/clips.parquet');
    expect(c.rounds).toBe(1);
    // demo 7, tuning 101/102 (300-clip tuning 11–14), evaluation 21–23 (docs/refine-history.md)
    for (const used of [7, 11, 12, 13, 14, 21, 22, 23, 101, 102]) expect(PRETRAIN_DATA.seed).not.toBe(used);
    expect(PRETRAIN_DATA.clips).toBeGreaterThan(10 * 1000);
  });

  it('is what the demo starts from, every round, and its geometry is the demo model’s', async () => {
    expect(demoConfig('d', 'j').model.init).toBe(DEMO_MODEL_DIR);
    // each round's captioner pre-trains from it, not on from last round's weights (docs/refine-history.md)
    expect(demoConfig('d', 'j').train.warm_start).toBe('init');
    const v = await loadVersion(DEMO_MODEL_DIR); // verifies every file against the manifest
    const m = demoConfig('d', 'j').model;
    expect(v.config).toMatchObject({
      preset: 'tiny',
      frames: 4,
      frameSize: 32,
      frameDiff: true,
      maxCaptionLen: m.max_caption_len,
      maxTextLen: m.max_text_len,
    });
    expect(v.tokenizer.vocabSize).toBeLessThanOrEqual(m.vocab_size);
  });

  it('captions frames through real ONNX Runtime sessions', async () => {
    const model = await Captioner.load(DEMO_MODEL_DIR, new Device({ providers: ['cpu'], intraOpThreads: 1 }));
    try {
      const { frames: T, frameSize: S } = model.config;
      // one clip: a red square on black in every frame
      const px = new Uint8Array(T * S * S * 3);
      for (let t = 0; t < T; t++)
        for (let y = 8; y < 20; y++) for (let x = 8; x < 20; x++) px[((t * S + y) * S + x) * 3] = 255;
      const r = await model.generate({ frames: px, text: [''] });
      expect(r.text).toHaveLength(1);
      expect(r.text[0]).toMatch(/\b(circle|square|triangle)\b/);
    } finally {
      await model.release();
    }
  });

  it('is published only over a model version: a directory holding anything else is refused and kept', async () => {
    const dir = await tempDir();
    const out = join(dir, 'model');
    await publishModel(DEMO_MODEL_DIR, out);
    const hash = (await loadVersion(DEMO_MODEL_DIR)).manifest.contentHash;
    expect((await loadVersion(out)).manifest.contentHash).toBe(hash);
    await publishModel(DEMO_MODEL_DIR, out); // a model version is replaced
    expect((await loadVersion(out)).manifest.contentHash).toBe(hash);
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    await expect(publishModel(DEMO_MODEL_DIR, mine)).rejects.toThrow(/mine: exists and is not a model version/);
    expect(readFileSync(join(mine, 'notes.txt'), 'utf8')).toBe('keep me');
    // a source that is not a model version leaves the target as it was, and no temp copy behind
    await expect(publishModel(mine, out)).rejects.toThrow(/manifest/);
    expect((await loadVersion(out)).manifest.contentHash).toBe(hash);
    expect(readdirSync(dir).sort()).toEqual(['mine', 'model']);
  });

  it('refuses a rebuild whose --out or --judge-out holds anything else before generating any data', async () => {
    const dir = await tempDir();
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    await expect(buildDemoModel({ dir: join(dir, 'work'), out: mine })).rejects.toThrow(/not a model version/);
    await expect(buildDemoModel({ dir: join(dir, 'work'), out: join(dir, 'm'), judgeOut: mine })).rejects.toThrow(
      /mine: exists and is not a judge directory/,
    );
    expect(readdirSync(dir)).toEqual(['mine']);
  });

  it("ships a judge of the same job: the demo judges' shape and the captioner's tokenizer", async () => {
    const c = demoConfig('d', 'j');
    const v = await loadVersion(DEMO_MODEL_DIR);
    const cfg = judgeProbeConfig(c, { count: v.config.frames, size: v.config.frameSize }, v.tokenizer.vocabSize);
    const start = startingJudge(DEMO_JUDGE_DIR, cfg, v.tokenizer); // refuses another shape or tokenizer
    expect(start.contentHash).toBe(readJudge(DEMO_JUDGE_DIR).manifest.contentHash);
    expect(readJudge(DEMO_JUDGE_DIR).manifest.trainingDataId).toMatch(/^judge-0:[0-9a-f]{64}:fold-0\/2$/);
  });

  it('publishes a judge only over a judge: a directory holding anything else is refused and kept', async () => {
    const dir = await tempDir();
    const out = join(dir, 'judge');
    await publishJudge(DEMO_JUDGE_DIR, out);
    expect(readJudge(out).manifest.contentHash).toBe(readJudge(DEMO_JUDGE_DIR).manifest.contentHash);
    await publishJudge(DEMO_JUDGE_DIR, out); // a judge is replaced
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    await expect(publishJudge(DEMO_JUDGE_DIR, mine)).rejects.toThrow(/mine: exists and is not a judge directory/);
    await expect(publishJudge(DEMO_MODEL_DIR, out)).rejects.toThrow(/judge\.json/);
    expect(readdirSync(dir).sort()).toEqual(['judge', 'mine']);
  });
});
