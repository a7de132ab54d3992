/** Options of the `frames` stage (frame extraction with ffmpeg), shared by the run and refine configs. */
import { z } from 'zod';
import { hashed, unhashed } from './marks.js';

/** How the frames stage samples a clip: one fast seek per frame, one decode pass, or chosen per clip length. */
export const samplingMethods = ['auto', 'seek', 'decode'] as const;

/** One of {@link samplingMethods}. */
export type SamplingMethod = (typeof samplingMethods)[number];

const positiveInt = z.number().int().positive();

/** Options of the `frames` stage. Concurrency, the timeout and binary paths are not hashed: a resume may change them. */
export const framesConfigSchema = z
  .object({
    /** Frames sampled uniformly over [start_s, end_s] per clip. Default 8. */
    count: hashed(positiveInt.max(256).default(8)),
    /** Output width in pixels (the model's input width). Default 224. */
    width: hashed(positiveInt.max(4096).default(224)),
    /** Output height in pixels (the model's input height). Default 224. */
    height: hashed(positiveInt.max(4096).default(224)),
    /** Seconds one clip's ffmpeg process may run before it is killed (→ a `timeout` error row). Default 60. */
    timeout_s: unhashed(z.number().positive().default(60)),
    /** ffmpeg processes at once; default: one per CPU core (`config/runtime-defaults.ts`). */
    concurrency: unhashed(positiveInt.max(1024).optional()),
    /** `auto` (default) uses `seek` for clips longer than `seek_min_clip_s`, `decode` otherwise. */
    method: hashed(z.enum(samplingMethods).default('auto')),
    /** Clip length (seconds) from which `auto` prefers one seek per frame over one decode pass. Default 10: `bench/frames.ts` measured the crossover between 8 and 16 s (2 s keyframe interval). */
    seek_min_clip_s: hashed(z.number().nonnegative().default(10)),
    /** Path of an ffmpeg binary to use instead of the bundled one. */
    ffmpeg_path: unhashed(z.string().min(1).optional(), { path: true }),
    /** Path of an ffprobe binary to use instead of the bundled one. */
    ffprobe_path: unhashed(z.string().min(1).optional(), { path: true }),
  })
  .strict();

/** Parsed `frames` options. */
export type FramesConfig = z.infer<typeof framesConfigSchema>;
