/** `flywheel inspect <path>`: schema, row count and first rows of a Parquet file or a folder of them (an export), or a refine job's state. */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { intOption } from '../options.js';

/** Adds the `inspect` sub-command. */
export function register(program: Command): void {
  program
    .command('inspect')
    .description(
      'Show the schema, row count and first rows of a Parquet file (any flywheel output or manifest), or where a refine job stands',
    )
    .argument(
      '<parquet>',
      'a .parquet file, e.g. runs/demo/frames/shard-00000.parquet, a folder of them, e.g. runs/demo/job/exports/round-2, or a refine job directory, e.g. runs/demo/job',
    )
    .option('-n, --rows <n>', 'rows to show', intOption('rows', 0), 5)
    .addHelpText(
      'after',
      '\nBinary columns (frame pixels) are shown as their byte length; long strings are cut at 80 characters.',
    )
    .action(async (path: string, o: { rows: number }) => {
      if ((await stat(path).catch(() => undefined))?.isDirectory()) {
        const { inspectJob, isJobDir } = await import('../inspect-job.js'); // lazy: keeps `flywheel --help` fast
        if (isJobDir(path)) {
          process.stdout.write(await inspectJob(path));
          return;
        }
        const { inspectDir } = await import('../inspect-dir.js');
        process.stdout.write(await inspectDir(path, o.rows));
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes = await readFile(path);
      } catch (e) {
        throw new Error(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
          cause: e,
        });
      }
      const { inspectParquet } = await import('../inspect-parquet.js'); // lazy: keeps `flywheel --help` fast
      process.stdout.write(await inspectParquet(path, bytes, o.rows));
    });
}
