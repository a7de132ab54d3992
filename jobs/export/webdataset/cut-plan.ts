/**
 * Whether a clip can be cut by stream copy: only when a keyframe sits at the clip's start (within
 * half a frame), since a copy starts at a keyframe; otherwise the clip is re-encoded so that it
 * starts where the manifest says. The codec must also be one an `.mp4` can hold.
 */
import { type MediaTools, runTool } from './media-tools.js';

/** Video codecs the mp4 muxer takes as they are. */
const MP4_CODECS: ReadonlySet<string> = new Set(['h264', 'hevc', 'av1', 'mpeg4', 'vp9']);

/** How one clip is cut, and why (recorded in the sample's `.json`). */
export interface CutPlan {
  readonly method: 'copy' | 'reencode';
  readonly reason: string;
  /** The keyframe the copy starts at, or the nearest one before the start (null when none was found). */
  readonly keyframe_s: number | null;
}

/** The first video stream's codec and frame rate, and its keyframe times from the seek point before `start` to `end`. */
export interface VideoProbe {
  readonly codec: string;
  readonly fps: number;
  readonly keyframes: number[];
}

interface ProbeJson {
  streams?: { codec_name?: string; avg_frame_rate?: string; r_frame_rate?: string }[];
  packets?: { pts_time?: string; flags?: string }[];
}

function rate(text: string | undefined): number {
  const [n, d] = (text ?? '').split('/').map(Number);
  return n > 0 && d > 0 ? n / d : 0;
}

/** Probes the codec and the keyframes around a clip (reads only the packets from the seek point to `end`). */
export async function probeVideo(tools: MediaTools, path: string, start: number, end: number): Promise<VideoProbe> {
  const out = await runTool(
    tools.bins.ffprobe,
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-read_intervals',
      `${start}%${end}`,
      '-show_entries',
      'stream=codec_name,avg_frame_rate,r_frame_rate:packet=pts_time,flags',
      '-of',
      'json',
      path,
    ],
    tools.timeoutS,
  );
  const j = JSON.parse(out) as ProbeJson;
  const stream = j.streams?.[0];
  if (!stream?.codec_name) throw new Error(`${path} has no video stream`);
  const keyframes = (j.packets ?? [])
    .filter((p) => p.flags?.startsWith('K') && p.pts_time !== undefined && p.pts_time !== 'N/A')
    .map((p) => Number(p.pts_time));
  return {
    codec: stream.codec_name,
    fps: rate(stream.avg_frame_rate) || rate(stream.r_frame_rate),
    keyframes: keyframes.sort((a, b) => a - b),
  };
}

/** Decides copy or re-encode for a clip starting at `start` from the probe. */
export function planCut(probe: VideoProbe, start: number): CutPlan {
  if (!MP4_CODECS.has(probe.codec))
    return { method: 'reencode', reason: `codec ${probe.codec} cannot be copied into .mp4`, keyframe_s: null };
  const tolerance = probe.fps > 0 ? 0.5 / probe.fps : 0.001;
  const before = probe.keyframes.filter((k) => k <= start + tolerance);
  const nearest = before.length ? before[before.length - 1] : null;
  if (nearest !== null && Math.abs(nearest - start) <= tolerance)
    return { method: 'copy', reason: `keyframe at ${nearest.toFixed(3)} s is the clip start`, keyframe_s: nearest };
  return {
    method: 'reencode',
    reason:
      nearest === null
        ? `no keyframe at or before the start ${start.toFixed(3)} s`
        : `nearest keyframe before the start is at ${nearest.toFixed(3)} s, ${(start - nearest).toFixed(3)} s early`,
    keyframe_s: nearest,
  };
}
