/**
 * The refine job directory's own files: its config record (which refuses a resume under another
 * config) and small JSON documents written atomically.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hashedPart } from '../../config/marks.js';
import { type RefineConfig, refineConfigSchema } from '../../config/refine.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { hashValue } from '../../pipeline/hash.js';
import type { JobLayout } from './layout.js';

/** Writes pretty JSON atomically, creating the folder: a reader sees the old file or the whole new one. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a JSON file this job wrote. */
export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** Records the job's hashed config, or refuses to resume a job directory that was started with a different one. */
export async function checkJob(l: JobLayout, config: RefineConfig): Promise<string> {
  const hash = hashValue(hashedPart(refineConfigSchema, config));
  if (existsSync(l.jobMeta)) {
    const meta = await readJson<{ config_hash: string }>(l.jobMeta);
    if (meta.config_hash !== hash) {
      throw new Error(
        `refusing to resume ${l.dir}: it was started with another config (hash ${meta.config_hash.slice(0, 12)}, now ${hash.slice(0, 12)}). Use a new run_dir, or delete ${l.dir} to start over.`,
      );
    }
  } else {
    await writeJsonAtomic(l.jobMeta, {
      format: 'flywheel-refine/1',
      config_hash: hash,
      created_at: new Date().toISOString(),
      config: hashedPart(refineConfigSchema, config),
    });
  }
  return hash;
}

/** Spreads an optional abort signal into an options object (exactOptionalPropertyTypes forbids `signal: undefined`). */
export const withSignal = (signal: AbortSignal | undefined): { signal?: AbortSignal } => (signal ? { signal } : {});
