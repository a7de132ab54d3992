/**
 * The `frames` stage: clips → frames. Each clip gets `count` frames sampled uniformly over
 * [start_s, end_s], resized to the model input size, as RGB8: from one decode pass shared by a
 * video's nearby clips, or from one ffmpeg process per clip. Videos run in parallel (the engine
 * runs `concurrency` batches at once); a bad clip becomes an `errors` row with ffmpeg's own
 * words, never a crash.
 */
import { realpath } from 'node:fs/promises';
import { defineStage } from '../../pipeline/define-stage.js';
import { type SideInput, sideInput } from '../../pipeline/side-input.js';
import type { AnyStage } from '../../pipeline/stage.js';
import type { Storage } from '../../pipeline/storage.js';
import { type ClipRow, clipsTable } from '../../schemas/clips.js';
import type { FramesConfig } from '../../config/frames.js';
import { defaultConcurrency } from '../../config/runtime-defaults.js';
import { type FrameRow, framesTable } from '../../schemas/frames.js';
import { type ClipFrames } from './clip-frames.js';
import { checkFfmpeg, resolveBinaries } from './ffmpeg.js';
import { extractVideoFrames } from './video-frames.js';

export { type ClipFrames, extractClipFrames } from './clip-frames.js';

/** Options of {@link framesStage}: the `frames` config plus the media root. */
export interface FramesStageOptions {
  readonly config: FramesConfig;
  /** Every video must resolve inside this directory. */
  readonly mediaRoot: string;
  /** Decode each video once for its nearby clips (default true); `false` keeps one process per clip (the benchmark's baseline). */
  readonly decodeOnce?: boolean;
}

/** Output bytes one `process` call may hold: a decode pass's clips are capped so their frames fit. */
const PASS_BYTES_BUDGET = 16 << 20;
/** Most clips one decode pass serves. */
const PASS_MAX_CLIPS = 64;

/** The frames stage's name: its output directory, and what a side input of stored frames reads. */
export const FRAMES_STAGE = 'frames';

/** The frames a frames run stored, as a side input of a later run's stage (frames are extracted once per job). */
export function storedFrames(run: Storage): SideInput<typeof framesTable.columns> {
  return sideInput({ run, stage: FRAMES_STAGE, table: framesTable });
}

/** Clips per `process` call: all of a video's clips up to the byte budget (at least 1). */
export function framesBatchSize(config: Pick<FramesConfig, 'count' | 'width' | 'height'>): number {
  return Math.max(
    1,
    Math.min(PASS_MAX_CLIPS, Math.floor(PASS_BYTES_BUDGET / (config.count * config.width * config.height * 3))),
  );
}

/**
 * Builds the frames stage from its config. The engine hands it each video's clips together
 * (`groupBy: 'video_uri'`), so nearby clips share one decode pass (`video-frames.ts`).
 * Setup checks that ffmpeg runs and says how to fix it if not.
 */
export function framesStage(opts: FramesStageOptions): AnyStage {
  const { config } = opts;
  const bins = resolveBinaries({ ffmpeg: config.ffmpeg_path, ffprobe: config.ffprobe_path });
  let realMediaRoot: string | undefined;
  return defineStage({
    name: FRAMES_STAGE,
    input: clipsTable,
    output: framesTable,
    batchSize: framesBatchSize(config),
    groupBy: 'video_uri',
    concurrency: config.concurrency ?? defaultConcurrency(),
    async setup() {
      await checkFfmpeg(bins);
      try {
        realMediaRoot = await realpath(opts.mediaRoot);
      } catch (e) {
        throw new Error(
          `media_root ${opts.mediaRoot} is not readable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); fix media_root in the config`,
          { cause: e },
        );
      }
    },
    async process(clips, ctx) {
      const byVideo = new Map<string, ClipRow[]>();
      for (const c of clips) byVideo.set(c.video_uri, [...(byVideo.get(c.video_uri) ?? []), c]);
      const results = new Map<string, ClipFrames>();
      for (const group of byVideo.values()) {
        const r = await extractVideoFrames(group, {
          config,
          mediaRoot: opts.mediaRoot,
          bins,
          signal: ctx.signal,
          decodeOnce: opts.decodeOnce ?? true,
          ...(realMediaRoot ? { realMediaRoot } : {}),
        });
        for (const [id, f] of r) results.set(id, f);
      }
      const rows: FrameRow[] = [];
      for (const c of clips) {
        const r = results.get(c.clip_id);
        if (!r) continue;
        if ('error' in r) ctx.reportError(r.error);
        else rows.push(...r.frames);
      }
      return rows;
    },
  });
}
