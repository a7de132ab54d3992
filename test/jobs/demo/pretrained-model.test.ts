/**
 * The demo's embedded pre-trained captioner: its pre-training job reads no truth and uses a
 * benchmark seed no demo, tuning or evaluation run uses; the shipped version verifies against its
 * manifest, has the demo's geometry, and captions a clip through real ONNX Runtime sessions.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR, PRETRAIN_DATA, pretrainConfig } from '../../../jobs/demo/pretrained-model.js';
import { demoConfig } from '../../../jobs/demo/run-demo.js';
import { Device } from '../../../models/device.js';
import { Captioner } from '../../../models/inference.js';
import { loadVersion } from '../../../models/version.js';

describe('the demo’s pre-trained captioner', () => {
  it('is pre-trained by a refine job that names no truth table, on a seed apart from the demo, tuning and evaluation seeds', () => {
    const c = pretrainConfig('/data', '/job');
    expect(c.truth).toBeUndefined();
    expect(c.manifest).toBe('/data/clips.parquet');
    expect(c.rounds).toBe(1);
    // demo 7, tuning 101/102 (300-clip tuning 11–14), evaluation 21–23 (docs/refine.md)
    for (const used of [7, 11, 12, 13, 14, 21, 22, 23, 101, 102]) expect(PRETRAIN_DATA.seed).not.toBe(used);
    expect(PRETRAIN_DATA.clips).toBeGreaterThan(10 * 1000);
  });

  it('is what the demo starts from, and its geometry is the demo model’s', async () => {
    expect(demoConfig('d', 'j').model.init).toBe(DEMO_MODEL_DIR);
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
});
