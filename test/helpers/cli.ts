/** Running the real `flywheel` binary in a child process, for CLI and crash tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Path of the CLI launcher. */
export const flywheelBin = resolve(import.meta.dirname, '../../bin/flywheel.js');

/** Exit code and captured output of a finished child. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `flywheel <args>`; `onStderr` sees stderr as it arrives (e.g. to kill mid-run). */
export function startCli(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; onStderr?: (chunk: string, child: ChildProcess) => void } = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [flywheelBin, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    opts.onStderr?.(d.toString(), child);
  });
  const done = new Promise<CliResult>((res) =>
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Runs `flywheel <args>` to completion. */
export function runCli(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return startCli(args, opts).done;
}

/** Writes a job config JSON into `dir` and returns its path. */
export async function writeConfig(dir: string, config: object, name = 'job.json'): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, JSON.stringify(config, null, 2));
  return p;
}
