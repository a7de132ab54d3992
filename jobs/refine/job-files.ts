/**
 * The refine job directory's own files: its config record (which refuses a resume under another
 * config) and small JSON documents written atomically.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hashedPart } from '../../config/marks.js';
import { TICK_ONLY_CHOICE_FIELD } from '../../config/choice-rule.js';
import { type RefineConfig, refineConfigSchema } from '../../config/refine.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { hashValue } from '../../pipeline/hash.js';
import { configChanges, listChanges } from '../../pipeline/config-changes.js';
import type { JobLayout } from './layout.js';
import type { RoundRecord } from './round-metrics.js';

/** Writes pretty JSON atomically, creating the folder: a reader sees the old file or the whole new one. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a JSON file this job wrote. */
export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** What {@link checkJob} found: the job's config hash, and the rounds it was started with when a re-run asks for other. */
export interface JobCheck {
  /** The job's identity: the hash of the config it was started with. */
  readonly hash: string;
  /** Set when the job's config differs from the one it started with in `rounds` alone. */
  readonly startedWithRounds?: number;
}

/** A hashed config without its round count: what must match for a job to go on with more (or fewer) rounds. */
function withoutFree(hashed: unknown): string {
  const { rounds: _rounds, ...rest } = hashed as Record<string, unknown>;
  const adatailr = rest.adatailr as { choice?: Record<string, unknown> } | undefined;
  if (adatailr?.choice) {
    const { tick_title_margin: _tick, ...choice } = adatailr.choice;
    return hashValue({ ...rest, adatailr: { ...adatailr, choice } });
  }
  return hashValue(rest);
}

/** Fields a job's config may change after it started: `rounds`, and the choice field only ticks read. */
export function freeField(path: readonly (string | number)[]): boolean {
  return path[0] === 'rounds' || TICK_ONLY_CHOICE_FIELD.every((p, i) => path[i] === p);
}

/**
 * Records the job's hashed config, or refuses to resume a job directory that was started with a
 * different one. A config that differs in `rounds` alone goes on: a round does not depend on how many
 * follow it, so a finished job can be given more rounds (nightly, say) and keeps its identity, the hash
 * it was started with. So does one that differs in `adatailr.choice.tick_title_margin`, which only
 * `schedule` ticks read.
 */
export async function checkJob(l: JobLayout, config: RefineConfig): Promise<JobCheck> {
  const hashed = hashedPart(refineConfigSchema, config);
  const hash = hashValue(hashed);
  if (existsSync(l.jobMeta)) {
    const meta = await readJson<{ config_hash: string; config?: { rounds?: number } }>(l.jobMeta);
    if (meta.config_hash !== hash) {
      if (meta.config?.rounds !== undefined && withoutFree(meta.config) === withoutFree(hashed))
        return {
          hash: meta.config_hash,
          ...(meta.config.rounds !== config.rounds ? { startedWithRounds: meta.config.rounds } : {}),
        };
      // `rounds` may change (see above), and the choice field only ticks read: neither is one to put back
      const changes = meta.config ? configChanges(meta.config, hashed, freeField) : [];
      const changed = changes.length ? `: ${listChanges(changes)}` : '';
      throw new Error(
        `refusing to resume ${l.dir}: it was started with another config (hash ${meta.config_hash.slice(0, 12)}, now ${hash.slice(0, 12)})${changed}. ${changed ? 'Put those back, use' : 'Use'} a new run_dir, or delete ${l.dir} to start over.`,
      );
    }
  } else {
    await writeJsonAtomic(l.jobMeta, {
      format: 'flywheel-refine/1',
      config_hash: hash,
      created_at: new Date().toISOString(),
      config: hashed,
    });
  }
  return { hash };
}

/**
 * The hashed fields in which `config` differs from the one the refine job in `l` was started with,
 * as `path old → new` (none when no refine job was started there); `skip` leaves out fields that
 * may differ. A `schedule` tick checks this, so a night never refines under another rule than its job.
 */
export async function jobConfigChanges(
  l: JobLayout,
  config: RefineConfig,
  skip: (path: readonly (string | number)[]) => boolean,
): Promise<string[]> {
  if (!existsSync(l.jobMeta)) return [];
  const meta = await readJson<{ config?: unknown }>(l.jobMeta);
  return meta.config ? configChanges(meta.config, hashedPart(refineConfigSchema, config), skip) : [];
}

/** The rounds that finished (their `metrics/round-<k>.json` is written last), ascending. */
export async function finishedRoundNumbers(l: JobLayout): Promise<number[]> {
  if (!existsSync(l.metricsDir)) return [];
  return (await readdir(l.metricsDir))
    .map((f) => /^round-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** The finished rounds' records, in round order. */
export async function finishedRounds(l: JobLayout): Promise<RoundRecord[]> {
  const rounds = await finishedRoundNumbers(l);
  return Promise.all(rounds.map((k) => readJson<RoundRecord>(join(l.metricsDir, `round-${k}.json`))));
}

/** Spreads an optional abort signal into an options object (exactOptionalPropertyTypes forbids `signal: undefined`). */
export const withSignal = (signal: AbortSignal | undefined): { signal?: AbortSignal } => (signal ? { signal } : {});
