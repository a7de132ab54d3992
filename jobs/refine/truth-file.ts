/**
 * Reading a truth table (`schemas/truth.ts`) from disk: the sidecar a generated dataset carries. A
 * job reads it to measure only (the dataset's content against the truth, the report's ground truth);
 * nothing that chooses, scores or trains may read it.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readParquetRows } from '../../pipeline/parquet-file.js';
import { TRUTH_FILE, type TruthRow } from '../../schemas/truth.js';

/** Reads a truth table: `path` is the Parquet file or the directory holding {@link TRUTH_FILE}. */
export async function readTruth(path: string): Promise<TruthRow[]> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, TRUTH_FILE) : path;
  if (!existsSync(file)) throw new Error(`truth ${file}: no such file`);
  const rows = await readParquetRows<TruthRow>(file);
  const first = rows[0];
  if (first && (typeof first.gt_caption !== 'string' || typeof first.attrs_json !== 'string'))
    throw new Error(`truth ${file}: not a truth table (needs clip_id, gt_caption, attrs_json)`);
  return rows;
}

/** Reads a truth table (file or directory) as a map clip_id → row, for joins. */
export async function readTruthMap(path: string): Promise<Map<string, TruthRow>> {
  return new Map((await readTruth(path)).map((r) => [r.clip_id, r]));
}
