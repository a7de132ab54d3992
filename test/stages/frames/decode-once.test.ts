import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp.js';
import { batchToRows, rowsToBatch } from '../../../schemas/arrow.js';
import type { RowError, StageContext } from '../../../pipeline/stage.js';
import { clipsSchema } from '../../../schemas/clips.js';
import type { FramesConfig } from '../../../config/frames.js';
import { parseConfig } from '../../../config/run.js';
import type { FrameRow } from '../../../schemas/frames.js';
import { type FfmpegBinaries, resolveBinaries } from '../../../stages/frames/ffmpeg.js';
import { planVideo } from '../../../stages/frames/sampling.js';
import { framesBatchSize, framesStage } from '../../../stages/frames/stage.js';
import { extractVideoFrames, type FramesClip } from '../../../stages/frames/video-frames.js';
import { buildVideoPassCommand, parseShowinfoTimes, routeFrames } from '../../../stages/frames/video-pass.js';
import { clip } from '../../helpers/manifests.js';
import { type VideoFixtures, videoFixtures } from '../../helpers/videos.js';

let fx: VideoFixtures;
let counted: FfmpegBinaries;
let countLog: string;
const bins = resolveBinaries();

beforeAll(async () => {
  fx = await videoFixtures();
  // an ffmpeg that logs each frame-extracting start (not fluent-ffmpeg's `-formats` probes), so a test can count processes
  const dir = await tempDir('flywheel-ffcount-');
  countLog = join(dir, 'starts.log');
  const wrapper = join(dir, 'ffmpeg');
  await writeFile(
    wrapper,
    `#!/bin/sh\ncase "$*" in *-filter_complex*) echo x >> '${countLog}';; esac\nexec '${bins.ffmpeg}' "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  counted = { ...bins, ffmpeg: wrapper };
});

async function starts(): Promise<number> {
  return (await readFile(countLog, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

function framesConfig(over: Partial<FramesConfig> = {}): FramesConfig {
  return {
    ...parseConfig({ run_dir: 'r', manifest: 'm', media_root: 'x' }).stages.frames!,
    count: 4,
    width: 32,
    height: 24,
    ...over,
  };
}

/** `n` clips of `len` seconds, `gap` apart, from `from` seconds on. */
function clipsOn(video_uri: string, n: number, len: number, gap: number, from = 0): FramesClip[] {
  return Array.from({ length: n }, (_, i) => ({
    clip_id: `v${i}`,
    video_uri,
    start_s: from + i * (len + gap),
    end_s: from + i * (len + gap) + len,
  }));
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array): number =>
  a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / a.length;

function framesOf(r: Map<string, { frames: FrameRow[] } | { error: RowError }>, id: string): FrameRow[] {
  const x = r.get(id);
  if (!x || 'error' in x) throw new Error(`${id}: ${x && 'error' in x ? x.error.message : 'missing'}`);
  return x.frames;
}

describe('decode once per video', () => {
  it.each([
    ['ramp.mp4 (10 fps, lossless brightness ramp)', 'ramp.mp4', 16, 0.5, 0.1, 3.5],
    ['basic.mp4 (25 fps testsrc2, H.264)', 'basic.mp4', 16, 0.3, 0.05, undefined],
  ] as const)(
    '%s: 16 clips in ONE ffmpeg process, same timestamps, the per-clip seek frames bit for bit',
    async (_l, uri, n, len, gap, decodeTol) => {
      const clips = clipsOn(uri, n, len, gap, 0.13);
      const before = await starts();
      const once = await extractVideoFrames(clips, { config: framesConfig(), mediaRoot: fx.mediaRoot, bins: counted });
      expect((await starts()) - before).toBe(1);
      const seek = await extractVideoFrames(clips, {
        config: framesConfig({ method: 'seek' }),
        mediaRoot: fx.mediaRoot,
        bins,
      });
      const auto = await extractVideoFrames(clips, {
        config: framesConfig(),
        mediaRoot: fx.mediaRoot,
        bins,
        decodeOnce: false,
      });
      for (const c of clips) {
        const a = framesOf(once, c.clip_id);
        const s = framesOf(seek, c.clip_id);
        const p = framesOf(auto, c.clip_id);
        expect(a.map((f) => f.timestamp_s)).toEqual(s.map((f) => f.timestamp_s));
        expect(a.map((f) => f.timestamp_s)).toEqual(p.map((f) => f.timestamp_s));
        a.forEach((f, k) => {
          expect(meanAbsDiff(f.pixels, s[k].pixels)).toBe(0);
          // the per-clip `decode` path (what `auto` picks for short clips) may land on the neighbouring
          // frame: on the ramp one source frame is 2.5 brightness levels, + rounding
          if (decodeTol !== undefined) expect(meanAbsDiff(f.pixels, p[k].pixels)).toBeLessThanOrEqual(decodeTol);
        });
      }
    },
  );

  it('a clip beyond the video end is redone per clip and gets its own error; its neighbours keep their frames', async () => {
    const clips = [
      ...clipsOn('basic.mp4', 3, 1, 0.5, 1),
      { clip_id: 'late', video_uri: 'basic.mp4', start_s: 5.5, end_s: 9 },
    ];
    const r = await extractVideoFrames(clips, { config: framesConfig(), mediaRoot: fx.mediaRoot, bins });
    for (const id of ['v0', 'v1', 'v2']) expect(framesOf(r, id)).toHaveLength(4);
    expect(r.get('late')).toMatchObject({
      error: {
        clip_id: 'late',
        kind: 'bad_time_range',
        message: expect.stringMatching(/clip \[5\.5, 9\] s goes beyond the video's duration 6\.000 s/) as unknown,
      },
    });
  });

  it.each([
    ['truncated mp4', 'truncated.mp4', 'not_a_video'],
    ['text file named .mp4', 'text.mp4', 'not_a_video'],
    ['missing file', 'nope/missing.mp4', 'missing_file'],
    ['../ escape', '../outside/secret.mp4', 'path_refused'],
  ] as const)('%s: every clip of that video gets its own error row, in one process at most', async (_l, uri, kind) => {
    const clips = clipsOn(uri, 4, 0.5, 0.1);
    const before = await starts();
    const r = await extractVideoFrames(clips, { config: framesConfig(), mediaRoot: fx.mediaRoot, bins: counted });
    expect((await starts()) - before).toBeLessThanOrEqual(1);
    for (const c of clips) expect(r.get(c.clip_id)).toMatchObject({ error: { clip_id: c.clip_id, kind } });
  });

  it('a pass that times out is redone per clip, each clip reporting its own timeout', async () => {
    const clips = clipsOn('basic.mp4', 2, 1, 0.2);
    const r = await extractVideoFrames(clips, {
      config: framesConfig({ timeout_s: 0.001 }),
      mediaRoot: fx.mediaRoot,
      bins,
    });
    for (const c of clips)
      expect(r.get(c.clip_id)).toMatchObject({
        error: {
          clip_id: c.clip_id,
          kind: 'timeout',
          message: expect.stringMatching(/ffmpeg did not finish within 0\.001s/) as unknown,
        },
      });
  });
});

describe('the frames stage groups a shard by video', () => {
  it('a batch of three videos (one broken) → frames in clip order, one error row per broken clip', async () => {
    const rows = [
      clip('a0', 'basic.mp4', 0, 1),
      clip('b0', 'missing.mp4', 0, 1),
      clip('a1', 'basic.mp4', 1.2, 2),
      clip('r0', 'ramp.mp4', 2, 3),
      clip('b1', 'missing.mp4', 1, 2),
      clip('a2', 'basic.mp4', 2.5, 3),
    ];
    const stage = framesStage({ config: framesConfig(), mediaRoot: fx.mediaRoot });
    expect(stage.groupBy).toBe('video_uri');
    await stage.setup();
    const errors: RowError[] = [];
    const ctx: StageContext = {
      stage: 'frames',
      shardId: 's',
      round: 0,
      signal: new AbortController().signal,
      log: { info() {}, warn() {}, debug() {} },
      reportError: (e) => errors.push(e),
    };
    const out = batchToRows<FrameRow>(await stage.process(rowsToBatch(clipsSchema, rows), ctx));
    expect([...new Set(out.map((f) => f.clip_id))]).toEqual(['a0', 'a1', 'r0', 'a2']);
    expect(out.filter((f) => f.clip_id === 'r0').map((f) => f.frame_index)).toEqual([0, 1, 2, 3]);
    expect(errors.map((e) => [e.clip_id, e.kind])).toEqual([
      ['b0', 'missing_file'],
      ['b1', 'missing_file'],
    ]);
  });

  it('batch size keeps a pass within its byte budget', () => {
    expect(framesBatchSize({ count: 8, width: 32, height: 32 })).toBe(64);
    expect(framesBatchSize({ count: 8, width: 224, height: 224 })).toBe(13);
    expect(framesBatchSize({ count: 256, width: 4096, height: 4096 })).toBe(1);
  });
});

describe('the plan and the pass command', () => {
  const span = (start_s: number, end_s: number): { start_s: number; end_s: number } => ({ start_s, end_s });
  it('groups short clips close together; long clips, far clips and explicit methods go per clip', () => {
    const clips = [span(30, 31), span(0, 2), span(2.5, 4), span(5, 20), span(40, 41)];
    const plan = planVideo(clips, { method: 'auto', seekMinClipS: 10, maxGapS: 4 });
    expect(plan.passes).toEqual([[span(0, 2), span(2.5, 4)]]);
    expect(plan.singles).toEqual([span(5, 20), span(30, 31), span(40, 41)]);
    expect(planVideo(clips, { method: 'auto', seekMinClipS: 10, maxGapS: 100 }).passes).toEqual([
      [span(0, 2), span(2.5, 4), span(30, 31), span(40, 41)],
    ]);
    expect(planVideo(clips, { method: 'auto', seekMinClipS: 10, maxGapS: 100, maxClips: 3 }).passes).toEqual([
      [span(0, 2), span(2.5, 4), span(30, 31)],
    ]);
    expect(planVideo(clips, { method: 'seek', seekMinClipS: 10 })).toEqual({ passes: [], singles: clips });
  });

  it('one input seek to the first time, a select over the distinct times, showinfo for routing', () => {
    const pass = buildVideoPassCommand({ path: '/m/a.mp4', times: [3, 1.5, 1.5, 2], width: 8, height: 6 });
    expect(pass.seekS).toBe(1.5);
    expect(pass.targets).toEqual([0, 0.5, 1.5]);
    expect(pass.inputs).toEqual([
      { path: 'file:/m/a.mp4', options: ['-threads', '1', '-ss', '1.500000', '-t', '2.500000'] },
    ]);
    expect(pass.outputOptions.join(' ')).toMatch(
      /select='gt\(gte\(t\\,0\)\*\(isnan\(prev_t\)\+lt\(prev_t\\,0\)\).*,showinfo,scale=8:6/,
    );
    expect(pass.expectedBytes).toBe(3 * 8 * 6 * 3);
  });

  it('routes each time to the first kept frame at or after it', () => {
    const stderr =
      '[Parsed_showinfo_1 @ 0x1] config in time_base: 1/10, frame_rate: 10/1\n[Parsed_showinfo_1 @ 0x1] n:   0 pts:      1 pts_time:0.1 x\n[Parsed_showinfo_1 @ 0x1] n:   1 pts:      5 pts_time:0.5 x\n';
    expect(parseShowinfoTimes(stderr)).toEqual([0.1, 0.5]);
    expect(parseShowinfoTimes('no showinfo here')).toBeUndefined();
    expect(routeFrames([0.05, 0.1, 0.3, 0.5, 0.7], [0.1, 0.5])).toEqual([0, 0, 1, 1, -1]);
  });
});
