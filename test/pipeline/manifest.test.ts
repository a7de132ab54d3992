import { appendFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Float64, Schema, Field, Utf8 } from 'apache-arrow';
import type { SortLimits } from '../../pipeline/external-sort.js';
import {
  csvRecords,
  type ManifestItem,
  ManifestValidator,
  MemoryClipIdIndex,
  readManifest,
  readRawRows,
} from '../../pipeline/manifest/index.js';
import { parquetBytes } from '../../pipeline/parquet.js';
import { rowsToBatch } from '../../schemas/arrow.js';
import type { ClipRow } from '../../schemas/clips.js';
import { clip, writeJsonl, writeParquetManifest } from '../helpers/manifests.js';
import { fromItems } from '../helpers/async.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

async function read(path: string): Promise<ManifestItem[]> {
  const out: ManifestItem[] = [];
  for await (const x of readManifest(path)) out.push(x);
  return out;
}
const messages = (items: ManifestItem[]): string[] =>
  items.flatMap((i) => ('error' in i ? [`${i.error.error_kind}: ${i.error.message}`] : []));

describe('manifest readers', () => {
  it('reads JSONL and turns each malformed row into an error naming file and row', async () => {
    const p = await writeJsonl(join(dir, 'm.jsonl'), [
      clip('a', 'a.mp4', 0, 2),
      { video_uri: 'b.mp4', start_s: 0, end_s: 1 },
      clip('a', 'c.mp4', 0, 1),
      clip('neg', 'd.mp4', -1, 1),
      clip('inv', 'd.mp4', 5, 2),
      { ...clip('nan', 'd.mp4', 0, 1), end_s: 'soon' },
      { ...clip('nouri', '', 0, 1) },
      '{not json',
      clip('ok', 'e.mp4', 1.5, 3),
    ]);
    const items = await read(p);
    expect(items.filter((i) => 'clip' in i).map((i) => ('clip' in i ? i.clip.clip_id : ''))).toEqual(['a', 'ok']);
    const m = messages(items);
    expect(m).toEqual([
      expect.stringMatching(/^manifest_row: .*m\.jsonl row 2: missing clip_id \(got nothing\)$/),
      expect.stringMatching(/^manifest_row: .*row 3: duplicate clip_id "a" \(first seen at row 1\)/),
      expect.stringMatching(/^bad_time_range: .*row 4: start_s is negative \(got -1\)$/),
      expect.stringMatching(/^bad_time_range: .*row 5: end_s must be greater than start_s \(got start_s=5, end_s=2\)$/),
      expect.stringMatching(/^bad_time_range: .*row 6: end_s is not a number \(got "soon"\)$/),
      expect.stringMatching(/^manifest_row: .*row 7: unreadable video_uri \(got ""\)/),
      expect.stringMatching(/^manifest_row: .*row 8: unparsable row: invalid JSON/),
    ]);
    const missing = items.find((i) => 'error' in i && i.row === 2);
    expect(missing && 'error' in missing ? missing.error.clip_id : '').toBe('row:2');
  });

  it('checks each field, names it and quotes the value (one error per row, in field order)', async () => {
    const p = await writeJsonl(join(dir, 'fields.jsonl'), [
      {
        ...clip('7', 'a.mp4', 0, 1),
        clip_id: ' 7 ',
        start_s: '1',
        end_s: '2.5',
        title: '',
        split: 'human',
        tags: '["x", "y"]',
        asr_text: 5,
      },
      { ...clip('n', 'a.mp4', 0, 1), clip_id: 42, tags: 'a| b ||c', human_caption: 'a cat' },
      clip('   ', 'a.mp4', 0, 1),
      { ...clip('nul', 'a\u0000.mp4', 0, 1) },
      { ...clip('str', 'a.mp4', 0, 2), start_s: '-1', tags: '[bad' },
      { ...clip('emp', 'a.mp4', 0, 2), start_s: '' },
      { ...clip('t1', 'a.mp4', 0, 1), tags: '[1, 2]' },
      { ...clip('t2', 'a.mp4', 0, 1), tags: { a: 1 } },
      { ...clip('t3', 'a.mp4', 0, 1), tags: ['ok', 3] },
      { ...clip('inv', 'a.mp4', 3, 3) },
      { clip_id: 'min', video_uri: 'b.mp4', start_s: 0, end_s: 1 },
    ]);
    const items = await read(p);
    expect(items.flatMap((i) => ('clip' in i ? [i.clip] : []))).toEqual([
      {
        clip_id: '7',
        video_uri: 'a.mp4',
        start_s: 1,
        end_s: 2.5,
        asr_text: '',
        title: null,
        tags: ['x', 'y'],
        human_caption: null,
        split: 'human',
      },
      {
        clip_id: '42',
        video_uri: 'a.mp4',
        start_s: 0,
        end_s: 1,
        asr_text: 'asr n',
        title: null,
        tags: ['a', 'b', 'c'],
        human_caption: 'a cat',
        split: null,
      },
      {
        clip_id: 'min',
        video_uri: 'b.mp4',
        start_s: 0,
        end_s: 1,
        asr_text: '',
        title: null,
        tags: null,
        human_caption: null,
        split: null,
      },
    ]);
    expect(messages(items)).toEqual([
      expect.stringMatching(/^manifest_row: .*fields\.jsonl row 3: missing clip_id \(got " {3}"\)$/),
      expect.stringMatching(
        /^manifest_row: .*row 4: unreadable video_uri \(got "a\\u0000\.mp4"\): expected a non-empty path$/,
      ),
      expect.stringMatching(/^bad_time_range: .*row 5: start_s is negative \(got -1\)$/),
      expect.stringMatching(/^bad_time_range: .*row 6: start_s is not a number \(got ""\)$/),
      expect.stringMatching(
        /^manifest_row: .*row 7: tags must be a list of strings, a JSON array or "a\|b" \(got "\[1, 2\]"\)$/,
      ),
      expect.stringMatching(/^manifest_row: .*row 8: tags must be .* \(got \{"a":1\}\)$/),
      expect.stringMatching(/^manifest_row: .*row 9: tags must be .* \(got \["ok",3\]\)$/),
      expect.stringMatching(
        /^bad_time_range: .*row 10: end_s must be greater than start_s \(got start_s=3, end_s=3\)$/,
      ),
    ]);
  });

  it('reads CSV with quoted fields, embedded commas/newlines and tags', async () => {
    const p = join(dir, 'm.csv');
    await writeFile(
      p,
      'clip_id,video_uri,start_s,end_s,asr_text,tags\r\nx,"dir/a, ""b"".mp4",0,2.5,"line1\nline2",cat|dog\ny,b.mp4,3,1,,\nz,c.mp4,0,1,hi\n',
    );
    const items = await read(p);
    const first = items[0];
    expect('clip' in first && first.clip).toMatchObject({
      clip_id: 'x',
      video_uri: 'dir/a, "b".mp4',
      start_s: 0,
      end_s: 2.5,
      asr_text: 'line1\nline2',
      tags: ['cat', 'dog'],
    });
    expect(messages(items)).toEqual([
      expect.stringMatching(/m\.csv row 2: end_s must be greater/),
      expect.stringMatching(/m\.csv row 3: unparsable row: has 5 fields, header has 6/),
    ]);
  });

  it('a CSV quote never closed ends the file with one error row, after the rows before it', async () => {
    const p = join(dir, 'q.csv');
    await writeFile(
      p,
      'clip_id,video_uri,start_s,end_s,asr_text\nq1,a.mp4,0,1,ok\nq2,b.mp4,0,1,"never closed\nq3,c.mp4,0,1,x\n',
    );
    const items = await read(p);
    expect(items.filter((i) => 'clip' in i)).toHaveLength(1);
    expect(messages(items)).toEqual([
      expect.stringMatching(/q\.csv row 2: unparsable row: Quote Not Closed.*; the rest of the file is skipped$/),
    ]);
  });

  it('reads a Parquet manifest written with the clips schema', async () => {
    const p = await writeParquetManifest(join(dir, 'm.parquet'), [
      clip('p1', 'a.mp4', 0, 1),
      { ...clip('p2', 'b.mp4', 1, 2), tags: ['t'] },
      clip('p1', 'c.mp4', 0, 1),
    ]);
    const items = await read(p);
    expect(items.filter((i) => 'clip' in i)).toHaveLength(2);
    expect(items[1]).toMatchObject({ clip: { clip_id: 'p2', tags: ['t'] } });
    expect(messages(items)).toEqual([expect.stringMatching(/m\.parquet row 3: duplicate clip_id "p1"/)]);
  });

  it('rejects an unknown manifest format or a missing file with a clear message', async () => {
    await expect(read(join(dir, 'm.xlsx'))).rejects.toThrow(/unknown format "\.xlsx"; use \.parquet, \.csv or \.jsonl/);
    await expect(read(join(dir, 'nope.csv'))).rejects.toThrow(/nope\.csv: cannot read \(ENOENT\)/);
  });

  it('csv parser handles a final line without newline', async () => {
    const src = (): AsyncIterable<string> => fromItems(['a,"b', '""c",d\ne,f']);
    const recs: string[][] = [];
    for await (const r of csvRecords(src())) recs.push(r);
    expect(recs).toEqual([
      ['a', 'b"c', 'd'],
      ['e', 'f'],
    ]);
  });
});

