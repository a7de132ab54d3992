/**
 * `flywheel prune`: removes the jobs of finished runs (`done` or `failed`) from the shared queues —
 * exactly that run's jobs, by id: completed ones kept for a day, failed ones kept for inspection,
 * abandoned waiting ones of a failed run — and keeps the run's small record (spec, state, error,
 * workers seen) so `flywheel status` still shows how it ended, unless asked to delete that too.
 * Other runs' jobs and the queues themselves stay. A running run is never pruned. Nothing on
 * shared storage is touched.
 */
import type { Redis } from 'ioredis';
import { closeRedis, ensureReachable, openRedis, type QueueConnection } from './connection.js';
import { isRunJobKey, QUEUE_PREFIX } from './names.js';
import { SharedQueues } from './shared-queues.js';
import { RunBusyError, RunStore, type StoredRun } from './run-store.js';
import type { RunState } from './spec.js';
import { shardsDone } from './status.js';

/** Options of {@link pruneRuns}. */
export interface PruneOptions {
  readonly connection: QueueConnection;
  /** Prune this run only; throws when it is unknown, still running, or has tasks still active. Default: every finished run. */
  readonly runId?: string;
  /** Only runs that finished at least this long ago, in ms (default: any finished run). */
  readonly olderThanMs?: number;
  /** Also delete the run's record, after which `status` no longer knows the run (default: keep it). */
  readonly deleteRecord?: boolean;
  /** Report what would be pruned; change nothing. */
  readonly dryRun?: boolean;
  /** Current time in ms (default `Date.now`; for tests). */
  readonly now?: () => number;
}

/** What {@link pruneRuns} did with one run. */
export interface PruneResult {
  readonly run_id: string;
  readonly state: RunState;
  readonly run_dir: string;
  /** When the run's state last changed (for a finished run: when it finished). */
  readonly finished_at: string;
  /** `pruned`: its queues were removed now; `would-prune`: the same, in a dry run; `skipped`: left alone (see `reason`). */
  readonly action: 'pruned' | 'would-prune' | 'skipped';
  readonly reason?: string;
  /** Redis keys its queues held (all removed when `pruned`). */
  readonly queue_keys: number;
  /** Whether the run's record is still there (`status` shows the run) or was deleted. */
  readonly record: 'kept' | 'deleted';
}

/** Why a finished run cannot be pruned right now (tasks of it are still being processed). */
class StillActive extends Error {}

/** Counts the Redis keys of a run's jobs (job hashes with their logs, locks, dependencies; one SCAN). */
export async function countRunQueueKeys(redis: Redis, runId: string): Promise<number> {
  const pattern = `${QUEUE_PREFIX}:*:${runId.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}.*`;
  let n = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    n += keys.filter((k) => isRunJobKey(k, runId)).length;
  } while (cursor !== '0');
  return n;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/**
 * Prunes finished runs (one, with `runId`). A run whose stored state is `running` but whose queues
 * show it failed (a task that stalled too often, with no worker left to notice) is recorded as
 * failed first, as `status` reports it. Each run is pruned under its lock, so a `flywheel run
 * --queue` re-queueing the same run cannot interleave; re-queueing a pruned run works as usual
 * (its committed shards are skipped).
 */
export async function pruneRuns(opts: PruneOptions): Promise<PruneResult[]> {
  const now = opts.now ?? Date.now;
  const redis = openRedis(opts.connection);
  let queues: SharedQueues | undefined;
  try {
    await ensureReachable(redis, opts.connection);
    queues = new SharedQueues(opts.connection);
    const store = new RunStore(redis);
    const ids = opts.runId !== undefined ? [opts.runId] : await store.all();
    const out: PruneResult[] = [];
    for (const id of ids) {
      const run = await store.get(id);
      if (!run) {
        if (opts.runId !== undefined)
          throw new Error(
            `no run ${JSON.stringify(id)} in ${opts.connection.url}; \`flywheel status --queue ${opts.connection.url}\` lists the runs`,
          );
        continue; // deleted meanwhile
      }
      out.push(await pruneOne(opts, { store, redis, queues }, run, now()));
    }
    return out;
  } finally {
    await queues?.close();
    await closeRedis(redis);
  }
}

/** What pruning reads and writes through: the run store, its ioredis client and the fixed queues. */
interface Handles {
  readonly store: RunStore;
  readonly redis: Redis;
  readonly queues: SharedQueues;
}

async function terminalState(opts: PruneOptions, { store, queues }: Handles, run: StoredRun): Promise<RunState> {
  if (run.state !== 'running' || run.pruned_at !== undefined) return run.state;
  const failure = await queues.failure(run.spec);
  if (!failure) return 'running';
  if (!opts.dryRun) await store.finish(run.spec.run_id, 'failed', failure);
  return 'failed';
}

