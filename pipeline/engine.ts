/**
 * The streaming engine: wraps each stage into an async transform of `AsyncIterable<RecordBatch>`
 * (re-batching, bounded in-stage concurrency with p-queue, timing, error rows) and connects the
 * transforms with bounded queues. The first failure aborts every stage and is re-thrown to the caller.
 */
import PQueue from 'p-queue';
import type { RecordBatch, TypeMap } from 'apache-arrow';
import type { ErrorRow } from '../schemas/errors.js';
import { batchBytes, concatBatches } from '../schemas/arrow.js';
import { type BackpressurePolicy, defaultQueuePolicy } from './backpressure.js';
import { BoundedQueue } from './bounded-queue.js';
import { regroup } from './regroup.js';
import { type StageCounters, zeroCounters } from './counters.js';
import { checkStageSettings } from './stage-checks.js';
import type { AnyStage, RowError, StageContext, StageLogger } from './stage.js';

/** Where a pipeline run reports what happens; every hook is optional. */
export interface EngineHooks {
  /** Called after each `process` call with the rows it consumed and produced. */
  onProgress?(stage: string, rowsIn: number, rowsOut: number): void;
}

/** Re-batches a stream to batches of at most `size` rows (small batches are merged, large ones sliced). */
export async function* rebatch<T extends TypeMap>(
  input: AsyncIterable<RecordBatch<T>>,
  size: number,
): AsyncIterable<RecordBatch<T>> {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new Error(`rebatch: size must be a positive integer (got ${size})`);
  let pending: RecordBatch<T>[] = [];
  let pendingRows = 0;
  for await (const batch of input) {
    let offset = 0;
    while (offset < batch.numRows) {
      const take = Math.min(size - pendingRows, batch.numRows - offset);
      pending.push(offset === 0 && take === batch.numRows ? batch : batch.slice(offset, offset + take));
      pendingRows += take;
      offset += take;
      if (pendingRows === size) {
        yield concatBatches(batch.schema, pending);
        pending = [];
        pendingRows = 0;
      }
    }
  }
  if (pendingRows > 0) yield concatBatches(pending[0].schema, pending);
}

/** The whole input as one batch (for a `wholeShard` stage); nothing when the input has no rows. */
export async function* wholeBatch<T extends TypeMap>(
  input: AsyncIterable<RecordBatch<T>>,
): AsyncIterable<RecordBatch<T>> {
  const batches: RecordBatch<T>[] = [];
  for await (const b of input) if (b.numRows > 0) batches.push(b);
  if (batches.length > 0) yield concatBatches(batches[0].schema, batches);
}

/** The batches a stage's `process` receives: the whole shard, key groups, or plain re-batching. */
function batchesFor(stage: AnyStage, input: AsyncIterable<RecordBatch<TypeMap>>): AsyncIterable<RecordBatch<TypeMap>> {
  if (stage.wholeShard) return wholeBatch(input);
  if (stage.groupBy) return regroup(input, stage.groupBy, stage.batchSize);
  return rebatch(input, stage.batchSize);
}

/** Everything one stage needs to run inside a shard. */
export interface StageRun {
  readonly stage: AnyStage;
  readonly shardId: string;
  readonly round: number;
  readonly signal: AbortSignal;
  readonly log: StageLogger;
  /** Receives the stage's error rows. */
  readonly errors: ErrorRow[];
  readonly counters: StageCounters;
  readonly hooks?: EngineHooks;
}

/**
 * Turns a stage into an async transform: input re-batched to `stage.batchSize` (grouped by
 * `stage.groupBy`, or whole when `stage.wholeShard`), up to `stage.concurrency` `process` calls in
 * flight (outputs in input order), counters updated. When the transform stops early (a failure
 * here or elsewhere), it returns only after every `process` call it started has settled, so a
 * stage is never torn down under a running call.
 */
