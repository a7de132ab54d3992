/**
 * `flywheel noise-exp`: the AdaTaiLr noise experiment on a generated toy task (no ffmpeg) — MLE,
 * TaiLr with fixed γ, AdaTaiLr and loss truncation at known noise levels, several seeds; prints
 * Markdown tables and optionally writes the full JSON report. See docs/adatailr.md.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { fractionsOption, intOption } from '../options.js';
import { readReportFile } from '../report-file.js';
import {
  type ExperimentReport,
  mergeReports,
  type MethodSpec,
  runExperiment,
} from '../../research/noise-experiment/experiment.js';
import { lossConfigSchema } from '../../models/adatailr/loss-config.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { formatReport } from '../../research/noise-experiment/table.js';

/** `name=<loss config JSON>`, e.g. `w5={"kind":"adatailr","warmupSteps":5}`; repeatable. */
const toMethod = (v: string, acc: MethodSpec[] = []): MethodSpec[] => {
  const at = v.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`--method must be name=<loss config JSON> (got ${JSON.stringify(v)})`);
  let json: unknown;
  try {
    json = JSON.parse(v.slice(at + 1));
  } catch (e) {
    throw new InvalidArgumentError(`--method ${v.slice(0, at)}: not JSON (${(e as Error).message})`);
  }
  const parsed = lossConfigSchema.safeParse(json);
  if (!parsed.success)
    throw new InvalidArgumentError(
      `--method ${v.slice(0, at)}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'loss'}: ${i.message}`).join('; ')}`,
    );
  return [...acc, { name: v.slice(0, at), loss: json as MethodSpec['loss'] }];
};

/** Tells a `noise-exp` report from other JSON. */
function isNoiseReport(r: unknown): boolean {
  return (
    typeof r === 'object' &&
    r !== null &&
    'runs' in r &&
    Array.isArray(r.runs) &&
    'settings' in r &&
    typeof r.settings === 'object' &&
    r.settings !== null &&
    'methods' in r.settings &&
    Array.isArray(r.settings.methods)
  );
}

/** Adds the `noise-exp` sub-command. */
export function register(program: Command): void {
  program
    .command('noise-exp')
    .description(
      'Train MLE / TaiLr / AdaTaiLr / loss truncation on a toy task with known caption noise and compare them on clean held-out captions',
    )
    .option('--noise <fracs>', 'comma-separated corrupted fractions', fractionsOption('noise'), [0, 0.2, 0.4, 0.6])
    .option('--seeds <n>', 'seeds per cell', intOption('seeds'), 3)
    .option(
      '--first-seed <n>',
      'first seed (seeds first..first+seeds-1), e.g. to validate on seeds the tuning never saw',
      intOption('first-seed'),
      1,
    )
    .option('--clips <n>', 'training clips per task', intOption('clips'), 400)
    .option('--heldout <n>', 'clean held-out clips per task', intOption('heldout'), 100)
    .option('--steps <n>', 'training steps per run', intOption('steps'), 200)
    .option('--threads <n>', 'ONNX Runtime threads per op (default: ORT chooses)', intOption('threads'))
    .option(
      '--method <name=json>',
      'a method to train instead of the defaults: name=<loss config JSON>, repeatable (e.g. \'w5={"kind":"adatailr","warmupSteps":5}\')',
      toMethod,
    )
    .option(
      '--detect-with <name>',
      'method whose model scores the keep policies and is compared with the best fixed γ',
      'adatailr',
    )
    .option(
      '--from <files>',
      'train nothing: merge these JSON reports (comma-separated, e.g. two seed ranges) and print their tables',
      (v: string) => v.split(',').filter(Boolean),
    )
    .option('--out <file>', 'write the full report (settings, every run, curves, summaries) as JSON')
    .action(
      async (o: {
        noise: number[];
        seeds: number;
        firstSeed: number;
        clips: number;
        heldout: number;
        steps: number;
        threads?: number;
        method?: MethodSpec[];
        detectWith: string;
        from?: string[];
        out?: string;
      }) => {
        if (o.from) {
          const merged = mergeReports(
            o.from.map((f) => readReportFile<ExperimentReport>(f, 'noise-exp', isNoiseReport)),
          );
          if (o.out) await writeFileAtomic(o.out, JSON.stringify(merged, null, 2) + '\n');
          console.log(formatReport(merged));
          return;
        }
        const report = await runExperiment({
          noise: o.noise,
          seeds: o.firstSeed + o.seeds - 1,
          ...(o.firstSeed > 1 ? { only: (_m: unknown, _n: number, seed: number) => seed >= o.firstSeed } : {}),
          trainClips: o.clips,
          heldoutClips: o.heldout,
          steps: o.steps,
          threads: o.threads,
          ...(o.method ? { methods: o.method } : {}),
          detectWith: o.detectWith,
          onRun: (r, done, total) =>
            process.stderr.write(
              `[${done}/${total}] noise ${r.noise} seed ${r.seed} ${r.method}: nll ${r.heldout.nll.toFixed(3)} exact ${r.heldout.exactMatch.toFixed(2)} (${r.seconds.toFixed(1)}s)\n`,
            ),
        });
        if (o.out) await writeFileAtomic(o.out, JSON.stringify(report, null, 2) + '\n');
        console.log(formatReport(report));
        console.log(`\n${report.runs.length} runs in ${report.seconds.toFixed(0)} s`);
      },
    );
}
