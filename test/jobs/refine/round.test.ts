/**
 * Where a round's captioner training starts (`train.warm_start`), the one rule refine's rounds and
 * schedule's retraining share; and what a round's caption step is told about sampled candidates.
 */
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { DEMO_MODEL_DIR } from '../../../jobs/demo/demo-config.js';
import { roundStepSpecs, warmStartDir } from '../../../jobs/refine/round.js';

const base = { run_dir: 'j', manifest: 'm.parquet', media_root: 'd', model: { init: 'models/v0' } };

describe('warmStartDir', () => {
  it('starts from the previous model by default, from model.init with "init", from fresh weights with false', () => {
    expect(warmStartDir(parseRefineConfig(base), 'models/round-1')).toBe('models/round-1');
    expect(warmStartDir(parseRefineConfig({ ...base, train: { warm_start: 'init' } }), 'models/round-1')).toBe(
      'models/v0',
    );
    expect(warmStartDir(parseRefineConfig({ ...base, train: { warm_start: false } }), 'models/round-1')).toBe(
      undefined,
    );
  });

  it('with no previous model and the default, fresh weights', () => {
    expect(warmStartDir(parseRefineConfig(base), undefined)).toBeUndefined();
  });
});

describe('roundStepSpecs: sampled candidates', () => {
  const writerOf = async (extra: Record<string, unknown>): Promise<Record<string, unknown> | undefined> => {
    const specs = await roundStepSpecs({
      config: parseRefineConfig({ ...base, ...extra }),
      round: 1,
      runDir: 'j/runs/round-1',
      manifestPath: 'm.parquet',
      framesRun: 'j/runs/frames',
      frameSpec: { count: 4, width: 32, height: 32 },
      writers: [DEMO_MODEL_DIR],
      writerVersion: 'v1',
      gamma: 'adaptive',
      vocabSize: 100,
      runConfig: {},
    });
    const caption = specs.find((s) => s.kind === 'caption');
    return caption?.kind === 'caption' ? caption.writer : undefined;
  };

  it("mixes the job's seed into the samples' seeds, so another job seed draws other samples", async () => {
    expect(await writerOf({ seed: 9, caption: { samples: 2 } })).toMatchObject({ samples: 2, sample_seed: 9 });
  });

  it('leaves a job without samples as its spec was (no sample seed)', async () => {
    const w = await writerOf({ seed: 9 });
    expect(w).toBeDefined();
    expect(w).not.toHaveProperty('samples');
    expect(w).not.toHaveProperty('sample_seed');
  });
});
