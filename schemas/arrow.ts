/**
 * Small helpers between plain row objects and Arrow record batches, typed by the table's schema.
 * Stages build their output with {@link rowsToBatch} and read input with {@link batchToRows}.
 */
import { type Data, makeData, RecordBatch, type Schema, Struct, vectorFromArray, type TypeMap } from 'apache-arrow';

/** A row object for a schema with columns `T`: any object whose keys name columns (a missing key is null). */
export type RowInput<T extends TypeMap> = { readonly [K in keyof T]?: unknown };

/**
 * Builds one record batch of `schema` from row objects (one key per field; nullable fields may be
 * null). Rows may be any object type: a table's row interface needs no index signature.
 */
export function rowsToBatch<T extends TypeMap, R extends object = RowInput<T>>(
  schema: Schema<T>,
  rows: readonly R[],
): RecordBatch<T> {
  const children = schema.fields.map((f) => {
    const values: unknown[] = rows.map((r) => (r as Record<string, unknown>)[f.name] ?? null);
    const vec = vectorFromArray(values, f.type);
    if (vec.data.length !== 1) throw new Error(`rowsToBatch: column ${f.name} built into ${vec.data.length} chunks`);
    return vec.data[0];
  });
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

/** An empty batch of `schema` (carries the schema when a shard produced no rows). */
export function emptyBatch<T extends TypeMap>(schema: Schema<T>): RecordBatch<T> {
  return rowsToBatch(schema, []);
}

/** Plain JS row objects of a batch (lists become arrays, binaries stay Uint8Array). */
export function batchToRows<R = Record<string, unknown>>(batch: RecordBatch): R[] {
  const rows: R[] = [];
  const names = batch.schema.fields.map((f) => f.name);
  const cols = names.map((n) => batch.getChild(n)!);
  for (let i = 0; i < batch.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) {
      const v: unknown = cols[c].get(i);
      row[names[c]] =
        v !== null && typeof v === 'object' && 'toArray' in v && !(v instanceof Uint8Array)
          ? Array.from((v as { toArray(): ArrayLike<unknown> }).toArray())
          : v;
    }
    rows.push(row as R);
  }
  return rows;
}

/** One batch holding the rows of several batches of the same schema (used to re-batch to a stage's batch size). */
export function concatBatches<T extends TypeMap>(
  schema: Schema<T>,
  batches: readonly RecordBatch<T>[],
): RecordBatch<T> {
  if (batches.length === 1) return batches[0];
  if (batches.length === 0) return emptyBatch(schema);
  return rowsToBatch(
    schema,
    batches.flatMap((b) => batchToRows<Record<string, unknown>>(b)),
  );
}

/** Approximate in-memory size of a batch in bytes (for byte-budget back-pressure). */
export function batchBytes(batch: RecordBatch): number {
  let total = 0;
  const visit = (d: Data): void => {
    const buffers: unknown[] = [d.valueOffsets, d.values, d.nullBitmap, d.typeIds];
    for (const b of buffers) if (ArrayBuffer.isView(b)) total += b.byteLength;
    for (const c of d.children) visit(c);
  };
  visit(batch.data);
  return total;
}

/** How an Arrow type reads in messages and comparisons (`Utf8`, `List<Float32>`…). */
export function typeName(type: unknown): string {
  return String(type);
}

/** True when two schemas have the same field names and types, in order (nullability ignored). */
export function sameFields(a: Schema, b: Schema): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((f, i) => f.name === b.fields[i].name && typeName(f.type) === typeName(b.fields[i].type))
  );
}

/** The columns of `schema`, taken by name from a batch that has at least those columns (no copy). */
export function projectBatch<T extends TypeMap>(batch: RecordBatch<TypeMap>, schema: Schema<T>): RecordBatch<T> {
  const children = schema.fields.map((f) => {
    const col = batch.getChild(f.name);
    if (!col) throw new Error(`projectBatch: batch has no column ${f.name}`);
    if (col.data.length !== 1) throw new Error(`projectBatch: column ${f.name} has ${col.data.length} chunks`);
    return col.data[0];
  });
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }),
  );
}
