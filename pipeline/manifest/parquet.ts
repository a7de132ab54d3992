/** Reads a Parquet manifest (e.g. written by `gen-bench`) as plain rows, streaming row groups. */
import { openAsBlob } from 'node:fs';
import { batchToRows } from '../../schemas/arrow.js';
import { readParquetBatches } from '../parquet.js';
import type { RawRow } from './raw.js';

/** Streams the rows of a `.parquet` manifest; with `columns`, rows hold only those (when the file has them). */
export async function* readParquetRows(path: string, columns?: readonly string[]): AsyncIterable<RawRow> {
  let row = 0;
  for await (const batch of readParquetBatches(await openAsBlob(path), 1024, columns)) {
    for (const values of batchToRows(batch)) yield { row: ++row, values };
  }
}
