/** The refine-round bench's table: ratios against the local runner, the cores column, hash mismatches. */
import { describe, expect, it } from 'vitest';
import {
  formatRefineRoundTable,
  hashMismatches,
  type RefineRoundRow,
} from '../../../research/bench/refine-rounds-table.js';

const rows: RefineRoundRow[] = [
  { config: 'local runner', workers: 0, seconds: 40, modelVersion: 'sha256:aa' },
  { config: 'queue, 1 worker', workers: 1, seconds: 50, modelVersion: 'sha256:aa' },
  { config: 'queue, 2 workers', workers: 2, seconds: 32, modelVersion: 'sha256:bb' },
];

describe('refine-round bench table', () => {
  it('prints wall seconds, local ÷ row as the speed ratio and the core count, then the contention note', () => {
    expect(formatRefineRoundTable(rows, 2).split('\n')).toEqual([
      '| configuration    | wall s | speed vs local | cores |',
      '| ---------------- | -----: | -------------: | ----: |',
      '| local runner     |   40.0 |          1.00× |     2 |',
      '| queue, 1 worker  |   50.0 |          0.80× |     2 |',
      '| queue, 2 workers |   32.0 |          1.25× |     2 |',
      '',
      'On 2 cores, more than 2 workers only adds contention: the workers (and the coordinator, which trains) share the same cores.',
    ]);
  });

  it('reports the configurations whose round model differs from the local one', () => {
    expect(hashMismatches(rows).map((r) => r.config)).toEqual(['queue, 2 workers']);
    expect(() => hashMismatches(rows.slice(1))).toThrow(/no local-runner row/);
  });
});
