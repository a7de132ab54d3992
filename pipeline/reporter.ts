/**
 * How a run tells what is happening: the runner only talks to the {@link RunReporter} interface.
 * {@link JsonReporter} (structured pino lines) is the default of every job; the terminal progress
 * bars are presentation and live in `cli/reporters.ts`.
 */
import pino, { type Logger } from 'pino';
import type { RunMeta, RunSummary, ShardRecord } from './ledger.js';

/** Events of a local run. */
export interface RunReporter {
  planned(meta: RunMeta, resumed: boolean, alreadyDone: number): void;
  progress(stage: string, rowsIn: number, rowsOut: number): void;
  shardFinished(record: ShardRecord, status: 'done' | 'skipped' | 'duplicate'): void;
  finished(summary: RunSummary): void;
  /** Stops bars/flushes logs; called once, also after a failure. */
  close(): void;
  readonly log: Logger;
}

/** Reporter that logs JSON lines (one per shard and one per run) to stderr. */
export class JsonReporter implements RunReporter {
  readonly log: Logger;
  constructor(log: Logger = pino({ name: 'flywheel' }, pino.destination(2))) {
    this.log = log;
  }
  planned(meta: RunMeta, resumed: boolean, alreadyDone: number): void {
    this.log.info(
      {
        run_id: meta.run_id,
        shards: meta.shards.length,
        clips: meta.manifest.clips,
        manifest_errors: meta.manifest.errors,
        resumed,
        already_done: alreadyDone,
        stages: meta.stages.map((s) => s.name),
      },
      'run planned',
    );
  }
  progress(): void {}
  shardFinished(record: ShardRecord, status: 'done' | 'skipped' | 'duplicate'): void {
    if (status !== 'skipped')
      this.log.info({ shard: record.shard, status, seconds: record.seconds, stages: record.stages }, 'shard committed');
  }
  finished(summary: RunSummary): void {
    this.log.info({ ...summary }, 'run finished');
  }
  close(): void {
    this.log.flush?.();
  }
}
