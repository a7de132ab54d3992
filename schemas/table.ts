/**
 * One declaration per table: its columns, from which both the Arrow schema and the TypeScript row
 * type are derived, so the two can never drift apart and rows go in and out of batches without casts.
 */
import {
  Binary,
  Bool,
  type DataType,
  Field,
  Float32,
  Float64,
  Int32,
  List,
  type RecordBatch,
  type TypeMap,
  Schema,
  Utf8,
} from 'apache-arrow';
import { batchToRows, rowsToBatch } from './arrow.js';

/** One column: its Arrow type and nullability, and (at the type level only) the JS value a row holds for it. */
export interface Column<A extends DataType = DataType, V = unknown> {
  readonly type: A;
  readonly nullable: boolean;
  /** Type-level only: the row value of this column. Never set. */
  readonly value?: V;
}

/** Column constructors for the types the pipeline's tables use. */
export const col = {
  utf8: (): Column<Utf8, string> => ({ type: new Utf8(), nullable: false }),
  int32: (): Column<Int32, number> => ({ type: new Int32(), nullable: false }),
  float32: (): Column<Float32, number> => ({ type: new Float32(), nullable: false }),
  float64: (): Column<Float64, number> => ({ type: new Float64(), nullable: false }),
  bool: (): Column<Bool, boolean> => ({ type: new Bool(), nullable: false }),
  binary: (): Column<Binary, Uint8Array> => ({ type: new Binary(), nullable: false }),
  /** A list whose items are `item` (read back as a plain array). */
  list: <A extends DataType, V>(item: Column<A, V>): Column<List<A>, V[]> => ({
    type: new List(new Field('item', item.type, item.nullable)),
    nullable: false,
  }),
  /** `c`, but a row may hold null. */
  nullable: <A extends DataType, V>(c: Column<A, V>): Column<A, V | null> => ({ type: c.type, nullable: true }),
};

/** A table's columns by name, in column order. */
export type Columns = Readonly<Record<string, Column>>;

/** The row object of a table's columns. */
export type RowOf<C extends Columns> = { [K in keyof C]: C[K] extends Column<DataType, infer V> ? V : never };

/**
 * A declared table: its columns, the Arrow schema built from them, and typed conversions to and
 * from batches. Row types come from the columns; the Arrow side stays `TypeMap` (Arrow's schema
 * type is invariant, so precise type maps would not fit a list of stages).
 */
export interface Table<C extends Columns = Columns> {
  readonly columns: C;
  readonly schema: Schema<TypeMap>;
  /** One batch of this table's schema holding `rows`. */
  toBatch(rows: readonly RowOf<C>[]): RecordBatch<TypeMap>;
  /** The rows of a batch that has this table's columns (lists as arrays, binaries as Uint8Array). */
  fromBatch(batch: RecordBatch): RowOf<C>[];
}

/** The row type of a declared table. */
export type Row<T extends Table> = RowOf<T['columns']>;

/** Declares a table from its columns (object key order is column order). */
export function table<C extends Columns>(columns: C): Table<C> {
  const fields = Object.entries(columns).map(([name, c]) => new Field(name, c.type, c.nullable));
  const schema = new Schema<TypeMap>(fields);
  return {
    columns,
    schema,
    toBatch: (rows) => rowsToBatch(schema, rows),
    fromBatch: (batch) => batchToRows<RowOf<C>>(batch),
  };
}
