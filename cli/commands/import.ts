/** `flywheel import <source>`: turn a HowTo100M caption JSON, a WebVid CSV or any mapped table into a clips manifest. */
import { InvalidArgumentError, type Command } from 'commander';

const LAYOUTS = ['howto100m', 'webvid', 'mapped'] as const;

interface ImportOptions {
  layout: (typeof LAYOUTS)[number];
  out: string;
  map?: string;
  videoTemplate?: string;
  pathColumn?: string;
}

/** Adds the `import` sub-command. */
export function register(program: Command): void {
  program
    .command('import')
    .description(
      'Import a source layout as a clips manifest (Parquet) plus an errors table; streams, resumes, never leaves half a manifest',
    )
    .argument('<source>', 'the source file: caption JSON (howto100m), CSV (webvid), or Parquet/CSV/JSONL (mapped)')
    .requiredOption('--layout <name>', `source layout: ${LAYOUTS.join(', ')}`, (v) => {
      if (!(LAYOUTS as readonly string[]).includes(v))
        throw new InvalidArgumentError(`--layout must be one of ${LAYOUTS.join(', ')} (got ${JSON.stringify(v)})`);
      return v;
    })
    .requiredOption('--out <file.parquet>', 'the manifest to write (errors go to <stem>.errors.parquet)')
    .option('--map <pairs>', 'mapped layout: manifest_column=source_column pairs, e.g. clip_id=vid,video_uri=path')
    .option(
      '--video-template <tpl>',
      'video_uri from columns: howto100m default "{video_id}.mp4", webvid default "{page_dir}/{videoid}.mp4"',
    )
    .option('--path-column <col>', 'webvid: take video_uri from this column instead of the template')
    .action(async (sourcePath: string, o: ImportOptions) => {
      const { openSource } = await import('../../jobs/import/open-source.js');
      const { runImport } = await import('../../jobs/import/run-import.js');
      const source = openSource(sourcePath, o);
      const { record, skipped } = await runImport(source, {
        sourcePath,
        out: o.out,
        onProgress: (rows) => process.stderr.write(`import: ${rows} rows read\n`),
        onSecondPass: (n) =>
          process.stderr.write(`import: ${n} duplicate clip_id rows; reading the source again to skip them\n`),
      });
      process.stdout.write(
        `${skipped ? 'already imported (same source and options)' : 'imported'}: ${record.rows} rows → ${record.clips} clips in ${record.manifest}, ${record.errors} error rows in ${record.errors_file}\n`,
      );
    });
}
