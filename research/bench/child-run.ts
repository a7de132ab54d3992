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

/** What every way's child reports besides its own figures. */
export interface WayResult {
  readonly seconds: number;
  readonly max_rss_mb: number;
}

/**
 * Runs each of `ways` in its own child (`file --child <way> <args…>`; the first way is the
 * baseline) and prints one table row per way: its own `columns`, then seconds, the ratio to the
 * baseline and the peak RSS.
 */
export async function compareWays<T extends WayResult>(opts: {
  readonly file: string;
  readonly ways: readonly string[];
  readonly args: readonly string[];
  readonly columns: readonly (readonly [string, (r: T) => string])[];
}): Promise<void> {
  const width = Math.max(3, ...opts.ways.map((w) => w.length));
  const header = [...opts.columns.map(([name]) => name), 'seconds', `×${opts.ways[0]}`, 'peak RSS MB'];
  process.stdout.write(`${'way'.padEnd(width)}  ${header.join('  ')}\n`);
  let base = Number.NaN;
  for (const way of opts.ways) {
    const r = await runChild<T>(opts.file, [way, ...opts.args]);
    if (way === opts.ways[0]) base = r.seconds;
    const cells = [
      ...opts.columns.map(([, cell]) => cell(r)),
      r.seconds.toFixed(1),
      (r.seconds / base).toFixed(2),
      r.max_rss_mb.toFixed(0),
    ];
    process.stdout.write(`${way.padEnd(width)}  ${cells.map((c, i) => c.padStart(header[i].length)).join('  ')}\n`);
  }
}
