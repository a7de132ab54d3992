/**
 * A `flywheel worker` process: listens on the fixed queues of its resource classes (`cpu`, `gpu`)
 * and on `control`, and runs whichever run's job comes next with the same engine code as the local
 * runner. A job names its run; the worker loads that run (spec, storage, stages) on its first job
 * and tears its stages down once the run has ended. No run discovery: a queued run's jobs simply
 * arrive. Closing it (SIGTERM) lets running shards finish, releases them after a grace period,
 * tears the stages down and closes every Redis connection.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { FlowProducer, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { StageLogger } from '../../pipeline/stage.js';
import { bullConnection, closeRedis, openRedis, type QueueConnection } from './connection.js';
import { messageOf } from './errors.js';
import type { BarrierJobData, ShardJobData } from './flow.js';
import { CONTROL_QUEUE, QUEUE_PREFIX, resourceClasses, type ResourceClass } from './names.js';
import { RunContext, type StageFactory, type TaskEvent, type WorkerContext } from './run-context.js';
import { RunStore } from './run-store.js';
import { openSharedStorage, type StorageOpener } from './shared-storage.js';
import type { StepTaskResult } from './task.js';

export type { StageFactory, TaskEvent } from './run-context.js';

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  readonly connection: QueueConnection;
  /** Builds the stages of a run; must build the same stage list the run was planned with. */
  readonly stages: StageFactory;
  /** Resource classes this worker can run (default `['cpu']`); a `gpu` stage's tasks go only to `gpu` workers. */
  readonly resources?: readonly ResourceClass[];
  /** Shard tasks at once per resource class, over all runs (default 1: stages parallelise inside a shard). */
  readonly concurrency?: number;
  /** How often to check whether the runs it holds stages for have ended (to tear those down), in ms (default 2000). */
  readonly pollMs?: number;
  /** A task's lock lifetime in ms; a killed worker's task is retried after about this long (default 30000). */
  readonly lockDurationMs?: number;
  /** How often stalled tasks (lost locks) are looked for, in ms (default 30000). */
  readonly stalledIntervalMs?: number;
  /** Times a task may stall (its worker died) before it fails (default 3). */
  readonly maxStalledCount?: number;
  /** On close, how long running tasks may take to finish before they are cancelled and released, in ms (default 30000). */
  readonly shutdownGraceMs?: number;
  /** Opens a run's storage (default {@link openSharedStorage}). */
  readonly openStorage?: StorageOpener;
  /** Worker id shown by `status` (default `<host>-<pid>-<random>`). */
  readonly id?: string;
  readonly log?: StageLogger;
  /** Called for every task start, completion, retry, failure and release. */
  readonly onTask?: (e: TaskEvent) => void;
}

/** A running worker. */
export interface WorkerHandle {
  readonly id: string;
  readonly resources: readonly ResourceClass[];
  /** Ids of the runs it holds loaded now (it has taken a job of each, and the run has not ended). */
  runs(): string[];
  /** Queue names it listens on (fixed: its resource classes and `control`). */
  queues(): string[];
  /** Resolves once it listens on every queue. */
  readonly ready: Promise<void>;
  /** Graceful stop: finish or release running tasks, tear down stages, close every connection. Idempotent. */
  close(): Promise<void>;
}

const silent: StageLogger = { info: () => undefined, warn: () => undefined, debug: () => undefined };

function positive(name: string, v: number | undefined, dflt: number, min = 1): number {
  const n = v ?? dflt;
  if (!Number.isFinite(n) || n < min)
    throw new Error(`startWorker: ${name} must be a number >= ${min} (got ${JSON.stringify(v)})`);
  return n;
}

/** What a shard job of a run that is no longer running returns: nothing was run. */
const dropped: StepTaskResult = { status: 'dropped', rows_in: 0, rows_out: 0, errors: 0, seconds: 0 };

/** A run the worker holds: loaded once per queueing of the run (`queued_at`), with its jobs running here now. */
interface Held {
  readonly queuedAt: string;
  readonly context: Promise<RunContext>;
  inFlight: number;
}

