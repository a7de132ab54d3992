/**
 * The experiment's loop config: the demo's, the method's overrides on top, an epochs override that
 * changes only pre-training, and config overrides beneath the method's; a bad override is refused
 * before any data is generated.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METHODS, loopConfig, runRefineExperiment } from '../../../research/refine-experiment/experiment.js';
import { demoConfig } from '../../../jobs/demo/demo-config.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { tempDir } from '../../helpers/tmp.js';

describe('loopConfig', () => {
  const [adatailr, mle] = DEFAULT_METHODS;

  it("is the demo's config with the method's overrides", () => {
    const demo = demoConfig('d', 'j', { seed: 3, rounds: 2 });
    expect(loopConfig('d', 'j', 3, 2, adatailr)).toEqual(demo);
    expect(loopConfig('d', 'j', 3, 2, mle).train.loss).not.toEqual(demo.train.loss);
  });

  it('overrides the pre-training epochs only', () => {
    const demo = demoConfig('d', 'j', { seed: 3, rounds: 2 });
    const c = loopConfig('d', 'j', 3, 2, adatailr, 60);
    expect(c.train.pretrain).toEqual({ ...demo.train.pretrain, epochs: 60 });
    expect({ ...c, train: { ...c.train, pretrain: demo.train.pretrain } }).toEqual(demo);
  });

  it('applies config overrides under the method: the method still defines the loop', () => {
    const demo = demoConfig('d', 'j', { seed: 3, rounds: 2 });
    const c = loopConfig('d', 'j', 3, 2, adatailr, undefined, { folds: 4, judge: { epochs: 80 } });
    expect(c.folds).toBe(4);
    expect(c.judge).toEqual({ ...demo.judge, epochs: 80 });
    const m = loopConfig('d', 'j', 3, 2, mle, undefined, { train: { loss: { kind: 'adatailr' } } });
    expect(m.train.loss.kind).toBe('mle');
  });

  it('takes a field out with a null override, so an option the demo sets can be turned off', () => {
    const demo = demoConfig('d', 'j', { seed: 3, rounds: 2 });
    expect(demo.judge.init).toBeDefined();
    const c = loopConfig('d', 'j', 3, 2, adatailr, undefined, { judge: { init: null } });
    expect(c.judge.init).toBeUndefined();
    const { init: _init, ...rest } = demo.judge;
    expect(c.judge).toEqual(rest);
  });

  it('refuses an override that makes an invalid config, naming the field, before generating any data', async () => {
    const dir = join(await tempDir(), 'exp');
    const log = pino({ level: 'silent' });
    for (const [overrides, field] of [
      [{ nosuch: 1 }, /unknown field\(s\) "nosuch"/],
      [{ folds: 0 }, /folds: .*\(got 0\)/],
    ] as const) {
      const run = runRefineExperiment(
        { noise: [0.4], seeds: [1], clips: 20, rounds: 1, methods: DEFAULT_METHODS, overrides, dir },
        { log, reporter: () => new JsonReporter(log) },
      );
      await expect(run).rejects.toThrow(/the adatailr loop's config is invalid with these settings/);
      await expect(run).rejects.toThrow(field);
    }
    expect(existsSync(dir)).toBe(false);
  });
});
