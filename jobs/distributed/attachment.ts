/**
 * What one worker process holds for one run it serves: the run's storage and metadata, its stages
 * (built by the worker's stage factory, set up once per stage on first use, torn down on detach),
 * and one BullMQ Worker per queue it listens on (the control queue and each resource class it has).
 */
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { RunMeta } from '../../pipeline/ledger.js';
import type { AnyStage, StageLogger } from '../../pipeline/stage.js';
import type { Storage } from '../../pipeline/storage.js';
import { bullConnection, type QueueConnection } from './connection.js';
import { isSystemic, messageOf, SystemicError } from './errors.js';
import { addStepFlow, BARRIER_JOB, type BarrierJobData, type ShardJobData } from './flow.js';
import { controlQueueName, QUEUE_PREFIX, type ResourceClass, shardQueueName } from './names.js';
import { RunQueues } from './run-queues.js';
import type { RunStore } from './run-store.js';
import type { RunSpec } from './spec.js';
import { finishRun, missingStepShards, runStepTask, type StepTaskResult } from './task.js';

/** One thing a worker did with a shard task (for logs, the CLI and tests). */
export interface TaskEvent {
  readonly type: 'start' | 'done' | 'retry' | 'failed' | 'released';
  readonly run: string;
  /** The step's name (its stage names joined by `+`). */
  readonly step: string;
  readonly shard: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly error?: string;
  readonly result?: StepTaskResult;
}

/** Queue tuning shared by every BullMQ Worker of a worker process. */
export interface QueueTuning {
  readonly concurrency: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
}

/** Everything an attachment needs from its worker process. */
export interface AttachmentContext {
  readonly workerId: string;
  readonly host: string;
  readonly connection: QueueConnection;
  readonly resources: readonly ResourceClass[];
  readonly tuning: QueueTuning;
  readonly store: RunStore;
  readonly log: StageLogger;
  readonly onTask: (e: TaskEvent) => void;
  /** True once the worker is shutting down: a cancelled task is released, not failed. */
  readonly shuttingDown: () => boolean;
}

/** A run a worker serves. Create with {@link RunAttachment.open}; always {@link RunAttachment.close}. */
export class RunAttachment {
  readonly spec: RunSpec;
  readonly #ctx: AttachmentContext;
  readonly #storage: Storage;
  readonly #meta: RunMeta;
  readonly #stages: readonly AnyStage[];
  readonly #setups = new Map<number, Promise<void>>();
  readonly #ready = new Set<number>();
  readonly #workers: Worker[] = [];
  #queues: RunQueues | undefined;

  private constructor(
    ctx: AttachmentContext,
    spec: RunSpec,
    storage: Storage,
    meta: RunMeta,
    stages: readonly AnyStage[],
  ) {
    this.#ctx = ctx;
    this.spec = spec;
    this.#storage = storage;
    this.#meta = meta;
    this.#stages = stages;
  }

  /** Checks that the stages match the run, then starts listening on the run's queues this worker can serve. */
  static open(
    ctx: AttachmentContext,
    spec: RunSpec,
    storage: Storage,
    meta: RunMeta,
    stages: readonly AnyStage[],
  ): RunAttachment {
    const got = stages.map((s) => s.name).join(',');
    const want = spec.stages.map((s) => s.name).join(',');
    if (got !== want)
      throw new SystemicError(
        `the worker's stages [${got}] differ from run ${spec.run_id}'s [${want}] (different config or code version?)`,
      );
    if (meta.run_id !== spec.run_id)
      throw new SystemicError(`${storage.description}/run.json is run ${meta.run_id}, not ${spec.run_id}`);
    const a = new RunAttachment(ctx, spec, storage, meta, stages);
    a.#listen();
    return a;
  }

  /** Queue names this attachment listens on. */
  get queues(): string[] {
    return this.#workers.map((w) => w.name);
  }

  #listen(): void {
    const { tuning } = this.#ctx;
    const base = {
      connection: bullConnection(this.#ctx.connection),
      prefix: QUEUE_PREFIX,
      name: this.#ctx.workerId,
      lockDuration: tuning.lockDurationMs,
      stalledInterval: tuning.stalledIntervalMs,
      maxStalledCount: tuning.maxStalledCount,
    };
    const used = new Set(this.spec.steps.map((s) => s.class));
    for (const cls of this.#ctx.resources) {
      if (!used.has(cls)) continue;
      const w = new Worker<ShardJobData, StepTaskResult>(
        shardQueueName(this.spec.run_id, cls),
        (job, token, signal) => this.#shardJob(job, token, signal),
        { ...base, concurrency: tuning.concurrency },
      );
      w.on('error', (e) => this.#ctx.log.warn({ err: messageOf(e), queue: w.name }, 'queue worker error'));
      this.#workers.push(w);
    }
    const c = new Worker<BarrierJobData, string>(controlQueueName(this.spec.run_id), (job) => this.#barrierJob(job), {
      ...base,
      concurrency: 1,
    });
    c.on('error', (e) => this.#ctx.log.warn({ err: messageOf(e), queue: c.name }, 'queue worker error'));
    this.#workers.push(c);
  }

  #ensureSetup(index: number): Promise<void> {
    let p = this.#setups.get(index);
    if (!p) {
      const stage = this.#stages[index];
      p = stage.setup().then(
        () => void this.#ready.add(index),
        (e: unknown) => {
          this.#setups.delete(index);
          throw new Error(`stage ${stage.name}: setup failed on ${this.#ctx.host}: ${messageOf(e)}`, { cause: e });
        },
      );
      this.#setups.set(index, p);
    }
    return p;
  }

