/**
 * Whole-dataset join benchmark (not a test): `npm run bench -- join`. A nightly user's join: one
 * round export of BENCH_JOIN_ROWS rows (default 500,000, in files of 250,000) and a week of tick
 * exports of BENCH_JOIN_TICK_ROWS rows each (default 10,000), joined as `export --with-ticks` joins
 * them. Three ways, each in its own child process (peak RSS is per process): `rewrite` writes every
 * row again (`copyWhole: false`, the baseline), `copy` copies the untouched files whole (`share:
 * 'copy'`), `link` hard-links them (the default). Each export also has dropped and error rows
 * (`BENCH_JOIN_SIDE_SHARE` of its rows, default 0.03). Prints seconds, the ratio to the baseline,
 * the dropped and error clips, the peak RSS, and the new bytes on disk (the data files no other
 * folder shares).
 * Run as `tsx research/bench/join.ts --child <rewrite|copy|link> <dir>` it is that child.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERRORS_FILE } from '../../jobs/export/export-errors.js';
import type { ExportMetadata } from '../../jobs/export/export-metadata.js';
import { DROPPED_FILE, EXPORT_SCHEMA_VERSION } from '../../jobs/export/export-round.js';
import { compareWays } from './child-run.js';
import { joinExports } from '../../jobs/export/join-exports.js';
import { PartFiles } from '../../jobs/export/part-files.js';
import { parquetBytes } from '../../pipeline/parquet.js';
import { rowsToBatch } from '../../schemas/arrow.js';
import { type DroppedRow, droppedSchema, type FailedRow, failedSchema } from '../../schemas/dropped.js';
import { type RefinedRow, refinedSchema } from '../../schemas/refined.js';

const TICKS = 7;
/** Rows a tick export (`BENCH_JOIN_TICK_ROWS`, default 10,000). */
const TICK_ROWS = Number(process.env.BENCH_JOIN_TICK_ROWS ?? 10_000);

/** A row like the demo's: a transcript kept word for word, with its lineage. */
function row(i: number, tick: number | null): RefinedRow {
  const id = `clip-${String(i).padStart(9, '0')}`;
  const text = `okay so you can see a red square going right and a blue circle just sitting there ${i % 997}`;
  return {
    clip_id: id,
    video_uri: `file:///data/videos/${id}.mp4`,
    start_s: 0,
    end_s: 8,
    caption: text,
    caption_source: 'asr',
    choice_margin: 1.5,
    runner_up: 'synthetic',
    round: 2,
    tick,
    model_version: 'c0ffee',
    origin_source: 'asr',
    origin_round: tick === null ? 0 : null,
    quality_weight: 0.9,
    asr_text: text,
    run_id: 'bench-run',
    config_hash: 'bench-config',
  };
}

/**
 * Side rows an export has per data row (`BENCH_JOIN_SIDE_SHARE`, default 0.03): two thirds dropped,
 * one third errors, of clips that are no part's row (a few percent, as a web dataset's bad videos).
 */
const SIDE_SHARE = Number(process.env.BENCH_JOIN_SIDE_SHARE ?? 0.03);

/** The dropped and error rows of an export of `n` rows from clip `from` on (their ids: `gone-…`). */
function sideRows(from: number, n: number, tick: number | null): { dropped: DroppedRow[]; failed: FailedRow[] } {
  const dropped: DroppedRow[] = [];
  const failed: FailedRow[] = [];
  for (let i = 0; i < Math.round(n * SIDE_SHARE); i++) {
    const id = `gone-${String(from + i).padStart(9, '0')}`;
    const at = { clip_id: id, video_uri: `file:///data/videos/${id}.mp4`, start_s: 0, end_s: 8, round: 2, tick };
    if (i % 3 === 2)
      failed.push({ ...at, stage: 'frames', error_kind: 'decode_failed', message: `not a readable video: ${id}.mp4` });
    else
      dropped.push({
        ...at,
        caption: 'subscribe for more videos like this one',
        caption_source: 'asr',
        reason: 'no candidate is plausible',
        quality_weight: 0,
        asr_text: 'subscribe for more videos like this one',
      });
  }
  return { dropped, failed };
}

