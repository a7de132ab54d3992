/**
 * `flywheel status`: a run's progress: per step the shard tasks waiting, active, delayed (backing
 * off) and failed, read from the run's jobs in the fixed queues (by job id), and the shards done,
 * read from the step ledger in the run directory (the one record of what is done; so `status`
 * needs the run directory mounted, as `flywheel run --queue` did, to count them); the workers that
 * served it and whether they are connected now. {@link waitForRun} polls it until the run ends.
 * A pruned run has no jobs left: its failed counts are the ones recorded when it was pruned.
 */
import { closeRedis, ensureReachable, openRedis, type QueueConnection } from './connection.js';
import type { ResourceClass, WorkerSeen } from './names.js';
import { type OpenState, openStates, SharedQueues } from './shared-queues.js';
import { RunStore } from './run-store.js';
import { openSharedStorage } from './shared-storage.js';
import type { JobRef, RunSpec, RunState } from './spec.js';
import { committedStepShards } from './task.js';

/** Per step, how many shards have a committed step ledger record. */
export async function shardsDone(spec: RunSpec): Promise<number[]> {
  const storage = openSharedStorage(spec.storage);
  const out: number[] = [];
  for (const step of spec.steps) out.push((await committedStepShards(storage, spec.shards, step.name)).length);
  return out;
}

/** Progress of one step (one stage, or stages that run fused). */
export interface StepStatus {
  /** The stage names joined by `+`. */
  readonly name: string;
  readonly stages: readonly string[];
  readonly class: ResourceClass;
  readonly shards: number;
  readonly waiting: number;
  readonly active: number;
  /** Waiting out a retry back-off. */
  readonly delayed: number;
  readonly failed: number;
  readonly done: number;
}

/** A worker that served the run; `live` = connected to the queues now. */
export interface WorkerStatus extends WorkerSeen {
  readonly live: boolean;
}

/** Progress of a whole run. */
export interface RunStatus {
  readonly run_id: string;
  readonly state: RunState;
  readonly error?: string;
  readonly run_dir: string;
  /** The job the run is part of, when it was queued by one (refine, schedule). */
  readonly job?: JobRef;
  readonly created_at: string;
  readonly updated_at: string;
  /** When the run's queues were removed (`flywheel prune`); its counts and state are final. */
  readonly pruned_at?: string;
  readonly shards: number;
  readonly steps: readonly StepStatus[];
  readonly workers: readonly WorkerStatus[];
}

/** Reads one run's status; throws when Redis has no run with that id. */
export async function runStatus(opts: {
  readonly connection: QueueConnection;
  readonly runId: string;
}): Promise<RunStatus> {
  return withReaders(opts.connection, (store, queues) => readStatus(opts.connection, store, queues, opts.runId));
}

/** Status of every run known to Redis (newest first). */
export async function listRuns(opts: { readonly connection: QueueConnection }): Promise<RunStatus[]> {
  return withReaders(opts.connection, async (store, queues) => {
    const out: RunStatus[] = [];
    for (const id of await store.all()) out.push(await readStatus(opts.connection, store, queues, id));
    return out.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  });
}

/** Runs `fn` with a reachable run store and the fixed queues, closing both afterwards. */
async function withReaders<T>(
  connection: QueueConnection,
  fn: (store: RunStore, queues: SharedQueues) => Promise<T>,
): Promise<T> {
  const redis = openRedis(connection);
  let queues: SharedQueues | undefined;
  try {
    await ensureReachable(redis, connection);
    // one snapshot per command: many runs' counts come from one read of each queue
    queues = new SharedQueues(connection, { snapshot: true });
    return await fn(new RunStore(redis), queues);
  } finally {
    await queues?.close();
    await closeRedis(redis);
  }
}

