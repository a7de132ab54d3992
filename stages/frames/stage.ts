/**
 * The `frames` stage: clips → frames. For each clip, one ffmpeg process samples `count` frames
 * uniformly over [start_s, end_s], resized to the model input size, as RGB8. Clips run in
 * parallel (the engine runs `concurrency` single-clip batches at once); a bad clip becomes an
 * `errors` row with ffmpeg's own words, never a crash.
 */
import { realpath } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import { batchToRows, rowsToBatch } from '../../pipeline/arrow.js';
import type { RowError, Stage, StageContext } from '../../pipeline/stage.js';
import { type ClipRow, clipsSchema } from '../../schemas/clips.js';
import { defaultConcurrency, type FramesConfig } from '../../schemas/config.js';
import { type FrameRow, framesSchema } from '../../schemas/frames.js';
import { buildFrameCommand } from './command.js';
import { classifyFailure, explainShortOutput } from './diagnose.js';
import { checkFfmpeg, type FfmpegBinaries, FfmpegRunError, resolveBinaries, runFrameCommand } from './ffmpeg.js';
import { resolveMediaPath } from './media-path.js';
import { chooseMethod, type ConcreteMethod, sampleTimes } from './sampling.js';

/** Options of {@link framesStage}: the `frames` config plus the media root. */
export interface FramesStageOptions {
  readonly config: FramesConfig;
  /** Every video must resolve inside this directory. */
  readonly mediaRoot: string;
}

/** Frames of one clip, or the error that replaces them. */
export type ClipFrames = { readonly frames: FrameRow[] } | { readonly error: RowError };

/**
 * Extracts the frames of one clip (exported for the benchmark and tests): path checks, one ffmpeg
 * process, output size check. Never throws for a bad clip.
 */
export async function extractClipFrames(
  clip: Pick<ClipRow, 'clip_id' | 'video_uri' | 'start_s' | 'end_s'>,
  opts: { config: FramesConfig; mediaRoot: string; realMediaRoot?: string; bins: FfmpegBinaries; signal?: AbortSignal },
): Promise<ClipFrames> {
  const { config } = opts;
  const fail = (e: Omit<RowError, 'clip_id'>): ClipFrames => ({ error: { clip_id: clip.clip_id, ...e } });
  const media = await resolveMediaPath(opts.mediaRoot, clip.video_uri, opts.realMediaRoot);
  if ('error' in media) return fail(media.error);
  const times = sampleTimes(clip.start_s, clip.end_s, config.count);
  const method = chooseMethod(config.method, clip.end_s - clip.start_s, config.seek_min_clip_s);
  const frameBytes = config.width * config.height * 3;
  const attempt = async (m: ConcreteMethod | 'scan'): Promise<{ bytes: Uint8Array; stderr: string } | Omit<RowError, 'clip_id'>> => {
    const cmd = buildFrameCommand({ path: media.path, times, width: config.width, height: config.height, method: m });
    try {
      return await runFrameCommand(opts.bins, cmd, { timeoutS: config.timeout_s, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (e) {
      if (!(e instanceof FfmpegRunError)) throw e;
      if (e.reason === 'aborted') throw opts.signal?.reason ?? e; // the run's cancel reason is the cause, not the killed process
      if (e.reason === 'timeout') return { kind: 'timeout', message: `${e.message} (clip [${clip.start_s}, ${clip.end_s}] s, method ${m})` };
      return classifyFailure(e.stderr, e.message);
    }
  };
  let out = await attempt(method);
  // a stream that cannot seek (raw H.264, broken index) gets one more try decoding from the start
  if ('bytes' in out && out.bytes.length < frameBytes * config.count && /could not seek|seek.*failed/i.test(out.stderr)) out = await attempt('scan');
  if (!('bytes' in out)) return fail(out);
  const got = Math.floor(out.bytes.length / frameBytes);
  if (got < config.count) return fail(explainShortOutput(out.stderr, got, config.count, clip.start_s, clip.end_s));
  const bytes = out.bytes;
  const frames: FrameRow[] = times.map((t, k) => ({
    clip_id: clip.clip_id,
    frame_index: k,
    timestamp_s: t,
    width: config.width,
    height: config.height,
    pixels: bytes.slice(k * frameBytes, (k + 1) * frameBytes),
  }));
  return { frames };
}

/** Builds the frames stage from its config. Setup checks that ffmpeg runs and says how to fix it if not. */
export function framesStage(opts: FramesStageOptions): Stage {
  const { config } = opts;
  const bins = resolveBinaries({ ffmpeg: config.ffmpeg_path, ffprobe: config.ffprobe_path });
  let realMediaRoot: string | undefined;
  return {
    name: 'frames',
    resources: { cpus: 1, gpus: 0 },
    batchSize: 1,
    concurrency: config.concurrency ?? defaultConcurrency(),
    resumable: true,
    inputSchema: clipsSchema,
    outputSchema: framesSchema,
    async setup() {
      await checkFfmpeg(bins);
      try {
        realMediaRoot = await realpath(opts.mediaRoot);
      } catch (e) {
        throw new Error(`media_root ${opts.mediaRoot} is not readable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); fix media_root in the config`);
      }
    },
    async process(batch: RecordBatch, ctx: StageContext) {
      const rows: FrameRow[] = [];
      for (const clip of batchToRows<ClipRow>(batch)) {
        const r = await extractClipFrames(clip, { config, mediaRoot: opts.mediaRoot, bins, signal: ctx.signal, ...(realMediaRoot ? { realMediaRoot } : {}) });
        if ('error' in r) ctx.reportError(r.error);
        else rows.push(...r.frames);
      }
      return rowsToBatch(framesSchema, rows as unknown as Record<string, unknown>[]);
    },
    async teardown() {},
  };
}
