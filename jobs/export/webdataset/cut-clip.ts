/**
 * Cuts one clip to an `.mp4` (stream copy or re-encode, as planned; a copy ffmpeg refuses falls
 * back to a re-encode, and the fallback is recorded) and, when asked, samples JPEG frames from it.
 * Output is bit-exact flagged and carries no source metadata, so re-exports give the same bytes.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CutPlan, planCut, probeVideo } from './cut-plan.js';
import { MediaToolError, type MediaTools, runTool } from './media-tools.js';

/** A cut clip: the `.mp4` bytes, how it was cut, and its frames (empty unless asked). */
export interface CutClip {
  readonly mp4: Uint8Array;
  readonly cut: CutPlan;
  readonly frames: Uint8Array[];
}

const COMMON = ['-map', '0:v:0', '-map', '0:a:0?', '-map_metadata', '-1', '-fflags', '+bitexact'];
const COPY = ['-c', 'copy', '-avoid_negative_ts', 'make_zero'];
const REENCODE = [
  '-vf',
  'scale=trunc(iw/2)*2:trunc(ih/2)*2',
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-crf',
  '20',
  '-pix_fmt',
  'yuv420p',
  '-flags:v',
  '+bitexact',
  // one encoder thread: x264's threaded encode can differ run to run under load, and a cut must be bit-exact
  '-threads',
  '1',
  '-c:a',
  'aac',
];

async function cutTo(tools: MediaTools, src: string, start: number, end: number, copy: boolean, out: string) {
  await runTool(
    tools.bins.ffmpeg,
    [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-ss',
      String(start),
      '-i',
      src,
      '-t',
      String(end - start),
      ...COMMON,
      ...(copy ? COPY : REENCODE),
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      out,
    ],
    tools.timeoutS,
  );
}

/** `count` frames spread evenly over the clip file, as JPEG bytes in time order. */
async function sampleFrames(tools: MediaTools, clip: string, seconds: number, count: number, dir: string) {
  await runTool(
    tools.bins.ffmpeg,
    [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-i',
      clip,
      '-vf',
      `fps=${count / seconds}`,
      '-frames:v',
      String(count),
      '-q:v',
      '3',
      join(dir, 'frame-%03d.jpg'),
    ],
    tools.timeoutS,
  );
  const names = (await readdir(dir)).filter((f) => f.startsWith('frame-')).sort();
  return Promise.all(names.map((n) => readFile(join(dir, n))));
}

/** Cuts `[start, end)` of `src`; throws {@link MediaToolError} (with stderr) when ffmpeg cannot. */
export async function cutClip(
  tools: MediaTools,
  src: string,
  range: { start: number; end: number },
  opts: { frames: number; scratch: string },
): Promise<CutClip> {
  const dir = await mkdtemp(join(opts.scratch, 'clip-'));
  try {
    const out = join(dir, 'clip.mp4');
    let cut = planCut(await probeVideo(tools, src, range.start, range.end), range.start);
    if (cut.method === 'copy') {
      try {
        await cutTo(tools, src, range.start, range.end, true, out);
      } catch (e) {
        if (!(e instanceof MediaToolError)) throw e;
        cut = { ...cut, method: 'reencode', reason: `${cut.reason}, but stream copy failed (${e.message})` };
      }
    }
    if (cut.method === 'reencode') await cutTo(tools, src, range.start, range.end, false, out);
    const frames = opts.frames > 0 ? await sampleFrames(tools, out, range.end - range.start, opts.frames, dir) : [];
    return { mp4: await readFile(out), cut, frames };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
