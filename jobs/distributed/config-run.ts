/**
 * The job-config side of distributed runs, shared by `flywheel run --queue` and `flywheel worker`:
 * the enqueuer plans the run from a validated config; every worker rebuilds the same stages from
 * the config stored with the run (paths in it are absolute, so the run dir, manifest and media
 * root must be on storage every worker mounts at the same path).
 */
import { type Config, outputAffectingConfig, parseConfig } from '../../schemas/config.js';
import { stagesFromConfig } from '../../stages/index.js';
import type { QueueConnection } from './connection.js';
import { type EnqueuedRun, enqueueRun } from './enqueue.js';
import { SystemicError, messageOf } from './errors.js';
import type { RetryPolicy } from './spec.js';
import { type RunStatus, waitForRun } from './status.js';
import type { StageFactory } from './worker.js';

/** The worker's stage factory for runs enqueued from a job config: validates the stored config, builds its stages. */
export const configStageFactory: StageFactory = (spec) => {
  const config = parseConfig(spec.stage_config, `run ${spec.run_id}'s stored config`);
  try {
    return stagesFromConfig(config);
  } catch (e) {
    throw new SystemicError(`run ${spec.run_id}: cannot build the stages of its config: ${messageOf(e)}`, { cause: e });
  }
};

/** Plans and queues the run a (loaded) config describes, on shared storage at `config.run_dir`. */
export function enqueueConfig(
  config: Config,
  connection: QueueConnection,
  opts: { retry?: RetryPolicy } = {},
): Promise<EnqueuedRun> {
  return enqueueRun({
    connection,
    storage: { kind: 'local', root: config.run_dir },
    manifestPath: config.manifest,
    shardSize: config.shard_size,
    round: config.round,
    stages: stagesFromConfig(config),
    config: outputAffectingConfig(config),
    stageConfig: config,
    ...(opts.retry ? { retry: opts.retry } : {}),
  });
}

/** Options of {@link runConfigOnQueue}. */
export interface QueueRunOptions {
  readonly connection: QueueConnection;
  /** Return right after queueing instead of following the run to its end. */
  readonly detach?: boolean;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly onStatus?: (s: RunStatus) => void;
}

/** What `flywheel run --queue` reports. */
export interface QueueRunResult {
  readonly run: EnqueuedRun;
  /** The final status; absent when detached. */
  readonly status?: RunStatus;
}

/** `flywheel run --queue`: queue the config's run, then (unless detached) wait for it to finish. */
export async function runConfigOnQueue(config: Config, opts: QueueRunOptions): Promise<QueueRunResult> {
  const run = await enqueueConfig(config, opts.connection);
  if (opts.detach) return { run };
  const status = await waitForRun({
    connection: opts.connection,
    runId: run.runId,
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onStatus ? { onStatus: opts.onStatus } : {}),
  });
  return { run, status };
}

/** One line per step plus a header: the text `run --queue` and `status` print. */
export function formatStatus(s: RunStatus): string {
  const lines = [
    `run ${s.run_id} [${s.state}] ${s.run_dir}: ${s.shards} shards${s.pruned_at ? ` (queues pruned ${s.pruned_at})` : ''}${s.error ? `\n  error: ${s.error}` : ''}`,
  ];
  for (const st of s.steps) {
    lines.push(
      `  ${st.name.padEnd(24)} ${st.class}  done ${st.done}/${st.shards}  waiting ${st.waiting}  active ${st.active}  retrying ${st.delayed}  failed ${st.failed}`,
    );
  }
  lines.push(
    `  workers seen: ${s.workers.length}${s.workers.length ? ` (${s.workers.map((w) => `${w.id} [${w.resources.join(',')}] ${w.shards} shards${w.live ? '' : ', gone'}`).join('; ')})` : ''}`,
  );
  return lines.join('\n');
}

/**
 * The `--queue` branch of `flywheel run <config>`: queue the run, print where to follow it, and
 * (unless `detach`) print progress while it runs and the final status. A failed run sets exit code 1.
 */
export async function queueRunCommand(
  config: Config,
  flags: { readonly queue: QueueConnection; readonly detach?: boolean; readonly signal?: AbortSignal },
): Promise<void> {
  const connection = flags.queue;
  let last = '';
  const { run, status } = await runConfigOnQueue(config, {
    connection,
    ...(flags.detach ? { detach: true } : {}),
    ...(flags.signal ? { signal: flags.signal } : {}),
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
