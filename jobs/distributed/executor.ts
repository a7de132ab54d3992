/**
 * The engine's queue executor: the same engine runs as the local executor, on `flywheel worker`
 * processes. The coordinator plans the run on shared storage, queues it with its stage specs (plain
 * JSON: every worker builds the same stages from them with `buildStages`), and follows it to its
 * end; the run dir then holds the same outputs and ledger as a local run's.
 */
import { isAbsolute, relative } from 'node:path';
import type { ExecuteRequest, ExecuteResult, Executor } from '../../pipeline/executor.js';
import { type AnyStageSpec, buildStages } from '../../stages/index.js';
import type { QueueConnection } from './connection.js';
import { enqueueRun } from './enqueue.js';
import type { RetryPolicy } from './spec.js';
import { type RunStatus, waitForRun } from './status.js';

/** What the run's stored `stage_config` holds when a job queued stage specs (not a `flywheel run` config). */
export interface QueuedStageSpecs {
  readonly stage_specs: readonly AnyStageSpec[];
}

/** True when a stored stage config is a {@link QueuedStageSpecs}. */
export function isQueuedStageSpecs(v: unknown): v is { stage_specs: unknown } {
  return typeof v === 'object' && v !== null && 'stage_specs' in v;
}

/** Options of {@link queueExecutor}. */
export interface QueueExecutorOptions {
  readonly connection: QueueConnection;
  readonly retry?: RetryPolicy;
  /** How long each run's completed jobs stay in their queue, in ms (`--keep-completed`; default 24 h). */
  readonly keepCompletedMs?: number;
  /** How often the coordinator reads the run's progress, in ms (default 1000). */
  readonly pollMs?: number;
  /** Called with each status read (e.g. to print progress). */
  readonly onStatus?: (s: RunStatus) => void;
  /** How long the coordinator keeps following through a Redis outage (a restart), in ms (default 300000). */
  readonly outageMs?: number;
}

/** An executor that runs each engine run's shard tasks on queue workers and waits for them. */
export function queueExecutor(opts: QueueExecutorOptions): Executor<AnyStageSpec> {
  return {
    description: opts.connection.url,
    async execute(req: ExecuteRequest<AnyStageSpec>) {
      if (!isAbsolute(req.runDir) || !isAbsolute(req.manifestPath))
        throw new Error(
          `queued runs need absolute paths every worker sees; got run dir ${req.runDir}, manifest ${req.manifestPath}`,
        );
      try {
        return await queueAndWait(opts, req);
      } finally {
        req.reporter?.close();
      }
    },
  };
}

async function queueAndWait(opts: QueueExecutorOptions, req: ExecuteRequest<AnyStageSpec>): Promise<ExecuteResult> {
  req.signal?.throwIfAborted();
  const stageConfig: QueuedStageSpecs = { stage_specs: req.specs };
  const run = await throughOutage(opts, req, `queueing ${req.runDir}`, async () =>
    enqueueRun({
      connection: opts.connection,
      storage: { kind: 'local', root: req.runDir },
      manifestPath: req.manifestPath,
      shardSize: req.shardSize,
      round: req.round,
      // built here only to plan (names, schemas, resources); models load on the workers
      stages: await buildStages(req.specs),
      config: req.config,
      stageConfig,
      // a coordinator restarted mid-round follows the round its predecessor queued
      ifRunning: 'follow',
      ...(req.job !== undefined ? { job: { dir: req.job, name: relative(req.job, req.runDir) || '.' } } : {}),
      ...(opts.retry ? { retry: opts.retry } : {}),
      ...(opts.keepCompletedMs !== undefined ? { keepCompletedMs: opts.keepCompletedMs } : {}),
    }),
  );
  req.reporter?.log.info(
    { run: run.runId, dir: req.runDir, queue: opts.connection.url, resumed: run.resumed, following: run.following },
    'queued run; waiting for workers',
  );
  const status = await throughOutage(opts, req, `following run ${run.runId}`, () =>
    waitForRun({
      connection: opts.connection,
      runId: run.runId,
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(opts.onStatus ? { onStatus: opts.onStatus } : {}),
    }),
  );
  if (status.state !== 'done')
    throw new Error(`queued run ${run.runId} (${req.runDir}) ${status.state}: ${status.error ?? 'no error recorded'}`);
  return { meta: run.meta };
}

/** True for the errors a Redis outage gives (refused or dropped connections, ioredis giving up a request). */
export function isConnectionError(e: unknown): boolean {
  for (let x: unknown = e; x instanceof Error; x = x.cause)
    if (
      /max retries per request|Connection is closed|ECONNREFUSED|ECONNRESET|cannot reach the queue's Redis|Stream isn't writeable/i.test(
        x.message,
      )
    )
      return true;
  return false;
}

/**
 * Runs `fn`, riding out a Redis outage (a restart of a persistent server) for up to `outageMs`:
 * BullMQ's workers reconnect by themselves, and so does the coordinator here.
 */
async function throughOutage<T>(
  opts: QueueExecutorOptions,
  req: ExecuteRequest<AnyStageSpec>,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  const outageMs = opts.outageMs ?? 300_000;
  let since: number | undefined;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (req.signal?.aborted || !isConnectionError(e)) throw e;
      since ??= Date.now();
      if (Date.now() - since > outageMs) throw e;
      req.reporter?.log.warn({ err: (e as Error).message, what }, 'lost the queue; reconnecting');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
