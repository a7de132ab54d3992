/**
 * Where a refine job's disk goes, by the parts of its directory (`layout.ts`): frames, the rounds'
 * tables, models, judges, exports, schedule ticks. The frames and the rounds' tables grow with the
 * clips, the models and judges do not: a nightly operator reads it to plan the job's disk.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** One part of a job directory and the bytes of its files. */
export interface DiskPart {
  readonly part: string;
  readonly bytes: number;
}

/** The two file-system calls the walk makes; a test swaps `lstat` to stage a file that vanishes mid-walk. */
export interface DiskWalkFs {
  readonly lstat: (path: string) => Promise<{ isDirectory(): boolean; readonly size: number }>;
}

const realFs: DiskWalkFs = { lstat };

/**
 * Bytes of the files under `path` (links are counted as links, not followed). A file that goes away
 * while it is walked counts 0: `inspect` runs beside a refine, whose atomic writes rename temp files.
 */
async function bytesUnder(path: string, fs: DiskWalkFs): Promise<number> {
  try {
    const st = await fs.lstat(path);
    if (!st.isDirectory()) return st.size;
    let total = 0;
    for (const e of await readdir(path)) total += await bytesUnder(join(path, e), fs);
    return total;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

/** The part a top-level entry of the job directory belongs to: every `round-<k>` is "rounds", the loose files "other". */
function partOf(entry: string, isDirectory: boolean): string {
  if (/^round-\d+$/.test(entry)) return 'rounds';
  return isDirectory ? entry : 'other';
}

/** The job directory's parts, largest first (ties by name); empty parts are left out. */
export async function jobDiskUsage(dir: string, fs: DiskWalkFs = realFs): Promise<DiskPart[]> {
  const parts = new Map<string, number>();
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const part = partOf(e.name, e.isDirectory());
    parts.set(part, (parts.get(part) ?? 0) + (await bytesUnder(join(dir, e.name), fs)));
  }
  return [...parts]
    .filter(([, bytes]) => bytes > 0)
    .map(([part, bytes]) => ({ part, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.part.localeCompare(b.part));
}
