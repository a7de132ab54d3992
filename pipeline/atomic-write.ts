/**
 * Crash-safe publishing of files and directories: write under a unique temp name beside the target,
 * fsync the data, rename over the target, then fsync the parent directory so the rename itself
 * survives a power loss. A reader sees the old version or the new one, never a partial file, and a
 * failed write leaves no temp behind. Hand-written rather than `write-file-atomic`, which fsyncs the
 * file but not the directory, and takes neither streams, files made by another program (ffmpeg) nor
 * whole directories. A directory's temp is named with its host and pid, so a later directory write
 * beside it removes what a killed writer on this host left (a nightly export would otherwise leave a
 * partial copy of the whole dataset each time it was killed).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Marker in temp names (`<name>.tmp-<pid>-<random>`), so cleanup can find leftovers of a crashed writer. */
export const TEMP_MARKER = '.tmp-';

/** What to write: a whole string or buffer, or chunks from an async iterable or web byte stream. */
export type AtomicData = string | Uint8Array | AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>;

/** A unique temp path in the same directory as `path` (same filesystem, so the rename is atomic). */
export function tempSibling(path: string): string {
  return join(dirname(path), `${basename(path)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** This host, as a directory temp's name holds it. */
function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9_]/g, '_');
}

/** A temp directory beside `dir` for the writer `pid` on this host: `<name>.tmp-<host>~<pid>-<random>`. */
export function tempDirSibling(dir: string, pid = process.pid): string {
  return join(dirname(dir), `${basename(dir)}${TEMP_MARKER}${hostTag()}~${pid}-${randomBytes(4).toString('hex')}`);
}

/** Whether a process of this host is running (one we may not signal is). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp directories beside `dir` that writers on this host left when they died, whatever
 * they were writing (a nightly export's folder has a new name each night); a live writer's, or
 * another host's, stay.
 */
async function removeDeadTemps(dir: string): Promise<void> {
  const tag = new RegExp(`${TEMP_MARKER.replace('.', '\\.')}${hostTag()}~(\\d+)-[0-9a-f]{8}$`);
  let entries: string[];
  try {
    entries = await readdir(dirname(dir));
  } catch {
    return;
  }
  for (const e of entries) {
    const pid = Number(tag.exec(e)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isRunning(pid))
      await rm(join(dirname(dir), e), { recursive: true, force: true });
  }
}

/** Filesystems and platforms that cannot fsync a directory say so with these; the rename is still atomic. */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EPERM', 'EACCES']);

/** Flushes a directory's entries (a rename or new file in it) to disk. I/O errors are thrown. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    if (!DIR_SYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await fh?.close();
  }
}

/** Flushes a file already written (by this process or another program) to disk. */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Creates `path` (which must not exist), writes `data` and fsyncs it; removes the file if anything fails. */
export async function writeFileDurable(path: string, data: AtomicData): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
      else {
        const chunks = Symbol.asyncIterator in data ? data : Readable.fromWeb(data as WebReadableStream<Uint8Array>);
        for await (const chunk of chunks as AsyncIterable<Uint8Array | string>)
          await fh.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    await rm(path, { force: true });
    throw e;
  }
}

/** Publishes a temp that `fill` makes complete and durable; on any failure the temp is removed and the target left as it was. */
async function publish<T>(path: string, fill: (tmp: string) => Promise<T>, tmp = tempSibling(path)): Promise<T> {
  let result: T;
  try {
    result = await fill(tmp);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  await fsyncDir(dirname(path));
  return result;
}

/** Replaces the file at `path` with `data` atomically and durably (temp, fsync, rename, fsync of the directory). */
export async function writeFileAtomic(path: string, data: AtomicData): Promise<void> {
  await publish(path, (tmp) => writeFileDurable(tmp, data));
}

/**
 * Like {@link writeFileAtomic} for a file another program writes: `produce` is given the temp path
 * to write (e.g. ffmpeg's output), which is then fsynced and renamed into place.
 */
export async function produceFileAtomic(path: string, produce: (tmp: string) => Promise<void>): Promise<void> {
  await publish(path, async (tmp) => {
    await produce(tmp);
    await fsyncFile(tmp);
  });
}

async function fsyncTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await fsyncTree(join(dir, e.name));
    else if (e.isFile()) await fsyncFile(join(dir, e.name));
  }
  await fsyncDir(dir);
}

/**
 * Publishes a whole directory at once: `fill` writes its files into an empty temp directory, every
 * file is fsynced, and the directory is renamed to `dir`; returns what `fill` returned. First removes
 * the temp directories beside it that dead writers on this host left. With `replace`, an existing `dir` is
 * removed first (readers may briefly see none, never a mix); without it, an existing `dir` fails the rename.
 */
export async function writeDirAtomic<T>(
  dir: string,
  fill: (tmpDir: string) => Promise<T>,
  opts?: { replace?: boolean },
): Promise<T> {
  await removeDeadTemps(dir);
  return publish(
    dir,
    async (tmp) => {
      await mkdir(tmp, { recursive: true });
      const result = await fill(tmp);
      await fsyncTree(tmp);
      if (opts?.replace) await rm(dir, { recursive: true, force: true });
      return result;
    },
    tempDirSibling(dir),
  );
}