  async #shardJob(
    job: Job<ShardJobData, StepTaskResult>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<StepTaskResult> {
    const { step: index, shard } = job.data;
    const step = this.spec.steps[index];
    const event = { run: this.spec.run_id, step: step?.name ?? `#${index}`, shard, attempt: job.attemptsMade + 1 };
    const me = { id: this.#ctx.workerId, host: this.#ctx.host, pid: process.pid, resources: this.#ctx.resources };
    try {
      if (!step) throw new SystemicError(`job ${job.id}: run ${this.spec.run_id} has no step #${index}`);
      this.#ctx.onTask({ type: 'start', ...event });
      await this.#ctx.store.touchWorker(this.spec.run_id, me);
      for (const i of step.stages) await this.#ensureSetup(i);
      const result = await runStepTask({
        storage: this.#storage,
        meta: this.#meta,
        stages: this.#stages,
        step,
        shard,
        log: this.#ctx.log,
        ...(signal ? { signal } : {}),
      });
      await this.#ctx.store.markShardDone(this.spec.run_id, index, shard);
      await this.#ctx.store.touchWorker(this.spec.run_id, me, 1);
      this.#ctx.onTask({ type: 'done', ...event, result });
      return result;
    } catch (e) {
      if (signal?.aborted && this.#ctx.shuttingDown() && token !== undefined) {
        // shutting down past the grace period: hand the shard back without spending an attempt
        await job.moveToWait(token);
        this.#ctx.onTask({ type: 'released', ...event });
        throw new WaitingError();
      }
      const attempts = job.opts.attempts ?? 1;
      const where = `step ${event.step}, ${shard}`;
      if (isSystemic(e)) {
        const msg = `${where}: ${messageOf(e)}`;
        await this.#ctx.store.finish(this.spec.run_id, 'failed', msg);
        this.#ctx.onTask({ type: 'failed', ...event, error: msg });
        throw new UnrecoverableError(msg);
      }
      if (event.attempt >= attempts) {
        const msg = `${where}: failed after ${attempts} attempt(s): ${messageOf(e)}`;
        await this.#ctx.store.finish(this.spec.run_id, 'failed', msg);
        this.#ctx.onTask({ type: 'failed', ...event, error: msg });
      } else {
        this.#ctx.onTask({ type: 'retry', ...event, error: messageOf(e) });
      }
      throw e;
    }
  }

  async #barrierJob(job: Job<BarrierJobData, string>): Promise<string> {
    if (job.name !== BARRIER_JOB) throw new UnrecoverableError(`unexpected job ${job.name} on the control queue`);
    const index = job.data.step;
    const step = this.spec.steps[index];
    if (!step) throw new UnrecoverableError(`barrier of run ${this.spec.run_id}: no step #${index}`);
    const missing = await missingStepShards(this.#storage, this.#meta, step.name);
    if (missing.length) {
      const msg = `step ${step.name}: its jobs completed but ${missing.length} shard(s) have no committed output (first: ${missing[0]}); is ${this.#storage.description} the same shared directory on every worker?`;
      await this.#ctx.store.finish(this.spec.run_id, 'failed', msg);
      throw new UnrecoverableError(msg);
    }
    if (index + 1 < this.spec.steps.length) {
      const q = this.#runQueues();
      return addStepFlow(q.producer, q.control, this.#ctx.store, this.spec, index + 1);
    }
    await finishRun(this.#storage, this.#meta, this.spec.steps);
    await this.#ctx.store.finish(this.spec.run_id, 'done');
    return 'finished';
  }

  #runQueues(): RunQueues {
    this.#queues ??= new RunQueues(this.#ctx.connection, this.spec);
    return this.#queues;
  }

  /** Why the run failed according to its queues (a task that stalled too often fails its barrier without any processor seeing it). */
  failure(): Promise<string | undefined> {
    return this.#runQueues().failure();
  }

  /**
   * Stops taking jobs: waits for running tasks; after `graceMs` cancels them (they are released to
   * the queue), then tears the stages down and closes every connection.
   */
  async close(graceMs: number): Promise<void> {
    const timer = setTimeout(() => {
      for (const w of this.#workers) w.cancelAllJobs('worker shutting down');
    }, graceMs);
    try {
      await Promise.all(this.#workers.map((w) => w.close()));
    } finally {
      clearTimeout(timer);
      await this.#queues?.close();
      for (const i of [...this.#ready].sort((a, b) => b - a)) {
        try {
          await this.#stages[i].teardown();
        } catch (e) {
          this.#ctx.log.warn({ err: messageOf(e), stage: this.#stages[i].name }, 'stage teardown failed');
        }
      }
    }
  }
}
