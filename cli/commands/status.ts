/**
 * `flywheel status --queue redis://host:port [--run id]`: progress of distributed runs from Redis —
 * per step the shard tasks waiting, active, retrying, failed and done, and the workers seen; the
 * runs of one refine or schedule job listed together under the job, in the order they ran.
 */
import type { Command } from 'commander';
import { parseQueueUrl, type QueueConnection } from '../../jobs/distributed/options.js';
import { caOption, passwordFileOption, queueConnection, type CredentialFlags } from '../queue-options.js';

/** Adds the `status` sub-command. */
export function register(program: Command): void {
  program
    .command('status')
    .description(
      'Show the progress of distributed runs (flywheel run --queue): per step shards waiting/active/done/failed, workers seen',
    )
    .requiredOption('--queue <url>', 'Redis server holding the queues, e.g. redis://host:6379', parseQueueUrl)
    .addOption(passwordFileOption())
    .addOption(caOption())
    .option(
      '--run <id>',
      "one run, with its workers (default: every run the server knows, newest first; a refine or schedule job's runs grouped under the job)",
    )
    .option('--json', 'print JSON instead of text')
    .action(async (o: CredentialFlags & { queue: QueueConnection; run?: string; json?: boolean }) => {
      const queue = queueConnection(o.queue, o);
      // loaded here, not at registration: every flywheel call registers every sub-command
      const [{ formatQueueCounts, formatRunList }, { listRuns, queueCounts, runStatus }] = await Promise.all([
        import('../format-status.js'),
        import('../../jobs/distributed/status.js'),
      ]);
      const runs = o.run
        ? [await runStatus({ connection: queue, runId: o.run })]
        : await listRuns({ connection: queue });
      if (o.json) process.stdout.write(`${JSON.stringify(o.run ? runs[0] : runs, null, 2)}\n`);
      else if (!runs.length) process.stdout.write(`no runs in ${queue.url}\n`);
      else {
        const counts = o.run ? '' : `\n\n${formatQueueCounts(await queueCounts({ connection: queue }))}`;
        process.stdout.write(`${formatRunList(runs)}${counts}\n`);
      }
      if (o.run && runs[0]?.state === 'failed') process.exitCode = 1;
    });
}
