/**
 * What one worker process holds for one run whose jobs it has taken: the run's storage and
 * metadata and its stages (built by the worker's stage factory, set up once per stage on first
 * use, torn down when the run has ended), and the processors of the run's shard and barrier jobs.
 */
import { type FlowProducer, type Job, type Queue, UnrecoverableError, WaitingError } from 'bullmq';
import { readRunMeta, type RunMeta } from '../../pipeline/ledger.js';
import type { AnyStage, StageLogger } from '../../pipeline/stage.js';
import type { Storage } from '../../pipeline/storage.js';
import { isSystemic, messageOf, SystemicError } from './errors.js';
import { addStepFlow, BARRIER_JOB, type BarrierJobData, type ShardJobData } from './flow.js';
import type { ResourceClass } from './names.js';
import type { RunStore } from './run-store.js';
import type { StorageOpener } from './shared-storage.js';
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

/** Builds a run's stages (not set up) from the config the run was enqueued with. */
export type StageFactory = (spec: RunSpec) => readonly AnyStage[] | Promise<readonly AnyStage[]>;

/** Everything a run context needs from its worker process. */
export interface WorkerContext {
  readonly workerId: string;
  readonly host: string;
  readonly resources: readonly ResourceClass[];
  readonly store: RunStore;
  readonly log: StageLogger;
  readonly onTask: (e: TaskEvent) => void;
  /** True once the worker is shutting down: a cancelled task is released, not failed. */
  readonly shuttingDown: () => boolean;
  /** The worker's flow producer and `control` queue (a barrier adds the next step's flow). */
  readonly producer: FlowProducer;
  readonly control: Queue;
}

/** A run a worker has taken jobs of. Create with {@link RunContext.load}; always {@link RunContext.close}. */
export class RunContext {
  readonly spec: RunSpec;
  readonly #ctx: WorkerContext;
  readonly #storage: Storage;
  readonly #meta: RunMeta;
  readonly #stages: readonly AnyStage[];
  readonly #setups = new Map<number, Promise<void>>();
  readonly #ready = new Set<number>();

  private constructor(ctx: WorkerContext, spec: RunSpec, storage: Storage, meta: RunMeta, stages: readonly AnyStage[]) {
    this.#ctx = ctx;
    this.spec = spec;
    this.#storage = storage;
    this.#meta = meta;
    this.#stages = stages;
  }

  /** Opens the run's storage, reads its `run.json`, builds its stages and checks they match the run (else a {@link SystemicError}). */
  static async load(
    ctx: WorkerContext,
    spec: RunSpec,
    openStorage: StorageOpener,
    factory: StageFactory,
  ): Promise<RunContext> {
    const storage = openStorage(spec.storage);
    const meta = await readRunMeta(storage);
    if (!meta)
      throw new SystemicError(
        `${storage.description}/run.json not found from worker ${ctx.workerId}: is the run directory on a filesystem every worker mounts at the same path?`,
      );
    if (meta.run_id !== spec.run_id)
      throw new SystemicError(`${storage.description}/run.json is run ${meta.run_id}, not ${spec.run_id}`);
    const stages = await factory(spec);
    const got = stages.map((s) => s.name).join(',');
    const want = spec.stages.map((s) => s.name).join(',');
    if (got !== want)
      throw new SystemicError(
        `the worker's stages [${got}] differ from run ${spec.run_id}'s [${want}] (different config or code version?)`,
      );
    return new RunContext(ctx, spec, storage, meta, stages);
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

  /** Processes one shard job of the run: the step's task over the shard, committed first-writer-wins. */
  async shardJob(
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

  /** Processes the run's barrier of one step: every shard committed, then the next step's flow (or the run's end). */
  async barrierJob(job: Job<BarrierJobData, string>): Promise<string> {
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
    if (index + 1 < this.spec.steps.length)
      return addStepFlow(this.#ctx.producer, this.#ctx.control, this.spec, index + 1);
    await finishRun(this.#storage, this.#meta, this.spec.steps);
    await this.#ctx.store.finish(this.spec.run_id, 'done');
    return 'finished';
  }

  /** Tears down the stages that were set up (the caller made sure no job of the run is running here). */
  async close(): Promise<void> {
    for (const i of [...this.#ready].sort((a, b) => b - a)) {
      try {
        await this.#stages[i].teardown();
      } catch (e) {
        this.#ctx.log.warn({ err: messageOf(e), stage: this.#stages[i].name }, 'stage teardown failed');
      }
    }
  }
}
