/**
 * Small Parquet helpers for the generator's outputs: rows → Arrow table of an exact
 * schema → Parquet bytes (parquet-wasm, zstd) written atomically (temp + rename), and back.
 */
import { readFile, rename, writeFile, rm } from 'node:fs/promises';
import { RecordBatch, Struct, Table, makeData, tableFromIPC, tableToIPC, vectorFromArray, type Schema, type DataType } from 'apache-arrow';
import * as parquet from 'parquet-wasm';

/** Builds an Arrow table with exactly `schema`'s fields from plain row objects. */
export function rowsToTable<T extends object>(schema: Schema, rows: readonly T[]): Table {
  const children = schema.fields.map((f) => {
    const values = rows.map((r) => (r as Record<string, unknown>)[f.name] ?? null);
    return vectorFromArray(values as unknown[], f.type as DataType).data[0];
  });
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new Table([new RecordBatch(schema, data)]);
}

/** Parquet bytes of an Arrow table (zstd-compressed). */
export function tableToParquet(table: Table): Uint8Array {
  const wasmTable = parquet.Table.fromIPCStream(tableToIPC(table, 'stream'));
  const props = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).build();
  return parquet.writeParquet(wasmTable, props);
}

/** Writes `bytes` to `path` via a temp file and rename, so readers never see a partial file. */
export async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes rows as a Parquet file of `schema`, atomically. */
export async function writeParquetRows<T extends object>(path: string, schema: Schema, rows: readonly T[]): Promise<void> {
  await writeAtomic(path, tableToParquet(rowsToTable(schema, rows)));
}

/** Reads a Parquet file into an Arrow table. */
export async function readParquetTable(path: string): Promise<Table> {
  const bytes = await readFile(path);
  return tableFromIPC(parquet.readParquet(new Uint8Array(bytes)).intoIPCStream());
}

/** Reads a Parquet file into plain row objects (lists become arrays). */
export async function readParquetRows<T>(path: string): Promise<T[]> {
  const table = await readParquetTable(path);
  return table.toArray().map((r) => {
    const o = (r as { toJSON(): Record<string, unknown> }).toJSON();
    for (const [k, v] of Object.entries(o)) {
      if (v !== null && typeof v === 'object' && typeof (v as { toArray?: unknown }).toArray === 'function') {
        o[k] = Array.from((v as { toArray(): ArrayLike<unknown> }).toArray());
      }
    }
    return o as T;
  });
}
