/**
 * `flywheel refine-exp`: the whole flywheel on generated benchmarks at several noise levels and
 * seeds, AdaTaiLr beside the MLE + keep-all loop, measuring the exported dataset per round (content
 * accuracy, CIDEr-D, vocabulary, distinct-2, kept share) as mean ± sd, with raw beside it. See
 * docs/refine.md (results) and docs/refine-history.md (earlier releases, tuning).
 */
import { InvalidArgumentError, type Command } from 'commander';
import pino from 'pino';
import { addLoopOptions, type LoopFlags, loopSettings } from '../loop-options.js';
import { hasKind, readReportFile } from '../report-file.js';
import type { RefineExperimentReport } from '../../research/refine-experiment/experiment.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { JsonReporter } from '../../pipeline/reporter.js';

/** Adds the `refine-exp` sub-command. */
export function register(program: Command): void {
  const cmd = program
    .command('refine-exp')
    .description(
      'Run the flywheel on generated data at several noise levels and seeds (AdaTaiLr vs MLE + keep-all) and measure the exported datasets',
    );
  addLoopOptions(cmd, { noise: [0.2, 0.4, 0.6], clips: 'clips per generated dataset', dir: 'runs/refine-exp' })
    .option('--only <method>', 'run one loop only: adatailr or mle+keep-all')
    .option(
      '--from <files>',
      'run nothing: merge these JSON reports (comma-separated) and print their tables',
      (v: string) => v.split(',').filter(Boolean),
    )
    .option('--out <file>', 'write the report (settings and every run) as JSON')
    .option(
      '--per-seed',
      "also print the issue's bars seed by seed, and how many seeds meet each (with --from: over every report given)",
    )
    .action(async (o: LoopFlags & { only?: string; from?: string[]; out?: string; perSeed?: boolean }) => {
      const { DEFAULT_METHODS, runRefineExperiment } = await import('../../research/refine-experiment/experiment.js');
      const { formatRefineExperiment } = await import('../../research/refine-experiment/table.js');
      const { formatSeedBars } = await import('../../research/refine-experiment/seed-bars.js');
      const print = (r: RefineExperimentReport): void => {
        console.log(formatRefineExperiment(r));
        if (o.perSeed)
          console.log(
            `\n${formatSeedBars(
              r.runs,
              r.settings.methods.map((m) => m.name),
            )}`,
          );
      };
      const write = async (r: RefineExperimentReport): Promise<void> => {
        if (!o.out) return;
        await writeFileAtomic(o.out, `${JSON.stringify(r, null, 2)}\n`);
      };
      if (o.from) {
        const { mergeReports } = await import('../../research/refine-experiment/merge-reports.js');
        const merged = mergeReports(
          o.from.map((file) => ({
            file,
            report: readReportFile<RefineExperimentReport>(file, 'refine-exp', hasKind('flywheel-refine-experiment/1')),
          })),
        );
        await write(merged);
        print(merged);
        return;
      }
      const methods = o.only ? DEFAULT_METHODS.filter((m) => m.name === o.only) : DEFAULT_METHODS;
      if (methods.length === 0)
        throw new InvalidArgumentError(
          `--only must be one of ${DEFAULT_METHODS.map((m) => m.name).join(', ')} (got ${JSON.stringify(o.only)})`,
        );
      const t0 = performance.now();
      const report = await runRefineExperiment(
        { ...loopSettings(o), methods },
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
      print(report);
      console.log(`\n${report.runs.length} loops in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    });
}
