/**
 * Which judges a schedule tick uses: the refine job's latest round's, every fold's, each fold's
 * ensemble members together in order; none before any refine round trained judges.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { currentJudges } from '../../../jobs/schedule/tick-state.js';
import { tempDir } from '../../helpers/tmp.js';

const config = async (judge: object = {}) => {
  const run = await tempDir();
  return parseRefineConfig({ run_dir: run, manifest: join(run, 'm.parquet'), media_root: run, judge });
};

describe('currentJudges', () => {
  it('is undefined before any refine round trained judges', async () => {
    expect(await currentJudges(await config())).toBeUndefined();
  });

  it("lists the latest round's judges, fold by fold, each fold's ensemble together", async () => {
    const c = await config({ ensemble: 2 });
    for (const r of ['round-0', 'round-2', 'round-10', 'not-a-round'])
      await mkdir(join(c.run_dir, 'judges', r), { recursive: true });
    const j = (name: string): string => join(c.run_dir, 'judges', 'round-10', name);
    expect(await currentJudges(c)).toEqual([j('fold-0'), j('fold-0-member-1'), j('fold-1'), j('fold-1-member-1')]);
    const single = { ...c, judge: { ...c.judge, ensemble: undefined } };
    expect(await currentJudges(single)).toEqual([j('fold-0'), j('fold-1')]);
  });
});
