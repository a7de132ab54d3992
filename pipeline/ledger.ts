/**
 * Run metadata and the shard ledger. `run.json` pins what a run is (config hash, stages, shards);
 * one `ledger/<shard>.json` per finished shard records its counters. Both are written through
 * {@link Storage} (temp + fsync + atomic publish), so a crash never leaves a half-written record.
 */
import type { StageCounters } from './counters.js';
import { addCounters, zeroCounters } from './counters.js';
import { layout } from './layout.js';
import { putObject, type Storage } from './storage.js';

/** Version tag of the run directory format. */
export const RUN_FORMAT = 'flywheel-run/1';

/** Declared facts about one stage, as recorded in run metadata. */
export interface StageInfo {
  readonly name: string;
  readonly resources: { readonly cpus: number; readonly gpus: number };
  readonly batch_size: number;
  readonly concurrency: number;
}

/** Contents of `run.json`. */
export interface RunMeta {
  readonly format: typeof RUN_FORMAT;
  readonly run_id: string;
  readonly created_at: string;
  /** sha256 of the output-affecting config and the stage list. */
  readonly config_hash: string;
  readonly round: number;
  readonly manifest: {
    readonly path: string;
    readonly sha256: string;
    readonly rows: number;
    readonly clips: number;
    readonly errors: number;
  };
  readonly stages: readonly StageInfo[];
  readonly shard_size: number;
  readonly shards: readonly string[];
  /** The output-affecting config that was hashed (for humans). */
  readonly config: unknown;
}

/** One stage's result inside a shard record. */
export interface ShardStageRecord {
  readonly counters: StageCounters;
  /** The stored output, or null for an in-flight-only stage (`persist: false`). */
  readonly output: string | null;
  readonly errors: string;
}

/** Contents of `ledger/<shard>.json`: the shard is done. */
export interface ShardRecord {
  readonly shard: string;
  readonly run_id: string;
  readonly config_hash: string;
  readonly stages: Readonly<Record<string, ShardStageRecord>>;
  readonly seconds: number;
  readonly committed_at: string;
  readonly worker: { readonly host: string; readonly pid: number };
}

/** Contents of `summary.json`. */
export interface RunSummary {
  readonly run_id: string;
  readonly config_hash: string;
  readonly shards: number;
  readonly shards_done: number;
  readonly manifest_errors: number;
  readonly stages: Readonly<Record<string, StageCounters>>;
  readonly updated_at: string;
}

const encoder = new TextEncoder();

/** Serialises JSON for storage (pretty, newline-terminated). */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(value, null, 2)}\n`);
}

/** Reads and parses a JSON object from storage. */
export async function readJson<T>(storage: Storage, key: string): Promise<T> {
  const bytes = await storage.read(key);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (e) {
    throw new Error(`${storage.description}/${key}: corrupt JSON (${(e as Error).message})`, { cause: e });
  }
}

/** `run.json`, or undefined when the run was never planned. */
export async function readRunMeta(storage: Storage): Promise<RunMeta | undefined> {
  if (!(await storage.exists(layout.runMeta))) return undefined;
  return readJson<RunMeta>(storage, layout.runMeta);
}

/** Ids of shards with a ledger record. */
export async function doneShards(storage: Storage): Promise<Set<string>> {
  const keys = await storage.list(layout.ledgerDir);
  return new Set(
    keys.filter((k) => /\/shard-\d+\.json$/.test(k)).map((k) => k.slice(k.lastIndexOf('/') + 1, -'.json'.length)),
  );
}

/** How far a run got: its planned shards and how many of them committed. */
export interface RunProgress {
  readonly shards: number;
  readonly done: number;
}

/** The run's progress, or undefined when it has no run record (never planned, or deleted). */
export async function runProgress(storage: Storage): Promise<RunProgress | undefined> {
  const meta = await readRunMeta(storage);
  if (!meta) return undefined;
  const done = await doneShards(storage);
  return { shards: meta.shards.length, done: meta.shards.filter((s) => done.has(s)).length };
}

/** All ledger records, in shard order. */
export async function readShardRecords(storage: Storage): Promise<ShardRecord[]> {
  const ids = [...(await doneShards(storage))].sort();
  return Promise.all(ids.map((id) => readJson<ShardRecord>(storage, layout.ledger(id))));
}

/** Writes a shard's ledger record; first writer wins (a duplicate worker gets `'exists'`). */
export function commitShardRecord(storage: Storage, record: ShardRecord): Promise<'committed' | 'exists'> {
  return putObject(storage, layout.ledger(record.shard), jsonBytes(record));
}

/** Sums the ledger into a summary and (re)writes `summary.json`. */
export async function writeSummary(storage: Storage, meta: RunMeta): Promise<RunSummary> {
  const records = await readShardRecords(storage);
  const stages: Record<string, StageCounters> = {};
  for (const s of meta.stages) stages[s.name] = zeroCounters();
  for (const r of records)
    for (const [name, st] of Object.entries(r.stages))
      stages[name] = addCounters(stages[name] ?? zeroCounters(), st.counters);
  const summary: RunSummary = {
    run_id: meta.run_id,
    config_hash: meta.config_hash,
    shards: meta.shards.length,
    shards_done: records.length,
    manifest_errors: meta.manifest.errors,
    stages,
    updated_at: new Date().toISOString(),
  };
  await putObject(storage, layout.summary, jsonBytes(summary), { overwrite: true });
  return summary;
}
