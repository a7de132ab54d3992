/**
 * Runs one step (one stage, or a few fused stages) of a run as its own shard task, with the
 * engine's unchanged `runShardTask`: a {@link Storage} view makes the step read the previous
 * stage's committed output as its input and keep its own ledger record per shard, while outputs
 * and error files land at the run's usual keys. So a barrier between steps (all shards of step k
 * before any of step k+1) needs no second engine.
 */
import { layout } from '../../pipeline/layout.js';
import type { RunMeta } from '../../pipeline/ledger.js';
import type { CommitResult, Storage, TempObject, WriteData } from '../../pipeline/storage.js';

/** Keys the distributed runner adds to a run directory. */
export const distLayout = {
  /** Ledger record of one step's task for one shard (its presence = that step is done for the shard). */
  stepLedger: (step: string, shard: string): string => `step-ledger/${step}/${shard}.json`,
  /** The directory of one step's ledger records. */
  stepLedgerDir: (step: string): string => `step-ledger/${step}/`,
} as const;

/**
 * The view of a run directory one step's shard task sees: `input/<shard>` is the previous stage's
 * output (for the first step the run's input) and `ledger/<shard>` is the step's own ledger record.
 * Every other key passes through unchanged.
 */
export class StepScopedStorage implements Storage {
  readonly #inner: Storage;
  readonly #step: string;
  readonly #previous: string | undefined;
  readonly description: string;

  /** @param previous the stage whose stored output is this step's input; undefined for the first step. */
  constructor(inner: Storage, step: string, previous: string | undefined) {
    this.#inner = inner;
    this.#step = step;
    this.#previous = previous;
    this.description = `${inner.description} [step ${step}]`;
  }

  /** The key of the run directory that `key` stands for in this view. */
  map(key: string): string {
    const input = /^input\/(shard-\d+)\.parquet$/.exec(key);
    if (input && this.#previous !== undefined) return layout.output(this.#previous, input[1]);
    const ledger = /^ledger\/(shard-\d+)\.json$/.exec(key);
    if (ledger) return distLayout.stepLedger(this.#step, ledger[1]);
    return key;
  }

  writeTemp(key: string, data: WriteData): Promise<TempObject> {
    return this.#inner.writeTemp(this.map(key), data);
  }
  commit(temp: TempObject, opts?: { overwrite?: boolean }): Promise<CommitResult> {
    return this.#inner.commit(temp, opts);
  }
  discard(temp: TempObject): Promise<void> {
    return this.#inner.discard(temp);
  }
  exists(key: string): Promise<boolean> {
    return this.#inner.exists(this.map(key));
  }
  read(key: string): Promise<Uint8Array> {
    return this.#inner.read(this.map(key));
  }
  openBlob(key: string): Promise<Blob> {
    return this.#inner.openBlob(this.map(key));
  }
  list(prefix: string): Promise<string[]> {
    return this.#inner.list(this.map(prefix));
  }
  remove(key: string): Promise<void> {
    return this.#inner.remove(this.map(key));
  }
}

/** The run metadata as one step's shard task sees it: the same run, with that step's stages only. */
export function stepMeta(meta: RunMeta, stages: readonly string[]): RunMeta {
  const infos = stages.map((name) => {
    const info = meta.stages.find((s) => s.name === name);
    if (!info)
      throw new Error(
        `run ${meta.run_id} has no stage ${JSON.stringify(name)} (stages: ${meta.stages.map((s) => s.name).join(', ')})`,
      );
    return info;
  });
  return { ...meta, stages: infos };
}
