/** Where a job directory's disk goes: its parts' bytes, the rounds together, largest first. */
import { lstat, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobDiskUsage } from '../../../jobs/refine/disk-usage.js';
import { tempDir } from '../../helpers/tmp.js';

async function file(path: string, bytes: number): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, Buffer.alloc(bytes));
}

describe('jobDiskUsage', () => {
  it('sums each part of the job directory, every round under "rounds" and loose files under "other"', async () => {
    const job = await tempDir('flywheel-disk-usage-');
    await file(join(job, 'frames', 'frames', 'shard-00000.parquet'), 5000);
    await file(join(job, 'frames', 'run.json'), 100);
    await file(join(job, 'round-0', 'caption', 'shard-00000.parquet'), 700);
    await file(join(job, 'round-1', 'adatailr', 'shard-00000.parquet'), 800);
    await file(join(job, 'models', 'round-0', 'weights.bin'), 2000);
    await file(join(job, 'job.json'), 30);
    await file(join(job, 'report.html'), 70);
    await mkdir(join(job, 'exports'));
    // a link is counted as itself, not as what it points to
    await symlink(join(job, 'frames', 'frames', 'shard-00000.parquet'), join(job, 'models', 'link'));
    const parts = await jobDiskUsage(job);
    const linkBytes = (parts.find((p) => p.part === 'models')?.bytes ?? 0) - 2000;
    expect(linkBytes).toBeGreaterThan(0);
    expect(linkBytes).toBeLessThan(5000);
    expect(parts.map((p) => p.part)).toEqual(['frames', 'models', 'rounds', 'other']);
    expect(parts.map((p) => p.bytes)).toEqual([5100, 2000 + linkBytes, 1500, 100]);
  });

  it('counts a file that vanishes mid-walk (a refine renaming its temp file) as 0, and fails on any other error', async () => {
    const job = await tempDir('flywheel-disk-usage-race-');
    await file(join(job, 'round-0', 'caption', 'shard-00000.parquet'), 700);
    await file(join(job, 'round-0', 'caption', '.shard-00001.parquet.tmp'), 900);
    // the temp file is listed by readdir, then renamed away before lstat reaches it
    const failing = (code: string) => ({
      lstat: async (path: string) => {
        if (path.endsWith('.tmp')) throw Object.assign(new Error(`${code}: ${path}`), { code });
        return lstat(path);
      },
    });
    expect(await jobDiskUsage(job, failing('ENOENT'))).toEqual([{ part: 'rounds', bytes: 700 }]);
    await expect(jobDiskUsage(job, failing('EACCES'))).rejects.toThrow(/^EACCES: .*\.tmp$/);
  });
});
