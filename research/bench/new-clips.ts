/**
 * A tick's search for new clips (not a test): `npm run bench -- new-clips`. A job that has processed
 * BENCH_NEW_CLIPS_ROWS clips (default 1,000,000, as one engine run's inputs in shards of 250,000)
 * and a manifest of those clips plus one night's 10,000 new ones. Two ways, each in its own child
 * process (peak RSS is per process): `in-memory` holds every processed id in a set and reads the
 * manifest with the validator's in-memory duplicate index (the tick before `new-clips.ts`, the
 * baseline); `sorted` is `newClips` (an external sort, two passes over the manifest). Prints
 * seconds, the ratio to the baseline, the clips found and the peak RSS.
 * Run as `tsx research/bench/new-clips.ts --child <in-memory|sorted> <dir>` it is that child.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareWays } from './child-run.js';
import { inMemoryManifest, writeClips } from './clip-fixture.js';
import { newClips } from '../../jobs/schedule/new-clips.js';
import { clipIdBatchesOfRun } from '../../jobs/schedule/tick-state.js';
import { layout } from '../../pipeline/layout.js';
import { RUN_FORMAT, type RunMeta } from '../../pipeline/ledger.js';
import { LocalStorage } from '../../pipeline/storage.js';

const NEW = 10_000;
const SHARD = 250_000;

/** The processed run (its run meta and shard inputs) and the manifest, under `root`. */
async function writeFixture(root: string, n: number): Promise<void> {
  const run = new LocalStorage(join(root, 'run'));
  const shards = Array.from({ length: Math.ceil(n / SHARD) }, (_, s) => `shard-${String(s).padStart(5, '0')}`);
  for (const [s, shard] of shards.entries()) {
    await mkdir(join(root, 'run', 'input'), { recursive: true });
    await writeClips(run, layout.input(shard), s * SHARD, Math.min(n, (s + 1) * SHARD));
  }
  const meta: RunMeta = {
    format: RUN_FORMAT,
    run_id: 'bench',
    created_at: new Date().toISOString(),
    config_hash: '0'.repeat(64),
    round: 0,
    manifest: { path: 'clips.parquet', sha256: '0'.repeat(64), rows: n, clips: n, errors: 0 },
    stages: [],
    shard_size: SHARD,
    shards,
    config: {},
  };
  await writeFile(join(root, 'run', layout.runMeta), JSON.stringify(meta));
  await writeClips(new LocalStorage(root), 'clips.parquet', 0, n + NEW);
}

/** The tick's search before `new-clips.ts`: every processed id in a set, the manifest's in a map. */
async function inMemory(root: string): Promise<number> {
  const seen = new Set<string>();
  for await (const ids of clipIdBatchesOfRun(join(root, 'run'))) for (const id of ids) seen.add(id);
  let fresh = 0;
  for await (const item of inMemoryManifest(join(root, 'clips.parquet')))
    if ('clip' in item && !seen.has(item.clip.clip_id)) fresh++;
  return fresh;
}

async function child(how: string, root: string): Promise<void> {
  const t0 = performance.now();
  const found =
    how === 'sorted'
      ? (
          await newClips({
            manifest: join(root, 'clips.parquet'),
            processedRuns: [join(root, 'run')],
            failed: new Map(),
            mediaRoot: root,
            scratchDir: join(root, 'scratch'),
          })
        ).clips.length
      : await inMemory(root);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ found, seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

/** Runs the benchmark and prints one table row per way. */
export async function run(): Promise<void> {
  const n = Number(process.env.BENCH_NEW_CLIPS_ROWS ?? 1_000_000);
  const root = await mkdtemp(join(tmpdir(), 'flywheel-bench-new-clips-'));
  try {
    await writeFixture(root, n);
    process.stdout.write(
      `${n} clips processed, a manifest of ${n + NEW} (${process.platform}, node ${process.version})\n`,
    );
    await compareWays<{ found: number; seconds: number; max_rss_mb: number }>({
      file: import.meta.filename,
      ways: ['in-memory', 'sorted'],
      args: [root],
      columns: [['found', (r) => String(r.found)]],
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
