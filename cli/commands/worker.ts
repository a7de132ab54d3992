/**
 * `flywheel worker --queue redis://host:port`: pull shard tasks of every queued run (`flywheel run
 * --queue`) from the fixed queues of its resource classes and run them with the same stage code as
 * the local runner. Start one per machine (or
 * per GPU); SIGTERM/SIGINT stops it gracefully. See docs/distributed.md.
 */
import type { Command } from 'commander';
import { intOption } from '../options.js';
import { caOption, passwordFileOption, queueConnection, type CredentialFlags } from '../queue-options.js';
import type { ResourceClass } from '../../jobs/distributed/names.js';
import { parseQueueUrl, parseResources, type QueueConnection } from '../../jobs/distributed/options.js';

interface WorkerFlags extends CredentialFlags {
  queue: QueueConnection;
  resources?: ResourceClass[];
  concurrency: number;
  lockMs: number;
  stalledMs: number;
  graceMs: number;
  pollMs: number;
}

/** Adds the `worker` sub-command. */
export function register(program: Command): void {
  program
    .command('worker')
    .description(
      'Run the shard tasks of queued runs (flywheel run --queue) from Redis; start as many workers, on as many machines, as you like',
    )
    .requiredOption('--queue <url>', 'Redis server holding the queues, e.g. redis://host:6379', parseQueueUrl)
    .addOption(passwordFileOption())
    .addOption(caOption())
    .option(
      '--resources <list>',
      'what this worker can run: "cpu" (default), "gpu" or "gpu,cpu"; GPU stages only go to GPU workers',
      parseResources,
    )
    .option(
      '--concurrency <n>',
      'shard tasks at once per resource class (stages already parallelise inside a shard)',
      intOption('concurrency', 1),
      1,
    )
    .option(
      '--lock-ms <ms>',
      "a task's lock lifetime: a killed worker's task is retried elsewhere after about this long",
      intOption('lock-ms', 100),
      30_000,
    )
    .option('--stalled-ms <ms>', 'how often to look for tasks of dead workers', intOption('stalled-ms', 100), 30_000)
    .option(
      '--grace-ms <ms>',
      'on SIGTERM, how long running tasks may finish before they are handed back to the queue',
      intOption('grace-ms', 0),
      30_000,
    )
    .option(
      '--poll-ms <ms>',
      'how often to check whether the runs it has loaded have ended (their stages are then torn down)',
      intOption('poll-ms', 10),
      2000,
    )
    .addHelpText(
      'after',
      `
Every worker must see the run directory, manifest and media at the same paths as the machine that
ran \`flywheel run --queue\` (a shared filesystem). Progress: flywheel status --queue <url>.`,
    )
    .action(async (o: WorkerFlags) => {
      const queue = queueConnection(o.queue, o);
      // loaded here, not at registration: every flywheel call registers every sub-command
      const [{ default: pino }, { configStageFactory }, { startWorker }] = await Promise.all([
        import('pino'),
        import('../../jobs/distributed/config-run.js'),
        import('../../jobs/distributed/worker.js'),
      ]);
      const log = pino({ name: 'flywheel-worker' }, pino.destination(2));
      const worker = startWorker({
        connection: queue,
        stages: configStageFactory,
        resources: o.resources ?? ['cpu'],
        concurrency: o.concurrency,
        lockDurationMs: o.lockMs,
        stalledIntervalMs: o.stalledMs,
        shutdownGraceMs: o.graceMs,
        pollMs: o.pollMs,
        log,
        onTask: (e) => (e.type === 'start' ? log.debug({ ...e }, 'task start') : log.info({ ...e }, `task ${e.type}`)),
      });
      await worker.ready;
      log.info({ worker: worker.id, resources: worker.resources, queue: queue.url }, 'worker ready');
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          log.info({ signal }, 'shutting down: finishing or handing back running tasks');
          void worker.close().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      log.info({ worker: worker.id }, 'worker stopped');
      log.flush();
    });
}
