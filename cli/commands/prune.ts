/**
 * `flywheel prune --queue redis://host:port [--run id] [--older-than 7d]`: remove the BullMQ queues
 * of finished distributed runs from Redis, keeping each run's small record for `flywheel status`.
 */
import type { Command } from 'commander';
import { parseDuration, parseQueueUrl, type QueueConnection } from '../../jobs/distributed/options.js';
import { caOption, passwordFileOption, queueConnection, type CredentialFlags } from '../queue-options.js';

interface PruneFlags extends CredentialFlags {
  queue: QueueConnection;
  run?: string;
  olderThan?: number;
  deleteRecord?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** Adds the `prune` sub-command. */
export function register(program: Command): void {
  program
    .command('prune')
    .description(
      'Remove the queues of finished distributed runs (done or failed) from Redis; `flywheel status` still shows their final state',
    )
    .requiredOption('--queue <url>', 'Redis server holding the queues, e.g. redis://host:6379', parseQueueUrl)
    .addOption(passwordFileOption())
    .addOption(caOption())
    .option('--run <id>', 'prune this run only (refused while it is still running); default: every finished run')
    .option(
      '--older-than <duration>',
      'only runs that finished at least this long ago, e.g. 12h, 7d, 2w',
      (v: string) => parseDuration(v, '--older-than'),
    )
    .option(
      '--delete-record',
      "also delete the runs' records (spec, state, shards done, workers seen): `status` forgets them",
    )
    .option('--dry-run', 'show what would be pruned, change nothing')
    .option('--json', 'print JSON instead of text')
    .addHelpText(
      'after',
      `
Completed jobs are deleted as they finish and failed ones are kept a while for inspection; what a
finished run leaves in Redis is its (mostly empty) queues and its record. Run this nightly, e.g.
  flywheel prune --queue redis://q:6379 --older-than 7d
Shared storage (outputs, ledgers) is never touched; re-running a pruned run skips its committed shards.`,
    )
    .action(async (o: PruneFlags) => {
      const queue = queueConnection(o.queue, o);
      // loaded here, not at registration: every flywheel call registers every sub-command
      const { cleanCompletedJobs, formatPruneResult, pruneRuns } = await import('../../jobs/distributed/prune.js');
      const results = await pruneRuns({
        connection: queue,
        ...(o.run !== undefined ? { runId: o.run } : {}),
        ...(o.olderThan !== undefined ? { olderThanMs: o.olderThan } : {}),
        ...(o.deleteRecord ? { deleteRecord: true } : {}),
        ...(o.dryRun ? { dryRun: true } : {}),
      });
      // with --older-than over every run, also trim any run's completed jobs that old (a quiet farm's)
      const sweep = o.run === undefined && o.olderThan !== undefined && !o.dryRun;
      const cleaned = sweep ? await cleanCompletedJobs(queue, o.olderThan ?? 0) : 0;
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ runs: results, completed_jobs_removed: sweep ? cleaned : null }, null, 2)}\n`,
        );
        return;
      }
      const pruned = results.filter((r) => r.action !== 'skipped').length;
      const lines = [
        ...results.map(formatPruneResult),
        `${o.dryRun ? 'would prune' : 'pruned'} ${pruned} run(s), skipped ${results.length - pruned} (${queue.url})`,
        ...(sweep ? [`removed ${cleaned} completed job(s) of any run that finished before then`] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
