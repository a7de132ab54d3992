import { describe, expect, it } from 'vitest';
import { hashedPart } from '../../config/marks.js';
import { parseRefineConfig, refineConfigSchema } from '../../config/refine.js';
import { hashValue } from '../../pipeline/hash.js';

const base = { run_dir: 'runs/x', manifest: 'clips.parquet', media_root: 'data' };

describe('refine config', () => {
  it('fills defaults: 3 rounds, 2 judge folds, tiny model with frame differences, CPU, AdaTaiLr loss, adaptive γ, keep-all, the choice rule', () => {
    const c = parseRefineConfig(base);
    expect(c.rounds).toBe(3);
    expect(c.model.preset).toBe('tiny');
    expect(c.device.providers).toEqual(['cpu']);
    expect(c.train.loss.kind).toBe('adatailr');
    expect(c.adatailr.gamma).toBe('adaptive');
    expect(c.adatailr.policy).toEqual({ kind: 'keep-all' });
    expect(c.adatailr.choice).toEqual({ margin: 8, min_evidence: 0, model_min_evidence: 9, contrast: 15 });
    expect(c.adatailr.drop_implausible).toBe(true);
    expect(c.folds).toBe(2);
    expect(c.model.frame_diff).toBe(true);
    expect(c.train.text_dropout).toBe(0.5);
    expect(c.judge).toEqual({ epochs: 40, batch_size: 32, lr: 2e-3, d_model: 64 });
    expect(c.eval.downstream).toBeUndefined();
    expect(parseRefineConfig({ ...base, eval: { downstream: {} } }).eval.downstream).toEqual({
      seeds: 3,
      steps: 300,
      batch: 32,
    });
    expect(parseRefineConfig({ ...base, device: { providers: ['webgpu', 'cpu'] } }).device.providers).toEqual([
      'webgpu',
      'cpu',
    ]);
    expect(c.adatailr.scorer).toBe('caption-model');
    expect(c.train.loss).toEqual({ kind: 'adatailr', wMin: 0, emaAlpha: 0.1 }); // warm-up: the LR warm-up, filled in at training
  });

  it('names every bad field with the value it got', () => {
    expect(() =>
      parseRefineConfig(
        { ...base, rounds: 0, model: { preset: 'huge' }, train: { pretrain: { epochs: -1, lr: 0.1 } } },
        'job.json',
      ),
    ).toThrow(
      /invalid config job\.json:[\s\S]*rounds: .*\(got 0\)[\s\S]*model\.preset: .*\(got "huge"\)[\s\S]*train\.pretrain\.epochs: .*\(got -1\)/,
    );
    expect(() => parseRefineConfig({ ...base, adatailr: { policy: { kind: 'threshold', min_wieght: 1 } } })).toThrow(
      /adatailr\.policy: unknown field\(s\) "min_wieght"/,
    );
    // the init model can caption round 0 only when there is one
    expect(() => parseRefineConfig({ ...base, model: { init_captions: true } })).toThrow(
      /model\.init_captions: needs model\.init/,
    );
    expect(parseRefineConfig({ ...base, model: { init: 'm', init_captions: true } }).model.init_captions).toBe(true);
    // and every round can start from it only when there is one
    expect(() => parseRefineConfig({ ...base, train: { warm_start: 'init' } })).toThrow(
      /train\.warm_start: needs model\.init/,
    );
    expect(() => parseRefineConfig({ ...base, train: { warm_start: 'last' } })).toThrow(/train\.warm_start/);
    // step budgets are positive whole numbers; cache sizes at least 1 MiB
    expect(() => parseRefineConfig({ ...base, train: { pretrain: { epochs: 1, lr: 0.1, max_steps: 0 } } })).toThrow(
      /train\.pretrain\.max_steps: Too small/,
    );
    expect(() => parseRefineConfig({ ...base, judge: { max_steps: 2.5 } })).toThrow(/judge\.max_steps/);
    expect(() => parseRefineConfig({ ...base, device: { frame_cache_mb: 0 } })).toThrow(/device\.frame_cache_mb/);
    expect(() => parseRefineConfig({ ...base, device: { row_cache_mb: 'lots' } })).toThrow(/device\.row_cache_mb/);
    expect(parseRefineConfig({ ...base, model: { init: 'm' }, train: { warm_start: 'init' } }).train.warm_start).toBe(
      'init',
    );
    // sampled candidates: a positive count up to 16, a positive temperature; absent unless asked for
    expect(() => parseRefineConfig({ ...base, caption: { samples: 0, temperature: 0 } })).toThrow(
      /caption\.samples: .*\(got 0\)[\s\S]*caption\.temperature: .*\(got 0\)/,
    );
    expect(() => parseRefineConfig({ ...base, caption: { samples: 17 } })).toThrow(/caption\.samples: .*\(got 17\)/);
    expect(parseRefineConfig(base).caption).not.toHaveProperty('samples');
    expect(parseRefineConfig({ ...base, caption: { samples: 2, temperature: 0.7 } }).caption).toMatchObject({
      samples: 2,
      temperature: 0.7,
    });
    expect(() => parseRefineConfig({ ...base, adatailr: { scorer: 'teacher' } })).toThrow(
      /adatailr\.scorer: .*\(got "teacher"\)/,
    );
    expect(() => parseRefineConfig({ ...base, train: { loss: { kind: 'adatailr', warmupStep: 5 } } })).toThrow(
      /warmupStep/,
    );
    expect(() => parseRefineConfig({ ...base, extra: 1 })).toThrow(/\(root\): unknown field\(s\) "extra"/);
    expect(() => parseRefineConfig({ ...base, adatailr: { choice: { coverage: 0.6 } } })).toThrow(
      /adatailr\.choice: unknown field\(s\) "coverage"/,
    );
    expect(() => parseRefineConfig({ ...base, folds: 0 })).toThrow(/folds: .*\(got 0\)/);
  });

  it('leaves devices, the run dir and timeouts out of the hashed config (a resume may change them)', () => {
    const a = hashedPart(refineConfigSchema, parseRefineConfig(base));
    const b = hashedPart(
      refineConfigSchema,
      parseRefineConfig({
        ...base,
        run_dir: 'elsewhere',
        device: { providers: ['cuda', 'cpu'], threads: 2 },
        frames: { timeout_s: 5 },
      }),
    );
    expect(b).toEqual(a);
    expect(hashedPart(refineConfigSchema, parseRefineConfig({ ...base, seed: 2 }))).not.toEqual(a);
  });

  // Jobs started before the marks existed stored these hashes in job.json; equal hashes let them resume.
  it('hashes as the hand-written projection did before the marks (stored jobs still resume)', () => {
    const abs = { run_dir: '/r', manifest: '/m/clips.jsonl', media_root: '/m' };
    const hash = (input: object): string => hashValue(hashedPart(refineConfigSchema, parseRefineConfig(input)));
    expect(hash(abs)).toBe('0297bae8e63bb6bb893f477d0b4108c037e24566bf96c0fbd833f191cf30c3c4');
    expect(
      hash({
        ...abs,
        truth: '/t.parquet',
        seed: 3,
        rounds: 2,
        model: { preset: 'small', init: '/v1', max_caption_len: 20 },
        eval: { downstream: {} },
        adatailr: { policy: { kind: 'threshold', min_weight: 0.3 }, gamma: 0.5 },
        device: { providers: ['cuda', 'cpu'] },
        frames: { method: 'decode', timeout_s: 5 },
      }),
    ).toBe('e0bd30604c5f9ff4be44a14e1bdeac222c4133ab6a1abcd0fc98797fda433529');
  });
});