/** Sort chunks of 3 ids merged 2 at a time: a duplicate and its first row land in different run files. */
const TINY: SortLimits = { chunkRecords: 3, fanIn: 2 };

/** What a validator holding every id in memory decides, without the error rows' timestamps. */
async function inMemory(path: string): Promise<unknown[]> {
  const validator = new ManifestValidator(path, 0, new MemoryClipIdIndex());
  const out: unknown[] = [];
  for await (const raw of readRawRows(path)) out.push(untimed(validator.check(raw)));
  return out;
}
const untimed = (i: ManifestItem): unknown => ('clip' in i ? i : { row: i.row, error: { ...i.error, at: '' } });

/**
 * 40 rows whose ids repeat at distances that cross sort chunks, with bad rows between: every 9th
 * from the 5th has a bad time range, and every 11th from the 11th a blank id (an error, never a
 * duplicate).
 */
function repeatingRows(): ClipRow[] {
  return Array.from({ length: 40 }, (_, i) => ({
    ...clip(i % 11 === 10 ? ' ' : `c${(i * 7) % 13}`, `v${i}.mp4`, 0, i % 9 === 4 ? 0 : 1),
    asr_text: `row ${i + 1}`,
  }));
}

describe('duplicate clip ids, found on disk', () => {
  const asCsv = (rows: readonly ClipRow[]): string =>
    [
      'clip_id,video_uri,start_s,end_s,asr_text',
      ...rows.map((r) => `${r.clip_id},${r.video_uri},${r.start_s},${r.end_s},${r.asr_text}`),
    ].join('\n') + '\n';

  it('gives what the in-memory validator gives, row for row, in every format, and leaves no scratch', async () => {
    const rows = repeatingRows();
    const files = [
      await writeJsonl(join(dir, 'dups.jsonl'), rows),
      await writeParquetManifest(join(dir, 'dups.parquet'), rows),
      join(dir, 'dups.csv'),
    ];
    await writeFile(files[2], asCsv(rows));
    for (const file of files) {
      const scratch = join(dir, `scratch-${file.split('.').at(-1)}`);
      await mkdir(scratch);
      const got: unknown[] = [];
      let during: string[] = [];
      for await (const item of readManifest(file, 0, { scratchParent: scratch, limits: TINY })) {
        if (got.length === 0) during = await readdir(join(scratch, (await readdir(scratch))[0]));
        got.push(untimed(item));
      }
      const reference = await inMemory(file);
      expect(got).toEqual(reference);
      // 24 later rows of 13 ids, each named with its first row; the 3 blank ids are missing ones
      const duplicates = got.filter((i) => JSON.stringify(i).includes('duplicate clip_id'));
      expect(duplicates).toHaveLength(24);
      expect(got.filter((i) => JSON.stringify(i).includes('missing clip_id'))).toHaveLength(3);
      expect(JSON.stringify(got)).toContain('row 14: duplicate clip_id \\"c0\\" (first seen at row 1)');
      // the duplicate rows were spilled to run files while the second pass read them
      expect(during.some((f) => f.startsWith('duplicates-'))).toBe(true);
      expect(await readdir(scratch)).toEqual([]);
    }
  });

  it('removes its scratch when the reader stops early', async () => {
    const file = await writeJsonl(join(dir, 'early.jsonl'), repeatingRows());
    const scratch = join(dir, 'scratch-early');
    await mkdir(scratch);
    for await (const item of readManifest(file, 0, { scratchParent: scratch, limits: TINY })) {
      expect(item.row).toBe(1);
      break;
    }
    expect(await readdir(scratch)).toEqual([]);
  });

  it('refuses a manifest rewritten while it is read, naming it', async () => {
    const file = await writeJsonl(join(dir, 'rewritten.jsonl'), repeatingRows());
    const scratch = join(dir, 'scratch-rewritten');
    await mkdir(scratch);
    const read = async (): Promise<number> => {
      let n = 0;
      for await (const _ of readManifest(file, 0, { scratchParent: scratch })) {
        if (n++ === 0) await appendFile(file, JSON.stringify(clip('late', 'late.mp4', 0, 1)) + '\n');
      }
      return n;
    };
    await expect(read()).rejects.toThrow(
      /rewritten\.jsonl: it changed while it was read \(.* bytes, .*, then .* bytes/,
    );
    expect(await readdir(scratch)).toEqual([]);
    // read again, it is whole
    let rows = 0;
    for await (const _ of readManifest(file)) rows++;
    expect(rows).toBe(41);
  });

  it('reads only the clip id column of a Parquet manifest for the id pass, and a file without one', async () => {
    const file = await writeParquetManifest(join(dir, 'ids.parquet'), repeatingRows().slice(0, 3));
    const idsOnly: unknown[] = [];
    for await (const raw of readRawRows(file, ['clip_id'])) idsOnly.push(raw.values);
    expect(idsOnly).toEqual([{ clip_id: 'c0' }, { clip_id: 'c7' }, { clip_id: 'c1' }]);

    const noIds = new Schema([
      new Field('video_uri', new Utf8()),
      new Field('start_s', new Float64()),
      new Field('end_s', new Float64()),
    ]);
    const path = join(dir, 'no-ids.parquet');
    await writeFile(path, parquetBytes(noIds, [rowsToBatch(noIds, [{ video_uri: 'a.mp4', start_s: 0, end_s: 1 }])]));
    const items = await read(path);
    expect(messages(items)).toEqual([expect.stringMatching(/no-ids\.parquet row 1: missing clip_id \(got nothing\)$/)]);
  });
});
