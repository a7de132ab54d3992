/**
 * `generateBenchmark`: writes a controlled video-language benchmark to a directory —
 * `videos/*.mp4` (many clips per file as time ranges), `clips.parquet` (the manifest,
 * schemas/clips.ts exactly), `truth.parquet` (ground truth sidecar) and `dataset.json`
 * (seed, params, counts; written last, so it marks a complete dataset).
 * Same options ⇒ re-running is a no-op; different options ⇒ a clean rebuild.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import PQueue from 'p-queue';
import { produceFileAtomic } from '../../pipeline/atomic-write.js';
import { clipsSchema, type ClipRow } from '../../schemas/clips.js';
import { chooseNoiseKinds, type NoiseKind, titleAndTags, transcript } from './asr.js';
import {
  assertRebuildable,
  type BenchmarkCounts,
  DATASET_FILE,
  type DatasetDescription,
  MANIFEST_FILE,
  readDatasetDescription,
  VIDEOS_DIR,
} from './benchmark-dir.js';
import { renderCaption } from './grammar.js';
import { parseBenchmarkOptions, type BenchmarkOptions, type BenchmarkOptionsInput } from './options.js';
import { writeAtomic, writeParquetRows } from '../../pipeline/parquet-file.js';
import { renderVideo, clipTimes } from './render.js';
import { makeRng, rankedSubset, type Rng } from '../../models/rng.js';
import { sampleScene, type Scene } from './scene.js';
import { TRUTH_FILE, truthSchema, type TruthRow } from '../../schemas/truth.js';

/** Bumped whenever the generator's output for the same options changes. */
export const GENERATOR_VERSION = 2;
/** What `generateBenchmark` returns. */
export interface BenchmarkInfo extends DatasetDescription {
  dir: string;
  manifestPath: string;
  truthPath: string;
  videosDir: string;
  /** True when an identical dataset was already there and nothing was written. */
  reused: boolean;
}

/** Extra hooks for callers (not part of the dataset's identity). */
export interface GenerateHooks {
  /** Called after each video file is written. */
  onProgress?: (doneVideos: number, totalVideos: number) => void;
  /** ffmpeg binary (default: the bundled `@ffmpeg-installer/ffmpeg`). */
  ffmpegPath?: string;
  /** Stops the run: running ffmpeg processes are killed, no new ones start, no dataset.json is written. */
  signal?: AbortSignal;
}

