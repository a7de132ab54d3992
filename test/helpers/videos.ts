/**
 * Test videos synthesized with the bundled ffmpeg (lavfi testsrc2/color/sine) — no committed
 * binaries. Generated once into a cache dir keyed by the fixture specs and the ffmpeg binary, so
 * parallel test files and re-runs share them; each file is written to a temp name and renamed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveBinaries } from '../../stages/frames/ffmpeg.js';

const run = promisify(execFile);

/** Generated fixtures: paths relative to the media root unless noted. */
export interface VideoFixtures {
  /** The media root every fixture lives in. */
  readonly mediaRoot: string;
  /** A file outside the media root (target of `linkOut`). */
  readonly outsideFile: string;
  /** name → file name inside `mediaRoot`. */
  readonly files: Readonly<Record<FixtureName, string>>;
}

/** ffmpeg argument lists (after `-y -v error`) for each synthesized video; the output path is appended. */
const specs = {
  basic: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25:duration=6',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
  ],
  ramp: [
    '-f',
    'lavfi',
    '-i',
    "color=c=black:s=64x48:r=10:d=10,format=rgb24,geq=r='25*T':g='25*T':b='25*T'",
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '10',
    '-pix_fmt',
    'yuv444p',
    '-qp',
    '0',
  ],
  odd: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=17x9:rate=25:duration=2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv444p',
  ],
  vfr: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=30:duration=4',
    '-vf',
    "select='lt(n\\,30)+not(mod(n\\,4))'",
    '-vsync',
    'vfr',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
  ],
  webm: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25:duration=2',
    '-c:v',
    'libvpx-vp9',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-b:v',
    '200k',
  ],
  avi: ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=2', '-c:v', 'mpeg4', '-q:v', '5'],
  mov: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25:duration=2',
    '-c:v',
    'mjpeg',
    '-q:v',
    '5',
    '-pix_fmt',
    'yuvj420p',
  ],
  tenbit: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25:duration=2',
    '-c:v',
    'libx265',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p10le',
    '-x265-params',
    'log-level=error',
  ],
  sar: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25:duration=2',
    '-vf',
    'setsar=2/1',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
  ],
  rawh264: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25:duration=2',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'h264',
  ],
  tsjump: [
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25:duration=3',
    '-vf',
    "setpts='PTS+if(gte(N\\,25)\\,5/TB\\,0)'",
    '-vsync',
    'passthrough',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
  ],
  audio: ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'aac'],
} as const;

/** Every fixture name: the synthesized videos plus the hand-made bad files. */
export type FixtureName =
  keyof typeof specs | 'rotated' | 'zeroByte' | 'truncated' | 'textAsMp4' | 'weirdName' | 'linkOut' | 'linkIn';

const fileNames: Record<FixtureName, string> = {
  basic: 'basic.mp4',
  ramp: 'ramp.mp4',
  odd: 'odd-17x9.mp4',
  vfr: 'vfr.mp4',
  webm: 'vp9.webm',
  avi: 'mpeg4.avi',
  mov: 'mjpeg.mov',
  tenbit: 'hevc-10bit.mp4',
  rotated: 'rotated.mp4',
  sar: 'sar-2-1.mp4',
  rawh264: 'raw-no-timestamps.h264',
  tsjump: 'ts-jump.mkv',
  audio: 'audio-only.mp4',
  zeroByte: 'zero.mp4',
  truncated: 'truncated.mp4',
  textAsMp4: 'text.mp4',
  weirdName: `we'ird "name" $(echo x) ; & | * [1].mp4`,
  linkOut: 'link-out.mp4',
  linkIn: 'link-in.mp4',
};

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function atomically(final: string, make: (tmp: string) => Promise<void>): Promise<void> {
  if (await exists(final)) return;
  const tmp = `${final}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}${final.slice(final.lastIndexOf('.'))}`;
  try {
    await make(tmp);
    await rename(tmp, final);
  } finally {
    await rm(tmp, { force: true });
  }
}

let cached: Promise<VideoFixtures> | undefined;

/** Generates (or reuses) every fixture; safe to call from many test files at once. */
export function videoFixtures(): Promise<VideoFixtures> {
  cached ??= generate();
  return cached;
}

async function generate(): Promise<VideoFixtures> {
  const { ffmpeg } = resolveBinaries();
  const key = createHash('sha256')
    .update(JSON.stringify({ specs, fileNames, ffmpeg, v: 2 }))
    .digest('hex')
    .slice(0, 12);
  const base = join(tmpdir(), `flywheel-fixtures-${key}`);
  const mediaRoot = join(base, 'media');
  const outside = join(base, 'outside');
  await mkdir(mediaRoot, { recursive: true });
  await mkdir(outside, { recursive: true });
  const p = (name: FixtureName): string => join(mediaRoot, fileNames[name]);
  const synth = async (name: keyof typeof specs): Promise<void> =>
    atomically(p(name), async (tmp) => {
      await run(ffmpeg, ['-y', '-v', 'error', ...specs[name], tmp]);
    });
  const names = Object.keys(specs) as (keyof typeof specs)[];
  // two at a time: CI has 2 cores
  for (let i = 0; i < names.length; i += 2) await Promise.all(names.slice(i, i + 2).map(synth));
  // display-matrix rotation is only written reliably on a stream copy
  await atomically(p('rotated'), async (tmp) => {
    await run(ffmpeg, ['-y', '-v', 'error', '-i', p('basic'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90', tmp]);
  });
  await atomically(p('zeroByte'), (tmp) => writeFile(tmp, ''));
  await atomically(p('textAsMp4'), (tmp) => writeFile(tmp, 'this is not a video, just text that ends in .mp4\n'));
  await atomically(p('truncated'), async (tmp) => {
    await copyFile(p('basic'), tmp);
    await truncate(tmp, Math.floor((await readFile(p('basic'))).length * 0.4));
  });
  await atomically(p('weirdName'), (tmp) => copyFile(p('basic'), tmp));
  const outsideFile = join(outside, 'secret.mp4');
  await atomically(outsideFile, (tmp) => copyFile(p('basic'), tmp));
  await atomically(p('linkOut'), (tmp) => symlink(outsideFile, tmp));
  await atomically(p('linkIn'), (tmp) => symlink(fileNames.basic, tmp));
  return { mediaRoot, outsideFile, files: fileNames };
}

/** What {@link synthVideo} draws: a lavfi source, an optional filter and keyframe interval, and a length in seconds. */
export interface SynthSpec {
  readonly source: string;
  readonly vf?: string;
  readonly gop?: number;
  readonly seconds?: number;
}

/** Writes one H.264 test video (yuv420p, ultrafast) from a lavfi source with the bundled ffmpeg. */
export async function synthVideo(out: string, spec: SynthSpec): Promise<void> {
  const { ffmpeg } = resolveBinaries();
  await run(ffmpeg, [
    ...['-y', '-v', 'error', '-f', 'lavfi', '-i', spec.source],
    ...(spec.seconds !== undefined ? ['-t', String(spec.seconds)] : []),
    ...(spec.vf !== undefined ? ['-vf', spec.vf] : []),
    ...['-c:v', 'libx264', '-preset', 'ultrafast'],
    ...(spec.gop !== undefined ? ['-g', String(spec.gop)] : []),
    ...['-pix_fmt', 'yuv420p', out],
  ]);
}
