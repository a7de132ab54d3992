/**
 * An export's data files: the refined rows streamed into `part-00000.parquet`, `part-00001.parquet`…
 * of at most a given number of rows each, whatever the job's shard size. A job of a million clips in
 * shards of 256 would otherwise hand its users four thousand small files; a dataset hub and a query
 * engine both want fewer, larger ones. Each file is streamed to disk, so no file sits in memory whole.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link } from 'node:fs/promises';
import { type RecordBatch, type Schema, Table, tableToIPC } from 'apache-arrow';
import { hashFile } from '../../pipeline/hash.js';
import { ParquetStreamWriter } from '../../pipeline/parquet.js';
import { LocalStorage } from '../../pipeline/storage.js';
import type { ExportMetadata } from './export-metadata.js';
import { EXPORT_ROWS_PER_FILE } from './part-size.js';

/** The name of the `index`-th data file. */
function partName(index: number): string {
  return `part-${String(index).padStart(5, '0')}.parquet`;
}

interface OpenFile {
  readonly name: string;
  readonly writer: ParquetStreamWriter;
  /** Hash of the file's rows (as Arrow IPC) and key-value metadata: stable across exports, unlike its bytes. */
  readonly content: Hash;
}

/** Why a filesystem refuses a hard link where a copy would do: another filesystem, or no links there. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** Hard-links `from` at `to`; false where the filesystem cannot (the caller copies instead). */
async function hardLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (e) {
    if (NO_LINK.has((e as NodeJS.ErrnoException).code ?? '')) return false;
    throw e;
  }
}

/** Writes an export's rows into rolling Parquet files in a directory (the export's temp directory). */
export class PartFiles {
  readonly #storage: LocalStorage;
  readonly #schema: Schema;
  readonly #kv: Record<string, string>;
  readonly #rowsPerFile: number;
  readonly #files: ExportMetadata['files'][number][] = [];
  #open: OpenFile | undefined;
  /** Index of the next file's name (the open file already has its own). */
  #next = 0;

  constructor(dir: string, schema: Schema, kv: Record<string, string>, rowsPerFile = EXPORT_ROWS_PER_FILE) {
    if (!Number.isInteger(rowsPerFile) || rowsPerFile < 1)
      throw new Error(`export: rows per file must be a positive integer (got ${rowsPerFile})`);
    this.#storage = new LocalStorage(dir);
    this.#schema = schema;
    this.#kv = kv;
    this.#rowsPerFile = rowsPerFile;
  }

  /** Appends a batch of rows, starting a new file wherever the current one is full. */
  async add(batch: RecordBatch): Promise<void> {
    let at = 0;
    while (at < batch.numRows) {
      const file = this.#open ?? this.#start();
      const take = Math.min(batch.numRows - at, this.#rowsPerFile - file.writer.rows);
      const part = at === 0 && take === batch.numRows ? batch : batch.slice(at, at + take);
      file.content.update(tableToIPC(new Table(this.#schema, [part]), 'stream'));
      await file.writer.write(part);
      at += take;
      if (file.writer.rows >= this.#rowsPerFile) await this.#finish();
    }
  }

  /**
   * Takes a finished data file of another export whole, as the next file, so it keeps its own
   * key-value metadata: hard-linked with `share` 'link' (no new bytes on disk; an export's files are
   * never changed in place, only replaced with their folder), copied otherwise or where the
   * filesystem cannot link it there (a reflink where it has them). `rows` and `content_sha256` are
   * what its export recorded; `sha256` is hashed from the bytes taken and must equal the recorded
   * one, or the file changed since. Answers how it was taken.
   */
  async adopt(
    path: string,
    recorded: ExportMetadata['files'][number],
    share: 'link' | 'copy' = 'link',
  ): Promise<'linked' | 'copied'> {
    const name = partName(this.#next++);
    const to = this.#storage.localPath(name);
    const how = share === 'link' && (await hardLink(path, to)) ? 'linked' : 'copied';
    if (how === 'copied') await copyFile(path, to, constants.COPYFILE_FICLONE);
    const sha256 = await hashFile(to);
    if (sha256 !== recorded.sha256)
      throw new Error(`${path}: its bytes are not those its export's metadata.json records (changed since?)`);
    const entry = { name, rows: recorded.rows, sha256, content_sha256: recorded.content_sha256 };
    this.#files.push(entry);
    return how;
  }

  /** Closes the last file (an export without rows still gets one, holding the schema) and lists them all. */
  async close(): Promise<ExportMetadata['files']> {
    if (this.#open || this.#files.length === 0) await this.#finish(this.#open ?? this.#start());
    return this.#files;
  }

  /** Stops the file being written after a failure elsewhere; the caller discards the directory. */
  abort(error: unknown): void {
    this.#open?.writer.abort(error);
    this.#open = undefined;
  }

  #start(): OpenFile {
    const name = partName(this.#next++);
    this.#open = {
      name,
      writer: new ParquetStreamWriter(this.#storage, name, this.#schema, this.#kv),
      content: createHash('sha256'),
    };
    return this.#open;
  }

  async #finish(file = this.#open): Promise<void> {
    if (!file) return;
    this.#open = undefined;
    const rows = file.writer.rows;
    await this.#storage.commit(await file.writer.close(), { overwrite: true });
    file.content.update(JSON.stringify(Object.entries(this.#kv).sort(([a], [b]) => a.localeCompare(b))));
    this.#files.push({
      name: file.name,
      rows,
      sha256: await hashFile(this.#storage.localPath(file.name)),
      content_sha256: file.content.digest('hex'),
    });
  }
}
