/**
 * Reading a large manifest (not a test): `npm run bench -- manifest`. A Parquet manifest of
 * BENCH_MANIFEST_ROWS rows (default 1,000,000) whose last 1,000 rows repeat the first 1,000 clip
 * ids, read two ways, each in its own child process (peak RSS is per process): `in-memory`
 * validates with every id in a map (every manifest read before the ids were sorted on disk, the
 * baseline); `on-disk` is `readManifest` (an id pass through the external sort, then the validating
 * pass). Prints seconds, the ratio to the baseline, the clips and errors, and the peak RSS.
 * Run as `tsx research/bench/manifest.ts --child <in-memory|on-disk> <file>` it is that child.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from '../../pipeline/manifest/index.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { compareWays } from './child-run.js';
import { inMemoryManifest, writeClips } from './clip-fixture.js';

/** Rows at the end that repeat the first clip ids: duplicates for both ways to find. */
const REPEATED = 1_000;

async function child(how: string, file: string): Promise<void> {
  const t0 = performance.now();
  let clips = 0;
  let errors = 0;
  for await (const item of how === 'on-disk' ? readManifest(file) : inMemoryManifest(file))
    if ('clip' in item) clips++;
    else errors++;
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({ clips, errors, seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

/** Runs the benchmark and prints one table row per way. */
export async function run(): Promise<void> {
  const n = Number(process.env.BENCH_MANIFEST_ROWS ?? 1_000_000);
  const root = await mkdtemp(join(tmpdir(), 'flywheel-bench-manifest-'));
  try {
    await writeClips(new LocalStorage(root), 'clips.parquet', 0, n, (i) => (i < n - REPEATED ? i : i - (n - REPEATED)));
    const file = join(root, 'clips.parquet');
    process.stdout.write(
      `a manifest of ${n} rows, the last ${REPEATED} repeating earlier ids (${process.platform}, node ${process.version})\n`,
    );
    await compareWays<{ clips: number; errors: number; seconds: number; max_rss_mb: number }>({
      file: import.meta.filename,
      ways: ['in-memory', 'on-disk'],
      args: [file],
      columns: [
        ['clips', (r) => String(r.clips)],
        ['errors', (r) => String(r.errors)],
      ],
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
