/**
 * `flywheel refine-exp`: the whole flywheel on generated benchmarks at several noise levels and
 * seeds, AdaTaiLr beside the MLE + keep-all loop, measuring the exported dataset per round (content
 * accuracy, CIDEr-D, vocabulary, distinct-2, kept share) as mean ± sd, with raw beside it. See
 * docs/refine.md (results) and docs/refine-history.md (earlier releases, tuning).
 */
import { InvalidArgumentError, type Command } from 'commander';
import pino from 'pino';
import { collectSetting, fractionsOption, intOption } from '../options.js';
import { hasKind, readReportFile } from '../report-file.js';
import { DEMO_CLIPS } from '../../jobs/demo/demo-size.js';
import type { RefineExperimentReport } from '../../research/refine-experiment/experiment.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { JsonReporter } from '../../pipeline/reporter.js';

/** Adds the `refine-exp` sub-command. */
export function register(program: Command): void {
  program
    .command('refine-exp')
    .description(
      'Run the flywheel on generated data at several noise levels and seeds (AdaTaiLr vs MLE + keep-all) and measure the exported datasets',
    )
    .option('--noise <fracs>', 'comma-separated noisy-transcript fractions', fractionsOption('noise'), [0.2, 0.4, 0.6])
    .option('--seeds <n>', 'seeds per noise level', intOption('seeds'), 3)
    .option('--first-seed <n>', 'first seed (seeds first..first+seeds-1)', intOption('first-seed'), 11)
    .option('--clips <n>', 'clips per generated dataset', intOption('clips'), DEMO_CLIPS)
    .option('--rounds <n>', 'refinement rounds', intOption('rounds'), 3)
    .option(
      '--pretrain-epochs <n>',
      "captioners' pre-training epochs (default: the demo's)",
      intOption('pretrain-epochs'),
    )
    .option(
      '--set <key=value>',
      'refine config override for every loop, dotted key and JSON value (e.g. folds=4, judge.epochs=80; null takes a field out, e.g. judge.init=null); repeatable',
      collectSetting,
    )
    .option('--only <method>', 'run one loop only: adatailr or mle+keep-all')
    .option('--dir <dir>', 'working directory for the datasets and jobs', 'runs/refine-exp')
    .option(
      '--from <files>',
      'run nothing: merge these JSON reports (comma-separated) and print their tables',
      (v: string) => v.split(',').filter(Boolean),
    )
    .option('--out <file>', 'write the report (settings and every run) as JSON')
    .action(
      async (o: {
        noise: number[];
        seeds: number;
        firstSeed: number;
        clips: number;
        rounds: number;
        pretrainEpochs?: number;
        set?: Record<string, unknown>;
        only?: string;
        dir: string;
        from?: string[];
        out?: string;
      }) => {
        const { DEFAULT_METHODS, runRefineExperiment } = await import('../../research/refine-experiment/experiment.js');
        const { formatRefineExperiment } = await import('../../research/refine-experiment/table.js');
        const write = async (r: RefineExperimentReport): Promise<void> => {
          if (!o.out) return;
          await writeFileAtomic(o.out, `${JSON.stringify(r, null, 2)}\n`);
        };
        if (o.from) {
          const reports = o.from.map((f) =>
            readReportFile<RefineExperimentReport>(f, 'refine-exp', hasKind('flywheel-refine-experiment/1')),
          );
          const merged: RefineExperimentReport = { ...reports[0], runs: reports.flatMap((r) => r.runs) };
          await write(merged);
          console.log(formatRefineExperiment(merged));
          return;
        }
        const methods = o.only ? DEFAULT_METHODS.filter((m) => m.name === o.only) : DEFAULT_METHODS;
        if (methods.length === 0)
          throw new InvalidArgumentError(
            `--only must be one of ${DEFAULT_METHODS.map((m) => m.name).join(', ')} (got ${JSON.stringify(o.only)})`,
          );
        const t0 = performance.now();
        const report = await runRefineExperiment(
          {
            noise: o.noise,
            seeds: Array.from({ length: o.seeds }, (_, i) => o.firstSeed + i),
            clips: o.clips,
            rounds: o.rounds,
            methods,
            ...(o.pretrainEpochs !== undefined ? { pretrainEpochs: o.pretrainEpochs } : {}),
            ...(o.set ? { overrides: o.set } : {}),
            dir: o.dir,
          },
          {
            log: pino({ level: 'warn' }, pino.destination(2)),
            reporter: () => new JsonReporter(pino({ level: 'warn' }, pino.destination(2))),
            onRun: (r) => {
              const last = r.rounds[r.rounds.length - 1];
              process.stderr.write(
                `noise ${r.noise} seed ${r.seed} ${r.method}: raw ${r.raw.contentAccuracy.toFixed(3)} → ${r.rounds.map((p) => p.contentAccuracy.toFixed(3)).join(' → ')} (kept ${last?.keptShare.toFixed(3)}, ${r.seconds.toFixed(0)} s)\n`,
              );
            },
          },
        );
        await write(report);
        console.log(formatRefineExperiment(report));
        console.log(`\n${report.runs.length} loops in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      },
    );
}