async function refuseRunning(opts: PruneOptions, run: StoredRun): Promise<never> {
  const id = run.spec.run_id;
  const done = await shardsDone(run.spec);
  const progress = run.spec.steps.map((s, i) => `${s.name} ${done[i] ?? 0}/${run.spec.shards.length}`);
  throw new Error(
    `run ${id} is still running (shards done: ${progress.join(', ')}); flywheel prune removes only finished runs (done or failed). ` +
      `Follow it with \`flywheel status --queue ${opts.connection.url} --run ${id}\` and prune it once it has finished.`,
  );
}

async function pruneOne(opts: PruneOptions, handles: Handles, run: StoredRun, nowMs: number): Promise<PruneResult> {
  const { store, redis, queues } = handles;
  const id = run.spec.run_id;
  const state = await terminalState(opts, handles, run);
  const base = { run_id: id, state, run_dir: run.spec.storage.root, finished_at: run.updated_at };
  // a pruned run has no queue keys left: no need to scan for them (its record may stay for years)
  const skipped = async (reason: string): Promise<PruneResult> => ({
    ...base,
    action: 'skipped',
    reason,
    queue_keys: run.pruned_at !== undefined ? 0 : await countRunQueueKeys(redis, id),
    record: 'kept',
  });

  if (state === 'running') {
    if (opts.runId !== undefined) return refuseRunning(opts, run);
    return skipped('still running');
  }
  const age = nowMs - Date.parse(run.updated_at);
  if (opts.olderThanMs !== undefined && !(age >= opts.olderThanMs))
    return skipped(`finished ${ago(age)} ago, not older than ${ago(opts.olderThanMs)}`);
  if (run.pruned_at !== undefined && !opts.deleteRecord) return skipped(`already pruned at ${run.pruned_at}`);
  const record = opts.deleteRecord ? 'deleted' : 'kept';
  if (opts.dryRun) return { ...base, action: 'would-prune', queue_keys: await countRunQueueKeys(redis, id), record };

  try {
    return await store.withLock(id, 'pruning', async () => {
      const current = await store.get(id);
      if (!current)
        return {
          ...base,
          action: 'skipped',
          reason: 'deleted meanwhile',
          queue_keys: 0,
          record: 'deleted',
        } satisfies PruneResult;
      if (current.state === 'running')
        return opts.runId !== undefined ? refuseRunning(opts, current) : skipped('queued again meanwhile');
      const keys = await countRunQueueKeys(redis, id);
      if (current.pruned_at === undefined) {
        const failed = (await queues.openCounts(current.spec)).map((c) => c.failed);
        // a job a worker holds cannot be removed: the rest go now, the run is pruned on a later try
        const held = await queues.removeJobs(current.spec);
        if (held > 0)
          throw new StillActive(
            `run ${id} is ${current.state} but ${held} of its task(s) are still being processed (workers finish or hand them back within their grace period); try again in a minute`,
          );
        await store.markPruned(id, failed);
      }
      if (opts.deleteRecord) await store.remove(id);
      return { ...base, action: 'pruned', queue_keys: keys, record } satisfies PruneResult;
    });
  } catch (e) {
    if ((e instanceof StillActive || e instanceof RunBusyError) && opts.runId === undefined) return skipped(e.message);
    throw e;
  }
}

/** One line per run: what `flywheel prune` prints. */
export function formatPruneResult(r: PruneResult): string {
  const head = `run ${r.run_id} [${r.state}] ${r.run_dir}`;
  if (r.action === 'skipped') return `skipped ${head}: ${r.reason ?? ''}`;
  const record = r.record === 'kept' ? 'record kept (flywheel status still shows it)' : 'record deleted';
  return `${r.action === 'pruned' ? 'pruned' : 'would prune'} ${head}: ${r.queue_keys} queue key(s)${r.action === 'pruned' ? ' removed' : ''}, ${record}`;
}

/**
 * Removes the completed jobs of every fixed queue that finished at least `graceMs` ago, whatever
 * their run (BullMQ's `clean`). BullMQ trims completed jobs by age only as later jobs of the same
 * queue complete; on a farm gone quiet the nightly prune does it. Safe while runs are running:
 * "done" is the step ledger, and a step's job added again after its trim finds it and skips.
 */
export async function cleanCompletedJobs(connection: QueueConnection, graceMs: number): Promise<number> {
  const redis = openRedis(connection);
  const queues = new SharedQueues(connection);
  try {
    await ensureReachable(redis, connection);
    let removed = 0;
    for (const q of [queues.control, ...queues.byClass.values()])
      removed += (await q.clean(graceMs, 0, 'completed')).length;
    return removed;
  } finally {
    await queues.close();
    await closeRedis(redis);
  }
}
