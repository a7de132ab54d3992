/**
 * The run directory layout: every key the engine reads or writes, in one place.
 *
 * ```
 * run.json                        run metadata: config hash, stage list, shard list (written once)
 * summary.json                    per-stage counters summed over shards (rewritten at the end of a run)
 * input/shard-00000.parquet       the shard's clips (written when the run is planned)
 * ledger/shard-00000.json         commit record of a finished shard (its presence = done)
 * <stage>/shard-00000.parquet     the stage's output for the shard
 * errors/manifest.parquet         manifest rows that failed validation
 * errors/<stage>-shard-00000.parquet  the stage's error rows for the shard
 * ```
 */

/** Keys of the run directory. */
export const layout = {
  runMeta: 'run.json',
  summary: 'summary.json',
  manifestErrors: 'errors/manifest.parquet',
  input: (shard: string): string => `input/${shard}.parquet`,
  ledger: (shard: string): string => `ledger/${shard}.json`,
  ledgerDir: 'ledger',
  output: (stage: string, shard: string): string => `${stage}/${shard}.parquet`,
  errors: (stage: string, shard: string): string => `errors/${stage}-${shard}.parquet`,
} as const;

/** The id of the i-th shard (`shard-00000`); ids sort in shard order. */
export function shardId(index: number): string {
  return `shard-${String(index).padStart(5, '0')}`;
}
