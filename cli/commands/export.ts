/** `flywheel export <run_dir>`: write the cleaned, versioned dataset of a round as Parquet (with a dataset card) or WebDataset shards. */
import type { Command } from 'commander';
import { EXPORT_ROWS_PER_FILE } from '../../jobs/export/part-size.js';
import { intOption } from '../options.js';
import { count } from '../plural.js';
import { exportName } from '../../jobs/export/export-metadata.js';

interface ExportOptions {
  round?: number;
  withTicks?: boolean;
  format: string;
  out?: string;
  shardSize: number;
  frames: number;
  mediaRoot?: string;
  rowsPerFile?: number;
}

/** Adds the `export` sub-command. */
export function register(program: Command): void {
  program
    .command('export')
    .description(
      'Export the refined dataset of a refine job (latest finished round by default) as Parquet + metadata.json + a Hugging Face dataset card (README.md), or as WebDataset tar shards',
    )
    .argument('<run_dir>', 'the refine job directory')
    .option('--round <k>', 'round to export (default: latest finished)', intOption('round', 0))
    .option(
      '--with-ticks',
      "the whole dataset: the latest round's rows and every schedule tick's since, each clip once (default --out: <run_dir>/exports/dataset-round-<k>-tick-<n>)",
    )
    .option('--format <fmt>', '"parquet" or "webdataset" (built from the round\'s Parquet export)', 'parquet')
    .option(
      '--out <dir>',
      'output directory (default: <run_dir>/exports/round-<k>, or round-<k>-webdataset for --format webdataset)',
    )
    .option(
      '--rows-per-file <n>',
      `parquet: at most this many rows a data file (default ${EXPORT_ROWS_PER_FILE})`,
      intOption('rows-per-file'),
    )
    .option('--shard-size <n>', 'webdataset: samples per tar shard', intOption('shard-size'), 1000)
    .option('--frames <n>', 'webdataset: JPEG frames per sample (0: none)', intOption('frames', 0), 0)
    .option('--media-root <dir>', "webdataset: where video_uri resolves (default: the job's media_root)")
    .action(async (runDir: string, o: ExportOptions) => {
      if (o.format !== 'parquet' && o.format !== 'webdataset')
        throw new Error(`--format must be "parquet" or "webdataset" (got ${JSON.stringify(o.format)})`);
      if (o.withTicks && o.round !== undefined)
        throw new Error('--with-ticks exports the latest round with the ticks since: leave out --round');
      const wds = o.format === 'webdataset';
      const common = {
        jobDir: runDir,
        ...(o.out && !wds ? { outDir: o.out } : {}),
        ...(o.rowsPerFile !== undefined ? { rowsPerFile: o.rowsPerFile } : {}),
      };
      const { dir, metadata } = o.withTicks
        ? await (await import('../../jobs/schedule/whole-dataset.js')).exportWholeDataset(common)
        : await (
            await import('../../jobs/export/export-round.js')
          ).exportRound({ ...common, ...(o.round !== undefined ? { round: o.round } : {}) });
      process.stdout.write(
        `exported ${exportName(metadata)}: ${count(metadata.rows, 'row')} (${metadata.dropped} dropped, listed with their reasons in ${metadata.dropped_file}; ${count(metadata.errors, 'clip')} with errors, listed with their causes in ${metadata.errors_file}; ${metadata.heldout_excluded} held-out excluded) in ${count(metadata.files.length, 'file')} → ${dir}\ndataset id ${metadata.dataset_id}\n`,
      );
      if (!wds) return;
      const { writeWebDataset, jobMediaRoot } = await import('../../jobs/export/webdataset/write-webdataset.js');
      const out = o.out ?? `${dir}-webdataset`;
      const w = await writeWebDataset({
        from: dir,
        out,
        mediaRoot: o.mediaRoot ?? (await jobMediaRoot(runDir)),
        shardSize: o.shardSize,
        frames: o.frames,
      });
      process.stdout.write(
        `webdataset: ${count(w.samples, 'sample')} in ${count(w.shards.length, 'shard')} (${w.cuts.copy} stream-copied, ${w.cuts.reencode} re-encoded), ${count(w.errors, 'error')} → ${out}\n`,
      );
    });
}
