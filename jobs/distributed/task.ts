/**
 * The work behind the queue's jobs, with no BullMQ in sight: one stage of one shard (through the
 * engine's `runShardTask`, on a stage-scoped view of the run dir), and finishing a run (one ledger
 * record per shard and `summary.json`, the same files the local runner leaves).
 */
import { layout } from '../../pipeline/layout.js';
import { commitShardRecord, readJson, type RunMeta, type ShardRecord, type ShardStageRecord, writeSummary, type RunSummary } from '../../pipeline/ledger.js';
import { runShardTask } from '../../pipeline/shard-task.js';
import type { AnyStage, StageLogger } from '../../pipeline/stage.js';
import type { Storage } from '../../pipeline/storage.js';
import { distLayout, StageScopedStorage, stageMeta } from './stage-scope.js';

/** Inputs of {@link runStageTask}. */
export interface StageTaskInput {
  readonly storage: Storage;
  readonly meta: RunMeta;
  /** The run's stages in order, already set up by the caller. */
  readonly stages: readonly AnyStage[];
  readonly stageIndex: number;
  readonly shard: string;
  readonly signal?: AbortSignal;
  readonly log?: StageLogger;
}

/** What a stage task did (also the job's return value, shown by `status`). */
export interface StageTaskResult {
  /** `done` = committed now; `skipped` = already committed; `duplicate` = another worker committed it meanwhile. */
  readonly status: 'done' | 'skipped' | 'duplicate';
  readonly rows_in: number;
  readonly rows_out: number;
  readonly errors: number;
  readonly seconds: number;
}

/** Runs stage `stageIndex` over one shard (input: the previous stage's committed output) and commits it first-writer-wins. */
export async function runStageTask(input: StageTaskInput): Promise<StageTaskResult> {
  const stage = input.stages[input.stageIndex];
  if (!stage) throw new Error(`stage index ${input.stageIndex} out of range (run has ${input.stages.length} stages)`);
  const previous = input.stageIndex > 0 ? input.stages[input.stageIndex - 1].name : undefined;
  const r = await runShardTask({
    storage: new StageScopedStorage(input.storage, stage.name, previous),
    stages: [stage],
    shardId: input.shard,
    meta: stageMeta(input.meta, stage.name),
    lifecycle: 'caller',
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.log ? { log: input.log } : {}),
  });
  const c = r.record.stages[stage.name]?.counters;
  return { status: r.status, rows_in: c?.rows_in ?? 0, rows_out: c?.rows_out ?? 0, errors: c?.errors ?? 0, seconds: r.record.seconds };
}

/** Shards of `stage` with no committed stage ledger record (empty when the stage is complete). */
export async function missingStageShards(storage: Storage, meta: RunMeta, stage: string): Promise<string[]> {
  const missing: string[] = [];
  for (const shard of meta.shards) if (!(await storage.exists(distLayout.stageLedger(stage, shard)))) missing.push(shard);
  return missing;
}

/**
 * Writes `ledger/<shard>.json` for every shard from its per-stage records (first writer wins, so
 * a repeated finish changes nothing) and rewrites `summary.json`; the run dir then looks like a
 * local run's, so `inspect`, a local resume and exports read it the same way.
 */
export async function finishRun(storage: Storage, meta: RunMeta): Promise<RunSummary> {
  for (const shard of meta.shards) {
    if (await storage.exists(layout.ledger(shard))) continue;
    const parts = await Promise.all(meta.stages.map((s) => readJson<ShardRecord>(storage, distLayout.stageLedger(s.name, shard))));
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
  return writeSummary(storage, meta);
}
