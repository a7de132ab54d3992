import { describe, expect, it } from 'vitest';
import { batchToRows } from '../../schemas/arrow.js';
import { allOf, maxBytes, maxItems } from '../../pipeline/backpressure.js';
import { BoundedQueue } from '../../pipeline/bounded-queue.js';
import { newStageRun, rebatch, runPipeline, stageTransform } from '../../pipeline/engine.js';
import { withStages } from '../../pipeline/lifecycle.js';
import { clipsTable } from '../../schemas/clips.js';
import { clip } from '../helpers/manifests.js';
import { doubleStage, lengthStage, newCalls } from '../helpers/toy-stages.js';
import type { RecordBatch, TypeMap } from 'apache-arrow';
import { fromItems } from '../helpers/async.js';

const silent = { info: () => undefined, warn: () => undefined, debug: () => undefined };

function batches(sizes: number[]): AsyncIterable<RecordBatch<TypeMap>> {
  let id = 0;
  return fromItems(
    sizes.map((n) => clipsTable.toBatch(Array.from({ length: n }, () => clip(`c${id++}`, 'v.mp4', 0, id)))),
  );
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('rebatch', () => {
  it('merges small and slices large batches to the stage batch size, keeping order', async () => {
    const out = await collect(rebatch(batches([1, 2, 7, 1]), 4));
    expect(out.map((b) => b.numRows)).toEqual([4, 4, 3]);
    expect(out.flatMap((b) => batchToRows<{ clip_id: string }>(b).map((r) => r.clip_id))).toEqual(
      Array.from({ length: 11 }, (_, i) => `c${i}`),
    );
  });
  it('refuses a size that is not a positive integer on the first pull (size 0 would yield empty batches forever)', async () => {
    // one pull only: without the check it resolves with an empty batch instead of hanging the test
    const pull = rebatch(batches([3]), 0)[Symbol.asyncIterator]();
    await expect(pull.next()).rejects.toThrow('rebatch: size must be a positive integer (got 0)');
  });
});

describe('stage settings', () => {
  it.each([
    ['batchSize', 0, 'got 0'],
    ['batchSize', -2, 'got -2'],
    ['batchSize', 2.5, 'got 2.5'],
    ['batchSize', Number.NaN, 'got NaN'],
    ['concurrency', 0, 'got 0'],
    ['concurrency', Number.POSITIVE_INFINITY, 'got Infinity'],
    ['concurrency', '2', 'got "2"'],
  ] as const)('wrapping a stage with %s %s throws, naming the stage and the value', (key, value, shown) => {
    const stage = { ...lengthStage(), [key]: value as unknown as number };
    expect(() =>
      newStageRun({ stage, shardId: 's', round: 0, signal: new AbortController().signal, log: silent }),
    ).toThrow(`stage "length": ${key} must be a positive integer, ${shown}`);
  });
  it('runPipeline refuses a run with batchSize 0 before reading the source', async () => {
    let pulled = false;
    async function* source(): AsyncIterable<RecordBatch<TypeMap>> {
      pulled = true;
      yield* batches([3]);
    }
    const abort = new AbortController();
    // a run built by hand, bypassing newStageRun's check
    const run = {
      ...newStageRun({ stage: lengthStage(), shardId: 's', round: 0, signal: abort.signal, log: silent }),
      stage: { ...lengthStage(), batchSize: 0 },
    };
    let writes = 0;
    // without the check the empty batches would never end: the sink stops them instead of a timeout
    const sink = {
      write: () => Promise.resolve(void (++writes > 100 && abort.abort(new Error('runaway: endless empty batches')))),
    };
    await expect(runPipeline({ source: source(), runs: [run], sinks: [sink], abort })).rejects.toThrow(
      'stage "length": batchSize must be a positive integer, got 0',
    );
    expect(pulled).toBe(false);
  });
});

describe('back-pressure policies', () => {
  it('combine with AND and always admit into an empty queue', () => {
    const p = allOf(maxItems(2), maxBytes(100));
    expect(p.canPush({ items: 1, bytes: 10, incomingBytes: 10 })).toBe(true);
    expect(p.canPush({ items: 2, bytes: 10, incomingBytes: 10 })).toBe(false);
    expect(p.canPush({ items: 1, bytes: 60, incomingBytes: 50 })).toBe(false);
    expect(() => maxItems(0)).toThrow(/got 0/);
  });
  it('a bounded queue blocks the producer until the consumer reads', async () => {
    const q = new BoundedQueue<number>(maxItems(2));
    await q.push(1);
    await q.push(2);
    let third = false;
    const p = q.push(3).then(() => (third = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    const it = q[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(1);
    await p;
    expect(third).toBe(true);
    q.fail(new Error('stop'));
    await expect(it.next()).rejects.toThrow('stop');
  });
});

describe('stageTransform', () => {
  it('runs process calls concurrently up to the declared concurrency and keeps output order', async () => {
    const calls = newCalls();
    const run = newStageRun({
      stage: lengthStage({ calls, concurrency: 3, batchSize: 1, delayMs: 5 }),
      shardId: 's',
      round: 0,
      signal: new AbortController().signal,
      log: silent,
    });
    const out = await collect(stageTransform(run, batches([10])));
    expect(out.flatMap((b) => batchToRows<{ clip_id: string }>(b).map((r) => r.clip_id))).toEqual(
      Array.from({ length: 10 }, (_, i) => `c${i}`),
    );
    expect(calls.maxInFlight).toBe(3);
    expect(run.counters).toMatchObject({ rows_in: 10, rows_out: 10, errors: 0 });
  });
  it('turns reported bad rows into error rows and goes on with the batch', async () => {
    const run = newStageRun({
      stage: lengthStage({ badIds: ['c1', 'c4'] }),
      shardId: 's',
      round: 2,
      signal: new AbortController().signal,
      log: silent,
    });
    const out = await collect(stageTransform(run, batches([6])));
    expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(4);
    expect(run.errors.map((e) => [e.clip_id, e.stage, e.round, e.error_kind])).toEqual([
      ['c1', 'length', 2, 'decode_failed'],
      ['c4', 'length', 2, 'decode_failed'],
    ]);
    expect(run.counters.errors).toBe(2);
  });
});

describe('runPipeline', () => {
  it('connects stages with queues; each sink sees its stage output', async () => {
    const abort = new AbortController();
    const runs = [lengthStage(), doubleStage()].map((stage) =>
      newStageRun({ stage, shardId: 's', round: 0, signal: abort.signal, log: silent }),
    );
    const seen: RecordBatch[][] = [[], []];
    await runPipeline({
      source: batches([4, 4, 4]),
      runs,
      sinks: seen.map((arr) => ({ write: (b: RecordBatch) => Promise.resolve(void arr.push(b)) })),
      abort,
    });
    expect(seen[0].reduce((n, b) => n + b.numRows, 0)).toBe(12);
    const doubled = seen[1].flatMap((b) => batchToRows<{ twice: number; batch_rows: number }>(b));
    expect(doubled).toHaveLength(12);
    expect(Math.max(...doubled.map((r) => r.batch_rows))).toBe(5);
  });
  it('a stage error aborts the run and the first cause reaches the caller', async () => {
    const abort = new AbortController();
    const runs = [lengthStage({ throwOn: 'c5' }), doubleStage()].map((stage) =>
      newStageRun({ stage, shardId: 's', round: 0, signal: abort.signal, log: silent }),
    );
    await expect(
      runPipeline({
        source: batches([4, 4, 4]),
        runs,
        sinks: [{ write: () => Promise.resolve() }, { write: () => Promise.resolve() }],
        abort,
      }),
    ).rejects.toThrow('boom on c5');
    expect(abort.signal.aborted).toBe(true);
  });
});

describe('withStages', () => {
  it('tears down the stages that were set up, in reverse, even when a later setup fails', async () => {
    const calls = newCalls();
    await expect(
      withStages([lengthStage({ calls }), doubleStage({ calls, failSetup: true })], () => Promise.resolve(1)),
    ).rejects.toThrow(/stage double: setup failed: model file not found/);
    expect(calls.setup).toEqual(['length']);
    expect(calls.teardown).toEqual(['length']);
  });
  it('tears down after the body throws', async () => {
    const calls = newCalls();
    await expect(
      withStages([lengthStage({ calls }), doubleStage({ calls })], () => Promise.reject(new Error('body'))),
    ).rejects.toThrow('body');
    expect(calls.teardown).toEqual(['double', 'length']);
  });
});
