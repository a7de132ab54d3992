/**
 * Which judges a schedule tick uses: the refine job's latest round's, every fold's, each fold's
 * ensemble members together in order; none before any refine round trained judges. Which captioner:
 * the newer of the last retraining tick's and the last round's. What a retraining tick learns from:
 * the last finished round's rows and every finished tick's.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { currentJudges, currentModels, retrainingParts, scheduleLayout } from '../../../jobs/schedule/tick-state.js';
import type { LocalStorage } from '../../../pipeline/storage.js';
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

describe('currentModels', () => {
  const version = async (dir: string, createdAt: string): Promise<string> => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ createdAt }));
    return dir;
  };

  it("takes the newer of the last retraining tick's model and the refine job's last round's", async () => {
    const c = await config();
    const models = join(c.run_dir, 'models');
    await expect(currentModels(c)).rejects.toThrow(/no model to caption with/);
    await version(join(models, 'round-1'), '2026-12-01T00:00:00.000Z');
    const round2 = await version(join(models, 'round-2'), '2026-12-02T00:00:00.000Z');
    expect(await currentModels(c)).toEqual([round2]);
    // nightly ticks retrained after the job's last round: the latest tick's model
    await version(join(models, 'tick-00003'), '2026-12-03T00:00:00.000Z');
    const tick10 = await version(join(models, 'tick-00010'), '2026-12-10T00:00:00.000Z');
    expect(await currentModels(c)).toEqual([tick10]);
    // then the job given more rounds: its new round is newer than any tick's
    const round3 = await version(join(models, 'round-3'), '2026-12-11T00:00:00.000Z');
    expect(await currentModels(c)).toEqual([round3]);
  });
});

describe('retrainingParts', () => {
  it("is the refine job's last finished round and every finished tick up to this one", async () => {
    const c = await config();
    const metrics = join(c.run_dir, 'metrics');
    await mkdir(metrics, { recursive: true });
    for (const k of [0, 1]) await writeFile(join(metrics, `round-${k}.json`), '{}');
    // round 2 started, not finished; tick 1 did not finish (a resumed tick would have); tick 3 comes later
    await mkdir(join(c.run_dir, 'round-2'), { recursive: true });
    const s = scheduleLayout(c.run_dir);
    for (const n of [0, 1, 2, 3]) await mkdir(s.tickDir(n), { recursive: true });
    await writeFile(s.tickDone(0), '{}');
    const { parts, id } = await retrainingParts(c.run_dir, 2);
    const roots = parts.map((p) => [(p.roundRun as LocalStorage).root, (p.framesRun as LocalStorage).root]);
    expect(roots).toEqual([
      [join(c.run_dir, 'round-1'), join(c.run_dir, 'frames')],
      [s.tickRun(0), s.tickFrames(0)],
      [s.tickRun(2), s.tickFrames(2)],
    ]);
    expect(id).toBe('round-1 + ticks 0,2');
  });
});
