/**
 * Streams validated clips and error rows into two Parquet temp files (the clips manifest and its
 * errors table) in fixed-size batches, and publishes both only when the whole source was read:
 * errors first, the manifest last, so a manifest on disk is always a complete one.
 */
import type { ClipRow } from '../../schemas/clips.js';
import { clipsSchema } from '../../schemas/clips.js';
import { type ErrorRow, errorsSchema } from '../../schemas/errors.js';
import { rowsToBatch } from '../../schemas/arrow.js';
import { ParquetStreamWriter } from '../../pipeline/parquet.js';
import type { Storage, TempObject } from '../../pipeline/storage.js';

/** Rows per record batch handed to the Parquet writer (memory per batch is bounded by this). */
export const IMPORT_BATCH_ROWS = 8192;

/** Writes one import's manifest and errors; `commit` publishes, `abort` leaves nothing behind. */
export class ManifestWriter {
  readonly #storage: Storage;
  readonly #clips: ParquetStreamWriter;
  readonly #errors: ParquetStreamWriter;
  readonly #batchRows: number;
  #clipBuf: ClipRow[] = [];
  #errorBuf: ErrorRow[] = [];

  constructor(
    storage: Storage,
    keys: { manifest: string; errors: string },
    metadata: Record<string, string>,
    batchRows = IMPORT_BATCH_ROWS,
  ) {
    this.#storage = storage;
    this.#batchRows = batchRows;
    this.#clips = new ParquetStreamWriter(storage, keys.manifest, clipsSchema, metadata);
    this.#errors = new ParquetStreamWriter(storage, keys.errors, errorsSchema, metadata);
  }

  /** Clips written so far (flushed or buffered). */
  get clips(): number {
    return this.#clips.rows + this.#clipBuf.length;
  }

  /** Error rows written so far (flushed or buffered). */
  get errors(): number {
    return this.#errors.rows + this.#errorBuf.length;
  }

  /** Adds one clip (waits when the Parquet writer is behind). */
  async addClip(clip: ClipRow): Promise<void> {
    this.#clipBuf.push(clip);
    if (this.#clipBuf.length >= this.#batchRows) await this.#flushClips();
  }

  /** Adds one error row. */
  async addError(error: ErrorRow): Promise<void> {
    this.#errorBuf.push(error);
    if (this.#errorBuf.length >= this.#batchRows) await this.#flushErrors();
  }

  async #flushClips(): Promise<void> {
    const rows = this.#clipBuf;
    this.#clipBuf = [];
    await this.#clips.write(rowsToBatch(clipsSchema, rows));
  }

  async #flushErrors(): Promise<void> {
    const rows = this.#errorBuf;
    this.#errorBuf = [];
    await this.#errors.write(rowsToBatch(errorsSchema, rows));
  }

  /** Finishes both files and publishes them (errors, then the manifest), replacing earlier ones. */
  async commit(): Promise<void> {
    await this.#flushClips();
    await this.#flushErrors();
    const [clips, errors] = await Promise.all([this.#clips.close(), this.#errors.close()]);
    await this.#storage.commit(errors, { overwrite: true });
    await this.#storage.commit(clips, { overwrite: true });
  }

  /** Stops both writers after a failure and deletes their temp files. */
  async abort(error: unknown): Promise<void> {
    this.#clips.abort(error);
    this.#errors.abort(error);
    const temps = await Promise.all([this.#clips.settled(), this.#errors.settled()]);
    await Promise.all(temps.filter((t): t is TempObject => t !== undefined).map((t) => this.#storage.discard(t)));
  }
}
