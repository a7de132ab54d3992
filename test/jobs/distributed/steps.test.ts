/** Step planning and the step-scoped storage view (no Redis needed). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSteps } from '../../../jobs/distributed/steps.js';
import { StepScopedStorage, stepMeta } from '../../../jobs/distributed/stage-scope.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import type { RunMeta } from '../../../pipeline/ledger.js';
import { buildTestStages } from './fixtures/stages.js';

describe('planSteps', () => {
  it('gives each stage its own step when outputs are stored whole', () => {
    expect(planSteps(buildTestStages({ stages: [{ kind: 'normalise' }, { kind: 'words', gpu: true }] }))).toEqual([
      { name: 'normalise', stages: [0], class: 'cpu' },
      { name: 'words', stages: [1], class: 'gpu' },
    ]);
  });
  it('fuses a stage whose output is not stored with the next; a fused step with a GPU stage is a GPU step', () => {
    const stages = buildTestStages({
      stages: [{ kind: 'normalise' }, { kind: 'normalise', persist: false }, { kind: 'words', gpu: true }],
    });
    expect(planSteps(stages)).toEqual([
      { name: 'normalise', stages: [0], class: 'cpu' },
      { name: 'normalise+words', stages: [1, 2], class: 'gpu' },
    ]);
  });
});

describe('StepScopedStorage', () => {
  it('maps the input to the previous stage output and the ledger to the step ledger, other keys unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flywheel-scope-'));
    try {
      const inner = new LocalStorage(dir);
      const first = new StepScopedStorage(inner, 'frames', undefined);
      const second = new StepScopedStorage(inner, 'stats', 'frames');
      expect(first.map('input/shard-00003.parquet')).toBe('input/shard-00003.parquet');
      expect(second.map('input/shard-00003.parquet')).toBe('frames/shard-00003.parquet');
      expect(second.map('ledger/shard-00003.json')).toBe('step-ledger/stats/shard-00003.json');
      expect(second.map('stats/shard-00003.parquet')).toBe('stats/shard-00003.parquet');
      expect(second.map('errors/stats-shard-00003.parquet')).toBe('errors/stats-shard-00003.parquet');
      await inner.commit(await inner.writeTemp('frames/shard-00001.parquet', new Uint8Array([1, 2, 3])));
      expect([...(await second.read('input/shard-00001.parquet'))]).toEqual([1, 2, 3]);
      await second.commit(await second.writeTemp('ledger/shard-00001.json', new Uint8Array([7])));
      expect(await inner.exists('step-ledger/stats/shard-00001.json')).toBe(true);
      expect(await inner.exists('ledger/shard-00001.json')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('narrows run metadata to a step and names a missing stage', () => {
    const meta = { run_id: 'r', stages: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } as unknown as RunMeta;
    expect(stepMeta(meta, ['b', 'c']).stages.map((s) => s.name)).toEqual(['b', 'c']);
    expect(() => stepMeta(meta, ['x'])).toThrow(/run r has no stage "x"/);
  });
});
