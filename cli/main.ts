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
  await buildProgram().parseAsync(process.argv);
}
