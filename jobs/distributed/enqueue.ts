/**
 * `flywheel run --queue`: plan the run on shared storage exactly as the local runner does (same
 * shards, same `run.json`), store its spec in Redis, and add the first stage's flow. Workers pick
 * it up from there; {@link waitForRun} follows it to the end.
 */
import { mkdir } from 'node:fs/promises';
import { planRun } from '../../pipeline/plan.js';
import type { RunMeta } from '../../pipeline/ledger.js';
import type { AnyStage } from '../../pipeline/stage.js';
import type { Storage } from '../../pipeline/storage.js';
import { closeRedis, ensureReachable, openRedis, type QueueConnection } from './connection.js';
import { addStepFlow } from './flow.js';
import { SharedQueues } from './shared-queues.js';
import { RunStore } from './run-store.js';
import { planSteps } from './steps.js';
import { defaultRetry, type RetryPolicy, type RunSpec, retrySchema, type StorageRef } from './spec.js';
import { openSharedStorage } from './shared-storage.js';

/** Inputs of {@link enqueueRun}. */
export interface EnqueueRunOptions {
  readonly connection: QueueConnection;
  /** The run directory; every worker must see it at the same path (shared filesystem). */
  readonly storage: StorageRef;
  /** Opens `storage` here (default: a local directory). */
  readonly openStorage?: (ref: StorageRef) => Storage;
  readonly manifestPath: string;
  readonly shardSize: number;
  readonly round: number;
  /** The stages, for planning (names, schemas, resources); workers build their own from `stageConfig`. */
  readonly stages: readonly AnyStage[];
  /** The output-affecting config, hashed for the resume check (as for the local runner). */
  readonly config: unknown;
  /** JSON handed to each worker's stage factory to build the same stages. */
  readonly stageConfig: unknown;
  /** Attempts and back-off of a failed shard task (default 5 attempts from 1 s). */
  readonly retry?: RetryPolicy;
  /** How long the run's completed jobs stay in their queue, in ms (default 24 h; BullMQ keeps whole seconds). */
  readonly keepCompletedMs?: number;
  /** The job the run is part of: its directory and the run's name in it (`status` groups a job's runs). */
  readonly job?: { readonly dir: string; readonly name: string };
  /** When the run is already queued and running: `refuse` (default) or `follow` it (a restarted coordinator). */
  readonly ifRunning?: 'refuse' | 'follow';
}

/** A queued run. */
export interface EnqueuedRun {
  readonly runId: string;
  readonly meta: RunMeta;
  /** True when the run dir already held this run (finished shards are skipped). */
  readonly resumed: boolean;
  /** True when the run was already queued and running and this call only follows it (`ifRunning: 'follow'`). */
  readonly following: boolean;
  readonly spec: RunSpec;
}

/**
 * Plans (or resumes) a run and queues its first stage. Refuses a run that is already queued and
 * running; a finished or failed run is re-queued from scratch in Redis (its old jobs removed; its committed shards are kept and skipped).
 */
export async function enqueueRun(opts: EnqueueRunOptions): Promise<EnqueuedRun> {
  const retry = retrySchema.parse(opts.retry ?? defaultRetry);
  const redis = openRedis(opts.connection);
  let queues: SharedQueues | undefined;
  try {
    await ensureReachable(redis, opts.connection); // before planning: fail fast, write nothing
    if (opts.storage.kind === 'local') await mkdir(opts.storage.root, { recursive: true });
    const storage = (opts.openStorage ?? openSharedStorage)(opts.storage);
    const { meta, resumed } = await planRun({
      storage,
      manifestPath: opts.manifestPath,
      shardSize: opts.shardSize,
      round: opts.round,
      stages: opts.stages,
      config: opts.config,
    });
    const spec: RunSpec = {
      version: 1,
      run_id: meta.run_id,
      storage: opts.storage,
      stages: meta.stages.map((s) => ({ name: s.name })),
      steps: planSteps(opts.stages).map((s) => ({ name: s.name, stages: [...s.stages], class: s.class })),
      shards: [...meta.shards],
      stage_config: opts.stageConfig,
      retry,
      ...(opts.keepCompletedMs !== undefined ? { keep_completed_s: keepSeconds(opts.keepCompletedMs) } : {}),
      ...(opts.job ? { job: { ...opts.job, planned_at: meta.created_at } } : {}),
      created_at: new Date().toISOString(),
    };
    const store = new RunStore(redis);
    let following: RunSpec | undefined;
    // under the run's lock: a `flywheel prune` of the previous, finished run cannot interleave
    await store.withLock(spec.run_id, 'queueing', async () => {
      const existing = await store.get(spec.run_id);
      if (existing?.state === 'running' && opts.ifRunning === 'follow') {
        following = existing.spec;
        return;
      }
      if (existing?.state === 'running') {
        throw new Error(
          `run ${spec.run_id} (${storage.description}) is already queued and running; follow it with \`flywheel status --queue ${opts.connection.url} --run ${spec.run_id}\``,
        );
      }
      queues = new SharedQueues(opts.connection);
      // the previous queueing's jobs (completed ones are kept a day, failed ones a week) would
      // otherwise keep the same job ids from being added again
      const held = existing ? await queues.removeJobs(spec) : 0;
      if (held > 0)
        throw new Error(
          `run ${spec.run_id} ended (${existing?.state ?? '?'}) but ${held} of its task(s) are still being processed (workers finish or hand them back within their grace period); try again in a minute`,
        );
      await store.create(spec);
      await addStepFlow(queues.producer, queues.control, spec, 0);
    });
    return { runId: spec.run_id, meta, resumed, following: following !== undefined, spec: following ?? spec };
  } finally {
    await queues?.close();
    await closeRedis(redis);
  }
}

/** A retention in whole seconds (BullMQ's `removeOnComplete.age`), at least 1; refuses anything else. */
function keepSeconds(ms: number): number {
  if (!Number.isFinite(ms) || ms < 1000) throw new Error(`keeping completed jobs needs at least 1 s (got ${ms} ms)`);
  return Math.round(ms / 1000);
}
