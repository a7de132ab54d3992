/**
 * Parquet files of the generator's outputs, on top of the pipeline's Arrow/Parquet helpers
 * (rows ⇄ record batches, parquet-wasm zstd writer): whole small tables, written atomically
 * (temp + rename) so readers never see a partial file.
 */
import { readFile } from 'node:fs/promises';
import type { Schema, Table } from 'apache-arrow';
import { batchToRows, rowsToBatch } from '../schemas/arrow.js';
import { writeFileAtomic } from './atomic-write.js';
import { parquetBytes, readParquetTable as tableOfBytes } from './parquet.js';

/** Writes `bytes` to `path` via temp, fsync and rename, so readers never see a partial file. */
export async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await writeFileAtomic(path, bytes);
}

/** Writes rows as a Parquet file of exactly `schema`, atomically. */
export async function writeParquetRows<T extends object>(
  path: string,
  schema: Schema,
  rows: readonly T[],
): Promise<void> {
  await writeAtomic(path, parquetBytes(schema, [rowsToBatch(schema, rows)]));
}

/** Reads a whole Parquet file into an Arrow table. */
export async function readParquetTable(path: string): Promise<Table> {
  return tableOfBytes(new Uint8Array(await readFile(path)));
}

/** Reads a whole Parquet file into plain row objects (lists become arrays). */
export async function readParquetRows<T>(path: string): Promise<T[]> {
  return (await readParquetTable(path)).batches.flatMap((b) => batchToRows<T>(b));
}
