/**
 * flywheel's own bookkeeping of distributed runs in Redis, next to BullMQ's queues: the run spec
 * and state, the set of runs workers should serve, which shard tasks completed (a set, so a retried
 * task counts once), and which workers served a run.
 */
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
}

/** Reads and writes run bookkeeping through one ioredis client (owned by the caller). */
export class RunStore {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  /** Stores a new run as `running` and adds it to the set workers serve. */
  async create(spec: RunSpec): Promise<void> {
    await this.#redis
      .multi()
      .del(redisKeys.run(spec.run_id), redisKeys.workers(spec.run_id), ...spec.steps.map((_, i) => redisKeys.done(spec.run_id, i)))
      .hset(redisKeys.run(spec.run_id), { spec: JSON.stringify(spec), state: 'running', updated_at: new Date().toISOString() })
      .sadd(redisKeys.activeRuns, spec.run_id)
      .exec();
  }

  /** The run, or undefined when no run has that id. */
  async get(runId: string): Promise<StoredRun | undefined> {
    const h = await this.#redis.hgetall(redisKeys.run(runId));
    if (!h.spec) return undefined;
    const state = h.state === 'done' || h.state === 'failed' ? h.state : 'running';
    return { spec: parseRunSpec(h.spec, runId), state, ...(h.error ? { error: h.error } : {}), updated_at: h.updated_at ?? '' };
  }

  /** Ids of runs workers should serve. */
  async active(): Promise<string[]> {
    return (await this.#redis.smembers(redisKeys.activeRuns)).sort();
  }

  /** Ids of every run with a stored spec (for `status` without `--run`). */
  async all(): Promise<string[]> {
    const ids = new Set(await this.active());
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
       redis.call('SREM', KEYS[2], ARGV[4])
       return 1`,
      2,
      key,
      redisKeys.activeRuns,
      state,
      error ?? '',
      new Date().toISOString(),
      runId,
    );
  }

  /** Records that step `stepIndex`'s task for `shard` completed. */
  async markShardDone(runId: string, stepIndex: number, shard: string): Promise<void> {
    await this.#redis.sadd(redisKeys.done(runId, stepIndex), shard);
  }

  /** Number of shards whose task of step `stepIndex` completed. */
  async shardsDone(runId: string, stepIndex: number): Promise<number> {
    return this.#redis.scard(redisKeys.done(runId, stepIndex));
  }

  /** Records a worker serving the run (and, with `completed`, one more shard task done by it). */
  async touchWorker(runId: string, worker: Omit<WorkerSeen, 'first_seen' | 'last_seen' | 'shards'>, completed = 0): Promise<void> {
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
