/**
 * A `flywheel worker` process: finds the runs queued in Redis, listens on the queues of each run
 * it can serve (its resource classes plus the run's control queue), and runs shard tasks with the
 * same engine code as the local runner. Closing it (SIGTERM) lets running shards finish, releases
 * them after a grace period, tears the stages down and closes every Redis connection.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readRunMeta } from '../../pipeline/ledger.js';
import type { AnyStage, StageLogger } from '../../pipeline/stage.js';
import { RunAttachment, type TaskEvent } from './attachment.js';
import { closeRedis, openRedis, type QueueConnection } from './connection.js';
import { messageOf, SystemicError } from './errors.js';
import { resourceClasses, type ResourceClass } from './names.js';
import { RunStore } from './run-store.js';
import { openSharedStorage, type StorageOpener } from './shared-storage.js';
import type { RunSpec } from './spec.js';

export type { TaskEvent } from './attachment.js';

/** Builds a run's stages (not set up) from the config the run was enqueued with. */
export type StageFactory = (spec: RunSpec) => readonly AnyStage[] | Promise<readonly AnyStage[]>;

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  readonly connection: QueueConnection;
  /** Builds the stages of a run; must build the same stage list the run was planned with. */
  readonly stages: StageFactory;
  /** Resource classes this worker can run (default `['cpu']`); a `gpu` stage's tasks go only to `gpu` workers. */
  readonly resources?: readonly ResourceClass[];
  /** Shard tasks at once per resource class (default 1: stages parallelise inside a shard). */
  readonly concurrency?: number;
  /** Serve only this run (default: every queued run). */
  readonly runId?: string;
  /** How often to look for new or finished runs, in ms (default 2000). */
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
  /** Ids of the runs it serves now. */
  runs(): string[];
  /** Queue names it listens on now. */
  queues(): string[];
  /** Resolves after the first look for runs (attached to every run queued at that moment). */
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

export { parseResources } from './options.js';

/** Starts a worker; it serves runs until {@link WorkerHandle.close}. */
export function startWorker(opts: StartWorkerOptions): WorkerHandle {
  const resources = opts.resources?.length ? [...new Set(opts.resources)] : (['cpu'] as ResourceClass[]);
  for (const r of resources)
    if (!(resourceClasses as readonly string[]).includes(r))
      throw new Error(`startWorker: unknown resource class ${JSON.stringify(r)}`);
  const tuning = {
    concurrency: positive('concurrency', opts.concurrency, 1),
    lockDurationMs: positive('lockDurationMs', opts.lockDurationMs, 30_000, 100),
    stalledIntervalMs: positive('stalledIntervalMs', opts.stalledIntervalMs, 30_000, 100),
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
  const attached = new Map<string, RunAttachment>();
  const rejected = new Set<string>();
  let closing = false;
  let timer: NodeJS.Timeout | undefined;
  let closed: Promise<void> | undefined;

  const ctx = {
    workerId: id,
    host,
    connection: opts.connection,
    resources,
    tuning,
    store,
    log,
    onTask: opts.onTask ?? (() => undefined),
    shuttingDown: () => closing,
  };

  async function attach(runId: string): Promise<void> {
    const stored = await store.get(runId);
    if (!stored || stored.state !== 'running') return;
    const { spec } = stored;
    try {
      const storage = openStorage(spec.storage);
      const meta = await readRunMeta(storage);
      if (!meta)
        throw new SystemicError(
          `${storage.description}/run.json not found from worker ${id}: is the run directory on a filesystem every worker mounts at the same path?`,
        );
      const stages = await opts.stages(spec);
      if (closing) return;
      attached.set(runId, RunAttachment.open(ctx, spec, storage, meta, stages));
      await store.touchWorker(runId, { id, host, pid: process.pid, resources }); // seen by `status` before its first task
      log.info({ run: runId, worker: id, queues: attached.get(runId)?.queues }, 'serving run');
    } catch (e) {
      rejected.add(runId);
      const msg = `worker ${id} cannot serve run ${runId}: ${messageOf(e)}`;
      log.warn({ run: runId, err: msg }, 'run rejected');
      await store.finish(runId, 'failed', msg);
    }
  }

  async function detach(runId: string): Promise<void> {
    const a = attached.get(runId);
    attached.delete(runId);
    await a?.close(graceMs);
    log.info({ run: runId, worker: id }, 'left run');
  }

  async function tick(): Promise<void> {
    const active = new Set(await store.active());
    const wanted = opts.runId !== undefined ? (active.has(opts.runId) ? [opts.runId] : []) : [...active];
    for (const runId of wanted) if (!attached.has(runId) && !rejected.has(runId) && !closing) await attach(runId);
    for (const runId of [...attached.keys()]) {
      if (!active.has(runId)) {
        await detach(runId);
        continue;
      }
      // a task that stalled too often fails its barrier without any processor seeing it: end the run
      const failed = await attached.get(runId)?.failure();
      if (failed) await store.finish(runId, 'failed', failed);
    }
  }

  let firstTick: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => (firstTick = resolve));
  let current: Promise<void> = Promise.resolve();
  const loop = async (): Promise<void> => {
    try {
      current = tick();
      await current;
    } catch (e) {
      log.warn({ err: messageOf(e) }, 'looking for runs failed; retrying');
    }
    firstTick?.();
    firstTick = undefined;
    if (!closing) timer = setTimeout(() => void loop(), pollMs);
  };
  void loop();

  return {
    id,
    resources,
    runs: () => [...attached.keys()],
    queues: () => [...attached.values()].flatMap((a) => a.queues),
    ready,
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        if (timer) clearTimeout(timer);
        await ready;
        await current.catch(() => undefined);
        await Promise.all([...attached.keys()].map((r) => detach(r)));
        await closeRedis(redis);
      })();
      return closed;
    },
  };
}
