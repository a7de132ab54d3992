/**
 * The job config file (`flywheel run <config>`): checked at the door with zod, so a typo never
 * reaches a stage. Each stage owns one object under `stages`; later stages (caption, adatailr,
 * train, export) add their own key next to `frames` without touching the others.
 */
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

/** How the frames stage samples a clip: one fast seek per frame, one decode pass, or chosen per clip length. */
export const samplingMethods = ['auto', 'seek', 'decode'] as const;

/** One of {@link samplingMethods}. */
export type SamplingMethod = (typeof samplingMethods)[number];

const positiveInt = z.number().int().positive();

/** Options of the `frames` stage (frame extraction with ffmpeg). */
export const framesConfigSchema = z
  .object({
    /** Frames sampled uniformly over [start_s, end_s] per clip. Default 8. */
    count: positiveInt.max(256).default(8),
    /** Output width in pixels (the model's input width). Default 224. */
    width: positiveInt.max(4096).default(224),
    /** Output height in pixels (the model's input height). Default 224. */
    height: positiveInt.max(4096).default(224),
    /** Seconds one clip's ffmpeg process may run before it is killed (→ a `timeout` error row). Default 60. */
    timeout_s: z.number().positive().default(60),
    /** ffmpeg processes at once; default: one per CPU core. Not part of the config hash. */
    concurrency: positiveInt.max(1024).optional(),
    /** `auto` (default) uses `seek` for clips longer than `seek_min_clip_s`, `decode` otherwise. */
    method: z.enum(samplingMethods).default('auto'),
    /** Clip length (seconds) from which `auto` prefers one seek per frame over one decode pass. Default 10: `bench/frames.ts` measured the crossover between 8 and 16 s (2 s keyframe interval). */
    seek_min_clip_s: z.number().nonnegative().default(10),
    /** Path of an ffmpeg binary to use instead of the bundled one. Not part of the config hash. */
    ffmpeg_path: z.string().min(1).optional(),
    /** Path of an ffprobe binary to use instead of the bundled one. Not part of the config hash. */
    ffprobe_path: z.string().min(1).optional(),
  })
  .strict();

/** Parsed `frames` options. */
export type FramesConfig = z.infer<typeof framesConfigSchema>;

/** Per-stage options: one object per stage; a stage runs when its key is present. */
export const stagesConfigSchema = z
  .object({
    frames: framesConfigSchema.optional(),
  })
  .strict();

/** Parsed per-stage options. */
export type StagesConfig = z.infer<typeof stagesConfigSchema>;

/** The whole job config. Relative paths are resolved against the config file's directory by {@link loadConfig}. */
export const configSchema = z
  .object({
    /** Directory holding the run's ledger and Parquet outputs; re-running with the same dir resumes. */
    run_dir: z.string().min(1),
    /** The clips manifest: `.parquet`, `.csv` or `.jsonl`. */
    manifest: z.string().min(1),
    /** Every `video_uri` must resolve inside this directory (relative URIs are taken from here). */
    media_root: z.string().min(1),
    /** Clips per shard: one Parquet file per stage per shard. Default 256. */
    shard_size: positiveInt.max(1_000_000).default(256),
    /** Shards processed at once by the local runner. Default 1 (stages parallelise inside a shard). Not part of the config hash. */
    shard_concurrency: positiveInt.max(64).default(1),
    /** Refinement round number recorded on every output row. Default 0. */
    round: z.number().int().nonnegative().default(0),
    /** Which stages run, with their options. Default: `{ "frames": {} }`. */
    stages: stagesConfigSchema.prefault({ frames: {} }),
  })
  .strict();

/** A parsed, validated job config (defaults filled in). */
export type Config = z.infer<typeof configSchema>;

/** Raised when a config does not validate; `issues` lists each bad field as `path: message (got <value>)`. */
export class ConfigError extends Error {
  /** One line per bad field. */
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    super(`invalid config ${source}:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function quote(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Validates `input` against any zod schema; throws {@link ConfigError} naming every bad field path
 * and quoting the value it got. Shared by every config file flywheel reads.
 * @param source where the object came from, for the message (a file path).
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, input: unknown, source = '<object>'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown field(s) ${issue.keys.map((k) => quote(k)).join(', ')}`;
    }
    return `${path}: ${issue.message} (got ${quote(valueAt(input, issue.path))})`;
  });
  throw new ConfigError(source, issues);
}

/**
 * Validates a config object; throws {@link ConfigError} naming every bad field path and quoting the value it got.
 * @param source where the object came from, for the message (a file path).
 */
export function parseConfig(input: unknown, source = '<object>'): Config {
  return parseWithSchema(configSchema, input, source);
}

/**
 * Reads a JSON config file, validates it, and resolves `run_dir`, `manifest`, `media_root` and
 * binary overrides against the file's directory (so a config works from any working directory).
 */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [`(file): cannot read: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, [`(file): not valid JSON: ${(e as Error).message}`]);
  }
  const config = parseConfig(raw, path);
  const base = dirname(resolve(path));
  const frames = config.stages.frames;
  return {
    ...config,
    run_dir: resolve(base, config.run_dir),
    manifest: resolve(base, config.manifest),
    media_root: resolve(base, config.media_root),
    stages: {
      ...config.stages,
      ...(frames
        ? {
            frames: {
              ...frames,
              ...(frames.ffmpeg_path ? { ffmpeg_path: resolve(base, frames.ffmpeg_path) } : {}),
              ...(frames.ffprobe_path ? { ffprobe_path: resolve(base, frames.ffprobe_path) } : {}),
            },
          }
        : {}),
    },
  };
}

/** Default ffmpeg processes for the frames stage: one per core. */
export function defaultConcurrency(): number {
  return availableParallelism();
}

/**
 * The part of a config that decides the run's outputs: what the resume check hashes. Concurrency
 * and binary paths are left out, so a resumed run may use more cores or another ffmpeg build.
 */
export function outputAffectingConfig(config: Config): unknown {
  const { shard_concurrency: _sc, run_dir: _rd, stages, ...rest } = config;
  const frames = stages.frames;
  const outStages: Record<string, unknown> = { ...stages };
  if (frames) {
    const { concurrency: _c, ffmpeg_path: _f, ffprobe_path: _p, timeout_s: _t, ...kept } = frames;
    outStages.frames = kept;
  }
  return { ...rest, stages: outStages };
}
