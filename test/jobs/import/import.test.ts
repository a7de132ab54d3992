/**
 * `flywheel import` on generated sources in each layout: the manifest is read back by DuckDB and by
 * the pipeline's own manifest reader, each bad row is an error row naming the row and field, and a
 * failed or killed import leaves no manifest while a re-run finishes it (or skips a finished one).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { howTo100mSource } from '../../../jobs/import/howto100m.js';
import { mappedSource, parseColumnMap } from '../../../jobs/import/mapped.js';
import { type ImportRecord, runImport } from '../../../jobs/import/run-import.js';
import type { ImportSource } from '../../../jobs/import/source.js';
import { parseDuration, webVidSource } from '../../../jobs/import/webvid.js';
import { readManifest } from '../../../pipeline/manifest/index.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { duckRows } from './duckdb.js';
import { MAP_FLAG, writeHowTo100m, writeMappedJsonl, writeMappedParquet, writeWebVid } from './fixtures.js';

type Err = { clip_id: string; error_kind: string; message: string };
const errorsOf = (path: string): Promise<Err[]> =>
  duckRows(`select clip_id, error_kind, message from read_parquet('${path}') order by message`) as Promise<Err[]>;

let dir: string;
beforeAll(async () => {
  dir = await tempDir('flywheel-import-');
});

describe('HowTo100M caption JSON', () => {
  let out: string;
  let record: ImportRecord;
  beforeAll(async () => {
    const src = join(dir, 'captions.json');
    await writeHowTo100m(src, 20, 6);
    out = join(dir, 'howto', 'clips.parquet');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'howto')));
    ({ record } = await runImport(howTo100mSource({ path: src, videoTemplate: 'videos/{video_id}.mp4' }), {
      sourcePath: src,
      out,
    }));
  });

  it('writes one clip per segment, read back by DuckDB with times and text', async () => {
    expect(record).toMatchObject({ rows: 20 * 6 + 3, clips: 20 * 6, errors: 3 });
    const [c] = await duckRows(
      `select count(*) as n, count(distinct clip_id) as ids, min(end_s - start_s) as len from read_parquet('${out}')`,
    );
    expect(c).toEqual({ n: 120n, ids: 120n, len: 2.5 });
    const [r] = await duckRows(`select * from read_parquet('${out}') where clip_id = 'vid3_4'`);
    expect(r).toMatchObject({
      video_uri: 'videos/vid3.mp4',
      start_s: 10,
      end_s: 12.5,
      asr_text: 'video 3 says step 4',
    });
  });

  it('the pipeline reads the manifest back with no error rows', async () => {
    let clips = 0;
    for await (const item of readManifest(out)) {
      expect('error' in item).toBe(false);
      clips++;
    }
    expect(clips).toBe(120);
  });

  it('each bad entry is an error row naming the row, the video and the field', async () => {
    const errors = await errorsOf(record.errors_file);
    expect(errors).toHaveLength(3);
    const by = (s: string) => errors.find((e) => e.message.includes(s));
    expect(by('"misaligned"')?.message).toMatch(/row \d+: .*start, end and text are not aligned \(2, 1 and 2/);
    expect(by('"notObject"')?.message).toMatch(/row \d+: .*is not an object/);
    expect(by('end_s must be greater')).toMatchObject({ clip_id: 'backwards_0', error_kind: 'bad_time_range' });
    expect(by('end_s must be greater')?.message).toMatch(/row 122: .*\[start_s is read from start\[i\]\]/);
  });
});

describe('WebVid CSV', () => {
  it('turns each row into a whole-video clip: ISO durations, template paths, quoted captions', async () => {
    const src = join(dir, 'webvid.csv');
    await writeWebVid(src, 30);
    const out = join(dir, 'webvid.parquet');
    const { record } = await runImport(webVidSource({ path: src }), { sourcePath: src, out });
    expect(record).toMatchObject({ rows: 32, clips: 30, errors: 2 });
    const [r] = await duckRows(`select * from read_parquet('${out}') where clip_id = '1008'`);
    expect(r).toMatchObject({
      video_uri: 'page_1/1008.mp4',
      start_s: 0,
      end_s: 13,
      asr_text: 'clip 8, a "quoted" caption',
    });
    const errors = await errorsOf(record.errors_file);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /webvid\.csv row 31: end_s is not a number \(got "ten seconds"\) \[end_s is read from duration\]/,
      ),
      expect.stringMatching(/webvid\.csv row 32: missing clip_id/),
    ]);
  });

  it('--path-column takes video_uri from a column', async () => {
    const src = join(dir, 'webvid.csv');
    const out = join(dir, 'webvid-url.parquet');
    await runImport(webVidSource({ path: src, pathColumn: 'contentUrl' }), { sourcePath: src, out });
    const [r] = await duckRows(`select video_uri from read_parquet('${out}') where clip_id = '1000'`);
    expect(r.video_uri).toBe('https://example.invalid/1000.mp4');
  });

  it('a CSV without a column the layout needs stops the import, naming the column', async () => {
    const src = join(dir, 'not-webvid.csv');
    await writeFile(src, 'id,url\n1,a.mp4\n');
    await expect(
      runImport(webVidSource({ path: src }), { sourcePath: src, out: join(dir, 'nw.parquet') }),
    ).rejects.toThrow(/no column "videoid", "duration", "name", "page_dir"/);
    expect(existsSync(join(dir, 'nw.parquet'))).toBe(false);
  });

  it('parses ISO-8601 and plain-second durations', () => {
    expect(parseDuration('PT00H01M02.5S')).toBe(62.5);
    expect(parseDuration('PT1H')).toBe(3600);
    expect(parseDuration('12')).toBe(12);
    expect(parseDuration('PT')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
  });
});

describe('mapped Parquet / JSONL', () => {
  it('renames columns by --map; DuckDB reads the clips; a bad value names manifest and source column', async () => {
    const src = join(dir, 'table.parquet');
    await writeMappedParquet(src, 40);
    const out = join(dir, 'mapped.parquet');
    const { record } = await runImport(mappedSource({ path: src, map: parseColumnMap(MAP_FLAG) }), {
      sourcePath: src,
      out,
    });
    expect(record).toMatchObject({ rows: 41, clips: 40, errors: 1 });
    const [r] = await duckRows(`select * from read_parquet('${out}') where clip_id = 'm7'`);
    expect(r).toMatchObject({ video_uri: 'videos/m7.mp4', start_s: 7, end_s: 8.5, asr_text: 'mapped clip 7' });
    const [e] = await errorsOf(record.errors_file);
    expect(e.message).toMatch(/table\.parquet row 41: start_s is negative \(got -1\) \[start_s is read from begin\]/);
  });

  it('JSONL: a line that is not JSON is an error row with its line number, the rest import', async () => {
    const src = join(dir, 'table.jsonl');
    await writeMappedJsonl(src, 10);
    const { record } = await runImport(mappedSource({ path: src, map: parseColumnMap(MAP_FLAG) }), {
      sourcePath: src,
      out: join(dir, 'mapped-jsonl.parquet'),
    });
    expect(record).toMatchObject({ rows: 12, clips: 10, errors: 2 });
    const messages = (await errorsOf(record.errors_file)).map((e) => e.message);
    expect(messages.some((m) => /row 3: unparsable row: invalid JSON/.test(m))).toBe(true);
  });

  it('--map refuses an unknown manifest column and a pair without "="', () => {
    expect(() => parseColumnMap('clip=vid')).toThrow(/unknown manifest column "clip"/);
    expect(() => parseColumnMap('clip_id')).toThrow(/expected manifest_column=source_column, got "clip_id"/);
  });
});

describe('never half a manifest; a re-run finishes or skips', () => {
  it('a source that fails mid-way leaves no manifest, errors, record or temp file', async () => {
    const sub = join(dir, 'fault');
    await import('node:fs/promises').then((fs) => fs.mkdir(sub));
    const src = join(dir, 'webvid.csv');
    const good = webVidSource({ path: src });
    const failing: ImportSource = {
      ...good,
      async *rows() {
        let n = 0;
        for await (const r of good.rows()) {
          if (++n === 20) throw new Error('disk went away');
          yield r;
        }
      },
    };
    await expect(
      runImport(failing, { sourcePath: src, out: join(sub, 'clips.parquet'), batchRows: 4 }),
    ).rejects.toThrow('disk went away');
    expect(await readdir(sub)).toEqual([]);
  });

  it('a SIGKILLed import leaves only temp files; the re-run removes them and writes every row once', async () => {
    const src = join(dir, 'big.csv');
    await writeWebVid(src, 120_000);
    const out = join(dir, 'big', 'clips.parquet');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'big')));
    const args = ['import', src, '--layout', 'webvid', '--out', out];
    const killed = await startCli(args, {
      onStderr: (chunk, child) => {
        if (chunk.includes('100000 rows read')) child.kill('SIGKILL');
      },
    }).done;
    expect(killed.signal).toBe('SIGKILL');
    const left = await readdir(join(dir, 'big'));
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((f) => f.includes('.tmp-'))).toBe(true);

    const again = await runCli(args);
    expect(again.stderr).not.toMatch(/flywheel:/);
    expect(again.stdout).toMatch(/imported: 120002 rows → 120000 clips/);
    expect((await readdir(join(dir, 'big'))).sort()).toEqual([
      'clips.errors.parquet',
      'clips.import.json',
      'clips.parquet',
    ]);
    const [c] = await duckRows(`select count(*) as n, count(distinct clip_id) as ids from read_parquet('${out}')`);
    expect(c).toEqual({ n: 120_000n, ids: 120_000n });

    expect((await runCli(args)).stdout).toMatch(/^already imported/);
    const rec = JSON.parse(await readFile(join(dir, 'big', 'clips.import.json'), 'utf8')) as ImportRecord;
    expect(rec).toMatchObject({ layout: 'webvid', clips: 120_000, errors: 2 });
  }, 300_000);

  it('a finished import of the same source is skipped; a changed source (new mtime) is imported again', async () => {
    const src = join(dir, 'webvid.csv');
    const out = join(dir, 'again.parquet');
    const run = () => runImport(webVidSource({ path: src }), { sourcePath: src, out });
    expect((await run()).skipped).toBe(false);
    expect((await run()).skipped).toBe(true);
    await utimes(src, new Date(), new Date(Date.now() + 5000));
    expect((await run()).skipped).toBe(false);
  });
});
