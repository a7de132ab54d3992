/**
 * Decode-once part of `research/bench/frames.ts`: frames/s of one decode pass per video against the
 * per-clip path (one process per clip, method `auto`), side by side, at the model's small frame
 * size (32×32, 8 frames per clip), both with `concurrency` = cores across videos or clips.
 * 1. 16 clips per video (the `gen-bench --clips-per-video 16` shape) — the decode-once case;
 * 2. 1 clip per video — the plan must fall back to the per-clip path at no cost;
 * 3. gap sweep: 6 clips of 1 s on one video, gap g between clips — sets `DECODE_ONCE_MAX_GAP_S`.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { FramesConfig } from '../../config/frames.js';
import type { FfmpegBinaries } from '../../stages/frames/ffmpeg.js';
import { DECODE_ONCE_MAX_GAP_S } from '../../stages/frames/sampling.js';
import { extractVideoFrames, type FramesClip } from '../../stages/frames/video-frames.js';

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** Runs one set of clips both ways; throws unless both give the same frames count and no errors. */
async function both(
  clips: FramesClip[],
  config: FramesConfig,
  media: string,
  bins: FfmpegBinaries,
  cores: number,
): Promise<{ once_s: number; per_clip_s: number; frames: number }> {
  let framesOnce = 0;
  let framesPer = 0;
  const count = (r: Map<string, { frames: unknown[] } | { error: { message: string } }>): number => {
    let n = 0;
    for (const v of r.values()) {
      if ('error' in v) throw new Error(`bench clip failed: ${v.error.message}`);
      n += v.frames.length;
    }
    return n;
  };
  const groups = new Map<string, FramesClip[]>();
  for (const c of clips) groups.set(c.video_uri, [...(groups.get(c.video_uri) ?? []), c]);
  const byVideo = [...groups.values()];
  const onceQ = new PQueue({ concurrency: cores });
  const once_s = await timed(() =>
    Promise.all(
      byVideo.map((g) =>
        onceQ.add(async () => {
          const n = count(await extractVideoFrames(g, { config, mediaRoot: media, bins }));
          framesOnce += n;
        }),
      ),
    ),
  );
  const perQ = new PQueue({ concurrency: cores });
  const per_clip_s = await timed(() =>
    Promise.all(
      clips.map((c) =>
        perQ.add(async () => {
          const n = count(await extractVideoFrames([c], { config, mediaRoot: media, bins, decodeOnce: false }));
          framesPer += n;
        }),
      ),
    ),
  );
  if (framesOnce !== framesPer) throw new Error(`unequal output: ${framesOnce} vs ${framesPer} frames`);
  return { once_s, per_clip_s, frames: framesOnce };
}

/** Runs the three decode-once measurements on copies of `media/long.mp4` (40 s, 640x360 H.264, 2 s GOP). */
export async function decodeOnceBench(
  media: string,
  base: FramesConfig,
  bins: FfmpegBinaries,
  cores: number,
): Promise<Record<string, unknown>> {
  const config: FramesConfig = { ...base, width: 32, height: 32, count: 8, method: 'auto' };
  const videos = 4;
  for (let v = 0; v < videos * 4; v++) await copyFile(join(media, 'long.mp4'), join(media, `v${v}.mp4`));
  const at = (v: number, i: number, start: number, len: number): FramesClip => ({
    clip_id: `v${v}-${i}`,
    video_uri: `v${v}.mp4`,
    start_s: start,
    end_s: start + len,
  });
  const out: Record<string, unknown> = {};

  const dense = Array.from({ length: videos }, (_, v) =>
    Array.from({ length: 16 }, (_, i) => at(v, i, i * 2.5, 2)),
  ).flat();
  const d = await both(dense, config, media, bins, cores);
  out.clips16 = {
    ...d,
    once_fps: d.frames / d.once_s,
    per_clip_fps: d.frames / d.per_clip_s,
    speedup: d.per_clip_s / d.once_s,
  };
  console.log(
    `\ndecode once per video (${config.width}x${config.height}, ${config.count} frames per clip, ${cores} at once):`,
  );
  console.log(
    `  16 clips per video (${videos} videos, 2 s clips 0.5 s apart): decode once ${(d.frames / d.once_s).toFixed(0)} frames/s, per clip ${(d.frames / d.per_clip_s).toFixed(0)} frames/s → ${(d.per_clip_s / d.once_s).toFixed(2)}× (${d.frames} frames each way)`,
  );

  const sparse = Array.from({ length: videos * 4 }, (_, v) => at(v, 0, 10, 2));
  const s = await both(sparse, config, media, bins, cores);
  out.clips1 = {
    ...s,
    chosen_fps: s.frames / s.once_s,
    per_clip_fps: s.frames / s.per_clip_s,
    ratio: s.per_clip_s / s.once_s,
  };
  console.log(
    `  1 clip per video (${sparse.length} videos): chosen path ${(s.frames / s.once_s).toFixed(0)} frames/s, per clip ${(s.frames / s.per_clip_s).toFixed(0)} frames/s → ${(s.per_clip_s / s.once_s).toFixed(2)}×`,
  );

  const gaps: { gap_s: number; once_ms: number; per_clip_ms: number }[] = [];
  console.log(
    `  gap sweep (6 clips of 1 s on one video, one at a time; planner threshold DECODE_ONCE_MAX_GAP_S = ${DECODE_ONCE_MAX_GAP_S}):`,
  );
  console.log('    gap_s   once_ms  per_clip_ms');
  for (const gap of [0, 2, 4, 6]) {
    const clips = Array.from({ length: 6 }, (_, i) => at(0, i, 0.5 + i * (1 + gap), 1));
    const once = await timed(() => extractVideoFrames(clips, { config, mediaRoot: media, bins, maxGapS: Infinity }));
    const per = await timed(async () => {
      for (const c of clips) await extractVideoFrames([c], { config, mediaRoot: media, bins, decodeOnce: false });
    });
    gaps.push({ gap_s: gap, once_ms: once * 1000, per_clip_ms: per * 1000 });
    console.log(
      `    ${String(gap).padStart(5)} ${(once * 1000).toFixed(0).padStart(9)} ${(per * 1000).toFixed(0).padStart(12)}`,
    );
  }
  out.gap_sweep = gaps;
  return out;
}
