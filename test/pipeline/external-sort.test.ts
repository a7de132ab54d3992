/**
 * The external merge sort against an in-memory sort: tiny chunks and a fan-in of 2, so records
 * cross run files and merge rounds; lines longer than the read buffer; nothing left behind.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExternalSorter, type RecordCodec } from '../../pipeline/external-sort.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('flywheel-sort-');
});

/** `key<TAB>payload`, ordered by key then payload. */
interface Rec {
  readonly key: number;
  readonly payload: string;
}
const codec: RecordCodec<Rec> = {
  encode: (r) => `${r.key}\t${r.payload}`,
  decode: (line) => {
    const tab = line.indexOf('\t');
    return { key: Number(line.slice(0, tab)), payload: line.slice(tab + 1) };
  },
  compare: (a, b) => a.key - b.key || (a.payload < b.payload ? -1 : a.payload > b.payload ? 1 : 0),
};

/** Deterministic pseudo-random records (a linear congruential generator, seed 7). */
function records(n: number): Rec[] {
  let x = 7;
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push({ key: x % 50, payload: `p${i}-é✓` });
  }
  return out;
}

describe('ExternalSorter', () => {
  it('sorts across many run files and merge rounds like an in-memory sort', () => {
    const input = records(1000);
    const sorter = new ExternalSorter(join(dir, 'many'), 'r', codec, { chunkRecords: 7, fanIn: 2 });
    for (const r of input) sorter.add(r);
    expect(sorter.runs).toBe(Math.floor(1000 / 7));
    expect([...sorter.sorted()]).toEqual([...input].sort((a, b) => codec.compare(a, b)));
  });

  it('reads back lines longer than its read buffer and records from the unwritten last chunk', () => {
    const long = 'x'.repeat(200_000);
    const input: Rec[] = [
      { key: 3, payload: long },
      { key: 1, payload: 'a' },
      { key: 2, payload: `${long}y` },
      { key: 0, payload: 'b' },
      { key: 5, payload: 'in memory' },
    ];
    const sorter = new ExternalSorter(join(dir, 'long'), 'r', codec, { chunkRecords: 2, fanIn: 4 });
    for (const r of input) sorter.add(r);
    expect(sorter.runs).toBe(2);
    expect([...sorter.sorted()]).toEqual([...input].sort((a, b) => codec.compare(a, b)));
  });

  it('an empty sort yields nothing; merge rounds remove the runs they merged', async () => {
    expect([...new ExternalSorter(join(dir, 'empty'), 'r', codec).sorted()]).toEqual([]);
    const sorter = new ExternalSorter(join(dir, 'rounds'), 'r', codec, { chunkRecords: 1, fanIn: 3 });
    for (const r of records(20)) sorter.add(r);
    expect(await readdir(join(dir, 'rounds'))).toHaveLength(20);
    expect([...sorter.sorted()]).toHaveLength(20);
    expect((await readdir(join(dir, 'rounds'))).length).toBeLessThanOrEqual(3);
  });

  it('refuses limits that cannot make progress', () => {
    expect(() => new ExternalSorter(join(dir, 'bad'), 'r', codec, { chunkRecords: 10, fanIn: 1 })).toThrow(
      /fanIn >= 2/,
    );
  });
});
