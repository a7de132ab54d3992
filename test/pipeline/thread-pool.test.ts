/**
 * The worker-thread pool: how many workers a `device.workers` setting gives, and that a pool runs our
 * TypeScript modules in real worker threads, one task at a time each. (That the judges and probe
 * runs trained in workers are the job thread's, byte for byte, is tested where they are trained.)
 */
import { availableParallelism } from 'node:os';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../config/refine.js';
import { judgeWorkerCount } from '../../jobs/refine/judge-workers.js';
import { DEFAULT_MAX_WORKERS, threadPool, workerCount } from '../../pipeline/thread-pool.js';

describe('workerCount', () => {
  it('takes the setting when above 0, else one per core up to the cap', () => {
    expect(workerCount(1)).toBe(1);
    expect(workerCount(6)).toBe(6);
    expect(workerCount(0)).toBe(Math.min(availableParallelism(), DEFAULT_MAX_WORKERS));
  });

  it("gives a GPU job's judges the job's own thread unless set", () => {
    expect(judgeWorkerCount(0, 'cpu')).toBe(workerCount(0));
    expect(judgeWorkerCount(0, 'cuda')).toBe(1);
    expect(judgeWorkerCount(2, 'cuda')).toBe(2);
  });

  it('is a device setting: 0 by default, a negative or fractional count refused with the field named', () => {
    const base = { run_dir: '/r', manifest: '/m.parquet', media_root: '/m' };
    expect(parseRefineConfig(base).device.workers).toBe(0);
    expect(() => parseRefineConfig({ ...base, device: { workers: -1 } })).toThrow(/device\.workers/);
    expect(() => parseRefineConfig({ ...base, device: { workers: 1.5 } })).toThrow(/device\.workers/);
  });
});

describe('threadPool', () => {
  it('runs a TypeScript module in worker threads, each task off the main thread', async () => {
    const pool = threadPool<{ n: number; waitMs: number }, { square: number; thread: number; busy: number }>(
      new URL('../helpers/thread-pool-task.ts', import.meta.url),
      2,
    );
    try {
      const out = await Promise.all([1, 2, 3, 4].map((n) => pool.run({ n, waitMs: 100 })));
      expect(out.map((o) => o.square)).toEqual([1, 4, 9, 16]);
      expect(out.every((o) => o.thread !== threadId)).toBe(true);
      expect(new Set(out.map((o) => o.thread)).size).toBe(2);
      // one task at a time per worker
      expect(out.every((o) => o.busy === 1)).toBe(true);
    } finally {
      await pool.destroy();
    }
  });
});
