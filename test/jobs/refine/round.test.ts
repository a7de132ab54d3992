/**
 * Where a round's captioner training starts (`train.warm_start`), the one rule refine's rounds and
 * schedule's retraining share; what a round's caption step is told about sampled candidates; and
 * whether its choice step may drop a clip, which its judges' training decides.
 */
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { DEMO_MODEL_DIR } from '../../../jobs/demo/demo-config.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { judgeProbeConfig } from '../../../jobs/refine/judge-training.js';
import { roundStepSpecs, warmStartDir } from '../../../jobs/refine/round.js';
import { saveJudge } from '../../../models/probe/judge.js';
import { initProbeWeights } from '../../../models/probe/params.js';
import { loadVersion } from '../../../models/version.js';
import { tempDir } from '../../helpers/tmp.js';

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

/** Round 1's step specs for the base config with `extra`, written by the demo's model (and scored, with `judges`). */
const specsOf = (extra: Record<string, unknown>, judges?: readonly string[]) =>
  roundStepSpecs({
    config: parseRefineConfig({ ...base, ...extra }),
    round: 1,
    runDir: 'j/runs/round-1',
    manifestPath: 'm.parquet',
    framesRun: 'j/runs/frames',
    frameSpec: { count: 4, width: 32, height: 32 },
    writers: [DEMO_MODEL_DIR],
    writerVersion: 'v1',
    ...(judges ? { scorers: [DEMO_MODEL_DIR], judges } : {}),
    gamma: 'adaptive',
    vocabSize: 100,
    runConfig: {},
  });

describe('roundStepSpecs: sampled candidates', () => {
  const writerOf = async (extra: Record<string, unknown>): Promise<Record<string, unknown> | undefined> => {
    const specs = await specsOf(extra);
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

describe('roundStepSpecs: dropping a clip with no plausible candidate', () => {
  it('drops only when every judge learnt from 300 train clips or started from a pre-trained judge', async () => {
    const root = await tempDir('flywheel-round-drop-');
    const tokenizer = (await loadVersion(DEMO_MODEL_DIR)).tokenizer;
    const config = parseRefineConfig(base);
    const cfg = judgeProbeConfig(config, { count: 4, size: 32 }, tokenizer.vocabSize);
    const judges = (name: string, metrics: Record<string, number | string>): string[] =>
      [0, 1].map((f) => {
        const dir = join(root, name, `fold-${f}`);
        saveJudge(dir, { config: cfg, tokenizer, weights: initProbeWeights(cfg, f), trainingDataId: name, metrics });
        return dir;
      });
    const drops = async (dirs: readonly string[], extra: Record<string, unknown> = {}): Promise<unknown> => {
      const specs = await specsOf(extra, dirs);
      const choice = specs.find((s) => s.kind === 'adatailr');
      return choice?.kind === 'adatailr' ? choice.drop_implausible : undefined;
    };
    expect(await drops(judges('enough', { steps: 9, train_clips: 375 }))).toBe(true);
    expect(await drops(judges('few', { steps: 9, train_clips: 112 }))).toBe(false);
    expect(await drops(judges('pretrained', { steps: 9, train_clips: 112, started_from: 'f'.repeat(64) }))).toBe(true);
    // a judge whose judge.json is cut short stops the round before any clip, naming the file
    const broken = judges('broken', { train_clips: 375 });
    writeFileSync(join(broken[1], 'judge.json'), '{"format": "flywheel-judge/1", ');
    await expect(drops(broken)).rejects.toThrow(/judge .*broken\/fold-1: judge\.json is not JSON/);
    // the config can still turn dropping off; it cannot turn it on for judges too thin to tell
    expect(await drops(judges('enough-off', { train_clips: 375 }), { adatailr: { drop_implausible: false } })).toBe(
      false,
    );
  });
});
