/**
 * Benchmark of the benchmark generator: clips/s of `generateBenchmark` (video encoding
 * included) and of the pure planning step, at a few sizes. Run: `npx tsx research/bench/datagen.ts [clips...]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateBenchmark, parseBenchmarkOptions, planBenchmark } from '../benchmark/index.js';

/** One measured size. */
export interface DatagenBenchResult {
  clips: number;
  seconds: number;
  clipsPerSecond: number;
  planClipsPerSecond: number;
  videos: number;
  totalVideoSeconds: number;
}

/** Generates datasets of each size in a temp directory and prints clips/s; returns the measurements. */
export async function run(sizes: number[] = [200, 1000]): Promise<DatagenBenchResult[]> {
  const root = mkdtempSync(join(tmpdir(), 'flywheel-bench-datagen-'));
  const results: DatagenBenchResult[] = [];
  try {
    for (const clips of sizes) {
      const p0 = performance.now();
      planBenchmark(parseBenchmarkOptions({ outDir: root, clips, seed: 1 }), root);
      const planS = (performance.now() - p0) / 1000;
      const t0 = performance.now();
      const info = await generateBenchmark({ outDir: join(root, String(clips)), clips, seed: 1 });
      const seconds = (performance.now() - t0) / 1000;
      const r: DatagenBenchResult = {
        clips,
        seconds: Number(seconds.toFixed(2)),
        clipsPerSecond: Number((clips / seconds).toFixed(1)),
        planClipsPerSecond: Math.round(clips / planS),
        videos: info.counts.videos,
        totalVideoSeconds: info.counts.totalDurationS,
      };
      results.push(r);
      console.log(JSON.stringify({ bench: 'datagen', cores: availableParallelism(), ...r }));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  await run(sizes.length > 0 ? sizes : undefined);
}
