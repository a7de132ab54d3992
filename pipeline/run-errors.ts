/**
 * Reading a run's errors tables back: every `errors/*.parquet` of a run directory (the manifest's and
 * each stage's per shard), skipping the temp files of an interrupted write. The export, the report and
 * the schedule's retry all read them; this is the one place that knows where they are.
 */
import type { ErrorRow } from '../schemas/errors.js';
import { readStoredRows } from './parquet.js';
import { type Storage, TEMP_MARKER } from './storage.js';

/** Every error row of a run, table by table in key order. */
export async function readRunErrors(run: Storage): Promise<ErrorRow[]> {
  const out: ErrorRow[] = [];
  for (const key of (await run.list('errors')).sort()) {
    if (!key.endsWith('.parquet') || key.includes(TEMP_MARKER)) continue;
    out.push(...(await readStoredRows<ErrorRow>(run, key)));
  }
  return out;
}

/**
 * Compares clip ids in a reader's order (`row:9` before `row:12`, `clip-2` before `clip-10`): what a
 * summary of errors sorts by, so the same errors give the same examples however a stage's concurrent
 * work ordered its rows.
 */
export const compareClipIds: (a: string, b: string) => number = new Intl.Collator('en', { numeric: true }).compare;
