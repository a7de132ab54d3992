/**
 * The job config of `flywheel run <config>`: checked at the door with zod, so a typo never reaches a
 * stage. Each stage owns one object under `stages`; a new stage adds its key next to `frames`, with
 * every field marked {@link hashed} or {@link unhashed}.
 */
import { z } from 'zod';
import { framesConfigSchema } from './frames.js';
import { hashed, unhashed } from './marks.js';
import { parseWithSchema } from './parse.js';

const positiveInt = z.number().int().positive();

/** Per-stage options: one object per stage; a stage runs when its key is present. */
export const stagesConfigSchema = z
  .object({
    frames: framesConfigSchema.optional(),
  })
  .strict();

/** Parsed per-stage options. */
export type StagesConfig = z.infer<typeof stagesConfigSchema>;

/** The whole job config. Relative paths are resolved against the config file's directory by `loadConfigFile`. */
export const configSchema = z
  .object({
    /** Directory holding the run's ledger and Parquet outputs; re-running with the same dir resumes. */
    run_dir: unhashed(z.string().min(1), { path: true }),
    /** The clips manifest: `.parquet`, `.csv` or `.jsonl`. */
    manifest: hashed(z.string().min(1), { path: true }),
    /** Every `video_uri` must resolve inside this directory (relative URIs are taken from here). */
    media_root: hashed(z.string().min(1), { path: true }),
    /** Clips per shard: one Parquet file per stage per shard. Default 256. */
    shard_size: hashed(positiveInt.max(1_000_000).default(256)),
    /** Shards processed at once by the local runner. Default 1 (stages parallelise inside a shard). */
    shard_concurrency: unhashed(positiveInt.max(64).default(1)),
    /** Refinement round number recorded on every output row. Default 0. */
    round: hashed(z.number().int().nonnegative().default(0)),
    /** Which stages run, with their options. Default: `{ "frames": {} }`. */
    stages: stagesConfigSchema.prefault({ frames: {} }),
  })
  .strict();

/** A parsed, validated job config (defaults filled in). */
export type Config = z.infer<typeof configSchema>;

/**
 * Validates a config object; throws `ConfigError` naming every bad field path and quoting the value it got.
 * @param source where the object came from, for the message (a file path).
 */
export function parseConfig(input: unknown, source = '<object>'): Config {
  return parseWithSchema(configSchema, input, source);
}
