/**
 * Import benchmark (not a test): `npm run bench -- import`. Rows/s and peak RSS of `flywheel
 * import` over generated WebVid CSV and HowTo100M JSON sources at 100 k and 1 M rows, each import
 * in its own child process (peak RSS is per process), so memory growth with source size shows (the
 * last column: peak RSS over the smallest size's). `webvid-dup` is the WebVid source with about
 * 1% of rows repeating an earlier id: the import reads it twice (see `jobs/import/duplicates.ts`).
 * Environment knob: BENCH_IMPORT_ROWS (comma-separated sizes, default "100000,1000000").
 * Run as `tsx research/bench/import.ts --child <layout> <source> <out>` it is that child.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Writes lines to a file, waiting on back-pressure. */
async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

function* webVidLines(rows: number, dupEvery = 0): Iterable<string> {
  yield 'videoid,contentUrl,duration,page_dir,name\n';
  for (let i = 0; i < rows; i++)
    yield `${1_000_000 + (dupEvery && i % dupEvery === dupEvery - 1 ? i >> 1 : i)},https://example.invalid/${i}.mp4,PT00H00M${String(5 + (i % 50)).padStart(2, '0')}S,page_${i % 97},"a person does thing number ${i % 1000} in a kitchen"\n`;
}

/** HowTo100M JSON with 10 segments per video. */
function* howToLines(rows: number): Iterable<string> {
  yield '{';
  for (let v = 0; v < rows / 10; v++) {
    const start = Array.from({ length: 10 }, (_, i) => i * 3.5);
    const entry = {
      start,
      end: start.map((s) => s + 3),
      text: start.map((_, i) => `now we add step ${i} of video ${v}`),
    };
    yield `${v ? ',' : ''}${JSON.stringify(`v${v}`)}:${JSON.stringify(entry)}`;
  }
  yield '}';
}

async function child(layout: string, source: string, out: string): Promise<void> {
  const { openSource } = await import('../../jobs/import/open-source.js');
  const { runImport } = await import('../../jobs/import/run-import.js');
  const t0 = performance.now();
  const { record } = await runImport(openSource(source, { layout }), { sourcePath: source, out });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({ rows: record.rows, clips: record.clips, seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

/** Runs the benchmark and prints one table row per layout and size. */
export async function run(): Promise<void> {
  const sizes = (process.env.BENCH_IMPORT_ROWS ?? '100000,1000000').split(',').map(Number);
  const dir = await mkdtemp(join(tmpdir(), 'flywheel-bench-import-'));
  try {
    process.stdout.write('source      rows       rows/s     peak RSS (MB)  RSS / smallest\n');
    for (const [name, layout, ext, lines] of [
      ['webvid', 'webvid', 'csv', (n: number) => webVidLines(n)],
      ['webvid-dup', 'webvid', 'csv', (n: number) => webVidLines(n, 100)],
      ['howto100m', 'howto100m', 'json', howToLines],
    ] as const) {
      let smallest: number | undefined;
      for (const rows of sizes) {
        const source = join(dir, `${name}-${rows}.${ext}`);
        await writeLines(source, lines(rows));
        const { stdout } = await exec(
          process.execPath,
          ['--import', 'tsx', import.meta.filename, '--child', layout, source, join(dir, `${name}-${rows}.parquet`)],
          { maxBuffer: 1024 * 1024 },
        );
        const r = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
          rows: number;
          seconds: number;
          max_rss_mb: number;
        };
        smallest ??= r.max_rss_mb;
        process.stdout.write(
          `${name.padEnd(11)} ${String(r.rows).padEnd(10)} ${Math.round(r.rows / r.seconds)
            .toString()
            .padEnd(10)} ${r.max_rss_mb.toFixed(0).padEnd(14)} ${(r.max_rss_mb / smallest).toFixed(2)}\n`,
        );
        await rm(source, { force: true });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [layout, source, out] = process.argv.slice(3);
  await child(layout, source, out);
}
