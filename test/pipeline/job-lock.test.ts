/**
 * The job lock between real processes: a live holder keeps it and is named, a holder killed with
 * SIGKILL leaves a lock the next run takes at once, a lock left by another machine's holder is taken
 * once it has not been refreshed for a minute, and a second `refine` of a job is refused.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../config/refine.js';
import { runRefine } from '../../jobs/refine/run-refine.js';
import { describeHolder, isHeld, lockJob } from '../../pipeline/job-lock.js';
import { tempDir } from '../helpers/tmp.js';

/** A process that takes `<dir>/<name>.lock` and holds it until killed; resolves once it holds it. */
async function holder(dir: string, name: string): Promise<ChildProcess> {
  const script = join(dir, `hold-${name}.mts`);
  const mod = pathToFileURL(resolve('pipeline/job-lock.ts')).href;
  writeFileSync(
    script,
    `import { isHeld, lockJob } from ${JSON.stringify(mod)};
const l = await lockJob(${JSON.stringify(dir)}, ${JSON.stringify(name)});
process.stdout.write(isHeld(l) ? 'held\\n' : 'locked\\n');
setInterval(() => {}, 1000);`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res, rej) => {
    child.stdout?.on('data', (b: Buffer) => (b.toString().includes('held') ? res() : rej(new Error(b.toString()))));
    child.on('exit', (c) => rej(new Error(`holder exited early (${c})`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('lockJob', () => {
  it('is refused while another process holds it, naming that process, and taken at once after it is killed', async () => {
    const dir = await tempDir('flywheel-job-lock-');
    const child = await holder(dir, 'refine');
    try {
      const l = await lockJob(dir, 'refine');
      expect(isHeld(l)).toBe(false);
      if (isHeld(l)) return;
      expect(l.owner).toMatchObject({ pid: child.pid, host: hostname() });
      expect(describeHolder(l)).toMatch(new RegExp(`^process ${child.pid} on ${hostname()}, since \\d{4}-`));
      // another name is another lock
      const other = await lockJob(dir, 'tick');
      expect(isHeld(other)).toBe(true);
      if (isHeld(other)) await other.release();
    } finally {
      await kill(child);
    }
    const after = await lockJob(dir, 'refine');
    expect(isHeld(after)).toBe(true);
    if (!isHeld(after)) return;
    await after.release();
    expect(existsSync(join(dir, 'refine.lock'))).toBe(false);
  });

  it('keeps the lock while it refreshes it, and removes it on release', async () => {
    const dir = await tempDir('flywheel-job-lock-');
    const lost: Error[] = [];
    const l = await lockJob(dir, 'tick', { staleMs: 2000, onLost: (e) => lost.push(e) });
    expect(isHeld(l)).toBe(true);
    if (!isHeld(l)) return;
    // several refreshes (every 333 ms): the owner file written into the lock must not read as a stranger's change
    await new Promise((r) => setTimeout(r, 1500));
    expect(lost).toEqual([]);
    await l.release();
    expect(existsSync(join(dir, 'tick.lock'))).toBe(false);
  });

  it("takes another machine's lock only once it has gone a minute without a refresh", async () => {
    const dir = await tempDir('flywheel-job-lock-');
    const path = join(dir, 'refine.lock');
    await mkdir(path);
    const owner = { pid: 1, host: 'another-machine', since: '2026-01-01T00:00:00.000Z', token: 't' };
    await writeFile(join(path, 'owner.json'), JSON.stringify(owner));
    const fresh = await lockJob(dir, 'refine');
    expect(isHeld(fresh)).toBe(false);
    if (!isHeld(fresh))
      expect(describeHolder(fresh)).toBe('process 1 on another-machine, since 2026-01-01T00:00:00.000Z');
    // an owner file that does not read (cut short, hand-edited) says so, and the lock holds until stale
    await writeFile(join(path, 'owner.json'), '{"pid": 1, "ho');
    const unreadable = await lockJob(dir, 'refine');
    expect(isHeld(unreadable)).toBe(false);
    if (!isHeld(unreadable)) expect(describeHolder(unreadable)).toMatch(/^a process that has not said who it is; /);
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    const stale = await lockJob(dir, 'refine');
    expect(isHeld(stale)).toBe(true);
    if (isHeld(stale)) await stale.release();
  });
});

describe('runRefine', () => {
  it('refuses a second refine of a job while one runs, before touching the job', async () => {
    const dir = await tempDir('flywheel-job-lock-');
    const jobDir = join(dir, 'job');
    await mkdir(jobDir);
    const child = await holder(jobDir, 'refine');
    try {
      const config = parseRefineConfig({ run_dir: jobDir, manifest: join(dir, 'none.parquet'), media_root: dir });
      await expect(runRefine(config)).rejects.toThrow(
        new RegExp(`${jobDir}: another refine is running this job \\(process ${child.pid} on `),
      );
      expect(existsSync(join(jobDir, 'job.json'))).toBe(false);
    } finally {
      await kill(child);
    }
  });
});
