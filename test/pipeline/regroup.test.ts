import type { RecordBatch, TypeMap } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { batchToRows } from '../../schemas/arrow.js';
import { newStageRun, stageTransform } from '../../pipeline/engine.js';
import { regroup } from '../../pipeline/regroup.js';
import { clipsTable } from '../../schemas/clips.js';
import { fromItems } from '../helpers/async.js';
import { clip } from '../helpers/manifests.js';
import { lengthStage } from '../helpers/toy-stages.js';

function batches(...groups: [string, string][][]): AsyncIterable<RecordBatch<TypeMap>> {
  return fromItems(groups.map((g) => clipsTable.toBatch(g.map(([id, v]) => clip(id, v, 0, 1)))));
}

async function ids(it: AsyncIterable<RecordBatch>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const b of it) out.push(batchToRows<{ clip_id: string }>(b).map((r) => r.clip_id));
  return out;
}

describe('regroup', () => {
  it('sends each key together, in order of first appearance, split at the batch size, never mixing keys', async () => {
    const input = batches(
      [
        ['a1', 'A'],
        ['b1', 'B'],
        ['a2', 'A'],
      ],
      [
        ['c1', 'C'],
        ['a3', 'A'],
        ['b2', 'B'],
      ],
    );
    expect(await ids(regroup(input, 'video_uri', 2))).toEqual([['a1', 'a2'], ['a3'], ['b1', 'b2'], ['c1']]);
  });
  it('refuses a missing column or a bad size, quoting it', async () => {
    await expect(ids(regroup(batches([['a', 'A']]), 'nope', 2))).rejects.toThrow(/no column "nope"/);
    await expect(ids(regroup(batches([['a', 'A']]), 'video_uri', 0))).rejects.toThrow(/got 0/);
  });
  it('the engine groups a stage that declares groupBy', async () => {
    const stage = { ...lengthStage({ batchSize: 10 }), groupBy: 'video_uri' };
    const run = newStageRun({
      stage,
      shardId: 's',
      round: 0,
      signal: new AbortController().signal,
      log: { info() {}, warn() {}, debug() {} },
    });
    expect(
      await ids(
        stageTransform(
          run,
          batches([
            ['a1', 'A'],
            ['b1', 'B'],
            ['a2', 'A'],
          ]),
        ),
      ),
    ).toEqual([['a1', 'a2'], ['b1']]);
  });
});
