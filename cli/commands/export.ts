/** `flywheel export <run_dir>`: write the cleaned, versioned dataset of a round as Parquet. */
import type { Command } from 'commander';
import { intOption } from '../options.js';

/** Adds the `export` sub-command. */
export function register(program: Command): void {
  program
    .command('export')
    .description(
      'Export the refined dataset of a refine job (latest finished round by default) as Parquet + metadata.json',
    )
    .argument('<run_dir>', 'the refine job directory')
    .option('--round <k>', 'round to export (default: latest finished)', intOption('round', 0))
    .option('--format <fmt>', 'output format (only "parquet")', 'parquet')
    .option('--out <dir>', 'output directory (default: <run_dir>/exports/round-<k>)')
    .action(async (runDir: string, o: { round?: number; format: string; out?: string }) => {
      if (o.format !== 'parquet') throw new Error(`--format must be "parquet" (got ${JSON.stringify(o.format)})`);
      const { exportRound } = await import('../../jobs/export/export-round.js');
      const { dir, metadata } = await exportRound({
        jobDir: runDir,
        ...(o.round !== undefined ? { round: o.round } : {}),
        ...(o.out ? { outDir: o.out } : {}),
      });
      process.stdout.write(
        `exported round ${metadata.round}: ${metadata.rows} rows (${metadata.dropped} dropped, ${metadata.heldout_excluded} held-out excluded) in ${metadata.files.length} files → ${dir}\ndataset id ${metadata.dataset_id}\n`,
      );
    });
}
