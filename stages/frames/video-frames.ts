/**
 * Frames of all of one video's clips: the plan (`planVideo`) picks one decode pass for clips
 * close together, per-clip extraction for the rest. A pass that fails, times out or misses a
 * clip's frames never fails a clip by itself: those clips are redone per clip, so each gets the
 * per-clip path's frames or its own error row. Only an unreadable file fails all its clips at once.
 */
import type { RowError } from '../../pipeline/stage.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { FramesConfig } from '../../config/frames.js';
import type { FrameRow } from '../../schemas/frames.js';
import { classifyFailure } from './diagnose.js';
import { type FfmpegBinaries, FfmpegRunError, runFrameCommand } from './ffmpeg.js';
import { resolveMediaPath } from './media-path.js';
import { planVideo, sampleTimes } from './sampling.js';
import { type ClipFrames, extractClipFrames } from './clip-frames.js';
import { buildVideoPassCommand, parseShowinfoTimes, routeFrames, targetKey } from './video-pass.js';

/** A clip as the frames stage reads it. */
export type FramesClip = Pick<ClipRow, 'clip_id' | 'video_uri' | 'start_s' | 'end_s'>;

/** Options shared by per-clip and per-video extraction. */
export interface ExtractOptions {
  readonly config: FramesConfig;
  readonly mediaRoot: string;
  readonly realMediaRoot?: string;
  readonly bins: FfmpegBinaries;
  readonly signal?: AbortSignal;
  /** Decode each video once for its nearby clips (default true; `false` = the per-clip path only). */
  readonly decodeOnce?: boolean;
  /** Largest gap a pass reads through (default `DECODE_ONCE_MAX_GAP_S`; the benchmark sweeps it). */
  readonly maxGapS?: number;
}

/** Frames (or the error) of every clip of ONE video, keyed by clip_id. Never throws for a bad clip. */
export async function extractVideoFrames(
  clips: readonly FramesClip[],
  opts: ExtractOptions,
): Promise<Map<string, ClipFrames>> {
  const out = new Map<string, ClipFrames>();
  const { passes, singles } =
    opts.decodeOnce === false
      ? { passes: [], singles: [...clips] }
      : planVideo(clips, {
          method: opts.config.method,
          seekMinClipS: opts.config.seek_min_clip_s,
          ...(opts.maxGapS !== undefined ? { maxGapS: opts.maxGapS } : {}),
        });
  const redo: FramesClip[] = [...singles];
  for (const group of passes) {
    const r = await runPass(group, opts);
    if ('error' in r) {
      for (const c of group) out.set(c.clip_id, { error: { clip_id: c.clip_id, ...r.error } });
      continue;
    }
    for (const c of group) {
      const frames = r.frames.get(c.clip_id);
      if (frames) out.set(c.clip_id, { frames });
      else redo.push(c);
    }
  }
  for (const c of redo) out.set(c.clip_id, await extractClipFrames(c, opts));
  return out;
}

/**
 * One pass over a group of clips of the same video. Returns the clips it fully served (a clip
 * whose frames are not all there is left out, to be redone per clip), or an error that holds
 * for every clip of the file (path refused, missing, not a video).
 */
async function runPass(
  group: readonly FramesClip[],
  opts: ExtractOptions,
): Promise<{ frames: Map<string, FrameRow[]> } | { error: Omit<RowError, 'clip_id'> }> {
  const { config } = opts;
  const none = { frames: new Map<string, FrameRow[]>() };
  const media = await resolveMediaPath(opts.mediaRoot, group[0].video_uri, opts.realMediaRoot);
  if ('error' in media) return media;
  const timesOf = new Map(group.map((c) => [c.clip_id, sampleTimes(c.start_s, c.end_s, config.count)]));
  const pass = buildVideoPassCommand({
    path: media.path,
    times: [...timesOf.values()].flat(),
    width: config.width,
    height: config.height,
  });
  let bytes: Uint8Array;
  let stderr: string;
  try {
    // each clip keeps its own time allowance
    ({ bytes, stderr } = await runFrameCommand(opts.bins, pass, {
      timeoutS: config.timeout_s * group.length,
      ...(opts.signal ? { signal: opts.signal } : {}),
    }));
  } catch (e) {
    if (!(e instanceof FfmpegRunError)) throw e;
    if (e.reason === 'aborted') throw opts.signal?.reason ?? e;
    if (e.reason === 'failed') {
      const why = classifyFailure(e.stderr, e.message);
      if (why.kind === 'not_a_video') return { error: why };
    }
    return none; // timeout or a decode failure: each clip gets its own try and its own error row
  }
  const frameBytes = config.width * config.height * 3;
  const frameTimes = parseShowinfoTimes(stderr);
  const got = Math.floor(bytes.length / frameBytes);
  if (!frameTimes || frameTimes.length !== got) return none;
  const slot = new Map(pass.targets.map((t, i) => [t, i]));
  const route = routeFrames(pass.targets, frameTimes);
  const frames = new Map<string, FrameRow[]>();
  for (const c of group) {
    const idx = timesOf.get(c.clip_id)!.map((t) => route[slot.get(targetKey(t, pass.seekS)) ?? -1] ?? -1);
    if (idx.some((i) => i < 0)) continue;
    frames.set(
      c.clip_id,
      timesOf.get(c.clip_id)!.map((t, k) => ({
        clip_id: c.clip_id,
        frame_index: k,
        timestamp_s: t,
        width: config.width,
        height: config.height,
        pixels: bytes.slice(idx[k] * frameBytes, (idx[k] + 1) * frameBytes),
      })),
    );
  }
  return { frames };
}
