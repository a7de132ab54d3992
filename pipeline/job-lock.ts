/**
 * An exclusive lock on a job folder, between processes and machines that share it: one `refine`
 * of a job at a time, one `schedule` tick. `proper-lockfile` takes and keeps it (an atomic
 * directory whose time it refreshes; a holder on another machine that stops refreshing loses it
 * after a minute). We add its owner: a process killed on this machine leaves a lock whose owner is
 * gone, and a re-run takes it at once instead of waiting for it to go stale.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/** Who holds a job lock, as written in the lock. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  /** Tells this holding from a later one by the same pid. */
  readonly token: string;
}

/** A job lock this process holds. */
export interface JobLock {
  /** The lock directory, for messages. */
  readonly path: string;
  release(): Promise<void>;
}

/** What {@link lockJob} returns when another live process holds the lock. */
export interface JobLocked {
  readonly path: string;
  /** Unknown when the holder has not written it yet (it is taking the lock this moment), or it is unreadable. */
  readonly owner?: LockOwner;
}

/** Options of {@link lockJob}. */
export interface LockJobOptions {
  /** Called when the lock could not be kept (its folder removed, or not refreshed for a minute). */
  readonly onLost?: (err: Error) => void;
  /** A lock not refreshed for this long is a dead holder's (default a minute; refreshed six times as often). */
  readonly staleMs?: number;
}

const OWNER_FILE = 'owner.json';

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(join(path, OWNER_FILE), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** Whether the holder still runs: known only for a process of this machine. */
function ownerState(owner: LockOwner | undefined): 'alive' | 'gone' | 'unknown' {
  if (!owner || owner.host !== hostname()) return 'unknown';
  if (owner.pid === process.pid) return 'alive';
  try {
    process.kill(owner.pid, 0);
    return 'alive';
  } catch (e) {
    // EPERM: it runs, as another user
    return (e as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'alive';
  }
}

/**
 * Takes the lock `<dir>/<name>.lock` (`dir` must exist), or says who holds it. A lock left by a dead
 * process of this machine is taken over.
 */
export async function lockJob(dir: string, name: string, opts: LockJobOptions = {}): Promise<JobLock | JobLocked> {
  const path = join(dir, `${name}.lock`);
  const stale = opts.staleMs ?? 60_000;
  const take = (): Promise<() => Promise<void>> =>
    lockfile.lock(dir, {
      lockfilePath: path,
      realpath: false,
      retries: 0,
      stale,
      update: stale / 6,
      onCompromised: (err) => (opts.onLost ?? ((e: Error) => process.emitWarning(e)))(err),
    });
  let release: () => Promise<void>;
  try {
    release = await take();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTEMPTY: the library found the lock stale but cannot remove it with our owner file inside
    if (code !== 'ELOCKED' && code !== 'ENOTEMPTY') throw e;
    const owner = readOwner(path);
    // held and refreshed: taken over only from a holder of this machine that is gone; stale: from any
    if (code === 'ELOCKED' && ownerState(owner) !== 'gone') return locked(path);
    if (!(await takeOver(path, owner))) return locked(path);
    try {
      release = await take();
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'ELOCKED') throw again;
      return locked(path);
    }
  }
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomUUID() };
  // the library tells its own lock by the folder's time, which adding a file changes: put it back
  const { mtime } = await stat(path);
  await writeFile(join(path, OWNER_FILE), `${JSON.stringify(owner)}\n`);
  await utimes(path, mtime, mtime);
  return {
    path,
    release: async () => {
      try {
        await release();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // ERELEASED: lost meanwhile (onLost said so), and maybe another's now; ENOTEMPTY: our owner file
        if (code === 'ERELEASED') return;
        if (code !== 'ENOTEMPTY') throw e;
      }
      await rm(path, { recursive: true, force: true });
    },
  };
}

function locked(path: string): JobLocked {
  const owner = readOwner(path);
  return { path, ...(owner ? { owner } : {}) };
}

/**
 * Removes a dead holder's lock: moved aside first, and removed only if it is still that holder's
 * (another re-run may have taken it meanwhile). False when it is not.
 */
async function takeOver(path: string, owner: LockOwner | undefined): Promise<boolean> {
  const aside = `${path}.gone-${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  if (readOwner(aside)?.token !== owner?.token) {
    await rename(aside, path).catch(() => undefined);
    return false;
  }
  await rm(aside, { recursive: true, force: true });
  return true;
}

/** Who holds `<dir>/<name>.lock`, without taking it: undefined when nobody does. */
export function lockHolder(
  dir: string,
  name: string,
): { readonly lock: JobLocked; readonly state: 'alive' | 'gone' | 'unknown' } | undefined {
  const path = join(dir, `${name}.lock`);
  if (!existsSync(path)) return undefined;
  const lock = locked(path);
  return { lock, state: ownerState(lock.owner) };
}

/** Whether {@link lockJob} took the lock. */
export function isHeld(l: JobLock | JobLocked): l is JobLock {
  return 'release' in l;
}

/** One line naming a lock's holder, for a refusal. */
export function describeHolder(l: JobLocked): string {
  const o = l.owner;
  return o
    ? `process ${o.pid} on ${o.host}, since ${o.since}`
    : 'a process that has not said who it is; a lock left so is free a minute after its last refresh';
}
