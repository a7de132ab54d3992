/**
 * Draws scenes into one H.264 mp4 with ffmpeg filters: each clip is a segment
 * (lavfi colour background + distractor boxes + shape sprites whose alpha masks come
 * from `geq` and whose positions come from `overlay` time expressions), and the
 * segments are concatenated so one file holds many clips as time ranges.
 */
import { spawn } from 'node:child_process';
import { BACKGROUNDS, COLOURS, SIZES, type ObjectAttrs } from './grammar.js';
import type { Scene } from './scene.js';

/** Frame geometry and rate of the generated videos. */
export interface VideoFormat {
  width: number;
  height: number;
  fps: number;
}

/** Number of frames a clip of `durationS` gets (at least one). */
export function clipFrames(durationS: number, fps: number): number {
  return Math.max(1, Math.round(durationS * fps));
}

const hex = (rgb: number): string => `0x${rgb.toString(16).padStart(6, '0')}`;
const num = (x: number): string => (Math.round(x * 1000) / 1000).toString();

/** The geq alpha expression (0/255) of a shape of half-size `h` (a number or an expression) centred in its sprite. */
function maskExpr(shape: ObjectAttrs['shape'], h: string): string {
  const dx = 'abs(X+0.5-W/2)';
  const dy = '(Y+0.5-H/2)';
  switch (shape) {
    case 'circle':
      return `255*lte(hypot(X+0.5-W/2,Y+0.5-H/2),${h})`;
    case 'square':
      return `255*lte(${dx},${h})*lte(abs${dy},${h})`;
    case 'triangle':
      return `255*lte(abs${dy},${h})*lte(${dx},(${dy}+${h})/2)`;
  }
}

/** Filter-graph text of one clip's segment, ending in the label `[seg<i>]`. */
export function segmentGraph(scene: Scene, i: number, fmt: VideoFormat): string {
  const { width: W, height: H, fps } = fmt;
  const m = Math.min(W, H);
  const frames = clipFrames(scene.durationS, fps);
  const dur = frames / fps;
  const parts: string[] = [];
  let bg = `color=c=${hex(BACKGROUNDS[scene.background])}:s=${W}x${H}:r=${fps}:d=${num(dur)}`;
  for (const d of scene.distractors) {
    const s = Math.max(2, Math.round(m * 0.08));
    bg += `,drawbox=x=${Math.round(d.fx * (W - s))}:y=${Math.round(d.fy * (H - s))}:w=${s}:h=${s}:color=${hex(d.rgb)}@1:t=fill`;
  }
  parts.push(`${bg}[b${i}_0]`);
  const two = scene.objects.length > 1;
  scene.objects.forEach((o, j) => {
    const growing = o.motion === 'grows' || o.motion === 'shrinks';
    const side = Math.round((growing ? SIZES.large : SIZES[o.size ?? 'small']) * m);
    const S = side + (side % 2); // even sprite side
    const small = SIZES.small * m;
    const large = SIZES.large * m;
    const h =
      o.motion === 'grows'
        ? `(${num(small / 2)}+${num((large - small) / 2 / dur)}*T)`
        : o.motion === 'shrinks'
          ? `(${num(large / 2)}-${num((large - small) / 2 / dur)}*T)`
          : num(side / 2);
    const rgb = COLOURS[o.colour];
    parts.push(
      `color=c=black:s=${S}x${S}:r=${fps}:d=${num(dur)},format=rgba,` +
        `geq=r=${(rgb >> 16) & 255}:g=${(rgb >> 8) & 255}:b=${rgb & 255}:a='${maskExpr(o.shape, h)}'[s${i}_${j}]`,
    );
    // lanes: with two objects, object 0 keeps to the top / left half, object 1 to the bottom / right half
    const laneX = two ? (j === 0 ? W / 4 : (3 * W) / 4) : W / 2;
    const laneY = two ? (j === 0 ? H / 4 : (3 * H) / 4) : H / 2;
    const lo = S / 2 + 1;
    const travel = (a: number, b: number): string => `'${num(a - S / 2)}+${num((b - a) / dur)}*t'`;
    let x = num(laneX - S / 2);
    let y = num(laneY - S / 2);
    if (o.motion === 'left') x = travel(W - lo, lo);
    if (o.motion === 'right') x = travel(lo, W - lo);
    if (o.motion === 'up') y = travel(H - lo, lo);
    if (o.motion === 'down') y = travel(lo, H - lo);
    const enable = o.motion === 'appears' ? `:enable='gte(t,${num(Math.round(frames / 3) / fps)})'` : '';
    const out = j === scene.objects.length - 1 ? `seg${i}` : `b${i}_${j + 1}`;
    parts.push(`[b${i}_${j}][s${i}_${j}]overlay=x=${x}:y=${y}:format=auto${enable}[${out}]`);
  });
  return parts.join(';');
}

/** The whole filter graph for a file holding `scenes` back to back; output label `[v]`. */
export function videoGraph(scenes: readonly Scene[], fmt: VideoFormat): string {
  const segs = scenes.map((s, i) => segmentGraph(s, i, fmt));
  const labels = scenes.map((_, i) => `[seg${i}]`).join('');
  return `${segs.join(';')};${labels}concat=n=${scenes.length}:v=1:a=0,format=yuv420p[v]`;
}

/** Start times (s) of each clip in a file holding `scenes` back to back, plus the file's total length. */
export function clipTimes(scenes: readonly Scene[], fps: number): { starts: number[]; ends: number[]; totalS: number } {
  let frame = 0;
  const starts: number[] = [];
  const ends: number[] = [];
  for (const s of scenes) {
    starts.push(frame / fps);
    frame += clipFrames(s.durationS, fps);
    ends.push(frame / fps);
  }
  return { starts, ends, totalS: frame / fps };
}

/**
 * Encodes `scenes` into `outPath` (an mp4, H.264 ultrafast, one thread, keyframe at each clip start).
 * Rejects with ffmpeg's stderr when it fails; aborting `signal` kills ffmpeg.
 */
export function renderVideo(
  ffmpegPath: string,
  scenes: readonly Scene[],
  fmt: VideoFormat,
  outPath: string,
  signal?: AbortSignal,
): Promise<void> {
  const { starts } = clipTimes(scenes, fmt.fps);
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-filter_threads',
    '1',
    '-filter_complex',
    videoGraph(scenes, fmt),
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-threads',
    '1',
    '-crf',
    '20',
    '-g',
    String(Math.max(1, Math.round(fmt.fps * 2))),
    '-force_key_frames',
    starts.map(num).join(','),
    '-movflags',
    '+faststart',
    '-map_metadata',
    '-1',
    '-fflags',
    '+bitexact',
    '-flags:v',
    '+bitexact',
    '-f',
    'mp4',
    outPath,
  ];
  return new Promise((resolve, reject) => {
    const p = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    p.on('error', (e) =>
      reject(e.name === 'AbortError' ? e : new Error(`cannot start ffmpeg at ${ffmpegPath}: ${e.message}`)),
    );
    p.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited with ${code} writing ${outPath}: ${stderr.trim().slice(-2000)}`));
    });
  });
}
