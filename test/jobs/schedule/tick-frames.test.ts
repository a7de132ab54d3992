/**
 * A retraining tick extracts again the refine job's frames when they were deleted: from the job's
 * copy of its manifest, under the job's config hash (so `flywheel refine` resumes that run rather
 * than refusing it), only when they are gone, and the rest of an extraction that was stopped; with
 * the copy gone too, or a tick's list of clips, it stops with an error naming both. (Earlier ticks'
 * frames: `tick.test.ts`.)
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateBenchmark } from '../../../research/benchmark/generate.js';
import { parseRefineConfig, type RefineConfig } from '../../../config/refine.js';
import { restoreRetrainingFrames, type TickFramesOptions } from '../../../jobs/schedule/tick-frames.js';
import { scheduleLayout } from '../../../jobs/schedule/tick-state.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { localExecutor } from '../../../pipeline/executor.js';
import { doneShards, readRunMeta } from '../../../pipeline/ledger.js';
import { layout } from '../../../pipeline/layout.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { type AnyStageSpec, buildStages } from '../../../stages/index.js';
import { tempDir } from '../../helpers/tmp.js';

const quiet = pino({ level: 'silent' });
const HASH = 'a'.repeat(64);

describe('restoreRetrainingFrames', () => {
  let config: RefineConfig;
  let options: TickFramesOptions & { log: pino.Logger };

  beforeAll(async () => {
    const dir = await tempDir('flywheel-tick-frames-');
    const data = join(dir, 'data');
    await generateBenchmark({ outDir: data, clips: 6, seed: 3, clipsPerVideo: 3 });
    config = parseRefineConfig({
      run_dir: join(dir, 'job'),
      manifest: join(data, 'clips.parquet'),
      media_root: data,
      shard_size: 2,
    });
    // a refine job whose round 0 finished, and whose frames were deleted since
    const l = jobLayout(config.run_dir);
    await mkdir(l.manifestDir, { recursive: true });
    await mkdir(l.metricsDir, { recursive: true });
    await copyFile(config.manifest, join(l.manifestDir, 'clips.parquet'));
    await writeFile(l.manifestPin, JSON.stringify({ file: 'clips.parquet' }));
    await writeFile(l.jobMeta, JSON.stringify({ config_hash: HASH }));
    await writeFile(l.roundMetrics(0), '{}');
    options = {
      config,
      spec: { count: 2, width: 32, height: 32 },
      runConfig: { schedule: 'tick' },
      executor: localExecutor((s: readonly AnyStageSpec[]) => buildStages(s)),
      reporter: () => new JsonReporter(quiet),
      log: quiet,
    };
  });

  it("extracts the job's frames again from its manifest copy, as refine would, only when they are gone, and finishes a stopped extraction", async () => {
    const l = jobLayout(config.run_dir);
    expect(await restoreRetrainingFrames(0, options)).toEqual([l.framesRun]);
    const meta = await readRunMeta(new LocalStorage(l.framesRun));
    expect(meta?.config).toEqual({ refine: HASH, stages: ['frames'] });
    expect(meta?.manifest).toMatchObject({ path: join(l.manifestDir, 'clips.parquet'), clips: 6 });
    expect(await restoreRetrainingFrames(0, options)).toEqual([]);
    // an extraction stopped after its plan (a killed tick): the next retraining tick finishes it
    await rm(join(l.framesRun, layout.ledger('shard-00001')));
    await rm(join(l.framesRun, layout.output('frames', 'shard-00001')));
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    expect(await restoreRetrainingFrames(0, { ...options, log })).toEqual([l.framesRun]);
    expect(warnings.join('')).toContain("the refine job's frames were partly extracted again: extracting the rest");
    expect([...(await doneShards(new LocalStorage(l.framesRun)))].sort()).toEqual(meta?.shards);
    expect(existsSync(join(l.framesRun, layout.output('frames', 'shard-00001')))).toBe(true);
  });

  it("stops, naming both, when the job's manifest copy is gone too, and names a manifest record that does not parse", async () => {
    const l = jobLayout(config.run_dir);
    await rm(l.framesRun, { recursive: true });
    // a record that does not parse is named
    await writeFile(l.manifestPin, '{"file": ');
    await expect(restoreRetrainingFrames(0, options)).rejects.toThrow(
      `schedule: ${l.manifestPin}: cannot read the job's manifest record (`,
    );
    await writeFile(l.manifestPin, JSON.stringify({ file: 'clips.parquet' }));
    await rm(l.manifestDir, { recursive: true });
    await expect(restoreRetrainingFrames(0, options)).rejects.toThrow(
      `the refine job's frames (${l.framesRun}) are gone, and so is its copy of its manifest (${join(l.manifestDir, 'clips.parquet')})`,
    );
  });

  it("stops, naming both, when a finished tick's frames and its list of clips are gone", async () => {
    const s = scheduleLayout(config.run_dir);
    await mkdir(s.tickDir(0), { recursive: true });
    await writeFile(s.tickDone(0), '{}');
    await rm(jobLayout(config.run_dir).metricsDir, { recursive: true });
    await expect(restoreRetrainingFrames(1, options)).rejects.toThrow(
      `tick 0's frames (${s.tickFrames(0)}) are gone, and so is its list of clips (${s.tickManifest(0)})`,
    );
  });
});