/** Path of the bundled static ffmpeg. Throws a message that says how to fix a missing install. */
export function bundledFfmpegPath(): string {
  try {
    const req = createRequire(import.meta.url);
    return (req('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch (e) {
    throw new Error(`@ffmpeg-installer/ffmpeg is not installed (run \`npm ci\`): ${(e as Error).message}`, {
      cause: e,
    });
  }
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
/** The clip id of clip `index`. */
export const clipId = (index: number): string => `clip-${pad(index, 6)}`;
/** The file name of video file `k`. */
export const videoName = (k: number): string => `v${pad(k, 5)}.mp4`;

/**
 * The scene an `other_clip` transcript narrates: another clip of the dataset whose caption
 * differs from clip i's (a few tries), or a fresh scene when the dataset has one clip.
 */
export function otherScene(scenes: readonly Scene[], i: number, rng: Rng, fresh: () => Scene): Scene {
  const own = renderCaption(scenes[i]);
  let pick: Scene = fresh();
  for (let k = 0; k < 8 && scenes.length > 1; k++) {
    pick = scenes[(i + 1 + rng.int(scenes.length - 1)) % scenes.length];
    if (renderCaption(pick) !== own) break;
  }
  return pick;
}

/** Plans the dataset (scenes, splits, text, truth) without touching the disk. Pure and deterministic. */
export function planBenchmark(
  opts: BenchmarkOptions,
  dir: string,
): { clips: ClipRow[]; truth: TruthRow[]; scenes: Scene[]; videos: string[]; counts: BenchmarkCounts } {
  const N = opts.clips;
  const { seed } = opts;
  const sceneOpts = {
    minDurationS: opts.minDurationS,
    maxDurationS: opts.maxDurationS,
    twoObjectProb: 0.4,
    distractorProb: 0.3,
  };
  const scenes = Array.from({ length: N }, (_, i) => sampleScene(seed, i, sceneOpts));
  const human = rankedSubset(seed, 'human', N, Math.round(N * opts.humanFrac));
  const heldout = rankedSubset(seed, 'heldout', N, Math.round(N * opts.heldoutFrac), human);
  const corrupted = rankedSubset(seed, 'corrupt', N, Math.round(N * opts.noise));
  const titleBad = rankedSubset(seed, 'title', N, Math.round(N * opts.titleNoise));
  const videos: string[] = [];
  const clips: ClipRow[] = [];
  const truth: TruthRow[] = [];
  const noiseKinds: Record<NoiseKind, number> = {
    wrong_attribute: 0,
    missing_words: 0,
    off_topic: 0,
    other_clip: 0,
    empty: 0,
  };
  let totalDurationS = 0;
  for (let k = 0; k * opts.clipsPerVideo < N; k++) {
    const first = k * opts.clipsPerVideo;
    const group = scenes.slice(first, first + opts.clipsPerVideo);
    const name = videoName(k);
    videos.push(name);
    const uri = opts.uriStyle === 'absolute' ? join(dir, VIDEOS_DIR, name) : `${VIDEOS_DIR}/${name}`;
    const { starts, ends, totalS } = clipTimes(group, opts.fps);
    totalDurationS += totalS;
    group.forEach((scene, g) => {
      const i = first + g;
      const rng = makeRng(seed, 'text', i);
      const kinds = corrupted.has(i) ? chooseNoiseKinds(opts.noiseMix, rng) : [];
      for (const kind of kinds) noiseKinds[kind]++;
      const other = otherScene(scenes, i, rng, () => sampleScene(seed, N + i, sceneOpts));
      const meta = titleAndTags(scene, titleBad.has(i), rng);
      const split = human.has(i) ? 'human' : heldout.has(i) ? 'heldout' : 'train';
      const caption = renderCaption(scene);
      clips.push({
        clip_id: clipId(i),
        video_uri: uri,
        start_s: starts[g],
        end_s: ends[g],
        asr_text: transcript(scene, kinds, other, rng),
        title: meta.title,
        tags: meta.tags,
        human_caption: split === 'human' ? caption : null,
        split,
      });
      truth.push({
        clip_id: clipId(i),
        split,
        gt_caption: caption,
        attrs_json: JSON.stringify({ objects: scene.objects, background: scene.background }),
        corrupted: kinds.length > 0,
        noise_kinds: kinds,
        title_corrupted: titleBad.has(i),
      });
    });
  }
  const counts: BenchmarkCounts = {
    clips: N,
    train: N - human.size - heldout.size,
    human: human.size,
    heldout: heldout.size,
    corrupted: corrupted.size,
    noiseKinds,
    titleCorrupted: titleBad.size,
    videos: videos.length,
    totalDurationS,
  };
  return { clips, truth, scenes, videos, counts };
}

/**
 * Generates (or reuses) a benchmark in `options.outDir`. Deterministic by seed:
 * the same options give the same manifest, truth and video bytes.
 */
export async function generateBenchmark(
  options: BenchmarkOptionsInput,
  hooks: GenerateHooks = {},
): Promise<BenchmarkInfo> {
  const opts = parseBenchmarkOptions(options);
  const dir = resolve(opts.outDir);
  const { outDir: _o, concurrency: _c, ...params } = opts;
  const files = { manifest: MANIFEST_FILE, truth: TRUTH_FILE, videos: VIDEOS_DIR };
  const paths = {
    dir,
    manifestPath: join(dir, MANIFEST_FILE),
    truthPath: join(dir, TRUTH_FILE),
    videosDir: join(dir, VIDEOS_DIR),
  };
  const plan = planBenchmark(opts, dir);
  const description: DatasetDescription = {
    generator: 'flywheel-datagen',
    generatorVersion: GENERATOR_VERSION,
    params,
    counts: plan.counts,
    files,
  };

  const existing = await readDatasetDescription(dir);
  if (
    existing !== null &&
    JSON.stringify(existing) === JSON.stringify(description) &&
    existsSync(paths.manifestPath) &&
    existsSync(paths.truthPath) &&
    plan.videos.every((v) => existsSync(join(paths.videosDir, v)))
  ) {
    return { ...existing, ...paths, reused: true };
  }

  // clean rebuild: drop the completion marker first, then everything it described
  await assertRebuildable(dir);
  await mkdir(dir, { recursive: true });
  await rm(join(dir, DATASET_FILE), { force: true });
  await rm(paths.videosDir, { recursive: true, force: true });
  await mkdir(paths.videosDir, { recursive: true });

  const ffmpeg = hooks.ffmpegPath ?? bundledFfmpegPath();
  const fmt = { width: opts.width, height: opts.height, fps: opts.fps };
  let done = 0;
  const tasks = plan.videos.map((name, k) => async () => {
    hooks.signal?.throwIfAborted();
    const scenes = plan.scenes.slice(k * opts.clipsPerVideo, (k + 1) * opts.clipsPerVideo);
    const final = join(paths.videosDir, name);
    await produceFileAtomic(final, (tmp) => renderVideo(ffmpeg, scenes, fmt, tmp, hooks.signal));
    hooks.onProgress?.(++done, plan.videos.length);
  });
  // the first failure stops new renders; those in flight finish before it is thrown
  const queue = new PQueue({ concurrency: opts.concurrency });
  let failure: unknown;
  for (const task of tasks)
    queue.add(task).catch((e: unknown) => {
      failure ??= e;
      queue.clear();
    });
  await queue.onIdle();
  if (failure !== undefined)
    throw failure instanceof Error ? failure : new Error('rendering a video failed', { cause: failure });
  hooks.signal?.throwIfAborted();

  await writeParquetRows(paths.manifestPath, clipsSchema, plan.clips);
  await writeParquetRows(paths.truthPath, truthSchema, plan.truth);
  await writeAtomic(join(dir, DATASET_FILE), `${JSON.stringify(description, null, 2)}\n`);
  return { ...description, ...paths, reused: false };
}
