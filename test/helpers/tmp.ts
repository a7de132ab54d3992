/** Temp directories for tests, removed after the test file. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

/**
 * Removes every directory `tempDir` has made so far in this test file. Registered once, when the
 * file imports this module, because a hook registered inside a running test or `beforeAll` is never
 * run (every `npm test` used to leave ~130 MB behind in the temp directory).
 */
export async function removeTempDirs(): Promise<void> {
  const dirs = made.splice(0);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

afterAll(removeTempDirs);

/** A fresh temp dir, deleted when the current test file finishes. */
export async function tempDir(prefix = 'flywheel-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
