/**
 * The local runner: plan (or resume) a run, then push every unfinished shard through
 * {@link runShardTask} with a p-queue. Stages are set up once for the whole run.
 */
import { mkdir } from 'node:fs/promises';
import PQueue from 'p-queue';
import { asError } from './engine.js';
import { doneShards, type RunMeta, type RunSummary, writeSummary } from './ledger.js';
import { withStages } from './lifecycle.js';
import { planRun } from './plan.js';
import { JsonReporter, type RunReporter } from './reporter.js';
import { runShardTask } from './shard-task.js';
import type { AnyStage } from './stage.js';
import { LocalStorage, type Storage, TEMP_MARKER } from './storage.js';

/** Inputs of {@link runLocal}. */
export interface LocalRunOptions {
  readonly runDir: string;
  readonly manifestPath: string;
  readonly shardSize: number;
  readonly round: number;
  /** Shards processed at once (default 1). */
  readonly shardConcurrency?: number;
  readonly stages: readonly AnyStage[];
  /** The output-affecting config, hashed for the resume check. */
  readonly config: unknown;
  readonly reporter?: RunReporter;
  readonly signal?: AbortSignal;
  /** Storage of the run dir (default: {@link LocalStorage} on `runDir`). */
  readonly storage?: Storage;
}

/** Result of a local run. */
export interface LocalRunResult {
  readonly meta: RunMeta;
  readonly summary: RunSummary;
  readonly resumed: boolean;
  /** Shards this call processed (not skipped). */
  readonly processed: number;
}

/**
 * Runs (or resumes) a job on this machine. Leftover temp files of a crashed run are removed
 * first — only safe when no other worker writes to the same run dir, which is the local case.
 */
export async function runLocal(opts: LocalRunOptions): Promise<LocalRunResult> {
  await mkdir(opts.runDir, { recursive: true });
  const storage = opts.storage ?? new LocalStorage(opts.runDir);
  const reporter = opts.reporter ?? new JsonReporter();
  try {
    for (const key of await storage.list('')) if (key.includes(TEMP_MARKER)) await storage.remove(key);
    const { meta, resumed } = await planRun({
      storage,
      manifestPath: opts.manifestPath,
      shardSize: opts.shardSize,
      round: opts.round,
      stages: opts.stages,
      config: opts.config,
    });
    const done = await doneShards(storage);
    reporter.planned(meta, resumed, meta.shards.filter((s) => done.has(s)).length);
    const pending = meta.shards.filter((s) => !done.has(s));
    const abort = new AbortController();
    const onAbort = (): void => abort.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let processed = 0;
    try {
      await withStages(opts.stages, async () => {
        const queue = new PQueue({ concurrency: opts.shardConcurrency ?? 1 });
        let firstError: unknown;
        await Promise.all(
          pending.map((shardId) =>
            queue.add(async () => {
              if (abort.signal.aborted) return;
              try {
                const r = await runShardTask({
                  storage,
                  stages: opts.stages,
                  shardId,
                  meta,
                  signal: abort.signal,
                  lifecycle: 'caller',
                  log: reporter.log,
                  hooks: { onProgress: (s, i, o) => reporter.progress(s, i, o) },
                });
                if (r.status !== 'skipped') processed++;
                reporter.shardFinished(r.record, r.status);
              } catch (e) {
                if (firstError === undefined) firstError = e;
                abort.abort(e);
              }
            }),
          ),
        );
        // a cancel from the caller is the cause, not the errors it provoked in running shards
        opts.signal?.throwIfAborted();
        if (firstError !== undefined) throw asError(firstError);
      });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    const summary = await writeSummary(storage, meta);
    reporter.finished(summary);
    return { meta, summary, resumed, processed };
  } finally {
    reporter.close();
  }
}
