/**
 * Frames of ONE clip in one ffmpeg process (the per-clip path): path checks, the `seek` or
 * `decode` command, a no-seek retry for unseekable streams, and the output size check.
 */
import type { RowError } from '../../pipeline/stage.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { FramesConfig } from '../../config/frames.js';
import type { FrameRow } from '../../schemas/frames.js';
import { buildFrameCommand } from './command.js';
import { classifyFailure, explainShortOutput } from './diagnose.js';
import { type FfmpegBinaries, FfmpegRunError, runFrameCommand } from './ffmpeg.js';
import { resolveMediaPath } from './media-path.js';
import { chooseMethod, type ConcreteMethod, sampleTimes } from './sampling.js';

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
  const attempt = async (
    m: ConcreteMethod | 'scan',
  ): Promise<{ bytes: Uint8Array; stderr: string } | Omit<RowError, 'clip_id'>> => {
    const cmd = buildFrameCommand({ path: media.path, times, width: config.width, height: config.height, method: m });
    try {
      return await runFrameCommand(opts.bins, cmd, {
        timeoutS: config.timeout_s,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (e) {
      if (!(e instanceof FfmpegRunError)) throw e;
      if (e.reason === 'aborted') throw opts.signal?.reason ?? e; // the run's cancel reason is the cause, not the killed process
      if (e.reason === 'timeout')
        return { kind: 'timeout', message: `${e.message} (clip [${clip.start_s}, ${clip.end_s}] s, method ${m})` };
      return classifyFailure(e.stderr, e.message);
    }
  };
  let out = await attempt(method);
  // a stream that cannot seek (raw H.264, broken index) gets one more try decoding from the start
  if ('bytes' in out && out.bytes.length < frameBytes * config.count && /could not seek|seek.*failed/i.test(out.stderr))
    out = await attempt('scan');
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
