/**
 * Frames-stage benchmark (not a test): `npx tsx research/bench/frames.ts`.
 *
 * 1. frames/s of the frames stage (engine + Parquet included) vs the plain ffmpeg CLI running the
 *    very same per-clip commands, and vs a naive one-process-per-frame extraction;
 * 2. `seek` vs `decode` per clip length (the crossover sets `seek_min_clip_s`);
 * 3. decode once per video vs per clip (`frames-decode-once.ts`): 16 clips per video, 1 clip per
 *    video, and a gap sweep;
 * 4. peak RSS of a run over 1× and 10× the clips, each in its own child process (must stay flat).
 * Videos are synthesized with ffmpeg lavfi in a temp dir. Environment knobs: BENCH_CLIPS (default 32).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import PQueue from 'p-queue';
import pino from 'pino';
import { runConfig } from '../../jobs/run/run-config.js';
import { JsonReporter } from '../../pipeline/reporter.js';
import type { FramesConfig } from '../../config/frames.js';
import { parseConfig } from '../../config/run.js';
import { buildFrameCommand, type FrameCommand, frameCommandArgv } from '../../stages/frames/command.js';
import { resolveBinaries } from '../../stages/frames/ffmpeg.js';
import { chooseMethod, type ConcreteMethod, sampleTimes } from '../../stages/frames/sampling.js';
import { extractClipFrames } from '../../stages/frames/stage.js';
import { decodeOnceBench } from './frames-decode-once.js';

const exec = promisify(execFile);
const bins = resolveBinaries();
const cores = availableParallelism();
const COUNT = 8;
const SIZE = 224;

interface Clip {
  clip_id: string;
  video_uri: string;
  start_s: number;
  end_s: number;
}

/** Runs an ffmpeg argv, discarding stdout (what a plain CLI user would pipe elsewhere). */
function ffmpegCli(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(bins.ffmpeg, ['-v', 'error', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.resume();
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exit ${code}: ${err.slice(-300)}`))));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function inParallel<T>(items: readonly T[], fn: (x: T) => Promise<unknown>, concurrency = cores): Promise<void> {
  const q = new PQueue({ concurrency });
  await Promise.all(items.map((x) => q.add(() => fn(x))));
}

function clipsOf(n: number, length: number, videoSeconds: number): Clip[] {
  return Array.from({ length: n }, (_, i) => {
    const start = Math.round(((i * 7.3) % Math.max(0.1, videoSeconds - length - 0.5)) * 100) / 100;
    return { clip_id: `b${String(i).padStart(5, '0')}`, video_uri: 'long.mp4', start_s: start, end_s: start + length };
  });
}

function commandFor(clip: Clip, media: string, method: ConcreteMethod): FrameCommand {
  return buildFrameCommand({
    path: join(media, clip.video_uri),
    times: sampleTimes(clip.start_s, clip.end_s, COUNT),
    width: SIZE,
    height: SIZE,
    method,
  });
}

async function writeManifest(path: string, clips: readonly Clip[]): Promise<void> {
  await writeFile(path, clips.map((c) => JSON.stringify({ ...c, asr_text: '' })).join('\n') + '\n');
}

async function rssChild(
  manifest: string,
  media: string,
  runDir: string,
): Promise<{ max_rss_mb: number; frames: number; seconds: number }> {
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'frames-rss-child.ts'), manifest, media, runDir],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as { max_rss_mb: number; frames: number; seconds: number };
}

/** Runs the benchmark and prints a report; returns the measured numbers. */
export async function run(): Promise<Record<string, unknown>> {
  const nClips = Number(process.env.BENCH_CLIPS ?? 32);
  const dir = await mkdtemp(join(tmpdir(), 'flywheel-bench-frames-'));
  const media = join(dir, 'media');
  const results: Record<string, unknown> = {
    cores,
    cpu: cpus()[0]?.model ?? 'unknown',
    clips: nClips,
    frames_per_clip: COUNT,
    size: `${SIZE}x${SIZE}`,
  };
  try {
    await exec(bins.ffmpeg, [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=25:duration=40',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '50',
      '-pix_fmt',
      'yuv420p',
      join(dir, 'long.mp4'),
    ]).catch((e: Error) => {
      throw new Error(`could not synthesize the bench video: ${e.message}`);
    });
    await exec('mkdir', ['-p', media]);
    await exec('mv', [join(dir, 'long.mp4'), join(media, 'long.mp4')]);
    const frames: FramesConfig = parseConfig({
      run_dir: 'x',
      manifest: 'x',
      media_root: media,
      stages: { frames: { count: COUNT, width: SIZE, height: SIZE } },
    }).stages.frames!;
    console.log(
      `frames bench: ${nClips} clips × ${COUNT} frames at ${SIZE}x${SIZE}, 640x360 H.264 source, ${cores} cores (${String(results.cpu)})`,
    );

    // 1. stage vs plain CLI vs naive, on 10 s clips (method auto → seek)
    const clips = clipsOf(nClips, 10, 40);
    const method = chooseMethod(frames.method, 10, frames.seek_min_clip_s);
    const manifest = join(dir, 'clips.jsonl');
    await writeManifest(manifest, clips);
    const stageS = await timed(() =>
      runConfig(
        parseConfig({
          run_dir: join(dir, 'run-stage'),
          manifest,
          media_root: media,
          shard_size: 32,
          stages: { frames: { count: COUNT, width: SIZE, height: SIZE } },
        }),
        { reporter: new JsonReporter(pino({ level: 'silent' })) },
      ),
    );
    const cliS = await timed(() => inParallel(clips, (c) => ffmpegCli(frameCommandArgv(commandFor(c, media, method)))));
    const naiveS = await timed(() =>
      inParallel(
        clips.flatMap((c) => sampleTimes(c.start_s, c.end_s, COUNT).map((t) => ({ c, t }))),
        ({ c, t }) =>
          ffmpegCli([
            '-hide_banner',
            '-nostdin',
            '-ss',
            t.toFixed(6),
            '-i',
            `file:${join(media, c.video_uri)}`,
            '-frames:v',
            '1',
            '-vf',
            `scale=${SIZE}:${SIZE},setsar=1,format=rgb24`,
            '-f',
            'rawvideo',
            'pipe:1',
          ]),
      ),
    );
    const total = nClips * COUNT;
    const throughput = {
      method,
      stage_fps: total / stageS,
      plain_cli_fps: total / cliS,
      naive_per_frame_fps: total / naiveS,
      stage_vs_cli: cliS / stageS,
      stage_vs_naive: naiveS / stageS,
    };
    results.throughput = throughput;
    console.log(`\nthroughput on 10 s clips (method ${method}, ${cores} ffmpeg processes at once):`);
    console.log(`  frames stage (engine + Parquet): ${throughput.stage_fps.toFixed(1)} frames/s`);
    console.log(
      `  plain ffmpeg CLI, same commands: ${throughput.plain_cli_fps.toFixed(1)} frames/s  → stage/CLI = ${throughput.stage_vs_cli.toFixed(2)}`,
    );
    console.log(
      `  naive one process per frame:     ${throughput.naive_per_frame_fps.toFixed(1)} frames/s  → stage/naive = ${throughput.stage_vs_naive.toFixed(2)}`,
    );

    // 2. seek vs decode per clip length (one clip at a time, ms per clip)
    const lengths = [1, 2, 4, 8, 16, 30];
    const perLength: { length_s: number; seek_ms: number; decode_ms: number; faster: ConcreteMethod }[] = [];
    for (const length of lengths) {
      const sample = clipsOf(3, length, 40);
      const ms = async (m: ConcreteMethod): Promise<number> => {
        const s = await timed(async () => {
          for (const c of sample) {
            const r = await extractClipFrames(c, { config: { ...frames, method: m }, mediaRoot: media, bins });
            if ('error' in r) throw new Error(`${m} ${length}s: ${r.error.message}`);
          }
        });
        return (s * 1000) / sample.length;
      };
      const seek = await ms('seek');
      const decode = await ms('decode');
      perLength.push({ length_s: length, seek_ms: seek, decode_ms: decode, faster: seek < decode ? 'seek' : 'decode' });
    }
    results.seek_vs_decode = perLength;
    console.log(`\nseek vs decode, ms per clip (${COUNT} frames, one clip at a time):`);
    console.log('  clip_s   seek_ms  decode_ms  faster');
    for (const r of perLength)
      console.log(
        `  ${String(r.length_s).padStart(6)} ${r.seek_ms.toFixed(1).padStart(9)} ${r.decode_ms.toFixed(1).padStart(10)}  ${r.faster}`,
      );
    const crossover = perLength.find((r) => r.faster === 'seek')?.length_s;
    console.log(
      `  → seek is faster from ${crossover ?? 'never'} s (config default seek_min_clip_s = ${frames.seek_min_clip_s})`,
    );

    results.decode_once = await decodeOnceBench(media, frames, bins, cores);

    // 3. peak RSS, 1× and 10× clips, each in a child process
    const small = clipsOf(24, 2, 40);
    const big = Array.from({ length: 10 }, (_, k) => small.map((c) => ({ ...c, clip_id: `${c.clip_id}-${k}` }))).flat();
    await writeManifest(join(dir, 'small.jsonl'), small);
    await writeManifest(join(dir, 'big.jsonl'), big);
    const rss1 = await rssChild(join(dir, 'small.jsonl'), media, join(dir, 'run-rss-1'));
    const rss10 = await rssChild(join(dir, 'big.jsonl'), media, join(dir, 'run-rss-10'));
    results.rss = {
      x1: { clips: small.length, ...rss1 },
      x10: { clips: big.length, ...rss10 },
      ratio: rss10.max_rss_mb / rss1.max_rss_mb,
    };
    console.log(`\npeak RSS of a run (child process, shard_size 32, 2 s clips):`);
    console.log(
      `  1×  ${small.length} clips: ${rss1.max_rss_mb.toFixed(0)} MB (${rss1.frames} frames in ${rss1.seconds.toFixed(1)} s)`,
    );
    console.log(
      `  10× ${big.length} clips: ${rss10.max_rss_mb.toFixed(0)} MB (${rss10.frames} frames in ${rss10.seconds.toFixed(1)} s) → ratio ${(rss10.max_rss_mb / rss1.max_rss_mb).toFixed(2)}`,
    );
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && /bench[\\/]frames\.ts$/.test(process.argv[1]);
if (isMain) {
  const t = performance.now();
  const r = await run();
  console.log(`\n${JSON.stringify(r)}`);
  console.log(`research/bench/frames.ts finished in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
