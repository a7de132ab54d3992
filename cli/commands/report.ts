/** `flywheel report <run_dir>`: write the self-contained HTML report of a refine job. */
import type { Command } from 'commander';

/** Adds the `report` sub-command. */
export function register(program: Command): void {
  program
    .command('report')
    .description('Write one self-contained HTML page: per-round trinity charts, noise filter, sample clips, errors')
    .argument('<run_dir>', 'the refine job directory')
    .option('--out <file>', 'output file (default: <run_dir>/report.html)')
    .action(async (runDir: string, o: { out?: string }) => {
      const { writeReport } = await import('../../jobs/report/build-report.js');
      process.stdout.write(`${await writeReport(runDir, o.out)}\n`);
    });
}
