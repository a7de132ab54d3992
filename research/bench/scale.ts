/**
 * `npm run bench -- scale [--sizes 1000,4000,16000] [refine bench options]`: how a refine job's cost
 * grows. Generates (or reuses) the demo's data at each size first, outside the timing, then runs the
 * refine bench (`refine.ts`) once per size, each in a fresh process so its peak RSS is that size's,
 * and prints time per clip and peak RSS per size, and time per clip of every phase.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchData, parseRefineArgs } from './refine.js';
import type { RefineMeasure } from './refine-report.js';
import { formatScale } from './scale-report.js';

/** Runs `refine.ts` in a child process at one size; returns its measure. */
async function measureInChild(args: readonly string[], json: string): Promise<RefineMeasure> {
  const script = join(import.meta.dirname, 'refine.ts');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args, '--json', json], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`bench scale: refine bench ${args.join(' ')} exited with ${code}`);
  return (JSON.parse(await readFile(json, 'utf8')) as { measure: RefineMeasure }).measure;
}

/** `npm run bench -- scale …`. */
export async function run(args: readonly string[] = []): Promise<void> {
  const o = parseRefineArgs(args);
  const { values } = parseArgs({ args: [...args], options: { sizes: { type: 'string' } }, strict: false });
  const sizes = String(values.sizes ?? '1000,4000,16000')
    .split(',')
    .map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`bench scale: --sizes must be positive integers, got ${String(values.sizes)}`);
  for (const clips of sizes) {
    const d = await benchData({ ...o, clips });
    process.stdout.write(
      `data ${clips} clips: ${d.dir} (${d.reused ? 'reused' : `generated in ${d.seconds.toFixed(0)} s`}, not timed)\n`,
    );
  }
  const tmp = await mkdtemp(join(tmpdir(), 'flywheel-bench-scale-'));
  const measures: RefineMeasure[] = [];
  try {
    for (const clips of sizes) {
      const childArgs = [
        ...['--clips', String(clips), '--rounds', String(o.rounds), '--seed', String(o.seed)],
        ...['--threads', String(o.threads), '--data-dir', o.dataDir],
        ...(o.pretrainEpochs !== undefined ? ['--pretrain-epochs', String(o.pretrainEpochs)] : []),
        ...(o.maxSteps !== undefined ? ['--max-steps', String(o.maxSteps)] : []),
        ...(o.frameCacheMb !== undefined ? ['--frame-cache-mb', String(o.frameCacheMb)] : []),
      ];
      process.stdout.write(`\n--- ${clips} clips ---\n`);
      measures.push(await measureInChild(childArgs, join(tmp, `${clips}.json`)));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  process.stdout.write(`\n--- scale: ${sizes.join(', ')} clips ---\n\n${formatScale(measures)}`);
}
