/**
 * Every name the distributed runner puts in Redis, in one place. The queues are fixed, the same
 * for every run: `cpu` and `gpu` (shard jobs, by resource class) and `control` (step barriers),
 * BullMQ keys under the prefix `flywheel` (`flywheel:cpu:wait`, ...). A job's id starts with its
 * run's id (`<run>.s<step>-<shard>`, `<run>.b<step>`), so a run's jobs are found, counted and
 * removed by id. flywheel's own record of a run lives next to them under `flywheel:run:<run>`.
 */

/** BullMQ key prefix for every flywheel queue. */
export const QUEUE_PREFIX = 'flywheel';

/** Resource classes a stage's shard jobs are routed by: a stage that needs a GPU goes to `gpu`. */
export const resourceClasses = ['cpu', 'gpu'] as const;

/** One of {@link resourceClasses}; also the name of that class's queue. */
export type ResourceClass = (typeof resourceClasses)[number];

/** The queue of every run's barrier jobs (one per step: runs when all the step's shards are done). */
export const CONTROL_QUEUE = 'control';

/** Every queue flywheel uses. */
export const queueNames: readonly string[] = [...resourceClasses, CONTROL_QUEUE];

/** Job id of run `runId`'s step `stepIndex` task for `shard` (BullMQ forbids `:` in ids; run ids have no `.`). */
export function shardJobId(runId: string, stepIndex: number, shard: string): string {
  return `${runId}.s${stepIndex}-${shard}`;
}

/** Job id of run `runId`'s step `stepIndex` barrier. */
export function barrierJobId(runId: string, stepIndex: number): string {
  return `${runId}.b${stepIndex}`;
}

/** What a job id says: its run, step and (for a shard job) shard; undefined for an id flywheel did not make. */
export function parseJobId(id: string): { run: string; step: number; shard?: string } | undefined {
  const m = /^([^.]+)\.(?:s(\d+)-(.+)|b(\d+))$/.exec(id);
  if (!m) return undefined;
  return m[3] !== undefined ? { run: m[1], step: Number(m[2]), shard: m[3] } : { run: m[1], step: Number(m[4]) };
}

/** Redis keys of flywheel's own run bookkeeping. */
export const redisKeys = {
  /** Hash: `spec` (JSON), `state`, `error`, `queued_at`, `updated_at`, `pruned_at`. */
  run: (runId: string): string => `${QUEUE_PREFIX}:run:${runId}`,
  /** Hash: worker id → JSON {@link WorkerSeen}. */
  workers: (runId: string): string => `${QUEUE_PREFIX}:run:${runId}:workers`,
  /** String with a TTL: held while a process queues or prunes the run (they must not interleave). */
  lock: (runId: string): string => `${QUEUE_PREFIX}:run:${runId}:lock`,
} as const;

/** True for a key of one of run `runId`'s jobs (`flywheel:<queue>:<run>.<...>`, with its `:logs`, `:lock`, ...). */
export function isRunJobKey(key: string, runId: string): boolean {
  return queueNames.some((q) => key.startsWith(`${QUEUE_PREFIX}:${q}:${runId}.`));
}

/** What the worker registry records about a worker that served a run. */
export interface WorkerSeen {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly resources: readonly ResourceClass[];
  readonly first_seen: string;
  readonly last_seen: string;
  /** Shard tasks this worker completed for the run. */
  readonly shards: number;
}
