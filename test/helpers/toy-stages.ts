/** Tiny in-memory stages for engine tests: no ffmpeg, deterministic, with switches to fail on purpose. */
import { Field, Float64, Int32, type RecordBatch, Schema, Utf8 } from 'apache-arrow';
import { batchToRows, rowsToBatch } from '../../pipeline/arrow.js';
import type { AnyStage, StageContext } from '../../pipeline/stage.js';
import { clipsSchema, type ClipRow } from '../../schemas/clips.js';

/** Output of {@link lengthStage}: one row per clip with its duration. */
export const lengthSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('duration_s', new Float64(), false),
]);
/** Output of {@link doubleStage}. */
export const doubledSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('twice', new Float64(), false),
  new Field('batch_rows', new Int32(), false),
]);

/** Lifecycle calls seen by toy stages, for asserting setup/teardown. */
export interface Calls {
  setup: string[];
  teardown: string[];
  maxInFlight: number;
}

/** clips → (clip_id, duration_s). `badIds` become error rows; `throwOn` makes process throw. */
export function lengthStage(
  opts: {
    calls?: Calls;
    badIds?: string[];
    throwOn?: string;
    concurrency?: number;
    batchSize?: number;
    delayMs?: number;
  } = {},
): AnyStage {
  let inFlight = 0;
  return {
    name: 'length',
    resources: { cpus: 1, gpus: 0 },
    batchSize: opts.batchSize ?? 3,
    concurrency: opts.concurrency ?? 2,
    resumable: true,
    inputSchema: clipsSchema,
    outputSchema: lengthSchema,
    async setup() {
      opts.calls?.setup.push('length');
    },
    async teardown() {
      opts.calls?.teardown.push('length');
    },
    async process(batch: RecordBatch, ctx: StageContext) {
      inFlight++;
      if (opts.calls) opts.calls.maxInFlight = Math.max(opts.calls.maxInFlight, inFlight);
      try {
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        const out = [];
        for (const c of batchToRows<ClipRow>(batch)) {
          if (c.clip_id === opts.throwOn) throw new Error(`boom on ${c.clip_id}`);
          if (opts.badIds?.includes(c.clip_id)) {
            ctx.reportError({ clip_id: c.clip_id, kind: 'decode_failed', message: `bad clip ${c.clip_id}` });
            continue;
          }
          out.push({ clip_id: c.clip_id, duration_s: c.end_s - c.start_s });
        }
        return rowsToBatch(lengthSchema, out);
      } finally {
        inFlight--;
      }
    },
  };
}

/** (clip_id, duration_s) → (clip_id, twice, batch_rows): checks re-batching downstream. */
export function doubleStage(opts: { calls?: Calls; failSetup?: boolean; batchSize?: number } = {}): AnyStage {
  return {
    name: 'double',
    resources: { cpus: 1, gpus: 0 },
    batchSize: opts.batchSize ?? 5,
    concurrency: 1,
    resumable: true,
    inputSchema: lengthSchema,
    outputSchema: doubledSchema,
    async setup() {
      if (opts.failSetup) throw new Error('model file not found: put it at ./x.onnx');
      opts.calls?.setup.push('double');
    },
    async teardown() {
      opts.calls?.teardown.push('double');
    },
    async process(batch: RecordBatch) {
      const rows = batchToRows<{ clip_id: string; duration_s: number }>(batch);
      return rowsToBatch(
        doubledSchema,
        rows.map((r) => ({ clip_id: r.clip_id, twice: r.duration_s * 2, batch_rows: rows.length })),
      );
    },
  };
}

/** Fresh call log. */
export function newCalls(): Calls {
  return { setup: [], teardown: [], maxInFlight: 0 };
}
