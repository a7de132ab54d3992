/**
 * Decode once per video: ONE ffmpeg process serves several clips of the same video. It seeks to
 * the first sample time, decodes through to the last, and a `select` filter keeps, for each
 * sample time T, the first frame at or after T — the frame the per-clip `seek` path lands on —
 * so a frame shared by two sample times comes out once and is routed to both. `showinfo` prints
 * each kept frame's pts; frames are routed to their clips by it, in Node.
 */
import { type FfmpegInput, type FrameCommand, scaleChain } from './command.js';

/** What one pass extracts: every sample time of the clips it serves. */
export interface VideoPassRequest {
  /** Absolute path of the video file. */
  readonly path: string;
  /** Sample times in seconds, any order, duplicates allowed. */
  readonly times: readonly number[];
  readonly width: number;
  readonly height: number;
}

/** A pass command and what its output is routed by. */
export interface VideoPass extends FrameCommand {
  /** The input seek (seconds); filter times are relative to it. */
  readonly seekS: number;
  /** Distinct sample times, ascending, relative to `seekS`. */
  readonly targets: readonly number[];
}

/** Seconds decoded past the last sample time, to reach the frame at or after it (covers ≥ 1 fps). */
const TAIL_S = 1;

const us = (t: number): number => Math.round(t * 1e6) / 1e6;
const fmt = (t: number): string => Math.max(0, t).toFixed(6);

/** Builds the one-process command for a set of sample times in one video. */
export function buildVideoPassCommand(req: VideoPassRequest): VideoPass {
  if (req.times.length === 0) throw new Error('video pass: no sample times');
  const seekS = Math.max(0, Math.floor(Math.min(...req.times) * 1e6) / 1e6);
  const targets = [...new Set(req.times.map((t) => us(t - seekS)))].sort((a, b) => a - b);
  const span = targets[targets.length - 1] + TAIL_S;
  // keep a frame when some target T lies in (previous frame's time, this frame's time]
  const terms = targets.map((t) => `gte(t\\,${t})*(isnan(prev_t)+lt(prev_t\\,${t}))`);
  const select = `select='gt(${terms.join('+')}\\,0)'`;
  const inputs: FfmpegInput[] = [
    { path: `file:${req.path}`, options: ['-threads', '1', '-ss', fmt(seekS), '-t', fmt(span)] },
  ];
  const graph = `[0:v:0]${select},showinfo,${scaleChain(req.width, req.height)}[out]`;
  const outputOptions = [
    '-filter_complex',
    graph,
    '-map',
    '[out]',
    '-an',
    '-sn',
    '-dn',
    '-vsync',
    '0',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
  ];
  return { inputs, outputOptions, expectedBytes: targets.length * req.width * req.height * 3, seekS, targets };
}

/** The pts (seconds, relative to the seek) of each frame `showinfo` saw, in order; undefined when unreadable. */
export function parseShowinfoTimes(stderr: string): number[] | undefined {
  const tb = /showinfo[^\]]*\][^\n]*config in time_base: (\d+)\/(\d+)/.exec(stderr);
  if (!tb) return undefined;
  const num = Number(tb[1]);
  const den = Number(tb[2]);
  const times: number[] = [];
  for (const m of stderr.matchAll(/showinfo[^\]]*\] n: *\d+ pts: *(-?\d+) /g)) times.push((Number(m[1]) * num) / den);
  return times;
}

/**
 * Routes kept frames to targets: each target gets the first frame at or after it. Returns, per
 * target (in `targets` order), the index of its frame, or -1 when the video ended first.
 */
export function routeFrames(targets: readonly number[], frameTimes: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const t of targets) {
    while (j < frameTimes.length && frameTimes[j] < t - 1e-9) j++;
    out.push(j < frameTimes.length ? j : -1);
  }
  return out;
}

/** The key a sample time has in a pass's `targets` (same rounding as {@link buildVideoPassCommand}). */
export function targetKey(time: number, seekS: number): number {
  return us(time - seekS);
}
