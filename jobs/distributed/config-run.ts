/**
 * The job-config side of distributed runs, shared by `flywheel run --queue` and `flywheel worker`:
 * the enqueuer plans the run from a validated config; every worker rebuilds the same stages from
 * the config stored with the run (paths in it are absolute, so the run dir, manifest and media
 * root must be on storage every worker mounts at the same path).
 */
import { hashedPart } from '../../config/marks.js';
import { type Config, configSchema, parseConfig } from '../../config/run.js';
import { buildStages, parseStageSpecs, stagesFromConfig } from '../../stages/index.js';
import { isQueuedStageSpecs } from './executor.js';
import type { QueueConnection } from './connection.js';
import { type EnqueuedRun, enqueueRun } from './enqueue.js';
import { SystemicError, messageOf } from './errors.js';
import type { RetryPolicy } from './spec.js';
import { type RunStatus, waitForRun } from './status.js';
import type { StageFactory } from './worker.js';

/**
 * The worker's stage factory: for a job's queued stage specs (refine's frames and round steps),
 * validates and builds them; for a run enqueued from a `flywheel run` config, validates the stored
 * config and builds its stages.
 */
export const configStageFactory: StageFactory = async (spec) => {
  if (isQueuedStageSpecs(spec.stage_config)) {
    const specs = parseStageSpecs(spec.stage_config.stage_specs, `run ${spec.run_id}'s stored stage specs`);
    try {
      return await buildStages(specs);
    } catch (e) {
      throw new SystemicError(`run ${spec.run_id}: cannot build its stages: ${messageOf(e)}`, { cause: e });
    }
  }
  const config = parseConfig(spec.stage_config, `run ${spec.run_id}'s stored config`);
  try {
    return stagesFromConfig(config);
  } catch (e) {
    throw new SystemicError(`run ${spec.run_id}: cannot build the stages of its config: ${messageOf(e)}`, { cause: e });
  }
};

/** Plans and queues the run a (loaded) config describes, on shared storage at `config.run_dir`. */
export function enqueueConfig(
  config: Config,
  connection: QueueConnection,
  opts: { retry?: RetryPolicy; keepCompletedMs?: number } = {},
): Promise<EnqueuedRun> {
  return enqueueRun({
    connection,
    storage: { kind: 'local', root: config.run_dir },
    manifestPath: config.manifest,
    shardSize: config.shard_size,
    round: config.round,
    stages: stagesFromConfig(config),
    config: hashedPart(configSchema, config),
    stageConfig: config,
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.keepCompletedMs !== undefined ? { keepCompletedMs: opts.keepCompletedMs } : {}),
  });
}

/** Options of {@link runConfigOnQueue}. */
export interface QueueRunOptions {
  readonly connection: QueueConnection;
  /** Return right after queueing instead of following the run to its end. */
  readonly detach?: boolean;
  /** How long the run's completed jobs stay in their queue, in ms (default 24 h). */
  readonly keepCompletedMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly onStatus?: (s: RunStatus) => void;
}

/** What `flywheel run --queue` gets back to print. */
export interface QueueRunResult {
  readonly run: EnqueuedRun;
  /** The final status; absent when detached. */
  readonly status?: RunStatus;
}

/** `flywheel run --queue`: queue the config's run, then (unless detached) wait for it to finish. */
export async function runConfigOnQueue(config: Config, opts: QueueRunOptions): Promise<QueueRunResult> {
  const run = await enqueueConfig(
    config,
    opts.connection,
    opts.keepCompletedMs !== undefined ? { keepCompletedMs: opts.keepCompletedMs } : {},
  );
  if (opts.detach) return { run };
  const status = await waitForRun({
    connection: opts.connection,
    runId: run.runId,
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onStatus ? { onStatus: opts.onStatus } : {}),
  });
  return { run, status };
}
