import { describe, expect, it } from 'vitest';
import { parseRefineConfig, resolveRefinePaths } from '../../../jobs/refine/config.js';
import { refineOutputConfig } from '../../../jobs/refine/run-refine.js';
import { exportRound } from '../../../jobs/export/export-round.js';
import { writeReport } from '../../../jobs/report/build-report.js';
import { tempDir } from '../../helpers/tmp.js';

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

  it('resolves paths against the config file directory', () => {
    const c = resolveRefinePaths(parseRefineConfig({ ...base, truth: 't.parquet' }), '/srv/jobs');
    expect([c.run_dir, c.manifest, c.media_root, c.truth]).toEqual([
      '/srv/jobs/runs/x',
      '/srv/jobs/clips.parquet',
      '/srv/jobs/data',
      '/srv/jobs/t.parquet',
    ]);
  });

  it('leaves devices, paths and timeouts out of the hashed config (a resume may change them)', () => {
    const a = refineOutputConfig(parseRefineConfig(base));
    const b = refineOutputConfig(
      parseRefineConfig({
        ...base,
        run_dir: 'elsewhere',
        device: { providers: ['cuda', 'cpu'], threads: 2 },
        frames: { timeout_s: 5 },
      }),
    );
    expect(b).toEqual(a);
    expect(refineOutputConfig(parseRefineConfig({ ...base, seed: 2 }))).not.toEqual(a);
  });
});

describe('export and report on a directory without a finished job', () => {
  it('refuses a job directory with no finished round, saying what to do', async () => {
    const dir = await tempDir('flywheel-export-');
    await expect(exportRound({ jobDir: dir })).rejects.toThrow(/has no finished round .* run `flywheel refine` first/);
  });
  it('the report refuses a directory that is not a refine job, naming it', async () => {
    const dir = await tempDir('flywheel-report-');
    await expect(writeReport(dir)).rejects.toThrow(
      new RegExp(`report: ${dir} is not a refine job directory \\(no job\\.json\\)`),
    );
  });
});
