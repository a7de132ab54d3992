/**
 * The rows a join's later parts replace, and the side rows whose clip is a row, found with an
 * external sort whose chunks of 3 ids spill and merge in rounds: the same answer as holding every
 * clip in memory, file by file, with empty files between; the side tables' distinct clips left, by
 * kind; and a question out of file order refused.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinOwners, type SideFile } from '../../../jobs/export/join-owners.js';
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

/**
 * Side files in the join's order: a clip can be dropped in one part and an error in another, be in
 * the same table twice, or be a row of a later part (c5, c9) or of an earlier one (c1); one is empty.
 */
const SIDES: (SideFile & { ids: string[] })[] = [
  { path: 'part-0/dropped', kind: 'dropped', ids: ['d0', 'c5', 'd1'] },
  { path: 'part-0/errors', kind: 'errors', ids: ['e0', 'gone', 'e0'] },
  { path: 'part-1/dropped', kind: 'dropped', ids: [] },
  { path: 'part-1/errors', kind: 'errors', ids: ['c9', 'd0', 'c1', 'e1'] },
  { path: 'part-2/dropped', kind: 'dropped', ids: ['gone', 'd1'] },
];

describe('joinOwners', () => {
  it('finds the replaced rows of each file and the cleared side rows as the in-memory way does', async () => {
    const files = PARTS.map((p, i) => p.map((_, k) => `part-${i}/file-${k}`));
    const contents = new Map<string, string[]>([
      ...PARTS.flatMap((p, i) => p.map((ids, k) => [`part-${i}/file-${k}`, ids] as const)),
      ...SIDES.map((s) => [s.path, s.ids] as const),
    ]);
    const owners = await joinOwners({
      files,
      sides: SIDES.map(({ path, kind }) => ({ path, kind })),
      // the ids of a file, two at a time, as the join's Parquet batches come
      ids: (path) => fromItems(chunks(contents.get(path) ?? [], 2)),
      scratch: join(await tempDir('flywheel-join-owners-'), 'scratch'),
      limits: { chunkRecords: 3, fanIn: 2 },
    });
    // the reference: each clip's last part holds its row; a side row of a clip that is a row is cleared
    const lastPart = new Map<string, number>();
    PARTS.forEach((p, i) => p.flat().forEach((id) => lastPart.set(id, i)));
    expect(owners.fileRows).toEqual(PARTS.map((p) => p.map((ids) => ids.length)));
    expect(owners.sideRows).toEqual(SIDES.map((s) => s.ids.length));
    for (const [i, p] of PARTS.entries())
      for (const [k, ids] of p.entries()) {
        const expected = ids.flatMap((id, q) => (lastPart.get(id) === i ? [] : [q]));
        expect([...owners.replacedIn(i, k)].sort(), `part ${i} file ${k}`).toEqual(expected);
      }
    expect(() => owners.replacedIn(0, 0)).toThrow(/read file by file, in order \(asked for part 0 file 0\)/);
    for (const [s, side] of SIDES.entries()) {
      const expected = side.ids.flatMap((id, q) => (lastPart.has(id) ? [q] : []));
      expect([...owners.clearedIn(s)].sort(), side.path).toEqual(expected);
    }
    const left = (kind: string): number =>
      new Set(SIDES.filter((s) => s.kind === kind).flatMap((s) => s.ids.filter((id) => !lastPart.has(id)))).size;
    expect(owners.sideClips).toEqual({ dropped: left('dropped'), errors: left('errors') });
    expect(owners.sideClips).toEqual({ dropped: 3, errors: 4 });
    expect(() => owners.clearedIn(0)).toThrow(/in order \(asked for side file 0\)/);
  });
});
