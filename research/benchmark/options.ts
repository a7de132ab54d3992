/**
 * Options of the benchmark generator, validated at the door (zod): every error names
 * the field and quotes the value it got.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { NOISE_KINDS, type NoiseKind } from './asr.js';

const frac = z.number().min(0).max(1);
const mixSchema = z.object(
  Object.fromEntries(NOISE_KINDS.map((k) => [k, z.number().min(0)])) as Record<NoiseKind, z.ZodNumber>,
);

/** Zod schema of the generator options (defaults filled in). */
export const benchmarkOptionsSchema = z
  .object({
    /** Output directory (created if missing). */
    outDir: z.string().min(1),
    /** Number of clips, ≥ 1. */
    clips: z.number().int().min(1).max(10_000_000),
    /** Seed: same seed + same options ⇒ same dataset, byte for byte. Default 0. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    /** Fraction of clips whose ASR transcript is corrupted (exact count = round(clips·noise)). Default 0.4. */
    noise: frac.default(0.4),
    /** Relative weights of the noise kinds among corrupted clips. Default: all 1. */
    noiseMix: mixSchema.default({ wrong_attribute: 1, missing_words: 1, off_topic: 1, other_clip: 1, empty: 1 }),
    /** Fraction of clips whose title/tags are corrupted (independent of the transcript). Default noise / 2. */
    titleNoise: frac.optional(),
    /** Fraction of clips in the human refinement split (with `human_caption`). Default 0.03. */
    humanFrac: frac.default(0.03),
    /** Fraction of clips in the held-out evaluation split. Default 0.1. */
    heldoutFrac: frac.default(0.1),
    /** Frame width in pixels (even, 16–1024). Default 64. */
    width: z.number().int().min(16).max(1024).multipleOf(2).default(64),
    /** Frame height in pixels (even, 16–1024). Default 64. */
    height: z.number().int().min(16).max(1024).multipleOf(2).default(64),
    /** Frames per second (1–60). Default 8. */
    fps: z.number().int().min(1).max(60).default(8),
    /** Clip length range in seconds (multiples of 0.5). Defaults 2 and 6. */
    minDurationS: z.number().min(0.5).max(60).default(2),
    maxDurationS: z.number().min(0.5).max(60).default(6),
    /** How many clips one video file holds, back to back. Default 16. */
    clipsPerVideo: z.number().int().min(1).max(10_000).default(16),
    /** Parallel ffmpeg processes. Default: available CPU cores. Not part of the dataset's identity. */
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(() => availableParallelism()),
    /** `absolute` writes absolute video paths into the manifest; `relative` writes paths relative to outDir. Default absolute. */
    uriStyle: z.enum(['absolute', 'relative']).default('absolute'),
  })
  .refine((o) => o.minDurationS <= o.maxDurationS, {
    message: 'minDurationS must be ≤ maxDurationS',
    path: ['minDurationS'],
  })
  .refine((o) => o.humanFrac + o.heldoutFrac <= 1, {
    message: 'humanFrac + heldoutFrac must be ≤ 1',
    path: ['heldoutFrac'],
  });

/** Options as callers pass them (most optional). */
export type BenchmarkOptionsInput = z.input<typeof benchmarkOptionsSchema>;
/** Options after validation, every default filled in. */
export type BenchmarkOptions = z.output<typeof benchmarkOptionsSchema> & { titleNoise: number };

/** Validates options; throws an Error naming each bad field with the value it got. */
export function parseBenchmarkOptions(input: BenchmarkOptionsInput): BenchmarkOptions {
  const r = benchmarkOptionsSchema.safeParse(input);
  if (!r.success) {
    const msgs = r.error.issues.map((i) => {
      const path = i.path.join('.');
      const got = i.path.reduce<unknown>(
        (o, k) => (o !== null && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined),
        input,
      );
      return `${path}: ${i.message} (got ${JSON.stringify(got)})`;
    });
    throw new Error(`invalid benchmark options: ${msgs.join('; ')}`);
  }
  return { ...r.data, titleNoise: r.data.titleNoise ?? r.data.noise / 2 };
}
