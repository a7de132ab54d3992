/**
 * The flags every command that queues work shares (`--queue`, `--queue-password-file`,
 * `--queue-ca`, `--keep-completed`), and the step that folds the credentials and
 * `$FLYWHEEL_REDIS_PASSWORD` into the parsed `--queue` connection.
 */
import { type Command, Option } from 'commander';
import { PASSWORD_ENV } from '../jobs/distributed/credentials.js';
import { parseDuration, parseQueueUrl, withCredentials, type QueueConnection } from '../jobs/distributed/options.js';
import type { Executor } from '../pipeline/executor.js';
import type { AnyStageSpec } from '../stages/index.js';

/** The parsed flags {@link addQueueOptions} adds. */
export interface QueueFlags extends CredentialFlags {
  readonly queue?: QueueConnection;
  readonly keepCompleted?: number;
}

/**
 * Adds the flags of a command that can queue its work: `--queue <url>` (described by `help`), the
 * credential flags and `--keep-completed`. Returns the command, for chaining.
 */
export function addQueueOptions(cmd: Command, help: string): Command {
  return cmd
    .option('--queue <url>', help, parseQueueUrl)
    .addOption(passwordFileOption())
    .addOption(caOption())
    .addOption(keepCompletedOption());
}

/** The parsed flags {@link passwordFileOption} and {@link caOption} add. */
export interface CredentialFlags {
  readonly queuePasswordFile?: string;
  readonly queueCa?: string;
}

/** `--queue-password-file <path>`: the password from a file, so it stays out of shell history and `ps`. */
export function passwordFileOption(): Option {
  return new Option(
    '--queue-password-file <path>',
    `file whose first line is the Redis password (instead of the URL or $${PASSWORD_ENV})`,
  );
}

/** `--queue-ca <path>`: the CA bundle for a `rediss://` server signed by a private CA. */
export function caOption(): Option {
  return new Option('--queue-ca <path>', 'PEM CA bundle that signed the rediss:// server certificate');
}

/** The connection with its password (URL, then file, then environment) and CA attached. */
export function queueConnection(queue: QueueConnection, flags: CredentialFlags): QueueConnection {
  return withCredentials(queue, {
    ...(flags.queuePasswordFile !== undefined ? { passwordFile: flags.queuePasswordFile } : {}),
    ...(flags.queueCa !== undefined ? { caFile: flags.queueCa } : {}),
  });
}

/** `--keep-completed <duration>` (parsed to ms): how long the queued run's completed jobs stay in Redis. */
export function keepCompletedOption(): Option {
  return new Option(
    '--keep-completed <duration>',
    "with --queue: keep the run's completed jobs in Redis this long, e.g. 30m, 12h, 2d (default 24h)",
  ).argParser((v: string) => parseDuration(v, '--keep-completed'));
}

/** The queue executor's retention option from `--keep-completed`; refuses the flag without `--queue`. */
export function keepCompletedFlag(o: { queue?: unknown; keepCompleted?: number }): { keepCompletedMs?: number } {
  if (o.keepCompleted === undefined) return {};
  if (o.queue === undefined) throw new Error('--keep-completed needs --queue');
  return { keepCompletedMs: o.keepCompleted };
}

/**
 * The executor a job's steps run on: the queue executor on `--queue` (with its credentials and
 * retention), none (local) without it. `--keep-completed` without `--queue` is refused.
 */
export async function queueExecutorFromFlags(o: QueueFlags): Promise<Executor<AnyStageSpec> | undefined> {
  const keep = keepCompletedFlag(o);
  if (o.queue === undefined) return undefined;
  const { queueExecutor } = await import('../jobs/distributed/executor.js');
  return queueExecutor({ connection: queueConnection(o.queue, o), ...keep });
}
