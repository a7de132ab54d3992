/**
 * Child process of `research/bench/frames.ts`: runs the frames stage over a manifest with the local runner
 * and prints one JSON line with its peak RSS, so each size is measured in a fresh process.
 * Usage: tsx research/bench/frames-rss-child.ts <manifest.jsonl> <media_root> <run_dir>
 */
import pino from 'pino';
import { runConfig } from '../../jobs/run/run-config.js';
import { JsonReporter } from '../../pipeline/reporter.js';
import { parseConfig } from '../../config/run.js';

const [manifest, mediaRoot, runDir] = process.argv.slice(2);
if (!manifest || !mediaRoot || !runDir) throw new Error('usage: frames-rss-child.ts <manifest> <media_root> <run_dir>');
const config = parseConfig({
  run_dir: runDir,
  manifest,
  media_root: mediaRoot,
  shard_size: 32,
  stages: { frames: { count: 8, width: 224, height: 224 } },
});
const started = performance.now();
const { summary } = await runConfig(config, { reporter: new JsonReporter(pino({ level: 'silent' })) });
process.stdout.write(
  `${JSON.stringify({ max_rss_mb: process.resourceUsage().maxRSS / 1024, frames: summary.stages.frames?.rows_out ?? 0, errors: summary.stages.frames?.errors ?? 0, seconds: (performance.now() - started) / 1000 })}\n`,
);
