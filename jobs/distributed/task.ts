/**
 * The work behind the queue's jobs, with no BullMQ in sight: one step of one shard (through the
 * engine's `runShardTask`, on a step-scoped view of the run dir), and finishing a run (one ledger
 * record per shard and `summary.json`, the same files the local runner leaves).
 */
import { layout } from '../../pipeline/layout.js';
import {
  commitShardRecord,
  readJson,
  type RunMeta,
  type RunSummary,
  type ShardRecord,
  type ShardStageRecord,
  writeSummary,
} from '../../pipeline/ledger.js';
import { runShardTask } from '../../pipeline/shard-task.js';
import type { AnyStage, StageLogger } from '../../pipeline/stage.js';
import { type Storage, TEMP_MARKER } from '../../pipeline/storage.js';
import type { StepSpec } from './spec.js';
import { distLayout, StepScopedStorage, stepMeta } from './stage-scope.js';

/** Inputs of {@link runStepTask}. */
export interface StepTaskInput {
  readonly storage: Storage;
  readonly meta: RunMeta;
  /** The run's stages in order; the step's stages already set up by the caller. */
  readonly stages: readonly AnyStage[];
  readonly step: StepSpec;
  readonly shard: string;
  readonly signal?: AbortSignal;
  readonly log?: StageLogger;
}

/** What a step task did (also the job's return value). Rows are the step's last stage's. */
export interface StepTaskResult {
  /**
   * `done` = committed now; `skipped` = already committed; `duplicate` = another worker committed it
   * meanwhile; `dropped` = not run, its run is no longer running (failed, or finished meanwhile).
   */
  readonly status: 'done' | 'skipped' | 'duplicate' | 'dropped';
  readonly rows_in: number;
  readonly rows_out: number;
  readonly errors: number;
  readonly seconds: number;
}

/** Runs one step over one shard (input: the previous stage's committed output) and commits it first-writer-wins. */
export async function runStepTask(input: StepTaskInput): Promise<StepTaskResult> {
  const stages = input.step.stages.map((i) => {
    const s = input.stages[i];
    if (!s)
      throw new Error(`step ${input.step.name}: stage index ${i} out of range (run has ${input.stages.length} stages)`);
    return s;
  });
  const first = input.step.stages[0];
  const previous = first > 0 ? input.stages[first - 1].name : undefined;
  const r = await runShardTask({
    storage: new StepScopedStorage(input.storage, input.step.name, previous),
    stages,
    shardId: input.shard,
    meta: stepMeta(
      input.meta,
      stages.map((s) => s.name),
    ),
    lifecycle: 'caller',
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.log ? { log: input.log } : {}),
  });
  const counters = stages.map((s) => r.record.stages[s.name]?.counters);
  const last = counters[counters.length - 1];
  return {
    status: r.status,
    rows_in: counters[0]?.rows_in ?? 0,
    rows_out: last?.rows_out ?? 0,
    errors: counters.reduce((t, c) => t + (c?.errors ?? 0), 0),
    seconds: r.record.seconds,
  };
}

/**
 * Shards of `step` (a step's name) whose step ledger record is committed: the one record of what
 * is done (a retried or re-added task finds it and returns `skipped`; `status` counts it).
 */
export async function committedStepShards(
  storage: Storage,
  shards: readonly string[],
  step: string,
): Promise<string[]> {
  const keys = new Set(await storage.list(distLayout.stepLedgerDir(step)));
  return shards.filter((shard) => keys.has(distLayout.stepLedger(step, shard)));
}

/** Shards of `step` with no committed step ledger record (empty when the step is complete). */
export async function missingStepShards(storage: Storage, meta: RunMeta, step: string): Promise<string[]> {
  const done = new Set(await committedStepShards(storage, meta.shards, step));
  return meta.shards.filter((shard) => !done.has(shard));
}

/**
 * Writes `ledger/<shard>.json` for every shard from its per-step records (first writer wins, so
 * a repeated finish changes nothing), removes temp files left by killed workers (every task has
 * committed by now; a straggler whose lock expired only loses a temp it could never publish), and
 * rewrites `summary.json`. The run dir then looks like a local run's, so `inspect`, a local resume
 * and exports read it the same way.
 */
export async function finishRun(storage: Storage, meta: RunMeta, steps: readonly StepSpec[]): Promise<RunSummary> {
  for (const shard of meta.shards) {
    if (await storage.exists(layout.ledger(shard))) continue;
    const parts = await Promise.all(
      steps.map((s) => readJson<ShardRecord>(storage, distLayout.stepLedger(s.name, shard))),
    );
    const stages: Record<string, ShardStageRecord> = {};
    for (const p of parts) Object.assign(stages, p.stages);
    const last = parts[parts.length - 1];
    await commitShardRecord(storage, {
      shard,
      run_id: meta.run_id,
      config_hash: meta.config_hash,
      stages,
      seconds: parts.reduce((t, p) => t + p.seconds, 0),
      committed_at: last.committed_at,
      worker: last.worker,
    });
  }
  for (const key of await storage.list('')) if (key.includes(TEMP_MARKER)) await storage.remove(key);
  return writeSummary(storage, meta);
}
