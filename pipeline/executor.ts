/**
 * One engine, two executors: a job describes "run these stages over this manifest's shards in this
 * run dir" as serializable stage specs, and an {@link Executor} runs it — here ({@link localExecutor},
 * the p-queue runner) or on queue workers (`jobs/distributed`), which build the same stages from the
 * same specs on their own machines. Either way the shard ledger in the run dir is the only record
 * of what is done, and the run dir ends up the same.
 */
import type { RunMeta } from './ledger.js';
import type { RunReporter } from './reporter.js';
import { runLocal } from './runner.js';
import type { AnyStage } from './stage.js';

/** A stage as plain JSON: its `kind` (the stage's name) and the settings a builder makes it from on any machine. */
export interface StageSpec {
  readonly kind: string;
}

/** Turns specs into (not yet set up) stages, in order; the same function runs on the coordinator and on workers. */
export type StageBuilder<S extends StageSpec = StageSpec> = (specs: readonly S[]) => Promise<AnyStage[]>;

/** One engine run, as an executor takes it. */
export interface ExecuteRequest<S extends StageSpec = StageSpec> {
  readonly runDir: string;
  readonly manifestPath: string;
  readonly shardSize: number;
  readonly round: number;
  readonly specs: readonly S[];
  /** The output-affecting config, hashed for the resume check (the same whichever executor runs it). */
  readonly config: unknown;
  /** The job directory this run is part of (a refine job's frames run and rounds share it); the queue executor records it so `flywheel status` groups the job's runs. */
  readonly job?: string;
  readonly reporter?: RunReporter;
  readonly signal?: AbortSignal;
}

/** What an executor leaves: the run's metadata (its shards are all committed). */
export interface ExecuteResult {
  readonly meta: RunMeta;
}

/** Runs engine runs somewhere; see the module comment. */
export interface Executor<S extends StageSpec = StageSpec> {
  /** `local`, or where the queue is (credentials left out). */
  readonly description: string;
  execute(req: ExecuteRequest<S>): Promise<ExecuteResult>;
}

/** The executor on this machine: builds the stages here and hands them to {@link runLocal}. */
export function localExecutor<S extends StageSpec>(
  build: StageBuilder<S>,
  opts: { readonly shardConcurrency?: number } = {},
): Executor<S> {
  return {
    description: 'local',
    async execute(req) {
      const stages = await build(req.specs);
      const r = await runLocal({
        runDir: req.runDir,
        manifestPath: req.manifestPath,
        shardSize: req.shardSize,
        round: req.round,
        stages,
        config: req.config,
        ...(opts.shardConcurrency !== undefined ? { shardConcurrency: opts.shardConcurrency } : {}),
        ...(req.reporter ? { reporter: req.reporter } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      return { meta: r.meta };
    },
  };
}
