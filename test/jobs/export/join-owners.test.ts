/**
 * The rows a join's later parts replace, found with an external sort whose chunks of 3 ids spill and
 * merge in rounds: the same answer as holding every clip's last part in memory, file by file, with
 * empty files between; the side clips that are rows; and a question out of file order refused.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinOwners } from '../../../jobs/export/join-owners.js';
import { fromItems } from '../../helpers/async.js';
import { tempDir } from '../../helpers/tmp.js';

const chunks = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** Parts of files of clip ids: ids repeat within and across parts' ranges, one file is empty. */
const PARTS: string[][][] = [
  [
    ['c0', 'c1', 'c2', 'c3'],
    ['c4', 'c5', 'c6'],
  ],
  [['c2', 'c7'], [], ['c5', 'c8', 'c0']],
  [['c0', 'c9']],
];

describe('joinOwners', () => {
  it('finds the replaced rows of each file as the in-memory way does', async () => {
    const files = PARTS.map((p, i) => p.map((_, k) => `part-${i}/file-${k}`));
    const contents = new Map<string, string[]>(
      PARTS.flatMap((p, i) => p.map((ids, k) => [`part-${i}/file-${k}`, ids] as const)),
    );
    const owners = await joinOwners({
      files,
      // the ids of a file, two at a time, as the join's Parquet batches come
      ids: (path) => fromItems(chunks(contents.get(path) ?? [], 2)),
      sideClips: new Set(['c5', 'gone', 'c9']),
      scratch: join(await tempDir('flywheel-join-owners-'), 'scratch'),
      limits: { chunkRecords: 3, fanIn: 2 },
    });
    // the reference: each clip's last part holds its row
    const lastPart = new Map<string, number>();
    PARTS.forEach((p, i) => p.flat().forEach((id) => lastPart.set(id, i)));
    expect(owners.fileRows).toEqual(PARTS.map((p) => p.map((ids) => ids.length)));
    for (const [i, p] of PARTS.entries())
      for (const [k, ids] of p.entries()) {
        const expected = ids.flatMap((id, q) => (lastPart.get(id) === i ? [] : [q]));
        expect([...owners.replacedIn(i, k)].sort(), `part ${i} file ${k}`).toEqual(expected);
      }
    expect([...owners.sideClipsThatAreRows].sort()).toEqual(['c5', 'c9']);
    expect(() => owners.replacedIn(0, 0)).toThrow(/read file by file, in order \(asked for part 0 file 0\)/);
  });
});
