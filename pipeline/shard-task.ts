/**
 * One shard through a list of stages, committed atomically. This is the unit of work: the local
 * runner calls it from a p-queue, and a distributed worker can call it for the same shard on
 * another machine (same `Storage`); outputs are published first-writer-wins, so duplicate
 * execution leaves one committed copy and one ledger record.
 */
import { hostname } from 'node:os';
import type { RecordBatch, TypeMap } from 'apache-arrow';
import { errorsTable } from '../schemas/errors.js';
import { projectBatch, sameFields } from '../schemas/arrow.js';
import type { BackpressurePolicy } from './backpressure.js';
import { type BatchSink, type EngineHooks, newStageRun, runPipeline, type StageRun } from './engine.js';
import { layout } from './layout.js';
import {
  commitShardRecord,
  readJson,
  readRunMeta,
  type RunMeta,
  type ShardRecord,
  type ShardStageRecord,
} from './ledger.js';
import { withStages } from './lifecycle.js';
import { ParquetStreamWriter, parquetBytes, readParquetBatches } from './parquet.js';
import type { AnyStage, StageLogger } from './stage.js';
import type { Storage, TempObject } from './storage.js';

/** Inputs of {@link runShardTask}. */
export interface ShardTaskOptions {
  readonly storage: Storage;
  readonly stages: readonly AnyStage[];
  readonly shardId: string;
  /** The run's metadata; read from `run.json` when omitted. */
  readonly meta?: RunMeta;
  /** Cancels the task (e.g. Ctrl-C, or a sibling shard failed). */
  readonly signal?: AbortSignal;
  readonly log?: StageLogger;
  readonly hooks?: EngineHooks;
  /** `task` (default): set up and tear down the stages around this shard; `caller`: they are already set up. */
  readonly lifecycle?: 'task' | 'caller';
  readonly queuePolicy?: BackpressurePolicy;
}

/** What happened: `done` = this call committed the shard; `skipped` = already done; `duplicate` = another worker committed it meanwhile. */
export interface ShardTaskResult {
  readonly status: 'done' | 'skipped' | 'duplicate';
  readonly record: ShardRecord;
}

const silent: StageLogger = { info: () => undefined, warn: () => undefined, debug: () => undefined };

/** Processes one shard through `stages` and commits its outputs, errors and ledger record. */
export async function runShardTask(opts: ShardTaskOptions): Promise<ShardTaskResult> {
  const { storage, stages, shardId } = opts;
  const meta = opts.meta ?? (await readRunMeta(storage));
  if (!meta) throw new Error(`${storage.description}: no run.json; plan the run before running shard tasks`);
  const names = stages.map((s) => s.name).join(',');
  const planned = meta.stages.map((s) => s.name).join(',');
  if (names !== planned) throw new Error(`shard task ${shardId}: stages [${names}] differ from the run's [${planned}]`);
  if (!meta.shards.includes(shardId))
    throw new Error(`shard task: unknown shard ${JSON.stringify(shardId)} (run has ${meta.shards.length} shards)`);
  if (await storage.exists(layout.ledger(shardId))) {
    return { status: 'skipped', record: await readJson<ShardRecord>(storage, layout.ledger(shardId)) };
  }
  const body = (): Promise<ShardTaskResult> => processShard(opts, meta);
  return (opts.lifecycle ?? 'task') === 'task' ? withStages(stages, body) : body();
}

async function processShard(opts: ShardTaskOptions, meta: RunMeta): Promise<ShardTaskResult> {
  const { storage, stages, shardId } = opts;
  const started = performance.now();
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort(opts.signal?.reason ?? new Error('cancelled'));
  if (opts.signal?.aborted) onOuterAbort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const log = opts.log ?? silent;
  const runs: StageRun[] = stages.map((stage) =>
    newStageRun({
      stage,
      shardId,
      round: meta.round,
      signal: abort.signal,
      log,
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
    }),
  );
  const metadata = (stage: string): Record<string, string> => ({
    'flywheel.stage': stage,
    'flywheel.shard': shardId,
    'flywheel.run_id': meta.run_id,
    'flywheel.config_hash': meta.config_hash,
  });
  const writers = stages.map((s) =>
    s.persist === false
      ? undefined
      : new ParquetStreamWriter(
          storage,
          layout.output(s.name, shardId),
          s.persistSchema ?? s.outputSchema,
          metadata(s.name),
        ),
  );
  const sinks: BatchSink[] = stages.map((s, i) => {
    const w = writers[i];
    if (!w) return { write: () => Promise.resolve() };
    const stored = s.persistSchema;
    if (!stored) return w;
    return { write: (b: RecordBatch<TypeMap>) => w.write(projectBatch(b, stored)) };
  });
  const temps: TempObject[] = [];
  try {
    const first = stages[0];
    async function* source(): AsyncIterable<RecordBatch<TypeMap>> {
      for await (const b of readParquetBatches(await storage.openBlob(layout.input(shardId)), first.batchSize)) {
        if (!sameFields(b.schema, first.inputSchema)) {
          throw new Error(
            `shard ${shardId}: input columns [${b.schema.fields.map((f) => f.name).join(',')}] do not match stage ${first.name}'s input schema [${first.inputSchema.fields.map((f) => f.name).join(',')}]`,
          );
        }
        yield b;
      }
    }
    await runPipeline({
      source: source(),
      runs,
      sinks,
      abort,
      ...(opts.queuePolicy ? { queuePolicy: opts.queuePolicy } : {}),
    });
    for (const w of writers) if (w) temps.push(await w.close());
    for (const [i, run] of runs.entries()) {
      const bytes = parquetBytes(errorsTable.schema, [errorsTable.toBatch(run.errors)], metadata(stages[i].name));
      temps.push(await storage.writeTemp(layout.errors(stages[i].name, shardId), bytes));
    }
  } catch (e) {
    for (const w of writers) w?.abort(e);
    const leftovers = await Promise.all(writers.map((w) => w?.settled() ?? Promise.resolve(undefined)));
    await Promise.all(
      [...temps, ...leftovers.filter((t): t is TempObject => t !== undefined)].map((t) => storage.discard(t)),
    );
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  // publish: outputs and errors first, the ledger record last (its presence means "done")
  for (const t of temps) await storage.commit(t);
  const stageRecords: Record<string, ShardStageRecord> = {};
  for (const [i, run] of runs.entries()) {
    stageRecords[stages[i].name] = {
      counters: { ...run.counters },
      output: stages[i].persist === false ? null : layout.output(stages[i].name, shardId),
      errors: layout.errors(stages[i].name, shardId),
    };
  }
  const record: ShardRecord = {
    shard: shardId,
    run_id: meta.run_id,
    config_hash: meta.config_hash,
    stages: stageRecords,
    seconds: (performance.now() - started) / 1000,
    committed_at: new Date().toISOString(),
    worker: { host: hostname(), pid: process.pid },
  };
  const result = await commitShardRecord(storage, record);
  if (result === 'exists')
    return { status: 'duplicate', record: await readJson<ShardRecord>(storage, layout.ledger(shardId)) };
  return { status: 'done', record };
}
