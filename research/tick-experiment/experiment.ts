/**
 * The nightly experiment: what `schedule` ticks do to the clips that arrive after a refine job.
 * Per (noise, seed): one generated benchmark; `refine` on its first clips; then, per variant (a
 * retraining tick every k nights, or none), a copy of that job and a manifest that grows by one
 * night's clips before each tick. Each tick is measured against the truth (measure.ts). Research
 * code: it makes its own data, so it may read the truth; the ticks themselves never see it.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RefineConfig } from '../../config/refine.js';
import { runRefine } from '../../jobs/refine/run-refine.js';
import { runTick } from '../../jobs/schedule/tick.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { parquetBytes } from '../../pipeline/parquet.js';
import { readParquetRows } from '../../pipeline/parquet-file.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { rowsToBatch } from '../../schemas/arrow.js';
import { type ClipRow, clipsSchema } from '../../schemas/clips.js';
import { TRUTH_FILE } from '../../schemas/truth.js';
import { generateBenchmark } from '../benchmark/generate.js';
import { benchmarkRefineOptions } from '../refine-hooks.js';
import { DEFAULT_METHODS, loopConfig, type RefineExperimentSettings } from '../refine-experiment/experiment.js';
import { measureTick, type TickPoint } from './measure.js';

/** A way of running the nights after the refine job. */
export interface NightVariant {
  readonly name: string;
  /** `schedule --retrain-every`: retrain the captioner every this many ticks (0 = never). */
  readonly retrainEvery: number;
}

/** The product's retraining tick every night, beside ticks that keep the refine job's captioner. */
export const DEFAULT_VARIANTS: readonly NightVariant[] = [
  { name: 'retrain', retrainEvery: 1 },
  { name: 'no-retrain', retrainEvery: 0 },
];

/** Settings of one experiment: the refine experiment's, less its loop methods, plus the nights. */
export interface TickExperimentSettings extends Omit<RefineExperimentSettings, 'methods' | 'cleanup'> {
  /** New clips a night (the refine job starts with `clips`). */
  readonly tickClips: number;
  readonly ticks: number;
  readonly variants: readonly NightVariant[];
}

/** One variant's nights on one dataset. */
export interface NightsRun {
  readonly noise: number;
  readonly seed: number;
  readonly variant: string;
  /** The refine job's final round: its dataset's content accuracy. */
  readonly refineFinal: number;
  readonly ticks: TickPoint[];
}

/** Everything an experiment produced (what `--out` writes). */
export interface TickExperimentReport {
  readonly kind: 'flywheel-tick-experiment/1';
  readonly settings: Omit<TickExperimentSettings, 'dir'>;
  readonly runs: NightsRun[];
}

const COPIED = '.copied-from-refine';

/** The refine job copied for one variant (redone when an earlier copy was cut short). */
async function variantJob(refineJob: string, dir: string): Promise<void> {
  if (existsSync(join(dir, COPIED))) return;
  await rm(dir, { recursive: true, force: true });
  await cp(refineJob, dir, { recursive: true });
  await writeFileAtomic(join(dir, COPIED), `${refineJob}\n`);
}

/** Runs the refine job and every variant's nights on each (noise, seed); `onRun` sees each result as it lands. */
export async function runTickExperiment(
  s: TickExperimentSettings,
  opts: { log: Logger; reporter: () => RunReporter; onRun?: (r: NightsRun) => void; signal?: AbortSignal },
): Promise<TickExperimentReport> {
  const adatailr = DEFAULT_METHODS[0];
  const runs: NightsRun[] = [];
  await mkdir(s.dir, { recursive: true });
  for (const noise of s.noise)
    for (const seed of s.seeds) {
      const tag = `n${Math.round(noise * 100)}-s${seed}`;
      const dataDir = join(s.dir, `data-${tag}`);
      const all = s.clips + s.ticks * s.tickClips;
      await generateBenchmark({ outDir: dataDir, clips: all, seed, noise, humanFrac: 0.1, heldoutFrac: 0.15 });
      const clips = await readParquetRows<ClipRow>(join(dataDir, 'clips.parquet'));
      const manifest = async (path: string, n: number): Promise<void> =>
        writeFileAtomic(path, parquetBytes(clipsSchema, [rowsToBatch(clipsSchema, clips.slice(0, n))]));
      const refineJob = join(s.dir, `job-${tag}`);
      const base = loopConfig(dataDir, refineJob, seed, s.rounds, adatailr, s.pretrainEpochs, s.overrides);
      const refineManifest = join(dataDir, 'refine-clips.parquet');
      if (!existsSync(refineManifest)) await manifest(refineManifest, s.clips);
      const refined = await runRefine(
        { ...base, manifest: refineManifest },
        {
          ...benchmarkRefineOptions,
          log: opts.log,
          reporter: opts.reporter,
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
      );
      const refineFinal = refined.rounds.at(-1)?.dataset.quality?.contentAccuracy ?? Number.NaN;
      for (const v of s.variants) {
        const jobDir = join(s.dir, `job-${tag}-${v.name.replace(/[^a-z0-9+_-]/gi, '_')}`);
        await variantJob(refineJob, jobDir);
        const config: RefineConfig = { ...base, run_dir: jobDir, manifest: join(jobDir, 'nightly-clips.parquet') };
        const ticks: TickPoint[] = [];
        for (let t = 0; t < s.ticks; t++) {
          opts.signal?.throwIfAborted();
          // the night's clips arrive: the manifest grows by them (a finished tick finds nothing new)
          await manifest(config.manifest, s.clips + (t + 1) * s.tickClips);
          await runTick(config, {
            retrainEvery: v.retrainEvery,
            log: opts.log,
            reporter: opts.reporter,
            ...(opts.signal ? { signal: opts.signal } : {}),
          });
          ticks.push(await measureTick(config, t, join(dataDir, TRUTH_FILE)));
        }
        const run: NightsRun = { noise, seed, variant: v.name, refineFinal, ticks };
        runs.push(run);
        opts.onRun?.(run);
      }
    }
  return { kind: 'flywheel-tick-experiment/1', settings: withoutDir(s), runs };
}

function withoutDir(s: TickExperimentSettings): Omit<TickExperimentSettings, 'dir'> {
  const { dir: _d, ...settings } = s;
  return settings;
}
