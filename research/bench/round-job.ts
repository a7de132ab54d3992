/**
 * The setup several benches share: the demo's data at the bench's size and seed, and a one-round
 * demo job (one pre-training epoch) whose round-0 rows and model the bench then times work on.
 * Not timed by the benches.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { demoConfig } from '../../jobs/demo/demo-config.js';
import { type JobLayout, jobLayout } from '../../jobs/refine/layout.js';
import { runRefine } from '../../jobs/refine/run-refine.js';
import type { RefineConfig } from '../../config/refine.js';
import { JsonReporter } from '../../pipeline/reporter.js';
import { benchmarkRefineOptions } from '../refine-hooks.js';
import { benchData, type RefineBenchOptions } from './refine.js';

/** A finished one-round demo job in a temporary directory. */
export interface BenchRoundJob {
  readonly config: RefineConfig;
  readonly layout: JobLayout;
  /** The job's temporary directory (free for the bench's own files). */
  readonly dir: string;
  /** Removes the job's directory. */
  readonly remove: () => Promise<void>;
}

/** Runs a one-round demo job (judges and probe in the job's thread) on the bench's data. */
export async function benchRoundJob(
  o: Pick<RefineBenchOptions, 'clips' | 'seed' | 'dataDir'>,
  name: string,
): Promise<BenchRoundJob> {
  const data = await benchData(o);
  const dir = await mkdtemp(join(tmpdir(), `flywheel-bench-${name}-`));
  const quiet = pino({ level: 'silent' });
  try {
    const base = demoConfig(data.dir, join(dir, 'job'), { rounds: 1, seed: o.seed });
    const config = {
      ...base,
      device: { ...base.device, workers: 1 },
      train: { ...base.train, pretrain: { ...base.train.pretrain, epochs: 1 } },
    };
    await runRefine(config, { ...benchmarkRefineOptions, log: quiet, reporter: () => new JsonReporter(quiet) });
    return { config, layout: jobLayout(config.run_dir), dir, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
