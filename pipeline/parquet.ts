/**
 * Parquet in and out through parquet-wasm (Arrow-native, zstd). Writing streams record batches
 * into the writer (row groups are flushed by size), so a shard never has to sit in memory whole;
 * reading streams record batches from a lazily-read Blob.
 */
import { type RecordBatch, type Schema, Table, tableFromIPC, tableToIPC, type TypeMap } from 'apache-arrow';
import * as pq from 'parquet-wasm';
import { batchToRows, emptyBatch } from '../schemas/arrow.js';
import { BoundedQueue } from './bounded-queue.js';
import { maxItems } from './backpressure.js';
import type { Storage, TempObject } from './storage.js';

/** Bytes per row group the writer aims for (frames rows are large; keep groups readable in pieces). */
export const ROW_GROUP_BYTES = 32 * 1024 * 1024;

function toWasmBatch(batch: RecordBatch): pq.RecordBatch {
  const t = pq.Table.fromIPCStream(tableToIPC(new Table(batch.schema, [batch]), 'stream'));
  const b = t.recordBatch(0);
  if (!b) throw new Error('parquet: could not move a record batch into the writer');
  return b;
}

function writerProperties(metadata: Record<string, string>): pq.WriterProperties {
  return new pq.WriterPropertiesBuilder()
    .setCompression(pq.Compression.ZSTD)
    .setMaxRowGroupBytes(ROW_GROUP_BYTES)
    .setMaxRowGroupSize(64 * 1024)
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .setCreatedBy('flywheel (parquet-wasm)')
    .build();
}

/**
 * Streams record batches of one schema into a Parquet temp object in `storage`; `close` returns
 * the durable temp object for the caller to commit. A file with no rows still carries the schema.
 */
export class ParquetStreamWriter {
  readonly #queue = new BoundedQueue<pq.RecordBatch>(maxItems(2));
  readonly #done: Promise<TempObject>;
  #rows = 0;

  constructor(storage: Storage, key: string, schema: Schema, metadata: Record<string, string> = {}) {
    // a zero-row batch first: the writer learns the schema even when no rows follow
    void this.#queue.push(toWasmBatch(emptyBatch(schema)));
    const iter = this.#queue[Symbol.asyncIterator]();
    const source = new ReadableStream<pq.RecordBatch>({
      async pull(controller) {
        const next = await iter.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    });
    this.#done = (async () => {
      const bytes = await pq.transformParquetStream(source, writerProperties(metadata));
      return storage.writeTemp(key, bytes as ReadableStream<Uint8Array>);
    })();
    this.#done.catch(() => undefined);
  }

  /** Rows written so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Adds a batch (waits when the writer is behind). */
  async write(batch: RecordBatch): Promise<void> {
    if (batch.numRows === 0) return;
    this.#rows += batch.numRows;
    await Promise.race([this.#queue.push(toWasmBatch(batch)), this.#done.then(() => undefined)]);
  }

  /** Finishes the file; resolves to the durable temp object. */
  async close(): Promise<TempObject> {
    this.#queue.close();
    return this.#done;
  }

  /** Stops writing after a failure; the caller discards whatever temp object appears. */
  abort(error: unknown): void {
    this.#queue.fail(error);
  }

  /** Resolves when the writer finished or failed (for cleanup). */
  settled(): Promise<TempObject | undefined> {
    return this.#done.then(
      (t) => t,
      () => undefined,
    );
  }
}

/** Writes a whole table (small files: manifest errors, shard inputs). */
export function parquetBytes<T extends TypeMap>(
  schema: Schema<T>,
  batches: readonly RecordBatch<T>[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const table = new Table(schema, batches.length ? (batches as RecordBatch<T>[]) : [emptyBatch(schema)]);
  return pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(table, 'stream')), writerProperties(metadata));
}

/** Those of `names` that the file's schema has (parquet-wasm aborts on a column a file lacks). */
function presentColumns(file: pq.ParquetFile, names: readonly string[]): string[] {
  const schema = file.schema();
  try {
    return names.filter((name) => {
      try {
        schema.indexOf(name);
        return true;
      } catch {
        return false;
      }
    });
  } finally {
    schema.free();
  }
}

/**
 * Streams the record batches of a Parquet Blob (row groups are read on demand); with `columns`, only
 * those of them the file has are read and decoded (every column when it has none of them).
 */
export async function* readParquetBatches(
  blob: Blob,
  batchSize = 1024,
  columns?: readonly string[],
): AsyncIterable<RecordBatch> {
  const file = await pq.ParquetFile.fromFile(blob);
  try {
    const present = columns ? presentColumns(file, columns) : [];
    const options = { batchSize, ...(present.length > 0 ? { columns: present } : {}) };
    const stream = (await file.stream(options)) as ReadableStream<pq.RecordBatch>;
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const table = tableFromIPC(value.intoIPCStream());
      for (const b of table.batches) yield b;
    }
  } finally {
    file.free();
  }
}

/** Reads a whole Parquet buffer into an Arrow table (tests, `inspect`). */
export function readParquetTable(bytes: Uint8Array): Table {
  return tableFromIPC(pq.readParquet(bytes).intoIPCStream());
}

/** Row count from the Parquet footer, without reading data. */
export async function parquetRowCount(blob: Blob): Promise<number> {
  const file = await pq.ParquetFile.fromFile(blob);
  try {
    return file.metadata().fileMetadata().numRows();
  } finally {
    file.free();
  }
}

/**
 * All rows of a stored Parquet object as plain objects, or [] when it does not exist (a stage that wrote
 * nothing); a corrupt object fails naming it. With `columns`, the rows hold only those (`T` should
 * say so: a `Pick` of the table's row).
 */
export async function readStoredRows<T>(storage: Storage, key: string, columns?: readonly string[]): Promise<T[]> {
  if (!(await storage.exists(key))) return [];
  const rows: T[] = [];
  try {
    for await (const b of readParquetBatches(await storage.openBlob(key), 1024, columns))
      rows.push(...batchToRows<T>(b));
  } catch (e) {
    throw new Error(`${storage.description}/${key}: cannot read it as Parquet (${(e as Error).message})`, { cause: e });
  }
  return rows;
}
