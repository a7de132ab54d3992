/** Tiny in-memory stages for engine tests: no ffmpeg, deterministic, with switches to fail on purpose. */
import { defineStage } from '../../pipeline/define-stage.js';
import type { AnyStage } from '../../pipeline/stage.js';
import { col, table } from '../../schemas/table.js';
import { clipsTable } from '../../schemas/clips.js';

/** Output of {@link lengthStage}: one row per clip with its duration. */
export const lengthTable = table({ clip_id: col.utf8(), duration_s: col.float64() });
/** Arrow schema of {@link lengthTable}. */
export const lengthSchema = lengthTable.schema;
/** Output of {@link doubleStage}. */
export const doubledTable = table({ clip_id: col.utf8(), twice: col.float64(), batch_rows: col.int32() });
/** Arrow schema of {@link doubledTable}. */
export const doubledSchema = doubledTable.schema;

/** Lifecycle calls seen by toy stages, for asserting setup/teardown. */
export interface Calls {
  setup: string[];
  teardown: string[];
  maxInFlight: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
  return defineStage({
    name: 'length',
    input: clipsTable,
    output: lengthTable,
    batchSize: opts.batchSize ?? 3,
    concurrency: opts.concurrency ?? 2,
    setup() {
      opts.calls?.setup.push('length');
      return Promise.resolve();
    },
    teardown() {
      opts.calls?.teardown.push('length');
      return Promise.resolve();
    },
    async process(clips, ctx) {
      inFlight++;
      if (opts.calls) opts.calls.maxInFlight = Math.max(opts.calls.maxInFlight, inFlight);
      try {
        if (opts.delayMs) await sleep(opts.delayMs);
        const out = [];
        for (const c of clips) {
          if (c.clip_id === opts.throwOn) throw new Error(`boom on ${c.clip_id}`);
          if (opts.badIds?.includes(c.clip_id)) {
            ctx.reportError({ clip_id: c.clip_id, kind: 'decode_failed', message: `bad clip ${c.clip_id}` });
            continue;
          }
          out.push({ clip_id: c.clip_id, duration_s: c.end_s - c.start_s });
        }
        return out;
      } finally {
        inFlight--;
      }
    },
  });
}

/**
 * (clip_id, duration_s) → (clip_id, twice, batch_rows): checks re-batching downstream. `delayMs`
 * makes each call slow (and deaf to the abort signal, like a model call that cannot be interrupted),
 * `log` records each call's start and end and the teardown, in order.
 */
export function doubleStage(
  opts: {
    calls?: Calls;
    failSetup?: boolean;
    batchSize?: number;
    wholeShard?: boolean;
    delayMs?: number;
    log?: string[];
  } = {},
): AnyStage {
  return defineStage({
    name: 'double',
    input: lengthTable,
    output: doubledTable,
    ...(opts.wholeShard ? { wholeShard: true } : { batchSize: opts.batchSize ?? 5 }),
    setup() {
      if (opts.failSetup) return Promise.reject(new Error('model file not found: put it at ./x.onnx'));
      opts.calls?.setup.push('double');
      return Promise.resolve();
    },
    teardown() {
      opts.calls?.teardown.push('double');
      opts.log?.push('teardown');
      return Promise.resolve();
    },
    async process(rows) {
      opts.log?.push(`start ${rows.length}`);
      if (opts.delayMs) await sleep(opts.delayMs);
      opts.log?.push(`end ${rows.length}`);
      return rows.map((r) => ({ clip_id: r.clip_id, twice: r.duration_s * 2, batch_rows: rows.length }));
    },
  });
}

/** Fresh call log. */
export function newCalls(): Calls {
  return { setup: [], teardown: [], maxInFlight: 0 };
}
