import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameSpec } from '../../../models/captioner/config.js';
import { Device } from '../../../models/device.js';
import { Captioner } from '../../../models/inference.js';
import { createModel } from '../../../models/model.js';
import { Trainer } from '../../../models/trainer.js';
import { toyBatch, toyTokenizer } from '../fixtures.js';
import { toyClips } from '../toy.js';

const STEPS = 900;
const BATCH = 32;

describe('tiny captioner learns the toy task (CPU)', () => {
  it('drives the training loss down and captions ≥ 95% of held-out clips exactly; the saved version captions the same', async () => {
    const model = createModel('tiny', toyTokenizer(), 1);
    const { frames: T, width: S } = frameSpec(model.config);
    const device = new Device({ intraOpThreads: 2 });
    const trainer = await Trainer.create(model, device, { lr: 3e-3, warmupSteps: 30, totalSteps: STEPS });
    const losses: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      // Fresh clips every step (generated, seeded): no memorization possible.
      const r = await trainer.step(toyBatch(toyClips(BATCH, T, S, 1000 + s)));
      losses.push(r.loss);
    }
    await trainer.release();
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 20));
    const last = mean(losses.slice(-20));
    expect(last).toBeLessThan(first * 0.05);

    const heldOut = toyClips(200, T, S, 99);
    const batch = { frames: toyBatch(heldOut).frames, text: heldOut.map((c) => c.asr) };
    const cap = await Captioner.fromModel(model, device);
    const gen = await cap.generate(batch);
    const exact = gen.text.filter((t, i) => t === heldOut[i].caption).length / heldOut.length;
    console.log(
      `toy task: loss ${first.toFixed(3)} → ${last.toFixed(4)}, held-out exact match ${(100 * exact).toFixed(1)}%`,
    );
    expect(exact).toBeGreaterThanOrEqual(0.95);
    await cap.release();

    const dir = mkdtempSync(join(tmpdir(), 'flywheel-toy-'));
    try {
      trainer.save(join(dir, 'v1'), { trainingDataId: 'toy-seed-1000', metrics: { exact } });
      const loaded = await Captioner.load(join(dir, 'v1'), device);
      expect((await loaded.generate(batch)).text).toEqual(gen.text);
      await loaded.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
