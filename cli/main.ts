/**
 * The `flywheel` command line: one binary, one sub-command per job.
 * Each sub-command lives in `cli/commands/<name>.ts` and exports `register(program)`.
 */
import { Command } from 'commander';

/** A module that adds one sub-command to the program. */
export interface CommandModule {
  register(program: Command): void;
}

/** Sub-commands under one heading of `flywheel --help`. */
interface CommandGroup {
  readonly heading: string;
  readonly modules: readonly CommandModule[];
}

/**
 * Every sub-command, one import each, grouped as a user meets them: their own dataset first; the
 * research commands, which generate a benchmark and read its truth, fenced apart last.
 */
const commandGroups: readonly CommandGroup[] = [
  {
    heading: 'Your dataset:',
    modules: [
      await import('./commands/import.js'),
      await import('./commands/run.js'),
      await import('./commands/refine.js'),
      await import('./commands/schedule.js'),
      await import('./commands/export.js'),
      await import('./commands/report.js'),
      await import('./commands/inspect.js'),
    ],
  },
  {
    heading: 'Many machines (a queue on Redis):',
    modules: [
      await import('./commands/worker.js'),
      await import('./commands/status.js'),
      await import('./commands/prune.js'),
    ],
  },
  {
    heading: 'The demo:',
    modules: [await import('./commands/demo.js'), await import('./commands/demo-model.js')],
  },
  {
    heading: 'Research (on a generated benchmark, measured against its truth):',
    modules: [
      await import('./commands/gen-bench.js'),
      await import('./commands/refine-exp.js'),
      await import('./commands/tick-exp.js'),
      await import('./commands/downstream.js'),
      await import('./commands/noise-exp.js'),
      await import('./commands/choice-audit.js'),
      await import('./commands/choice-replay.js'),
    ],
  },
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
  for (const g of commandGroups) {
    program.commandsGroup(g.heading);
    for (const m of g.modules) m.register(program);
  }
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
