/**
 * flywheel's own record of distributed runs in Redis, next to BullMQ's queues: the run spec and
 * state, which workers served a run (and how many shards each), whether the run's jobs were
 * pruned, and a short-lived lock that keeps queueing and pruning a run from interleaving. What is
 * done is not recorded here: the step ledger on storage says.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { redisKeys, type WorkerSeen } from './names.js';
import { parseRunSpec, type RunSpec, type RunState } from './spec.js';

/** A run's stored state. */
export interface StoredRun {
  readonly spec: RunSpec;
  readonly state: RunState;
  /** Why the run failed (first final failure), when `state` is `failed`. */
  readonly error?: string;
  readonly updated_at: string;
  /** When `flywheel prune` removed the run's jobs (the record stays for `status`). */
  readonly pruned_at?: string;
  /** With `pruned_at`: per step, the shard jobs that had failed for good when the queues were pruned. */
  readonly pruned_failed?: readonly number[];
}

/** Thrown when another process holds the run's lock (it is queueing or pruning the run now). */
export class RunBusyError extends Error {
  override readonly name = 'RunBusyError';
}

/** How long a run lock lives at most (a process that died holding it blocks the run no longer). */
const LOCK_TTL_MS = 10 * 60_000;

function parseCounts(json: string | undefined): number[] | undefined {
  if (json === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) && v.every((n) => Number.isInteger(n) && (n as number) >= 0) ? (v as number[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads and writes run bookkeeping through one ioredis client (owned by the caller). */
export class RunStore {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /** Stores a new run as `running` (replacing an earlier record of the same run). */
  async create(spec: RunSpec): Promise<void> {
    await this.#redis
      .multi()
      .del(redisKeys.run(spec.run_id), redisKeys.workers(spec.run_id))
      .hset(redisKeys.run(spec.run_id), {
        spec: JSON.stringify(spec),
        state: 'running',
        queued_at: spec.created_at,
        updated_at: new Date().toISOString(),
      })
      .exec();
  }

  /**
   * The run's state and when it was queued (its spec's `created_at`), without reading the spec:
   * what a worker checks before each job. Undefined when no run has that id.
   */
  async state(runId: string): Promise<{ state: RunState; queued_at: string } | undefined> {
    const [state, queuedAt] = await this.#redis.hmget(redisKeys.run(runId), 'state', 'queued_at');
    if (state === null) return undefined;
    return { state: state === 'done' || state === 'failed' ? state : 'running', queued_at: queuedAt ?? '' };
  }

  /** The run, or undefined when no run has that id. */
  async get(runId: string): Promise<StoredRun | undefined> {
    const h = await this.#redis.hgetall(redisKeys.run(runId));
    if (!h.spec) return undefined;
    const state = h.state === 'done' || h.state === 'failed' ? h.state : 'running';
    const prunedFailed = parseCounts(h.pruned_failed);
    return {
      spec: parseRunSpec(h.spec, runId),
      state,
      ...(h.error ? { error: h.error } : {}),
      updated_at: h.updated_at ?? '',
      ...(h.pruned_at ? { pruned_at: h.pruned_at } : {}),
      ...(h.pruned_at && prunedFailed ? { pruned_failed: prunedFailed } : {}),
    };
  }

  /** Ids of every run with a stored record (for `status` without `--run`). */
  async all(): Promise<string[]> {
    const ids = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', redisKeys.run('*'), 'COUNT', 200);
      cursor = next;
      for (const k of keys) {
        const id = k.slice(redisKeys.run('').length);
        if (id !== '' && !id.includes(':')) ids.add(id);
      }
    } while (cursor !== '0');
    return [...ids].sort();
  }

  /** Marks the run finished; only the first terminal state sticks (a late failure cannot undo `done`). */
  async finish(runId: string, state: Exclude<RunState, 'running'>, error?: string): Promise<void> {
    const key = redisKeys.run(runId);
    // HSETNX-like guard on a terminal state, in one round trip
    await this.#redis.eval(
      `local s = redis.call('HGET', KEYS[1], 'state')
       if s == 'done' or s == 'failed' then return 0 end
       redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updated_at', ARGV[3])
       if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[2]) end
       return 1`,
      1,
      key,
      state,
      error ?? '',
      new Date().toISOString(),
    );
  }

  /** Records that the run's jobs were removed; `failed` = per step, shard jobs that had failed for good. */
  async markPruned(runId: string, failed: readonly number[]): Promise<void> {
    await this.#redis.hset(redisKeys.run(runId), {
      pruned_at: new Date().toISOString(),
      pruned_failed: JSON.stringify(failed),
    });
  }

  /** Deletes everything flywheel stored about the run (spec, state, workers); not its jobs. */
  async remove(runId: string): Promise<void> {
    await this.#redis.del(redisKeys.run(runId), redisKeys.workers(runId));
  }

  /**
   * Runs `fn` holding the run's lock, which `enqueueRun` and `pruneRuns` both take so that a run is
   * never pruned while it is being queued again. Throws {@link RunBusyError} (naming who holds it)
   * when another process holds it. `what` says what this process does (`queueing`, `pruning`).
   */
  async withLock<T>(runId: string, what: string, fn: () => Promise<T>): Promise<T> {
    const key = redisKeys.lock(runId);
    const token = `${what} on ${hostname()} (pid ${process.pid}) ${randomBytes(4).toString('hex')}`;
    if ((await this.#redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
      const holder = (await this.#redis.get(key)) ?? 'another process';
      throw new RunBusyError(
        `run ${runId} is locked: ${holder.replace(/ [0-9a-f]{8}$/, '')} is working on it right now; try again once it is done`,
      );
    }
    try {
      return await fn();
    } finally {
      await this.#redis.eval(
        `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
        1,
        key,
        token,
      );
    }
  }

  /** Records a worker serving the run (and, with `completed`, one more shard task done by it). */
  async touchWorker(
    runId: string,
    worker: Omit<WorkerSeen, 'first_seen' | 'last_seen' | 'shards'>,
    completed = 0,
  ): Promise<void> {
    const key = redisKeys.workers(runId);
    const now = new Date().toISOString();
    await this.#redis.eval(
      `local cur = redis.call('HGET', KEYS[1], ARGV[1])
       local w = cjson.decode(ARGV[2])
       if cur then
         local old = cjson.decode(cur)
         w['first_seen'] = old['first_seen']
         w['shards'] = (old['shards'] or 0) + tonumber(ARGV[4])
       else
         w['first_seen'] = ARGV[3]
         w['shards'] = tonumber(ARGV[4])
       end
       w['last_seen'] = ARGV[3]
       redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(w))
       return 1`,
      1,
      key,
      worker.id,
      JSON.stringify(worker),
      now,
      String(completed),
    );
  }

  /** Workers that served the run, by id. */
  async workers(runId: string): Promise<WorkerSeen[]> {
    const h = await this.#redis.hgetall(redisKeys.workers(runId));
    return Object.values(h)
      .map((v) => JSON.parse(v) as WorkerSeen)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}
