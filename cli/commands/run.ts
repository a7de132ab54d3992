/**
 * `flywheel run <config>`: run (or resume) the stages a config turns on over its manifest,
 * writing one Parquet file per stage per shard into the run dir.
 */
import type { Command } from 'commander';
import type { Config } from '../../config/run.js';
import type { QueueConnection } from '../../jobs/distributed/options.js';
import { addQueueOptions, keepCompletedFlag, queueConnection, type QueueFlags } from '../queue-options.js';
import type { LogMode } from '../reporters.js';

const example = `{
  "run_dir": "runs/demo",            // outputs + ledger; re-run with the same dir to resume
  "manifest": "data/clips.parquet",  // .parquet, .csv or .jsonl with clip_id, video_uri, start_s, end_s, asr_text
  "media_root": "data/videos",       // every video_uri must resolve inside it
  "shard_size": 256,
  "stages": { "frames": { "count": 8, "width": 224, "height": 224, "method": "auto", "timeout_s": 60 } }
}`;

/** Adds the `run` sub-command. */
export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description('Run the stages of a job config over its manifest (resumes an interrupted run in the same run_dir)')
    .argument('<config>', 'job config file (JSON); paths in it are relative to the file')
    .option('--log <mode>', 'progress output: "bars" (default on a terminal) or "json" (pino lines on stderr)');
  addQueueOptions(
    cmd,
    'run on `flywheel worker` processes: queue the shard tasks on this Redis server (redis://host:port); see docs/distributed.md',
  )
    .option('--detach', 'with --queue: return once the run is queued (follow it with `flywheel status`)')
    .addHelpText(
      'after',
      `
Config (JSON, comments shown here for explanation only):
${example}

Outputs (in run_dir):
  frames/shard-00000.parquet          frames table (clip_id, frame_index, timestamp_s, width, height, pixels RGB8)
  errors/frames-shard-00000.parquet   clips that failed, with error_kind and ffmpeg's message
  errors/manifest.parquet             manifest rows that failed validation
  run.json, ledger/, summary.json     run metadata, one commit record per finished shard, counters

Inspect any output with: flywheel inspect <file.parquet>`,
    )
    .action(async (configPath: string, o: QueueFlags & { log?: string; detach?: boolean }) => {
      // imported here, not at the top: every `flywheel` invocation loads every command module
      const [{ loadConfigFile }, { configSchema }] = await Promise.all([
        import('../../config/load.js'),
        import('../../config/run.js'),
      ]);
      const keep = keepCompletedFlag(o);
      const config = await loadConfigFile(configSchema, configPath);
      if (o.queue !== undefined) return runOnQueue(config, queueConnection(o.queue, o), o.detach === true, keep);
      if (o.detach) throw new Error('--detach needs --queue');
      if (o.log !== undefined && o.log !== 'bars' && o.log !== 'json')
        throw new Error(`--log must be "bars" or "json" (got ${JSON.stringify(o.log)})`);
      return runHere(config, o.log);
    });
}

/** Runs the config on this machine with progress on stderr, then prints the summary. */
async function runHere(config: Config, log: LogMode | undefined): Promise<void> {
  const [{ runConfig }, { cliReporter }] = await Promise.all([
    import('../../jobs/run/run-config.js'),
    import('../reporters.js'),
  ]);
  const abort = new AbortController();
  const onSignal = (): void =>
    abort.abort(new Error('interrupted (SIGINT/SIGTERM); re-run the same command to resume'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { summary, meta, processed } = await runConfig(config, { reporter: cliReporter(log), signal: abort.signal });
    const lines = [
      `run ${meta.run_id} in ${config.run_dir}: ${summary.shards_done}/${summary.shards} shards done (${processed} this time), ${meta.manifest.clips} clips, ${summary.manifest_errors} manifest errors`,
      ...Object.entries(summary.stages).map(
        ([name, c]) =>
          `  ${name}: ${c.rows_in} rows in, ${c.rows_out} rows out, ${c.errors} errors, ${c.seconds.toFixed(1)} s, ${c.rows_per_s.toFixed(1)} rows/s`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The `--queue` branch: queue the run, print where to follow it, and (unless `detach`) print
 * progress while it runs and the final status. A failed run sets exit code 1.
 */
async function runOnQueue(
  config: Config,
  connection: QueueConnection,
  detach: boolean,
  keep: { keepCompletedMs?: number },
): Promise<void> {
  const [{ runConfigOnQueue }, { formatStatus }] = await Promise.all([
    import('../../jobs/distributed/config-run.js'),
    import('../format-status.js'),
  ]);
  let last = '';
  const { run, status } = await runConfigOnQueue(config, {
    connection,
    ...keep,
    ...(detach ? { detach: true } : {}),
    onStatus: (s) => {
      const line = s.steps.map((st) => `${st.name} ${st.done}/${st.shards}`).join(', ');
      if (line !== last)
        process.stderr.write(
          `run ${s.run_id}: ${line}${s.workers.length ? ` (${s.workers.length} workers)` : ' (waiting for workers: flywheel worker --queue ...)'}\n`,
        );
      last = line;
    },
  });
  process.stdout.write(
    `queued run ${run.runId} (${run.meta.shards.length} shards${run.resumed ? ', resumed' : ''}) on ${connection.url}; follow with: flywheel status --queue ${connection.url} --run ${run.runId}\n`,
  );
  if (!status) return;
  process.stdout.write(`${formatStatus(status)}\n`);
  if (status.state !== 'done') process.exitCode = 1;
}
