/**
 * Where a run's files live, behind a small interface so an object store can replace the local
 * disk. Outputs are written under a temp name and published by `commit`, which is atomic and
 * first-writer-wins: two workers finishing the same shard leave exactly one committed copy.
 */
import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fsyncDir, TEMP_MARKER, writeFileDurable } from './atomic-write.js';

/** A fully written, fsync'd object not yet visible under its final key. */
export interface TempObject {
  readonly key: string;
  readonly tempKey: string;
  readonly bytes: number;
}

/** Outcome of {@link Storage.commit}: published now, or another writer already published that key. */
export type CommitResult = 'committed' | 'exists';

/** Bytes to write: a whole buffer or a web byte stream. */
export type WriteData = Uint8Array | ReadableStream<Uint8Array>;

/** Storage of a run directory. Keys are `/`-separated paths relative to the run root. */
export interface Storage {
  /** Human-readable location, for messages. */
  readonly description: string;
  /** Writes `data` under a unique temp name next to `key` and makes it durable. */
  writeTemp(key: string, data: WriteData): Promise<TempObject>;
  /** Publishes a temp object atomically. Without `overwrite`, an existing key wins and the temp is discarded. */
  commit(temp: TempObject, opts?: { overwrite?: boolean }): Promise<CommitResult>;
  /** Deletes a temp object (after a failure). */
  discard(temp: TempObject): Promise<void>;
  exists(key: string): Promise<boolean>;
  read(key: string): Promise<Uint8Array>;
  /** A lazily-read Blob of the object (lets Parquet readers fetch row groups on demand). */
  openBlob(key: string): Promise<Blob>;
  /** Keys under a prefix (recursive), sorted. */
  list(prefix: string): Promise<string[]>;
  remove(key: string): Promise<void>;
  /** A local filesystem path for the key, when the store has one (for tools like DuckDB). */
  localPath?(key: string): string;
}

/** Marker in temp names (`<key>.tmp-<pid>-<random>`), shared with every atomic write. */
export { TEMP_MARKER };

/** Writes then commits `data` at `key` (convenience for small JSON files). */
export async function putObject(
  storage: Storage,
  key: string,
  data: WriteData,
  opts?: { overwrite?: boolean },
): Promise<CommitResult> {
  const temp = await storage.writeTemp(key, data);
  return storage.commit(temp, opts);
}

/** {@link Storage} on a local directory: temp + fsync + link (no overwrite) or rename (overwrite), then fsync of the directory. */
export class LocalStorage implements Storage {
  readonly #root: string;
  readonly description: string;

  constructor(root: string) {
    this.#root = root;
    this.description = root;
  }

  /** The directory the objects live under (another thread or process can open the same storage from it). */
  get root(): string {
    return this.#root;
  }

  /** Absolute path of a key. */
  localPath(key: string): string {
    const p = join(this.#root, ...key.split('/'));
    const rel = relative(this.#root, p);
    if (rel.startsWith('..') || rel.split(sep).includes('..'))
      throw new Error(`storage key escapes the run dir: ${JSON.stringify(key)}`);
    return p;
  }

  async writeTemp(key: string, data: WriteData): Promise<TempObject> {
    const final = this.localPath(key);
    await mkdir(dirname(final), { recursive: true });
    const tempKey = `${key}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`;
    const tempPath = this.localPath(tempKey);
    await writeFileDurable(tempPath, data);
    const { size } = await stat(tempPath);
    return { key, tempKey, bytes: size };
  }

  async commit(temp: TempObject, opts?: { overwrite?: boolean }): Promise<CommitResult> {
    const tempPath = this.localPath(temp.tempKey);
    const final = this.localPath(temp.key);
    let result: CommitResult = 'committed';
    if (opts?.overwrite) {
      await rename(tempPath, final);
    } else {
      try {
        await link(tempPath, final);
        await unlink(tempPath);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          result = 'exists';
          await unlink(tempPath);
        } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
          // no hard links on this filesystem: check-then-rename (atomic rename, but two racing writers may both win)
          if (await this.exists(temp.key)) {
            result = 'exists';
            await unlink(tempPath);
          } else {
            await rename(tempPath, final);
          }
        } else {
          throw e;
        }
      }
    }
    await fsyncDir(dirname(final));
    return result;
  }

  async discard(temp: TempObject): Promise<void> {
    await rm(this.localPath(temp.tempKey), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.localPath(key));
      return true;
    } catch {
      return false;
    }
  }

  async read(key: string): Promise<Uint8Array> {
    return readFile(this.localPath(key));
  }

  async openBlob(key: string): Promise<Blob> {
    return openAsBlob(this.localPath(key));
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else out.push(relative(this.#root, p).split(sep).join('/'));
      }
    };
    await walk(this.localPath(prefix));
    return out.sort();
  }

  async remove(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
  }
}
