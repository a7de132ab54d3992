/**
 * `flywheel demo`: the whole flywheel on embedded default data — generate a small benchmark with
 * 40% noisy ASR, run the refine job (tiny model, CPU), export the last round, write the report.
 * Everything is generated locally; nothing is downloaded.
 */
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { FilterPolicyInput } from '../../config/filter-policy.js';
import type { ScorerChoice } from '../../config/refine.js';
import { demoConfig } from '../../jobs/demo/demo-config.js';
import { DEMO_CLIPS } from '../../jobs/demo/demo-size.js';
import type { ExportMetadata } from '../../jobs/export/export-metadata.js';
import { exportRound } from '../../jobs/export/export-round.js';
import { writeReport } from '../../jobs/report/build-report.js';
import { runRefine, type RefineResult } from '../../jobs/refine/run-refine.js';
import type { RunReporter } from '../../pipeline/reporter.js';
import { generateBenchmark } from '../benchmark/generate.js';
import { MIN_HELDOUT } from '../downstream/validate.js';
import { benchmarkRefineOptions } from '../refine-hooks.js';

/** What a demo run takes: its data's size, seed and noise, where it goes, and what it runs. */
export interface DemoOptions {
  /** Where the data and the job go. Default `runs/demo`. */
  readonly dir?: string;
  readonly clips?: number;
  readonly rounds?: number;
  readonly seed?: number;
  readonly noise?: number;
  /** Keep policy of the adatailr stage. Default refine's (keep-all: every plausible row, weighted). */
  readonly policy?: FilterPolicyInput;
  /** Which model scores rounds ≥ 1 (refine's `adatailr.scorer`). Default `caption-model`. */
  readonly scorer?: ScorerChoice;
  /** Train the downstream retrieval probe on every round's dataset (`eval.downstream`). Default: when the data has enough held-out clips. */
  readonly downstream?: boolean;
  readonly log?: Logger;
  readonly reporter?: () => RunReporter;
  readonly signal?: AbortSignal;
}

/** How the demo's generated benchmark is made, besides its size and seed: 40 % noisy transcripts, 10 % human captions, 15 % held out. */
export const DEMO_DATA = { noise: 0.4, humanFrac: 0.1, heldoutFrac: 0.15 } as const;

/** What the demo produced. */
export interface DemoResult {
  readonly dataDir: string;
  readonly refine: RefineResult;
  readonly exportDir: string;
  readonly exportMetadata: ExportMetadata;
  readonly reportPath: string;
  /** What the demo left out and why (e.g. the downstream probe on too few held-out clips). */
  readonly notes: readonly string[];
}

/**
 * Whether the demo trains the downstream probe: by default when the data has the probe's minimum of
 * held-out clips (a smaller `--clips` skips it with a warning instead of failing after the first round);
 * asked for explicitly on too few, it is refused before the refine job starts.
 */
export function demoRunsProbe(
  requested: boolean | undefined,
  heldoutClips: number,
  warn: (message: string) => void,
): boolean {
  if (requested === false) return false;
  if (heldoutClips >= MIN_HELDOUT) return true;
  const why = `the downstream probe needs at least ${MIN_HELDOUT} held-out clips; this demo's data has ${heldoutClips}`;
  if (requested === true) throw new Error(`demo: ${why} (more --clips, or --no-downstream)`);
  warn(`${why}: skipped`);
  return false;
}

/** Runs the demo end to end (resumable: a second call reuses what the first finished). */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const dir = resolve(opts.dir ?? 'runs/demo');
  const dataDir = join(dir, 'data');
  const notes: string[] = [];
  const data = await generateBenchmark({
    outDir: dataDir,
    clips: opts.clips ?? DEMO_CLIPS,
    seed: opts.seed ?? 7,
    ...DEMO_DATA,
    ...(opts.noise !== undefined ? { noise: opts.noise } : {}),
  });
  const config = demoConfig(dataDir, join(dir, 'job'), {
    ...(opts.rounds ? { rounds: opts.rounds } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.policy ? { policy: opts.policy } : {}),
    ...(opts.scorer ? { scorer: opts.scorer } : {}),
    downstream: demoRunsProbe(opts.downstream, data.counts.heldout, (m) => {
      notes.push(m);
      opts.log?.warn(m);
    }),
  });
  const refine = await runRefine(config, {
    ...benchmarkRefineOptions,
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.reporter ? { reporter: opts.reporter } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const exported = await exportRound({ jobDir: config.run_dir });
  const reportPath = await writeReport(config.run_dir);
  return { dataDir, refine, exportDir: exported.dir, exportMetadata: exported.metadata, reportPath, notes };
}
