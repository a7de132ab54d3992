/**
 * A benchmark's way measured in its own process, so its peak RSS is its own: the bench file run
 * again with `--child <args…>`, which prints one JSON line of results as its last line.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs `file` (a bench module) under tsx with `--child` and `args`; returns its last line, parsed. */
export async function runChild<T>(file: string, args: readonly string[]): Promise<T> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', file, '--child', ...args], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as T;
}
