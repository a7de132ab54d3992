/**
 * Duplicate clip ids through the import's on-disk index: with sort chunks of 3 ids and a fan-in of
 * 2, a duplicate and its first occurrence sit in different run files and merge rounds, yet the
 * import writes exactly what the in-memory validator decides (same clips in the same order, same
 * error rows) and leaves no sort files behind.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KnownDuplicates, SpilledClipIds } from '../../../pipeline/manifest/index.js';
import { mappedSource } from '../../../jobs/import/mapped.js';
import { runImport } from '../../../jobs/import/run-import.js';
import type { SortLimits } from '../../../pipeline/external-sort.js';
import {
  type ManifestItem,
  ManifestValidator,
  MemoryClipIdIndex,
  readManifest,
  readRawRows,
} from '../../../pipeline/manifest/index.js';
import { writeJsonl } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';
import { duckRows } from './duckdb.js';

const TINY: SortLimits = { chunkRecords: 3, fanIn: 2 };

let dir: string;
beforeAll(async () => {
  dir = await tempDir('flywheel-import-dups-');
});

const row = (clip_id: unknown, i: number, extra: Record<string, unknown> = {}) => ({
  clip_id,
  video_uri: `v/${i}.mp4`,
  start_s: i,
  end_s: i + 1,
  asr_text: `row ${i + 1}`,
  ...extra,
});

/** 60 rows: ids repeating at distances that cross chunk boundaries, plus ids that need escaping on disk. */
function sourceRows(): unknown[] {
  const rows: unknown[] = [];
  for (let i = 0; i < 40; i++) rows.push(row(`c${(i * 7) % 17}`, i));
  rows.push(row('line\nbreak', 40), row('back\\slash', 41), row('tab\there', 42), row('é✓', 43));
  rows.push(row(' padded ', 44), row('padded', 45)); // trimmed: the same id
  rows.push(row(5, 46), row('5', 47)); // a number id is its string
  rows.push(row('bad-first', 48, { end_s: -1 }), row('bad-first', 49)); // an invalid first occurrence still wins
  rows.push(row(undefined, 50), row('', 51)); // no id: an error, never a duplicate
  rows.push(row('line\nbreak', 52), row('back\\slash', 53), row('tab\there', 54), row('é✓', 55));
  rows.push(row('back\\slasi', 56), row('line\nbreal', 57), row('c1', 58), row('last', 59));
  return rows;
}

async function items(path: string): Promise<ManifestItem[]> {
  const out: ManifestItem[] = [];
  for await (const x of readManifest(path)) out.push(x);
  return out;
}

/** What a validator holding every id in memory decides: the reference. */
async function inMemory(path: string): Promise<ManifestItem[]> {
  const validator = new ManifestValidator(path, 0, new MemoryClipIdIndex());
  const out: ManifestItem[] = [];
  for await (const raw of readRawRows(path)) out.push(validator.check(raw));
  return out;
}

describe('duplicate clip ids across spilled runs', () => {
  it('the import writes what the in-memory validator decides, row for row', async () => {
    const src = await writeJsonl(join(dir, 'src.jsonl'), sourceRows());
    const reference = await inMemory(src);
    const refClips = reference.flatMap((i) => ('clip' in i ? [i.clip] : []));
    const refErrors = reference.flatMap((i) =>
      'error' in i ? [{ clip_id: i.error.clip_id, error_kind: i.error.error_kind, message: i.error.message }] : [],
    );
    expect(refErrors.filter((e) => e.message.includes('duplicate'))).toHaveLength(40 - 17 + 8);

    const seconds: number[] = [];
    const out = join(dir, 'out', 'clips.parquet');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'out')));
    const { record } = await runImport(mappedSource({ path: src, map: {} }), {
      sourcePath: src,
      out,
      sortLimits: TINY,
      onSecondPass: (n) => seconds.push(n),
    });
    expect(seconds).toEqual([40 - 17 + 8]);
    expect(record).toMatchObject({ rows: 60, clips: refClips.length, errors: refErrors.length });
    expect((await items(out)).map((i) => ('clip' in i ? i.clip : i.error))).toEqual(refClips);
    expect(await duckRows(`select clip_id, error_kind, message from read_parquet('${record.errors_file}')`)).toEqual(
      refErrors,
    );
    expect((await readdir(join(dir, 'out'))).sort()).toEqual([
      'clips.errors.parquet',
      'clips.import.json',
      'clips.parquet',
    ]);

    const message = (id: string) => refErrors.find((e) => e.clip_id === id && e.message.includes('duplicate'));
    expect(message('padded')?.message).toMatch(
      /src\.jsonl row 46: duplicate clip_id "padded" \(first seen at row 45\)/,
    );
    expect(message('line\nbreak')?.message).toMatch(/row 53: .*first seen at row 41/);
    expect(message('bad-first')?.message).toMatch(/row 50: .*first seen at row 49/);
    expect(refErrors.filter((e) => e.clip_id === 'c1').map((e) => e.message)).toEqual([
      expect.stringMatching(/row 23: .*first seen at row 6\)/),
      expect.stringMatching(/row 40: .*first seen at row 6\)/),
      expect.stringMatching(/row 59: .*first seen at row 6\)/),
    ]);
    expect(refClips.find((c) => c.clip_id === 'c1')?.asr_text).toBe('row 6');
  });

  it('a source without duplicates is read once', async () => {
    const src = await writeJsonl(
      join(dir, 'unique.jsonl'),
      Array.from({ length: 20 }, (_, i) => row(`u${i}`, i)),
    );
    const seconds: number[] = [];
    const { record } = await runImport(mappedSource({ path: src, map: {} }), {
      sourcePath: src,
      out: join(dir, 'unique.parquet'),
      sortLimits: TINY,
      onSecondPass: (n) => seconds.push(n),
    });
    expect(seconds).toEqual([]);
    expect(record).toMatchObject({ rows: 20, clips: 20, errors: 0 });
  });

  it('the spilled index finds each later row of an id, and more runs than one merge takes', () => {
    const ids = new SpilledClipIds(join(dir, 'index'), TINY);
    const seq = ['a', 'b', 'a', 'c', 'd', 'e', 'b', 'f', 'g', 'a', 'h', 'i'];
    seq.forEach((id, i) => expect(ids.firstRow(id, i + 1)).toBeUndefined());
    expect(ids.runs).toBeGreaterThan(TINY.fanIn);
    expect([...ids.duplicates().sorted()]).toEqual([
      { row: 3, first: 1 },
      { row: 7, first: 2 },
      { row: 10, first: 1 },
    ]);
  });

  it('the known duplicates answer in row order and refuse a source that changed', () => {
    const known = new KnownDuplicates([
      { row: 3, first: 1 },
      { row: 7, first: 2 },
    ]);
    expect(known.firstRow('a', 1)).toBeUndefined();
    expect(known.firstRow('a', 3)).toBe(1);
    expect(known.done).toBe(false);
    expect(() => known.firstRow('x', 8)).toThrow(/changed while it was read \(row 7/);
  });
});
