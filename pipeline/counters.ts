/** Per-stage counters the engine keeps for every shard and sums for the run. */

/** Rows in/out, error rows and wall seconds of one stage (in one shard, or summed over a run). */
export interface StageCounters {
  rows_in: number;
  rows_out: number;
  errors: number;
  seconds: number;
  /** rows_out / seconds (0 when no time passed). */
  rows_per_s: number;
}

/** Fresh zero counters. */
export function zeroCounters(): StageCounters {
  return { rows_in: 0, rows_out: 0, errors: 0, seconds: 0, rows_per_s: 0 };
}

/** Sum of counters (seconds add up: total stage time across shards). */
export function addCounters(a: StageCounters, b: StageCounters): StageCounters {
  const seconds = a.seconds + b.seconds;
  const rows_out = a.rows_out + b.rows_out;
  return {
    rows_in: a.rows_in + b.rows_in,
    rows_out,
    errors: a.errors + b.errors,
    seconds,
    rows_per_s: seconds > 0 ? rows_out / seconds : 0,
  };
}