export async function* stageTransform(
  run: StageRun,
  input: AsyncIterable<RecordBatch<TypeMap>>,
): AsyncIterable<RecordBatch<TypeMap>> {
  const { stage, counters } = run;
  const ctx: StageContext = {
    stage: stage.name,
    shardId: run.shardId,
    round: run.round,
    signal: run.signal,
    log: run.log,
    reportError: (e: RowError) => {
      counters.errors++;
      run.errors.push({
        clip_id: e.clip_id,
        stage: stage.name,
        round: run.round,
        error_kind: e.kind,
        message: e.message,
        at: new Date().toISOString(),
      });
    },
  };
  const started = performance.now();
  const queue = new PQueue({ concurrency: stage.concurrency });
  const inFlight: { readonly result: Promise<RecordBatch<TypeMap>>; settled: boolean }[] = [];
  const call = async (batch: RecordBatch<TypeMap>): Promise<RecordBatch<TypeMap>> => {
    run.signal.throwIfAborted();
    const out = await stage.process(batch, ctx);
    counters.rows_in += batch.numRows;
    counters.rows_out += out.numRows;
    run.hooks?.onProgress?.(stage.name, batch.numRows, out.numRows);
    return out;
  };
  try {
    for await (const batch of batchesFor(stage, input)) {
      const entry = { result: queue.add(() => call(batch)), settled: false };
      entry.result.then(
        () => (entry.settled = true),
        () => (entry.settled = true), // the error surfaces when this entry is awaited below, in order
      );
      inFlight.push(entry);
      // yield finished results in input order; wait when 2x concurrency results are pending, so memory stays bounded
      while (inFlight.length > 0 && (inFlight[0].settled || inFlight.length >= stage.concurrency * 2))
        yield await inFlight.shift()!.result;
    }
    while (inFlight.length > 0) yield await inFlight.shift()!.result;
  } finally {
    queue.clear(); // calls not yet started never start
    await queue.onIdle(); // calls already running finish (their results are dropped) before teardown
    counters.seconds += (performance.now() - started) / 1000;
    counters.rows_per_s = counters.seconds > 0 ? counters.rows_out / counters.seconds : 0;
  }
}

/** A thrown value as an Error (a non-Error throw is wrapped, keeping it as the cause). */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e), { cause: e });
}

/** A consumer of one stage's output batches (e.g. a Parquet writer). */
export interface BatchSink {
  write(batch: RecordBatch<TypeMap>): Promise<void>;
}

/** Options of {@link runPipeline}. */
export interface PipelineOptions {
  readonly source: AsyncIterable<RecordBatch<TypeMap>>;
  /** One run per stage, in order; stage i+1 reads stage i's output. */
  readonly runs: readonly StageRun[];
  /** One sink per stage, receiving that stage's output. */
  readonly sinks: readonly BatchSink[];
  /** Aborted by the engine on the first failure (pass the same controller's signal to `runs`). */
  readonly abort: AbortController;
  /** Back-pressure between stages (default {@link defaultQueuePolicy}). */
  readonly queuePolicy?: BackpressurePolicy;
}

/**
 * Runs stages as concurrent pumps joined by bounded queues. Resolves when every stage drained;
 * on the first error aborts the others, waits for them to stop, and rejects with that first cause.
 * A stage with a bad batch size or concurrency is refused before the source is read.
 */
export async function runPipeline(opts: PipelineOptions): Promise<void> {
  const { runs, sinks, abort } = opts;
  for (const run of runs) checkStageSettings(run.stage);
  const queues = runs
    .slice(0, -1)
    .map(() => new BoundedQueue<RecordBatch<TypeMap>>(opts.queuePolicy ?? defaultQueuePolicy, batchBytes));
  let firstError: unknown;
  const failAll = (e: unknown): void => {
    if (firstError === undefined) firstError = e;
    for (const q of queues) q.fail(firstError);
    if (!abort.signal.aborted) abort.abort(firstError);
  };
  const pumps = runs.map(async (run, i) => {
    const input = i === 0 ? opts.source : queues[i - 1];
    try {
      for await (const out of stageTransform(run, input)) {
        await sinks[i].write(out);
        if (i < queues.length) await queues[i].push(out);
      }
      if (i < queues.length) queues[i].close();
    } catch (e) {
      failAll(e);
    }
  });
  await Promise.all(pumps);
  if (firstError !== undefined) throw asError(firstError);
}

/** A fresh stage run (empty errors, zero counters); throws when the stage's batch size or concurrency is not a positive integer. */
export function newStageRun(fields: Omit<StageRun, 'errors' | 'counters'>): StageRun {
  checkStageSettings(fields.stage);
  return { ...fields, errors: [], counters: zeroCounters() };
}
