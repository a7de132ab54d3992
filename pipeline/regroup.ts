/**
 * Re-batching by key, for a stage that declares `groupBy`: rows with equal values in one column
 * reach `process` in the same batch (e.g. every clip of a video, so one ffmpeg pass serves them).
 */
import type { RecordBatch, TypeMap } from 'apache-arrow';
import { batchToRows, rowsToBatch } from '../schemas/arrow.js';

/**
 * Reads the whole input (a shard's small clips table), then yields each key's rows, in order of
 * the key's first appearance and in input order within it, in batches of at most `size` rows.
 * A batch never mixes keys. Rows whose key is null form one group of their own.
 */
export async function* regroup<T extends TypeMap>(
  input: AsyncIterable<RecordBatch<T>>,
  column: string,
  size: number,
): AsyncIterable<RecordBatch<T>> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`regroup: size must be a positive integer (got ${size})`);
  const groups = new Map<unknown, Record<string, unknown>[]>();
  let schema: RecordBatch<T>['schema'] | undefined;
  for await (const batch of input) {
    schema ??= batch.schema;
    if (batch.numRows > 0 && !batch.schema.fields.some((f) => f.name === column)) {
      throw new Error(
        `regroup: the input has no column ${JSON.stringify(column)} (has ${batch.schema.fields.map((f) => f.name).join(', ')})`,
      );
    }
    for (const row of batchToRows<Record<string, unknown>>(batch)) {
      const key = row[column] ?? null;
      const rows = groups.get(key);
      if (rows) rows.push(row);
      else groups.set(key, [row]);
    }
  }
  if (!schema) return;
  for (const rows of groups.values()) {
    for (let i = 0; i < rows.length; i += size) yield rowsToBatch(schema, rows.slice(i, i + size));
  }
}
