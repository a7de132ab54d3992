import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../pipeline/ledger.js';
import { buildProgram } from '../../cli/main.js';
import { runCli, writeConfig } from '../helpers/cli.js';
import { clip, writeParquetManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';
import { type VideoFixtures, videoFixtures } from '../helpers/videos.js';
import type { ClipRow } from '../../schemas/clips.js';

let fx: VideoFixtures;
let dir: string;
const N = 210;

function helpOf(...args: string[]): string {
  let text = '';
  const program = buildProgram()
    .exitOverride()
    .configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  for (const c of program.commands)
    c.exitOverride().configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  try {
    program.parse(['node', 'flywheel', ...args]);
  } catch {
    // commander throws after printing help under exitOverride
  }
  return text;
}

beforeAll(async () => {
  fx = await videoFixtures();
  dir = await tempDir();
});

describe('flywheel --help', () => {
  it('lists run and inspect with a newcomer-friendly description', () => {
    const top = helpOf('--help');
    expect(top).toMatch(/run \[options\] <config>\s+Run the stages of a job config/);
    expect(top).toMatch(/inspect \[options\] <parquet>/);
    const run = helpOf('run', '--help');
    expect(run).toMatch(/"shard_size": 256/);
    expect(run).toMatch(/errors\/frames-shard-00000\.parquet/);
    expect(run).toMatch(/re-run with the same dir to resume/);
  });
});

describe(`flywheel run on a ${N}-clip manifest`, () => {
  let runDir: string;
  let result: Awaited<ReturnType<typeof runCli>>;
  const bad = new Map<number, string>([
    [7, 'zero.mp4'],
    [50, 'missing.mp4'],
    [99, 'text.mp4'],
    [150, '../outside/secret.mp4'],
  ]);

  beforeAll(async () => {
    const videos = ['basic.mp4', 'vp9.webm', 'mpeg4.avi', 'mjpeg.mov'];
    const rows: ClipRow[] = Array.from({ length: N }, (_, i) =>
      clip(
        `clip-${String(i).padStart(4, '0')}`,
        bad.get(i) ?? videos[i % videos.length],
        (i % 5) * 0.1,
        1 + (i % 5) * 0.1,
      ),
    );
    rows.push({ ...clip('clip-0003', 'basic.mp4', 0, 1) }); // duplicate id → manifest error
    await writeParquetManifest(join(dir, 'clips.parquet'), rows);
    const cfg = await writeConfig(dir, {
      run_dir: 'run',
      manifest: 'clips.parquet',
      media_root: fx.mediaRoot,
      shard_size: 64,
      stages: { frames: { count: 2, width: 16, height: 16 } },
    });
    runDir = join(dir, 'run');
    result = await runCli(['run', cfg, '--log', 'json']);
  });

  it('exits 0, prints a summary and writes frames + errors shards', async () => {
    expect(result.stderr).not.toMatch(/flywheel: /);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/4\/4 shards done \(4 this time\), 210 clips, 1 manifest errors/);
    expect(result.stdout).toMatch(/frames: 210 rows in, 412 rows out, 4 errors/);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.stages.frames).toMatchObject({ rows_in: 210, rows_out: 412, errors: 4 });
    expect(result.stderr).toMatch(/"msg":"run finished"/);
  });

  it('DuckDB (a different Parquet reader) reads the outputs back', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();
      const frames = await q(
        `select count(*) as n, count(distinct clip_id) as clips, min(octet_length(pixels)) as lo, max(octet_length(pixels)) as hi, count(distinct filename) as files from read_parquet('${runDir}/frames/*.parquet', filename = true)`,
      );
      expect(frames[0]).toEqual({ n: 412n, clips: 206n, lo: 768n, hi: 768n, files: 4n });
      const errors = await q(
        `select clip_id, stage, error_kind from read_parquet('${runDir}/errors/*.parquet') order by clip_id, stage`,
      );
      expect(errors).toEqual([
        { clip_id: 'clip-0003', stage: 'manifest', error_kind: 'manifest_row' },
        { clip_id: 'clip-0007', stage: 'frames', error_kind: 'empty_file' },
        { clip_id: 'clip-0050', stage: 'frames', error_kind: 'missing_file' },
        { clip_id: 'clip-0099', stage: 'frames', error_kind: 'not_a_video' },
        { clip_id: 'clip-0150', stage: 'frames', error_kind: 'path_refused' },
      ]);
      const dup = await q(
        `select count(*) as n from (select clip_id, frame_index from read_parquet('${runDir}/frames/*.parquet') group by all having count(*) > 1)`,
      );
      expect(dup[0].n).toBe(0n);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('a second run resumes and does nothing', async () => {
    const again = await runCli(['run', join(dir, 'job.json'), '--log', 'json']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/4\/4 shards done \(0 this time\)/);
  });

  it('a changed config is refused with a clear message', async () => {
    const cfg = await writeConfig(
      dir,
      {
        run_dir: 'run',
        manifest: 'clips.parquet',
        media_root: fx.mediaRoot,
        shard_size: 64,
        stages: { frames: { count: 3, width: 16, height: 16 } },
      },
      'changed.json',
    );
    const r = await runCli(['run', cfg, '--log', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /flywheel: refusing to resume run dir .*run: config hash changed: was [0-9a-f]{12}, now [0-9a-f]{12} \(stages\.frames\.count 2 → 3\)\. Use a new run_dir, or delete .* to start over\./,
    );
  });

  it('flywheel inspect shows schema, row count and rows', async () => {
    const r = await runCli(['inspect', join(runDir, 'frames', 'shard-00000.parquet'), '-n', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows: \d+\nschema:\n {2}clip_id: Utf8\n {2}frame_index: Int32/);
    expect(r.stdout).toMatch(/pixels: <768 bytes>/);
    // a folder: every file's row count, then the first file
    const folder = await runCli(['inspect', join(runDir, 'frames'), '-n', '0']);
    expect(folder.code).toBe(0);
    expect(folder.stdout).toMatch(/files: \d+, \d+ rows in all\n {2}shard-00000\.parquet {2}\d+\n/);
    expect(folder.stdout).toMatch(/shard-00000\.parquet\nrows: \d+\nschema:\n {2}clip_id: Utf8/);
    const bad = await runCli(['inspect', join(dir, 'job.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/flywheel: .*job\.json is not a readable Parquet file/);
  });

  it('an invalid config names the field and quotes the value', async () => {
    const cfg = await writeConfig(
      dir,
      { run_dir: 'x', manifest: 'clips.parquet', media_root: '.', stages: { frames: { count: 0 } } },
      'bad.json',
    );
    const r = await runCli(['run', cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/flywheel: invalid config .*bad\.json:\n {2}stages\.frames\.count: .* \(got 0\)/);
  });
});
