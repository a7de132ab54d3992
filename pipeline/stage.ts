/**
 * The contract between a stage and the engine. A stage declares what it is (name, resources,
 * batch size, concurrency, schemas) as plain data and implements three lifecycle hooks; the engine
 * owns queues, concurrency, timing, shards, resume and the ledger.
 */
import type { RecordBatch, Schema, TypeMap } from 'apache-arrow';
import type { ErrorKind } from '../schemas/errors.js';
import type { SideInput } from './side-input.js';

/** What one instance of a stage needs: CPU processes and GPU sessions. Used for scheduling and recorded in run metadata. */
export interface StageResources {
  readonly cpus: number;
  readonly gpus: number;
}

/** A per-row failure a stage reports instead of throwing: it becomes one `errors` row and the batch goes on. */
export interface RowError {
  readonly clip_id: string;
  readonly kind: ErrorKind;
  readonly message: string;
}

/** Minimal structured logger a stage may use (pino's shape, so a pino logger fits). */
export interface StageLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Handed to every `process` call: where to report bad rows, the run's abort signal, and identifiers for messages. */
export interface StageContext {
  /** The stage's declared name. */
  readonly stage: string;
  /** The shard being processed (for log messages only: a stage never names files). */
  readonly shardId: string;
  /** The refinement round recorded on output rows. */
  readonly round: number;
  /** Aborted when the run is torn down; pass it to child processes and long waits. */
  readonly signal: AbortSignal;
  readonly log: StageLogger;
  /** Records a bad row; the engine turns it into an `errors` row with stage, round and time. */
  reportError(error: RowError): void;
}

/**
 * A step of the pipeline: turns record batches of `In` into record batches of `Out`.
 * `process` must return a new batch and never mutate the one it was given. A throw from
 * `process` is a systemic failure that stops the run; bad rows go through `ctx.reportError`.
 * Stages are made with `defineStage` (`define-stage.ts`), which validates the declaration and
 * fills in its defaults; this is the shape the engine runs.
 */
export interface Stage<In extends TypeMap = TypeMap, Out extends TypeMap = TypeMap> {
  /** Unique name; also the output directory and the `stage` column of error rows. */
  readonly name: string;
  readonly resources: StageResources;
  /** Rows per `process` call; the engine re-batches the input stream to this size (ignored for `process` when `wholeShard`). */
  readonly batchSize: number;
  /**
   * The stage needs a whole shard per `process` call (e.g. it ranks or contrasts rows within one
   * call): the engine gathers the shard's whole input and calls `process` once per shard that has rows.
   */
  readonly wholeShard?: boolean;
  /**
   * A column whose equal values must reach `process` together (e.g. `video_uri`, so one ffmpeg
   * pass serves all of a video's clips). The engine then reads the shard's whole input before the
   * first call — meant for a first stage over the small clips table — and sends each group, in
   * order of first appearance, in batches of at most `batchSize` rows that never mix groups.
   * Omitted: plain re-batching in input order.
   */
  readonly groupBy?: string;
  /** `process` calls the engine runs at once for this stage (order of outputs is kept). */
  readonly concurrency: number;
  /**
   * Whether the engine writes this stage's output to `<stage>/<shard>.parquet` (default true).
   * `false` for in-flight stages whose output only feeds the next stage (its error rows are still written).
   */
  readonly persist?: boolean;
  readonly inputSchema: Schema<In>;
  readonly outputSchema: Schema<Out>;
  /**
   * Which columns of the output are stored when `persist` is not false: omitted = all of
   * `outputSchema`; a narrower schema stores that projection (e.g. captions without the frames they
   * travelled with to the next stage).
   */
  readonly persistSchema?: Schema;
  /** Stored outputs of other runs this stage reads, by name; a plan opens each before any work starts. */
  readonly sideInputs?: Readonly<Record<string, SideInput>>;
  /** Once per process before any batch: load tools/models, open side inputs; throw with a how-to-fix message if missing. */
  setup(): Promise<void>;
  process(batch: RecordBatch<In>, ctx: StageContext): Promise<RecordBatch<Out>>;
  /** Always called after `setup` succeeded, even when the run failed. */
  teardown(): Promise<void>;
}

/** A stage of any schema pair, as held in a pipeline's stage list (method parameters are bivariant, so every `Stage<In, Out>` fits). */
export type AnyStage = Stage<TypeMap, TypeMap>;
