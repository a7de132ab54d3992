import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FramesConfig } from '../../../config/frames.js';
import { parseConfig } from '../../../config/run.js';
import { buildFrameCommand, frameCommandArgv } from '../../../stages/frames/command.js';
import { resolveBinaries } from '../../../stages/frames/ffmpeg.js';
import { chooseMethod, sampleTimes } from '../../../stages/frames/sampling.js';
import { type ClipFrames, extractClipFrames, framesStage } from '../../../stages/frames/stage.js';
import { type VideoFixtures, videoFixtures } from '../../helpers/videos.js';

let fx: VideoFixtures;
const bins = resolveBinaries();
beforeAll(async () => {
  fx = await videoFixtures();
});

function framesConfig(over: Partial<FramesConfig> = {}): FramesConfig {
  return {
    ...parseConfig({ run_dir: 'r', manifest: 'm', media_root: 'x' }).stages.frames!,
    count: 4,
    width: 32,
    height: 24,
    ...over,
  };
}

async function extract(
  video_uri: string,
  start_s: number,
  end_s: number,
  over: Partial<FramesConfig> = {},
): Promise<ClipFrames> {
  return extractClipFrames(
    { clip_id: 'c', video_uri, start_s, end_s },
    { config: framesConfig(over), mediaRoot: fx.mediaRoot, bins },
  );
}

const mean = (px: Uint8Array): number => px.reduce((a, b) => a + b, 0) / px.length;

describe('sampling', () => {
  it('samples the midpoints of equal slices of [start, end]', () => {
    expect(sampleTimes(2, 4, 4)).toEqual([2.25, 2.75, 3.25, 3.75]);
  });
  it('auto picks seek for long clips and decode for short ones', () => {
    expect(chooseMethod('auto', 10, 4)).toBe('seek');
    expect(chooseMethod('auto', 1, 4)).toBe('decode');
    expect(chooseMethod('decode', 100, 4)).toBe('decode');
  });
  it('seek builds ONE ffmpeg command with a fast input seek before each -i, joined by concat', () => {
    const argv = frameCommandArgv(
      buildFrameCommand({ path: '/m/a b.mp4', times: [1, 2, 3], width: 8, height: 6, method: 'seek' }),
    );
    expect(argv.filter((a) => a === '-i')).toHaveLength(3);
    expect(argv.slice(2, 8)).toEqual(['-threads', '1', '-ss', '1.000000', '-i', 'file:/m/a b.mp4']);
    expect(argv.join(' ')).toMatch(/concat=n=3:v=1:a=0\[out\]/);
    expect(argv).toContain('rgb24');
  });
});

describe('frames from real videos', () => {
  it.each(['seek', 'decode'] as const)(
    '%s: frames are taken at the sampled times (brightness ramp = 25 × t)',
    async (method) => {
      const r = await extract('ramp.mp4', 0, 10, { method });
      if ('error' in r) throw new Error(r.error.message);
      expect(r.frames.map((f) => f.timestamp_s)).toEqual([1.25, 3.75, 6.25, 8.75]);
      for (const f of r.frames) {
        expect(f.pixels.length).toBe(32 * 24 * 3);
        // within one source frame (0.1 s = 2.5 levels) of the midpoint
        expect(Math.abs(mean(f.pixels) - 25 * f.timestamp_s)).toBeLessThanOrEqual(3.5);
      }
    },
  );

  it.each([
    ['odd size 17x9', 'odd'],
    ['variable frame rate', 'vfr'],
    ['webm/VP9', 'webm'],
    ['avi/MPEG-4 Part 2', 'avi'],
    ['mov/MJPEG', 'mov'],
    ['10-bit HEVC', 'tenbit'],
    ['rotated by display matrix', 'rotated'],
    ['non-square pixels (SAR 2:1)', 'sar'],
    ['raw H.264 without timestamps (cannot seek)', 'rawh264'],
    ['timestamps that jump by 5 s', 'tsjump'],
    ['a name with spaces, quotes and shell metacharacters', 'weirdName'],
    ['a symlink that stays inside the media root', 'linkIn'],
  ] as const)('%s → 4 RGB frames at the model size', async (_label, name) => {
    const r = await extract(fx.files[name], 0.2, 1.8);
    if ('error' in r) throw new Error(`${name}: ${r.error.kind}: ${r.error.message}`);
    expect(r.frames).toHaveLength(4);
    for (const f of r.frames) expect([f.width, f.height, f.pixels.length]).toEqual([32, 24, 32 * 24 * 3]);
  });
});

describe('bad input becomes an error row with a clear message', () => {
  it.each([
    ['zero-byte file', 'zero.mp4', 0, 1, 'empty_file', /video file is empty \(0 bytes\): .*zero\.mp4/],
    ['truncated mp4', 'truncated.mp4', 0, 1, 'not_a_video', /not a readable video: .*moov atom not found/],
    [
      'text file named .mp4',
      'text.mp4',
      0,
      1,
      'not_a_video',
      /not a readable video: .*(Invalid data|moov atom not found)/,
    ],
    ['audio-only file', 'audio-only.mp4', 0, 1, 'not_a_video', /no video stream in the file \(audio-only or data\)/],
    ['missing file', 'nope/missing.mp4', 0, 1, 'missing_file', /video file not found: .*nope\/missing\.mp4/],
    [
      '../ escape',
      '../outside/secret.mp4',
      0,
      1,
      'path_refused',
      /video_uri "\.\.\/outside\/secret\.mp4" refused: it points outside the media root/,
    ],
    [
      'symlink pointing outside',
      'link-out.mp4',
      0,
      1,
      'path_refused',
      /video_uri "link-out\.mp4" refused: it is a symlink to .*outside\/secret\.mp4, outside the media root/,
    ],
    [
      'clip beyond the duration',
      'basic.mp4',
      4,
      12,
      'bad_time_range',
      /clip \[4, 12\] s goes beyond the video's duration 6\.000 s: got 1 of 4 frames/,
    ],
  ] as const)('%s', async (_label, uri, start, end, kind, message) => {
    const r = await extract(uri, start, end);
    expect('error' in r && r.error).toMatchObject({
      clip_id: 'c',
      kind,
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('an absolute path outside the media root is refused', async () => {
    const r = await extract(fx.outsideFile, 0, 1);
    expect('error' in r && r.error.kind).toBe('path_refused');
  });

  it('a clip that exceeds the per-clip timeout is killed and reported', async () => {
    const r = await extract('basic.mp4', 0, 5, { timeout_s: 0.001, count: 32 });
    expect('error' in r && r.error).toMatchObject({
      kind: 'timeout',
      message: expect.stringMatching(/ffmpeg did not finish within 0\.001s and was killed/) as unknown,
    });
  });
});

describe('frames stage setup', () => {
  it('fails with a how-to-fix message when ffmpeg cannot run', async () => {
    const stage = framesStage({
      config: framesConfig({ ffmpeg_path: join(fx.mediaRoot, 'no-ffmpeg') }),
      mediaRoot: fx.mediaRoot,
    });
    await expect(stage.setup()).rejects.toThrow(/cannot run ffmpeg at .*no-ffmpeg .*set stages\.frames\.ffmpeg_path/);
  });
  it('fails when the media root does not exist', async () => {
    const stage = framesStage({ config: framesConfig(), mediaRoot: join(fx.mediaRoot, 'nope') });
    await expect(stage.setup()).rejects.toThrow(/media_root .*nope is not readable \(ENOENT\)/);
  });
});
