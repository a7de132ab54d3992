/**
 * `flywheel gen-bench`: generate the controlled video-language benchmark (videos, noisy
 * ASR manifest, human and held-out splits, ground-truth sidecar). See docs/benchmark.md.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { intOption } from '../options.js';
import { generateBenchmark } from '../../research/benchmark/index.js';

const toNum =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`--${name} must be a number (got ${JSON.stringify(v)})`);
    return n;
  };

/** Adds the `gen-bench` sub-command. */
export function register(program: Command): void {
  program
    .command('gen-bench')
    .description('Generate a controlled video-language benchmark with known ground truth (deterministic by seed)')
    .requiredOption('--clips <n>', 'number of clips', intOption('clips', null))
    .requiredOption('--out <dir>', 'output directory')
    .option('--seed <n>', 'random seed', intOption('seed', null), 0)
    .option('--noise <frac>', 'fraction of clips with corrupted ASR text', toNum('noise'), 0.4)
    .option(
      '--title-noise <frac>',
      'fraction of clips with corrupted title/tags (default noise/2)',
      toNum('title-noise'),
    )
    .option('--human-frac <frac>', 'fraction of clips in the human refinement split', toNum('human-frac'), 0.03)
    .option('--heldout-frac <frac>', 'fraction of clips in the held-out split', toNum('heldout-frac'), 0.1)
    .option('--width <px>', 'frame width', intOption('width', null), 64)
    .option('--height <px>', 'frame height', intOption('height', null), 64)
    .option('--fps <n>', 'frames per second', intOption('fps', null), 8)
    .option(
      '--clips-per-video <n>',
      'clips stored back to back in one video file',
      intOption('clips-per-video', null),
      16,
    )
    .option('--concurrency <n>', 'parallel ffmpeg processes (default: CPU cores)', intOption('concurrency', null))
    .option('--relative-uris', 'write video paths relative to the output directory')
    .action(
      async (o: {
        clips: number;
        out: string;
        seed: number;
        noise: number;
        titleNoise?: number;
        humanFrac: number;
        heldoutFrac: number;
        width: number;
        height: number;
        fps: number;
        clipsPerVideo: number;
        concurrency?: number;
        relativeUris?: boolean;
      }) => {
        const t0 = performance.now();
        const tty = process.stderr.isTTY;
        const info = await generateBenchmark(
          {
            outDir: o.out,
            clips: o.clips,
            seed: o.seed,
            noise: o.noise,
            titleNoise: o.titleNoise,
            humanFrac: o.humanFrac,
            heldoutFrac: o.heldoutFrac,
            width: o.width,
            height: o.height,
            fps: o.fps,
            clipsPerVideo: o.clipsPerVideo,
            concurrency: o.concurrency,
            uriStyle: o.relativeUris ? 'relative' : 'absolute',
          },
          { onProgress: tty ? (d, n) => process.stderr.write(`\rvideos ${d}/${n}`) : undefined },
        ).catch((e: unknown) => {
          // a runtime failure, not a usage error: the message alone, no help text
          process.stderr.write(`gen-bench: ${e instanceof Error ? e.message : String(e)}\n`);
          process.exitCode = 1;
          return null;
        });
        if (info === null) return;
        if (tty) process.stderr.write('\n');
        const s = (performance.now() - t0) / 1000;
        const c = info.counts;
        console.log(
          JSON.stringify({
            dir: info.dir,
            reused: info.reused,
            clips: c.clips,
            train: c.train,
            human: c.human,
            heldout: c.heldout,
            corrupted: c.corrupted,
            videos: c.videos,
            seconds: Number(s.toFixed(2)),
            clipsPerSecond: Number((c.clips / s).toFixed(1)),
          }),
        );
      },
    );
}
