/**
 * Publishes a model directory (a version or a judge) crash-safely and synchronously: its files are
 * written and fsynced in a temp sibling, renamed into place, and the parent directory is fsynced so
 * the rename survives a power loss. A reader sees no directory or the whole one, never part of it.
 * Synchronous because saving a model is a short, rare step inside training code.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Filesystems that cannot fsync a directory say so with these; the rename is still atomic there. */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EPERM', 'EACCES']);

function fsyncPathSync(path: string, isDir: boolean): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch (e) {
    if (!isDir || !DIR_SYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `files` (name → content) as the directory `dir`, which must not exist yet. */
export function publishDirSync(dir: string, files: Readonly<Record<string, string | Uint8Array>>): void {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(tmp, name), content);
      fsyncPathSync(join(tmp, name), false);
    }
    fsyncPathSync(tmp, true);
    renameSync(tmp, dir);
    fsyncPathSync(dirname(dir), true);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
