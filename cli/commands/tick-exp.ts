/**
 * `flywheel tick-exp`: refine on generated benchmarks, then run nightly `schedule` ticks over clips
 * that arrive afterwards, with a retraining tick every night beside ticks that never retrain, and
 * measure each night's new clips: transcripts, captioner and kept rows against the truth. See
 * docs/refine.md ("The nights after").
 */
import type { Command } from 'commander';
import pino from 'pino';
import { addLoopOptions, type LoopFlags, loopSettings } from '../loop-options.js';
import { intOption } from '../options.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { JsonReporter } from '../../pipeline/reporter.js';
import type { TickExperimentReport } from '../../research/tick-experiment/experiment.js';
import { hasKind, readReportFile } from '../report-file.js';

interface TickExpFlags extends LoopFlags {
  tickClips: number;
  ticks: number;
  from?: string[];
  out?: string;
}

/** Adds the `tick-exp` sub-command. */
export function register(program: Command): void {
  const cmd = program
    .command('tick-exp')
    .description(
      'Refine generated data, then run nightly schedule ticks on clips that arrive later (retraining every night vs never) and measure each night',
    );
  addLoopOptions(cmd, { noise: [0.4], clips: 'clips the refine job starts with', dir: 'runs/tick-exp' })
    .option('--tick-clips <n>', 'new clips a night', intOption('tick-clips'), 100)
    .option('--ticks <n>', 'nights', intOption('ticks'), 3)
    .option(
      '--from <files>',
      'run nothing: merge these JSON reports (comma-separated) and print their tables',
      (v: string) => v.split(',').filter(Boolean),
    )
    .option('--out <file>', 'write the report (settings and every run) as JSON')
    .action(async (o: TickExpFlags) => {
      const { DEFAULT_VARIANTS, runTickExperiment } = await import('../../research/tick-experiment/experiment.js');
      const { formatTickExperiment } = await import('../../research/tick-experiment/table.js');
      if (o.from) {
        const reports = o.from.map((f) =>
          readReportFile<TickExperimentReport>(f, 'tick-exp', hasKind('flywheel-tick-experiment/1')),
        );
        console.log(formatTickExperiment({ ...reports[0], runs: reports.flatMap((r) => r.runs) }));
        return;
      }
      const quiet = (): pino.Logger => pino({ level: 'warn' }, pino.destination(2));
      const t0 = performance.now();
      const report = await runTickExperiment(
        { ...loopSettings(o), tickClips: o.tickClips, ticks: o.ticks, variants: DEFAULT_VARIANTS },
        {
          log: quiet(),
          reporter: () => new JsonReporter(quiet()),
          onRun: (r) =>
            process.stderr.write(
              `noise ${r.noise} seed ${r.seed} ${r.variant}: captioner ${r.ticks.map((p) => p.captioner.toFixed(3)).join(' → ')}, kept rows ${r.ticks.map((p) => p.exported.toFixed(3)).join(' → ')}\n`,
            ),
        },
      );
      if (o.out) await writeFileAtomic(o.out, `${JSON.stringify(report, null, 2)}\n`);
      console.log(formatTickExperiment(report));
      console.log(`\n${report.runs.length} variant runs in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    });
}
