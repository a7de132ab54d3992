/**
 * How many worker threads train a round's judges: the config's number when set, else one per core
 * (capped) on the CPU provider and one on a GPU provider. (That the workers' judges are the job
 * thread's, byte for byte, is in refine.test.ts, on a real round.)
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { DEFAULT_MAX_JUDGE_WORKERS, judgeWorkerCount } from '../../../jobs/refine/judge-workers.js';

describe('judgeWorkerCount', () => {
  it('takes device.judge_workers when set above 0, on any provider', () => {
    expect(judgeWorkerCount(1, 'cpu')).toBe(1);
    expect(judgeWorkerCount(6, 'cpu')).toBe(6);
    expect(judgeWorkerCount(2, 'cuda')).toBe(2);
  });

  it('defaults to one per core, capped, on the CPU provider and to the job thread on a GPU', () => {
    expect(judgeWorkerCount(0, 'cpu')).toBe(Math.min(availableParallelism(), DEFAULT_MAX_JUDGE_WORKERS));
    expect(judgeWorkerCount(0, 'cuda')).toBe(1);
  });

  it('is a device setting: 0 by default, a negative or fractional count refused with the field named', () => {
    const base = { run_dir: '/r', manifest: '/m.parquet', media_root: '/m' };
    expect(parseRefineConfig(base).device.judge_workers).toBe(0);
    expect(() => parseRefineConfig({ ...base, device: { judge_workers: -1 } })).toThrow(/device\.judge_workers/);
    expect(() => parseRefineConfig({ ...base, device: { judge_workers: 1.5 } })).toThrow(/device\.judge_workers/);
  });
});
