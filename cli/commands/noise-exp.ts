/**
 * `flywheel noise-exp`: the AdaTaiLr noise experiment on a generated toy task (no ffmpeg) — MLE,
 * TaiLr with fixed γ, AdaTaiLr and loss truncation at known noise levels, several seeds; prints
 * Markdown tables and optionally writes the full JSON report. See docs/adatailr.md.
 */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { runExperiment } from '../../jobs/noise-experiment/experiment.js';
import { formatReport } from '../../jobs/noise-experiment/table.js';

const toInt = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--${name} must be a positive integer (got ${JSON.stringify(v)})`);
  return n;
};
const toNoise = (v: string): number[] => {
  const xs = v.split(',').map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !(x >= 0 && x < 1))) throw new InvalidArgumentError(`--noise must be comma-separated fractions in [0, 1) (got ${JSON.stringify(v)})`);
  return xs;
};

/** Adds the `noise-exp` sub-command. */
export function register(program: Command): void {
  program
    .command('noise-exp')
    .description('Train MLE / TaiLr / AdaTaiLr / loss truncation on a toy task with known caption noise and compare them on clean held-out captions')
    .option('--noise <fracs>', 'comma-separated corrupted fractions', toNoise, [0, 0.2, 0.4, 0.6])
    .option('--seeds <n>', 'seeds per cell', toInt('seeds'), 3)
    .option('--first-seed <n>', 'first seed (seeds first..first+seeds-1), e.g. to validate on seeds the tuning never saw', toInt('first-seed'), 1)
    .option('--clips <n>', 'training clips per task', toInt('clips'), 400)
    .option('--heldout <n>', 'clean held-out clips per task', toInt('heldout'), 100)
    .option('--steps <n>', 'training steps per run', toInt('steps'), 200)
    .option('--threads <n>', 'ONNX Runtime threads per op (default: ORT chooses)', toInt('threads'))
    .option('--out <file>', 'write the full report (settings, every run, curves, summaries) as JSON')
    .action(async (o: { noise: number[]; seeds: number; firstSeed: number; clips: number; heldout: number; steps: number; threads?: number; out?: string }) => {
      const report = await runExperiment({
        noise: o.noise,
        seeds: o.firstSeed + o.seeds - 1,
        ...(o.firstSeed > 1 ? { only: (_m: unknown, _n: number, seed: number) => seed >= o.firstSeed } : {}),
        trainClips: o.clips,
        heldoutClips: o.heldout,
        steps: o.steps,
        threads: o.threads,
        onRun: (r, done, total) =>
          process.stderr.write(`[${done}/${total}] noise ${r.noise} seed ${r.seed} ${r.method}: nll ${r.heldout.nll.toFixed(3)} exact ${r.heldout.exactMatch.toFixed(2)} (${r.seconds.toFixed(1)}s)\n`),
      });
      if (o.out) writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
      console.log(formatReport(report));
      console.log(`\n${report.runs.length} runs in ${report.seconds.toFixed(0)} s`);
    });
}
