/**
 * A refine job's config record: a re-run with the same config goes on, one that changes only
 * `rounds` (or the choice field only ticks read) goes on under the hash it started with, and any other change is refused, naming each
 * changed field with its old and new value, so a nightly operator sees what to put back.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { checkJob } from '../../../jobs/refine/job-files.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { tempDir } from '../../helpers/tmp.js';

const base = { run_dir: 'j', manifest: 'm.parquet', media_root: 'd', rounds: 2 };

describe('checkJob', () => {
  it('refuses another config, naming what changed from what to what', async () => {
    const l = jobLayout(join(await tempDir('flywheel-job-files-'), 'job'));
    const first = await checkJob(l, parseRefineConfig(base));
    expect(await checkJob(l, parseRefineConfig(base))).toEqual(first);
    expect(await checkJob(l, parseRefineConfig({ ...base, rounds: 4 }))).toEqual({
      hash: first.hash,
      startedWithRounds: 2,
    });
    const changed = parseRefineConfig({
      ...base,
      rounds: 3, // allowed alone, so not named among the changes
      seed: 9,
      train: { pretrain: { epochs: 7 } },
      judge: { init: 'pretrained-judge' },
    });
    const refusal = checkJob(l, changed);
    await expect(refusal).rejects.toThrow(
      /refusing to resume .*job: it was started with another config \(hash \w{12}, now \w{12}\): /,
    );
    await expect(refusal).rejects.toThrow(/\): seed 1 → 9; /);
    await expect(refusal).rejects.not.toThrow(/rounds/);
    await expect(refusal).rejects.toThrow(/train\.pretrain\.epochs 8 → 7/);
    await expect(refusal).rejects.toThrow(/judge\.init \(unset\) → ".*pretrained-judge"/);
    await expect(refusal).rejects.toThrow(/\. Put those back, use a new run_dir, or delete .*job to start over\.$/);
  });

  it('goes on under its hash when the config gains the choice field only ticks read, and names no other', async () => {
    const l = jobLayout(join(await tempDir('flywheel-job-files-tick-'), 'job'));
    const first = await checkJob(l, parseRefineConfig(base));
    const ticked = { ...base, adatailr: { choice: { tick_title_margin: 4 } } };
    expect(await checkJob(l, parseRefineConfig(ticked))).toEqual({ hash: first.hash });
    expect(await checkJob(l, parseRefineConfig({ ...ticked, rounds: 5 }))).toEqual({
      hash: first.hash,
      startedWithRounds: 2,
    });
    // a field a round reads is still refused, and the tick-only one is not named beside it
    const refusal = checkJob(
      l,
      parseRefineConfig({ ...base, adatailr: { choice: { tick_title_margin: 4, margin: 3 } } }),
    );
    await expect(refusal).rejects.toThrow(/adatailr\.choice\.margin 8 → 3/);
    await expect(refusal).rejects.not.toThrow(/tick_title_margin/);
  });
});
