/**
 * `flywheel demo --policy / --scorer`: they reach the refine config (default: refine's keep-all
 * policy, the caption model scores, the choice rule's margin 6, min_evidence 0 and contrast 15, with
 * a people's margin of 1, half the evidence from the clip's side and model_min_evidence 3); the
 * demo's model (the embedded pre-trained captioner) and training sizes (vocab 512, captions and
 * texts of 36 tokens, 20 pre-training epochs); a bad policy is refused before any work.
 */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEMO_JUDGE_DIR, DEMO_MODEL_DIR, demoConfig } from '../../jobs/demo/demo-config.js';
import { demoRunsProbe } from '../../research/demo/run-demo.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('flywheel demo --policy / --scorer', () => {
  it('sets the adatailr keep policy and scorer of the demo config (default keep-all, the caption model scores)', () => {
    expect(demoConfig('d', 'j').adatailr).toMatchObject({
      policy: { kind: 'keep-all' },
      scorer: 'caption-model',
      choice: {
        margin: 6,
        people_margin: 1,
        clip_side: 0.5,
        min_evidence: 0,
        model_min_evidence: 3,
        weight_bonus: 8,
        contrast: 15,
      },
      drop_implausible: true,
    });
    expect(demoConfig('d', 'j', { policy: { kind: 'top-fraction', fraction: 0.75 } }).adatailr).toMatchObject({
      policy: { kind: 'top-fraction', fraction: 0.75 },
      scorer: 'caption-model',
    });
    expect(demoConfig('d', 'j', { policy: { kind: 'estimated-noise' }, scorer: 'bootstrap' }).adatailr).toMatchObject({
      policy: { kind: 'estimated-noise', max_drop: 0.9 },
      scorer: 'bootstrap',
    });
  });
  it('runs the demo model, training sizes and judges (three a fold, from the embedded judge)', () => {
    const c = demoConfig('d', 'j');
    expect(c.model).toMatchObject({
      preset: 'tiny',
      vocab_size: 512,
      max_caption_len: 36,
      max_text_len: 36,
      init: DEMO_MODEL_DIR,
    });
    expect(c.train.pretrain).toMatchObject({ epochs: 20, lr: 3e-3, batch_size: 32, warmup_steps: 20 });
    expect(c.train.finetune).toMatchObject({ epochs: 10, lr: 1e-3, batch_size: 16, warmup_steps: 0 });
    expect(c.judge).toMatchObject({ ensemble: 3, epochs: 20, batch_size: 32, d_model: 64, init: DEMO_JUDGE_DIR });
    expect(c).toMatchObject({ rounds: 3, seed: 1, shard_size: 128 });
    expect(demoConfig('d', 'j', { rounds: 1, seed: 7 })).toMatchObject({ rounds: 1, seed: 7 });
    // the downstream probe is the demo's (runDemo's default), not the config's
    expect(c.eval.downstream).toBeUndefined();
    expect(demoConfig('d', 'j', { downstream: true }).eval.downstream).toEqual({ seeds: 3, steps: 300, batch: 32 });
  });
  it('trains the downstream probe when the data has enough held-out clips; skips it, or refuses when asked, on too few', () => {
    const warned: string[] = [];
    const log = (m: string): void => void warned.push(m);
    expect(demoRunsProbe(undefined, 150, log)).toBe(true);
    expect(demoRunsProbe(true, 20, log)).toBe(true);
    expect(demoRunsProbe(false, 150, log)).toBe(false);
    expect(warned).toEqual([]);
    expect(demoRunsProbe(undefined, 12, log)).toBe(false);
    expect(warned).toEqual(["the downstream probe needs at least 20 held-out clips; this demo's data has 12: skipped"]);
    expect(() => demoRunsProbe(true, 12, log)).toThrow(
      /needs at least 20 held-out clips.*has 12 \(more --clips, or --no-downstream\)/,
    );
  });

  it('refuses an invalid policy, naming the problem, and generates nothing', async () => {
    const dir = await tempDir();
    const r = await runCli(['demo', '--dir', dir, '--policy', '{"kind":"estimated-noise","max_drop":2}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--policy: max_drop: Too big/);
    expect(await readdir(dir)).toEqual([]);
  });
});