async function readStatus(
  connection: QueueConnection,
  store: RunStore,
  queues: SharedQueues,
  runId: string,
): Promise<RunStatus> {
  const run = await store.get(runId);
  if (!run)
    throw new Error(
      `no run ${JSON.stringify(runId)} in ${connection.url}; \`flywheel status --queue ${connection.url}\` lists the runs`,
    );
  const step = (i: number, c: Record<OpenState, number>, done: number): StepStatus => {
    const s = run.spec.steps[i];
    return {
      name: s.name,
      stages: s.stages.map((j) => run.spec.stages[j]?.name ?? `#${j}`),
      class: s.class,
      shards: run.spec.shards.length,
      waiting: c.waiting + c.prioritized,
      active: c.active,
      delayed: c.delayed,
      failed: c.failed,
      done,
    };
  };
  // a pruned run has no jobs left: its failed counts are the ones recorded when it was pruned
  const counts =
    run.pruned_at !== undefined
      ? run.spec.steps.map((_, i) => ({ ...noneOpen, failed: run.pruned_failed?.[i] ?? 0 }))
      : await queues.openCounts(run.spec);
  const done = await shardsDone(run.spec);
  const steps = [...run.spec.steps.keys()].map((i) => step(i, counts[i], done[i] ?? 0));
  const live = await queues.liveWorkers();
  const workers = (await store.workers(runId)).map((w) => ({ ...w, live: live.has(w.id) }));
  let state = run.state;
  let error = run.error;
  if (state === 'running') {
    const failure = await queues.failure(run.spec);
    if (failure) {
      // the task that failed the run records the precise cause just before its job fails: prefer
      // it when it landed after the record was read above
      const now = await store.get(runId);
      state = 'failed';
      error = now?.state === 'failed' && now.error ? now.error : failure;
    }
  }
  return {
    run_id: runId,
    state,
    ...(error ? { error } : {}),
    run_dir: run.spec.storage.root,
    ...(run.spec.job ? { job: run.spec.job } : {}),
    created_at: run.spec.created_at,
    updated_at: run.updated_at,
    ...(run.pruned_at !== undefined ? { pruned_at: run.pruned_at } : {}),
    shards: run.spec.shards.length,
    steps,
    workers,
  };
}

const noneOpen: Readonly<Record<OpenState, number>> = Object.fromEntries(openStates.map((s) => [s, 0])) as Record<
  OpenState,
  number
>;

/** Job states {@link queueCounts} reports. */
export const countedStates = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** Per fixed queue (`cpu`, `gpu`, `control`), its jobs in each of {@link countedStates} over every run (BullMQ's `getJobCounts`). */
export async function queueCounts(opts: {
  readonly connection: QueueConnection;
}): Promise<Record<string, Record<(typeof countedStates)[number], number>>> {
  const queues = new SharedQueues(opts.connection);
  try {
    const out: Record<string, Record<(typeof countedStates)[number], number>> = {};
    for (const q of [...queues.byClass.values(), queues.control])
      out[q.name] = (await q.getJobCounts(...countedStates)) as Record<(typeof countedStates)[number], number>;
    return out;
  } finally {
    await queues.close();
  }
}

/** Options of {@link waitForRun}. */
export interface WaitOptions {
  readonly connection: QueueConnection;
  readonly runId: string;
  /** Poll interval in ms (default 1000). */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** Called with each status read. */
  readonly onStatus?: (s: RunStatus) => void;
}

/** Polls until the run is `done` or `failed` and returns its final status (a failed run resolves too; check `state`). Holds one set of connections for the whole wait. */
export async function waitForRun(opts: WaitOptions): Promise<RunStatus> {
  const pollMs = opts.pollMs ?? 1000;
  const redis = openRedis(opts.connection);
  const store = new RunStore(redis);
  const queues = new SharedQueues(opts.connection);
  let settlePolls = 0;
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const s = await readStatus(opts.connection, store, queues, opts.runId);
      // a run failed by its jobs alone (a task that stalled too often fails its barrier with no
      // processor to record it): record it, so workers drop its remaining tasks
      if (s.state === 'failed') await store.finish(opts.runId, 'failed', s.error);
      opts.onStatus?.(s);
      // a failed run is recorded before BullMQ moves the failing job out of `active`: wait for it to settle,
      // so the final counts include that failure
      const settling = s.state === 'failed' && s.steps.some((st) => st.active > 0) && ++settlePolls <= 20;
      if (s.state !== 'running' && !settling) return s;
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          clearTimeout(t);
          const reason: unknown = opts.signal?.reason;
          reject(reason instanceof Error ? reason : new Error('aborted', { cause: reason }));
        };
        const t = setTimeout(() => {
          opts.signal?.removeEventListener('abort', onAbort);
          resolve();
        }, pollMs);
        opts.signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  } finally {
    await queues.close();
    await closeRedis(redis);
  }
}