/** Starts a worker; it serves every queued run until {@link WorkerHandle.close}. */
export function startWorker(opts: StartWorkerOptions): WorkerHandle {
  const resources = opts.resources?.length ? [...new Set(opts.resources)] : (['cpu'] as ResourceClass[]);
  for (const r of resources)
    if (!(resourceClasses as readonly string[]).includes(r))
      throw new Error(`startWorker: unknown resource class ${JSON.stringify(r)}`);
  const concurrency = positive('concurrency', opts.concurrency, 1);
  const base = {
    connection: bullConnection(opts.connection),
    prefix: QUEUE_PREFIX,
    lockDuration: positive('lockDurationMs', opts.lockDurationMs, 30_000, 100),
    stalledInterval: positive('stalledIntervalMs', opts.stalledIntervalMs, 30_000, 100),
    maxStalledCount: positive('maxStalledCount', opts.maxStalledCount, 3, 0),
  };
  const pollMs = positive('pollMs', opts.pollMs, 2000, 10);
  const graceMs = positive('shutdownGraceMs', opts.shutdownGraceMs, 30_000, 0);
  const host = hostname();
  const id = opts.id ?? `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = opts.log ?? silent;
  const openStorage = opts.openStorage ?? openSharedStorage;
  const redis = openRedis(opts.connection);
  redis.on('error', (e) => log.warn({ err: messageOf(e) }, 'redis connection error'));
  const store = new RunStore(redis);
  const held = new Map<string, Held>();
  let closing = false;

  const ctx: WorkerContext = {
    workerId: id,
    host,
    resources,
    store,
    log,
    onTask: opts.onTask ?? (() => undefined),
    shuttingDown: () => closing,
    producer: new FlowProducer({ connection: bullConnection(opts.connection), prefix: QUEUE_PREFIX }),
    control: new Queue(CONTROL_QUEUE, { connection: bullConnection(opts.connection), prefix: QUEUE_PREFIX }),
  };

  /** Loads a run on its first job here; a run that cannot be served (stages differ, no run.json) fails. */
  async function load(runId: string): Promise<RunContext> {
    try {
      const stored = await store.get(runId);
      if (!stored) throw new Error('its record is gone');
      const context = await RunContext.load(ctx, stored.spec, openStorage, opts.stages);
      log.info({ run: runId, worker: id }, 'serving run');
      return context;
    } catch (e) {
      const msg = `worker ${id} cannot serve run ${runId}: ${messageOf(e)}`;
      log.warn({ run: runId, err: msg }, 'run rejected');
      await store.finish(runId, 'failed', msg);
      throw new UnrecoverableError(msg);
    }
  }

  /** Runs `fn` with the job's run loaded, or returns undefined when the run is no longer running. */
  async function withRun<T>(runId: string, fn: (c: RunContext) => Promise<T>): Promise<T | undefined> {
    const now = await store.state(runId);
    if (now?.state !== 'running') return undefined;
    let h = held.get(runId);
    if (h && h.queuedAt !== now.queued_at) {
      // queued again since: a fresh spec and stages (the old ones go once their jobs here are done)
      if (h.inFlight === 0) void release(runId, h);
      h = undefined;
    }
    if (!h) {
      h = { queuedAt: now.queued_at, context: load(runId), inFlight: 0 };
      held.set(runId, h);
      const mine = h;
      h.context.catch(() => held.get(runId) === mine && held.delete(runId));
    }
    h.inFlight++;
    try {
      return await fn(await h.context);
    } finally {
      // the last job here of a run queued again since: its old stages go now
      if (--h.inFlight === 0 && held.get(runId) !== h) void release(runId, h);
    }
  }

  async function release(runId: string, h: Held): Promise<void> {
    if (held.get(runId) === h) held.delete(runId);
    const c = await h.context.catch(() => undefined);
    await c?.close();
    if (c) log.info({ run: runId, worker: id }, 'left run');
  }

  /** Tears down the stages of held runs that have ended (or were queued again) and have no job running here. */
  async function sweep(): Promise<void> {
    for (const [runId, h] of [...held]) {
      if (h.inFlight > 0) continue;
      const now = await store.state(runId);
      if (h.inFlight === 0 && (now?.state !== 'running' || now.queued_at !== h.queuedAt)) await release(runId, h);
    }
  }

  const workers: Worker[] = [];
  for (const cls of resources) {
    workers.push(
      new Worker<ShardJobData, StepTaskResult>(
        cls,
        async (job: Job<ShardJobData, StepTaskResult>, token, signal) =>
          (await withRun(job.data.run, (c) => c.shardJob(job, token, signal))) ?? dropped,
        { ...base, name: id, concurrency },
      ),
    );
  }
  workers.push(
    new Worker<BarrierJobData, string>(
      CONTROL_QUEUE,
      async (job: Job<BarrierJobData, string>) => (await withRun(job.data.run, (c) => c.barrierJob(job))) ?? 'dropped',
      { ...base, name: id, concurrency: 1 },
    ),
  );
  for (const w of workers) w.on('error', (e) => log.warn({ err: messageOf(e), queue: w.name }, 'queue worker error'));

  let sweeping: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = sweeping
      .then(sweep)
      .catch((e: unknown) => log.warn({ err: messageOf(e) }, 'releasing ended runs failed'));
  }, pollMs);
  const ready = Promise.all(workers.map((w) => w.waitUntilReady())).then(() => undefined);
  let closed: Promise<void> | undefined;

  return {
    id,
    resources,
    runs: () => [...held.keys()],
    queues: () => workers.map((w) => w.name),
    ready,
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        clearInterval(timer);
        await ready.catch(() => undefined);
        const cancel = setTimeout(() => {
          for (const w of workers) w.cancelAllJobs('worker shutting down');
        }, graceMs);
        try {
          await Promise.all(workers.map((w) => w.close()));
        } finally {
          clearTimeout(cancel);
        }
        await sweeping;
        await Promise.all([...held].map(([runId, h]) => release(runId, h)));
        await Promise.all([ctx.producer.close(), ctx.control.close()]);
        await closeRedis(redis);
      })();
      return closed;
    },
  };
}
