/**
 * Exporting the same round twice gives the same dataset id (the Parquet writer orders key-value
 * metadata at random, so the id hashes rows and sorted metadata, not file bytes), and every file's
 * `sha256` is the hash of its bytes on disk. A later round's row that carries an earlier round's
 * caption over names the round, source and writer it came from.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRound } from '../../../jobs/export/export-round.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { rowsToBatch } from '../../../schemas/arrow.js';
import { layout } from '../../../pipeline/layout.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import { type CaptionRow, captionsSchema } from '../../../schemas/captions.js';
import type { DroppedRow, FailedRow } from '../../../schemas/dropped.js';
import type { RefinedRow } from '../../../schemas/refined.js';
import { type ScoreRow, scoresSchema } from '../../../schemas/scores.js';
import { runCli } from '../../helpers/cli.js';
import { duckRows } from '../import/duckdb.js';
import { tempDir } from '../../helpers/tmp.js';
import { FIXTURE_CAPTION_VERSION, FIXTURE_CLIPS, FIXTURE_ERRORS, writeRoundFixture } from './round-fixture.js';

describe('exportRound identity', () => {
  it('gives one dataset id for one round, and file hashes that match the bytes', async () => {
    const root = await tempDir('flywheel-export-id-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    const a = await exportRound({ jobDir: job, outDir: join(root, 'a'), rowsPerFile: 2 });
    const b = await exportRound({ jobDir: job, outDir: join(root, 'b'), rowsPerFile: 2 });
    expect(a.metadata.files.length).toBeGreaterThan(1);
    expect(b.metadata.dataset_id).toBe(a.metadata.dataset_id);
    expect(b.metadata.files.map((f) => f.content_sha256)).toEqual(a.metadata.files.map((f) => f.content_sha256));
    for (const e of [a, b])
      for (const f of e.metadata.files) {
        const bytes = await readFile(join(e.dir, f.name));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      }
  });
});

describe('exportRound files', () => {
  it('puts the rows of every shard, in order, into files of at most the rows asked for', async () => {
    const root = await tempDir('flywheel-export-files-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    const rowsOf = async (dir: string, files: readonly { name: string }[]) => {
      const out: string[] = [];
      for (const f of files) out.push(...(await readParquetRows<RefinedRow>(join(dir, f.name))).map((r) => r.clip_id));
      return out;
    };
    // the default: the fixture's two shards make one file
    const whole = await exportRound({ jobDir: job, outDir: join(root, 'whole') });
    expect(whole.metadata.files.map((f) => [f.name, f.rows])).toEqual([['part-00000.parquet', 5]]);
    const split = await exportRound({ jobDir: job, outDir: join(root, 'split'), rowsPerFile: 2 });
    expect(split.metadata.files.map((f) => [f.name, f.rows])).toEqual([
      ['part-00000.parquet', 2],
      ['part-00001.parquet', 2],
      ['part-00002.parquet', 1],
    ]);
    expect(await rowsOf(split.dir, split.metadata.files)).toEqual(await rowsOf(whole.dir, whole.metadata.files));
    // DuckDB reads the files as one table, and each file keeps the export's key-value metadata
    const [n] = await duckRows(`select count(*) as n from read_parquet('${join(split.dir, 'part-*.parquet')}')`);
    expect(n.n).toBe(5n);
    const kv = await duckRows(
      `select distinct file_name from parquet_kv_metadata('${join(split.dir, 'part-*.parquet')}') where decode(key) = 'flywheel.round'`,
    );
    expect(kv).toHaveLength(3);
    await expect(exportRound({ jobDir: job, outDir: join(root, 'bad'), rowsPerFile: 0 })).rejects.toThrow(
      'export: rows per file must be a positive integer (got 0)',
    );
  });

  it('an export without rows still has one data file, with the schema', async () => {
    const root = await tempDir('flywheel-export-empty-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    const run = jobLayout(job).roundRun(0);
    for (const shard of ['shard-00000', 'shard-00001']) {
      const path = join(run, layout.output('adatailr', shard));
      const scores = (await readParquetRows<ScoreRow>(path)).map((s) => ({ ...s, keep: false }));
      await writeFile(path, parquetBytes(scoresSchema, [rowsToBatch(scoresSchema, scores)]));
    }
    const e = await exportRound({ jobDir: job });
    expect(e.metadata.rows).toBe(0);
    expect(e.metadata.files).toMatchObject([{ name: 'part-00000.parquet', rows: 0 }]);
    const cols = await duckRows(`describe select * from read_parquet('${join(e.dir, 'part-*.parquet')}')`);
    expect(cols.map((c) => c.column_name)).toContain('caption');
  });
});

describe('exportRound failing midway', () => {
  it('names the row and leaves nothing behind, not even the file it was writing', async () => {
    const root = await tempDir('flywheel-export-fail-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    // the second shard scores a clip its input does not hold: found after the first shard's rows are written
    const path = join(jobLayout(job).roundRun(0), layout.output('adatailr', 'shard-00001'));
    const scores = await readParquetRows<ScoreRow>(path);
    await writeFile(
      path,
      parquetBytes(scoresSchema, [rowsToBatch(scoresSchema, [...scores, { ...scores[0], clip_id: 'ghost' }])]),
    );
    const out = join(root, 'out');
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const before = await openFiles();
    await expect(exportRound({ jobDir: job, outDir: out })).rejects.toThrow(
      'export: ghost in shard-00001 has a score but no clip row',
    );
    expect(existsSync(out)).toBe(false);
    // nor a temp directory or a file its writer finished after the failure
    await new Promise((r) => setTimeout(r, 200));
    expect(await readdir(root)).toEqual(['job']);
    // and the writer's file handle is closed, not left waiting for rows that will never come
    expect(await openFiles()).toBeLessThanOrEqual(before);
  });
});

describe('exportRound lineage', () => {
  it('follows a carried-over caption back to the round, source and model that first chose it', async () => {
    const root = await tempDir('flywheel-export-origin-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    const l = jobLayout(job);
    // round 1: the same clips, its own writer; two of shard 0's clips carry round 0's caption over
    await cp(l.roundRun(0), l.roundRun(1), { recursive: true });
    await cp(l.roundMetrics(0), l.roundMetrics(1));
    const shard = 'shard-00000';
    const scoresPath = join(l.roundRun(1), layout.output('adatailr', shard));
    const scores = (await readParquetRows<ScoreRow>(scoresPath)).map((s) => ({
      ...s,
      round: 1,
      caption_source: ['on-key-0', 'on-key-1'].includes(s.clip_id) ? 'previous' : s.caption_source,
    }));
    await writeFile(scoresPath, parquetBytes(scoresSchema, [rowsToBatch(scoresSchema, scores)]));
    const captionsPath = join(l.roundRun(1), layout.output('caption', shard));
    const writer1 = `${'n'.repeat(64)}+teacher:${'u'.repeat(64)}`;
    const captions = (await readParquetRows<CaptionRow>(captionsPath)).map((c) => ({
      ...c,
      round: 1,
      model_version: writer1,
    }));
    await writeFile(captionsPath, parquetBytes(captionsSchema, [rowsToBatch(captionsSchema, captions)]));

    const e = await exportRound({ jobDir: job });
    expect(e.metadata.round).toBe(1);
    const rows = new Map<string, RefinedRow>();
    for (const f of e.metadata.files)
      for (const r of await readParquetRows<RefinedRow>(join(e.dir, f.name))) rows.set(r.clip_id, r);
    const lineage = (id: string) => {
      const r = rows.get(id);
      return r && [r.caption_source, r.origin_source, r.origin_round, r.model_version];
    };
    // round 0's writer (not teacher) wrote on-key-0's synthetic caption; on-key-1's is its transcript
    expect(lineage('on-key-0')).toEqual(['previous', 'synthetic', 0, FIXTURE_CAPTION_VERSION.split('+')[0]]);
    expect(lineage('on-key-1')).toEqual(['previous', 'asr', 0, 'text']);
    // a caption chosen this round is this round's, written by this round's writer
    expect(lineage('off-key')).toEqual(['teacher', 'teacher', 1, `teacher:${'u'.repeat(64)}`]);
    expect(lineage('late')).toEqual(['human', 'human', 1, 'text']);
    // the metadata and the card count the rows by where their caption was first chosen
    expect(e.metadata.by_origin).toEqual({
      'synthetic round 0': 1,
      'asr round 0': 1,
      'teacher round 1': 1,
      'human round 1': 1,
      'asr round 1': 1,
    });
    expect(await readFile(join(e.dir, 'README.md'), 'utf8')).toContain(
      '- **Who wrote the captions**, by where each was first chosen: asr round 0 1, asr round 1 1, human round 1 1, synthetic round 0 1, teacher round 1 1.',
    );
  });
});

describe('flywheel export', () => {
  it('says how many rows it wrote, how many it left out or could not process, and where the reasons are', async () => {
    const root = await tempDir('flywheel-export-cli-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    const r = await runCli(['export', job, '--out', join(root, 'out'), '--rows-per-file', '2']);
    expect(r.stderr).not.toMatch(/flywheel: /);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `exported round 0: 5 rows (1 dropped, listed with their reasons in dropped/clips.parquet; 2 clips with errors, listed with their causes in errors/clips.parquet; 1 held-out excluded) in 3 files → ${join(root, 'out')}\n`,
    );
  }, 60_000);
});

describe('exportRound dropped clips', () => {
  it('lists every dropped train clip with its reason in dropped/clips.parquet, outside the data files’ glob', async () => {
    const root = await tempDir('flywheel-export-dropped-');
    const e = await exportRound({ jobDir: await writeRoundFixture(join(root, 'job'), root) });
    expect(e.metadata).toMatchObject({ dropped: 1, dropped_file: 'dropped/clips.parquet' });
    expect(e.metadata.files.map((f) => f.name)).not.toContain('dropped/clips.parquet');
    const rows = await readParquetRows<DroppedRow>(join(e.dir, 'dropped', 'clips.parquet'));
    expect(rows).toEqual([
      {
        clip_id: 'dropped',
        video_uri: 'basic.mp4',
        start_s: 0,
        end_s: 1,
        round: 0,
        tick: null,
        caption: 'a red square moves left in dropped',
        caption_source: 'asr',
        reason: 'fixture',
        quality_weight: 0,
        asr_text: 'um so dropped the spoken words',
      },
    ]);
  });
});

describe('exportRound errors', () => {
  it('lists every clip the round could not process with its cause in errors/clips.parquet, outside the data files’ glob', async () => {
    const root = await tempDir('flywheel-export-errors-');
    const e = await exportRound({ jobDir: await writeRoundFixture(join(root, 'job'), root) });
    expect(e.metadata).toMatchObject({ errors: 2, errors_file: 'errors/clips.parquet' });
    expect(e.metadata.files.map((f) => f.name)).not.toContain('errors/clips.parquet');
    const rows = await readParquetRows<FailedRow>(join(e.dir, 'errors', 'clips.parquet'));
    // the clip without frames is listed with the frames run's cause, not the round's symptom
    expect(rows).toEqual([
      {
        clip_id: 'no-video',
        video_uri: 'gone.mp4',
        start_s: 0,
        end_s: 2,
        round: 0,
        tick: null,
        stage: 'frames',
        error_kind: 'missing_file',
        message: FIXTURE_ERRORS.frames.message,
      },
      {
        clip_id: 'row:9',
        video_uri: null,
        start_s: null,
        end_s: null,
        round: 0,
        tick: null,
        stage: 'manifest',
        error_kind: 'manifest_row',
        message: FIXTURE_ERRORS.manifest.message,
      },
    ]);
    // every clip of the round's input is a row, a dropped clip, a held-out one or an error
    const input = FIXTURE_CLIPS.length + 1;
    expect(e.metadata.rows + e.metadata.dropped + e.metadata.heldout_excluded + e.metadata.errors - 1).toBe(input);
  });

  it('without the frames run, lists the round’s own error, whose message names the cause', async () => {
    const root = await tempDir('flywheel-export-errors-noframes-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    await rm(jobLayout(job).framesRun, { recursive: true });
    const e = await exportRound({ jobDir: job });
    const rows = await readParquetRows<FailedRow>(join(e.dir, 'errors', 'clips.parquet'));
    expect(rows.map((r) => [r.clip_id, r.stage, r.error_kind])).toEqual([
      ['no-video', 'attach-frames', 'missing_frames'],
      ['row:9', 'manifest', 'manifest_row'],
    ]);
    expect(rows[0].message).toBe(FIXTURE_ERRORS.round.message);
  });
});