/** Writes an export of `n` rows from clip `from` on, as `exportRound` lays one out. */
async function writeExport(dir: string, from: number, n: number, tick: number | null): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = new PartFiles(dir, refinedSchema, { 'flywheel.schema_version': EXPORT_SCHEMA_VERSION });
  for (let s = 0; s < n; s += 8192) {
    const rows: RefinedRow[] = [];
    for (let i = s; i < Math.min(n, s + 8192); i++) rows.push(row(from + i, tick));
    await files.add(rowsToBatch(refinedSchema, rows));
  }
  const written = await files.close();
  const side = sideRows(from, n, tick);
  await mkdir(join(dir, DROPPED_FILE, '..'), { recursive: true });
  await writeFile(join(dir, DROPPED_FILE), parquetBytes(droppedSchema, [rowsToBatch(droppedSchema, side.dropped)]));
  await mkdir(join(dir, ERRORS_FILE, '..'), { recursive: true });
  await writeFile(join(dir, ERRORS_FILE), parquetBytes(failedSchema, [rowsToBatch(failedSchema, side.failed)]));
  const meta: ExportMetadata = {
    schema_version: EXPORT_SCHEMA_VERSION,
    dataset_id: 'bench',
    round: 2,
    tick,
    run_id: 'bench-run',
    config_hash: 'bench-config',
    rows: n,
    dropped: side.dropped.length,
    dropped_file: DROPPED_FILE,
    errors: side.failed.length,
    errors_file: ERRORS_FILE,
    heldout_excluded: 0,
    by_source: { asr: n },
    by_origin: {},
    files: written,
    rounds: [],
    exported_at: new Date().toISOString(),
  };
  await writeFile(join(dir, 'metadata.json'), JSON.stringify(meta));
}

/** The export folders the join takes, in order. */
function partDirs(root: string): string[] {
  return [join(root, 'round-2'), ...Array.from({ length: TICKS }, (_, t) => join(root, `tick-${t}`))];
}

async function child(how: string, root: string): Promise<void> {
  const t0 = performance.now();
  const r = await joinExports({
    parts: partDirs(root),
    outDir: join(root, `whole-${how}`),
    copyWhole: how !== 'rewrite',
    share: how === 'link' ? 'link' : 'copy',
  });
  const seconds = (performance.now() - t0) / 1000;
  let newBytes = 0;
  for (const f of r.metadata.files) {
    const s = await stat(join(r.dir, f.name));
    if (s.nlink === 1) newBytes += s.size;
  }
  process.stdout.write(
    `${JSON.stringify({ rows: r.metadata.rows, files: r.metadata.files.length, copied: r.copied, side: r.metadata.dropped + r.metadata.errors, seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024, new_mb: newBytes / 2 ** 20 })}\n`,
  );
}

/** Runs the benchmark and prints one table row per way. */
export async function run(): Promise<void> {
  const n = Number(process.env.BENCH_JOIN_ROWS ?? 500_000);
  const root = await mkdtemp(join(tmpdir(), 'flywheel-bench-join-'));
  try {
    await writeExport(join(root, 'round-2'), 0, n, null);
    for (let t = 0; t < TICKS; t++) await writeExport(join(root, `tick-${t}`), n + t * TICK_ROWS, TICK_ROWS, t);
    process.stdout.write(
      `round export of ${n} rows + ${TICKS} tick exports of ${TICK_ROWS} (${process.platform}, node ${process.version})\n`,
    );
    await compareWays<{
      rows: number;
      files: number;
      copied: number;
      side: number;
      seconds: number;
      max_rss_mb: number;
      new_mb: number;
    }>({
      file: import.meta.filename,
      ways: ['rewrite', 'copy', 'link'],
      args: [root],
      columns: [
        ['rows', (r) => String(r.rows)],
        ['files', (r) => String(r.files)],
        ['taken', (r) => String(r.copied)],
        ['dropped + errors', (r) => String(r.side)],
        ['new MB on disk', (r) => r.new_mb.toFixed(1)],
      ],
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
