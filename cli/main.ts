/**
 * The `flywheel` command line: one binary, one sub-command per job.
 * Each sub-command lives in `cli/commands/<name>.ts` and exports `register(program)`.
 */
import { Command } from 'commander';

/** A module that adds one sub-command to the program. */
export interface CommandModule {
  register(program: Command): void;
}

const commandModules: CommandModule[] = [
  // sub-commands are added here, one import each
  await import('./commands/gen-bench.js'),
  await import('./commands/run.js'),
  await import('./commands/inspect.js'),
  await import('./commands/noise-exp.js'),
  await import('./commands/worker.js'),
  await import('./commands/status.js'),
  await import('./commands/prune.js'),
  await import('./commands/refine.js'),
  await import('./commands/export.js'),
  await import('./commands/report.js'),
  await import('./commands/demo.js'),
  await import('./commands/demo-model.js'),
  await import('./commands/schedule.js'),
  await import('./commands/refine-exp.js'),
  await import('./commands/tick-exp.js'),
  await import('./commands/downstream.js'),
  await import('./commands/import.js'),
  await import('./commands/choice-audit.js'),
  await import('./commands/choice-replay.js'),
];

/** Builds the program with every sub-command registered (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('flywheel')
    .description(
      'Refine video-language datasets: extract frames, caption with an ONNX model, ' +
        'score and filter with AdaTaiLr, train, and export versioned Parquet — round after round.',
    )
    .showHelpAfterError()
    .version('0.1.0');
  for (const m of commandModules) m.register(program);
  return program;
}

const isMain = process.argv[1] !== undefined && /cli[\\/]main\.ts$|bin[\\/]flywheel\.js$/.test(process.argv[1]);
if (isMain) {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    // a clear one-line cause for the user; the stack only with FLYWHEEL_DEBUG=1
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`flywheel: ${err.message}\n`);
    if (process.env.FLYWHEEL_DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}
