/** `flywheel schedule --cron "<expr>" <config>`: incremental batches of new clips on a schedule. */
import type { Command } from 'commander';
import { intOption } from '../options.js';
import { addQueueOptions, queueExecutorFromFlags, type QueueFlags } from '../queue-options.js';

interface ScheduleFlags extends QueueFlags {
  cron?: string;
  once?: boolean;
  retrainEvery: number;
  maxTicks?: number;
  wholeDataset?: true | string;
}

/** Adds the `schedule` sub-command. */
export function register(program: Command): void {
  const cmd = program
    .command('schedule')
    .description(
      'On each cron tick, caption/score/export only the clips not processed yet (new manifest rows), with the current model',
    )
    .argument('<config>', 'the refine config of the job (its run_dir holds the model and the schedule state)')
    .option('--cron <expr>', 'cron expression, e.g. "0 2 * * *" (02:00 daily) or "*/10 * * * * *" (every 10 s)')
    .option('--once', 'run one tick now and exit (for system cron or CI)')
    .option(
      '--retrain-every <k>',
      'retrain the model on the kept rows every k ticks (0 = never)',
      intOption('retrain-every', 0),
      0,
    )
    .option('--max-ticks <n>', 'exit after n ticks', intOption('max-ticks', 0))
    .option(
      '--whole-dataset [dir]',
      "after each tick, export the job's whole dataset (as `export --with-ticks`): to a new versioned folder, or to dir, replaced each time",
    );
  addQueueOptions(
    cmd,
    "run each tick's frames, caption and adatailr steps on `flywheel worker` processes via this Redis server; see docs/distributed.md",
  ).action(async (path: string, o: ScheduleFlags) => {
    // flags first: a bad flag is refused before the config is read
    const executor = await queueExecutorFromFlags(o);
    const { loadConfigFile } = await import('../../config/load.js');
    const { refineConfigSchema } = await import('../../config/refine.js');
    const { cliReporter } = await import('../reporters.js');
    const { startSchedule } = await import('../../jobs/schedule/run-schedule.js');
    const { runTick } = await import('../../jobs/schedule/tick.js');
    const config = await loadConfigFile(refineConfigSchema, path);
    const reporter = (): ReturnType<typeof cliReporter> => cliReporter();
    if (o.once) {
      const r = await runTick(config, {
        retrainEvery: o.retrainEvery,
        reporter,
        ...(executor ? { executor } : {}),
        ...(o.wholeDataset ? { wholeDataset: o.wholeDataset } : {}),
      });
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return;
    }
    if (!o.cron) throw new Error('give --cron "<expr>" (or --once for a single tick)');
    const h = startSchedule(config, {
      cron: o.cron,
      retrainEvery: o.retrainEvery,
      reporter,
      ...(executor ? { executor } : {}),
      ...(o.maxTicks !== undefined ? { maxTicks: o.maxTicks } : {}),
      ...(o.wholeDataset ? { wholeDataset: o.wholeDataset } : {}),
      onTick: (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    });
    const stop = (): void => h.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await h.done;
  });
}
