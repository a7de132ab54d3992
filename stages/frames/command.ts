/**
 * The ffmpeg arguments for sampling frames from one clip in ONE process, as plain data (no
 * process spawning here): the wrapper in `ffmpeg.ts` runs them, and the benchmark runs the very
 * same arguments with the plain ffmpeg CLI to measure our overhead.
 */
import type { ConcreteMethod } from './sampling.js';

/** One input file with the options that go before its `-i`. */
export interface FfmpegInput {
  readonly path: string;
  readonly options: readonly string[];
}

/** A complete ffmpeg invocation: inputs and the output options (output is raw RGB24 on stdout). */
export interface FrameCommand {
  readonly inputs: readonly FfmpegInput[];
  readonly outputOptions: readonly string[];
  /** Bytes expected on stdout: frames × width × height × 3. */
  readonly expectedBytes: number;
}

/** What to extract from one clip. */
export interface FrameRequest {
  /** Absolute path of the video file. */
  readonly path: string;
  /** Sample times in seconds (ascending). */
  readonly times: readonly number[];
  readonly width: number;
  readonly height: number;
  /** `seek`/`decode` (see sampling.ts), or `scan`: the no-seek fallback for unseekable streams. */
  readonly method: ConcreteMethod | 'scan';
}

const fmt = (t: number): string => Math.max(0, t).toFixed(6);

/** The per-frame filter chain: fixed model size, square pixels, packed RGB (display-matrix rotation is applied by ffmpeg before it). */
export function scaleChain(width: number, height: number): string {
  return `scale=${width}:${height}:flags=bilinear,setsar=1,format=rgb24`;
}

/**
 * Builds the ffmpeg command. `file:` prefixes the path so names with `:` or starting with `-` are
 * never read as protocols or options; no shell is involved, so quotes and `$` are harmless.
 */
export function buildFrameCommand(req: FrameRequest): FrameCommand {
  const n = req.times.length;
  const url = `file:${req.path}`;
  const common = ['-an', '-sn', '-dn', '-vsync', '0', '-frames:v', String(n), '-f', 'rawvideo', '-pix_fmt', 'rgb24'];
  const expectedBytes = n * req.width * req.height * 3;
  if (req.method === 'seek') {
    // one decoder thread per input: clips already run in parallel, one process per core
    const inputs = req.times.map((t) => ({ path: url, options: ['-threads', '1', '-ss', fmt(t)] }));
    const chains = req.times.map((_, k) => `[${k}:v:0]trim=end_frame=1,${scaleChain(req.width, req.height)}[f${k}]`);
    const graph = `${chains.join(';')};${req.times.map((_, k) => `[f${k}]`).join('')}concat=n=${n}:v=1:a=0[out]`;
    return { inputs, outputOptions: ['-filter_complex', graph, '-map', '[out]', ...common], expectedBytes };
  }
  const step = n > 1 ? req.times[1] - req.times[0] : 2 * req.times[0];
  // the clip window: times are slice midpoints, so the window starts half a slice before the first
  const start = req.times[0] - step / 2;
  const span = n * step;
  // fps keeps, per output slot k, the last frame before start + (k + 0.5) * step: the slice midpoint (within one source frame)
  const fps = `fps=fps=${(1 / step).toFixed(9)}:round=near`;
  if (req.method === 'decode') {
    const inputs = [{ path: url, options: ['-threads', '1', '-ss', fmt(start), '-t', fmt(span)] }];
    const graph = `[0:v:0]${fps},${scaleChain(req.width, req.height)}[out]`;
    return { inputs, outputOptions: ['-filter_complex', graph, '-map', '[out]', ...common], expectedBytes };
  }
  // scan: no input seek at all (for streams that cannot seek, e.g. raw H.264 without timestamps); decode from the start, cut by filter
  const inputs = [{ path: url, options: ['-threads', '1'] }];
  const graph = `[0:v:0]trim=start=${fmt(start)}:duration=${fmt(span)},setpts=PTS-STARTPTS,${fps},${scaleChain(req.width, req.height)}[out]`;
  return { inputs, outputOptions: ['-filter_complex', graph, '-map', '[out]', ...common], expectedBytes };
}

/** The command as one argv for the plain ffmpeg CLI (used by the benchmark and for debugging). */
export function frameCommandArgv(cmd: FrameCommand): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    ...cmd.inputs.flatMap((i) => [...i.options, '-i', i.path]),
    ...cmd.outputOptions,
    'pipe:1',
  ];
}
