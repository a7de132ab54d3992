/**
 * Every name the distributed runner puts in Redis, in one place. BullMQ keys live under the
 * prefix `flywheel` (`flywheel:<run>-cpu:wait`, ...); flywheel's own bookkeeping lives next to
 * them under `flywheel:run:<run>...` and `flywheel:runs`.
 */

/** BullMQ key prefix for every flywheel queue. */
export const QUEUE_PREFIX = 'flywheel';

/** Resource classes a stage's shard jobs are routed by: a stage that needs a GPU goes to `gpu`. */
export const resourceClasses = ['cpu', 'gpu'] as const;

/** One of {@link resourceClasses}. */
export type ResourceClass = (typeof resourceClasses)[number];

/** The queue of a run's shard jobs of one resource class (BullMQ forbids `:` in queue names). */
export function shardQueueName(runId: string, cls: ResourceClass): string {
  return `${runId}-${cls}`;
}

/** The queue of a run's barrier jobs (one per step: runs when all the step's shards are done). */
export function controlQueueName(runId: string): string {
  return `${runId}-control`;
}

/** Job id of step `stepIndex`'s task for `shard` (unique within the run's queues; no `:` allowed). */
export function shardJobId(stepIndex: number, shard: string): string {
  return `s${stepIndex}-${shard}`;
}

/** Job id of step `stepIndex`'s barrier. */
export function barrierJobId(stepIndex: number): string {
  return `barrier-s${stepIndex}`;
}

/** Redis keys of flywheel's own run bookkeeping. */
export const redisKeys = {
  /** Set of run ids workers should serve (queued or running). */
  activeRuns: `${QUEUE_PREFIX}:runs`,
  /** Hash: `spec` (JSON), `state`, `error`, `updated_at`. */
  run: (runId: string): string => `${QUEUE_PREFIX}:run:${runId}`,
  /** Hash: worker id → JSON {@link WorkerSeen}. */
  workers: (runId: string): string => `${QUEUE_PREFIX}:run:${runId}:workers`,
  /** Set of shard ids whose step `stepIndex` task completed (idempotent under retries). */
  done: (runId: string, stepIndex: number): string => `${QUEUE_PREFIX}:run:${runId}:done:${stepIndex}`,
  /** Set of step indices whose flow was added (so a retried barrier never adds the next flow twice). */
  flows: (runId: string): string => `${QUEUE_PREFIX}:run:${runId}:flows`,
  /** String with a TTL: held while a process queues or prunes the run (they must not interleave). */
  lock: (runId: string): string => `${QUEUE_PREFIX}:run:${runId}:lock`,
} as const;

/** Key prefixes of a run's BullMQ queues (`flywheel:<run>-cpu:`, `-gpu:`, `-control:`): every key of its jobs and queue state starts with one. */
export function runQueueKeyPrefixes(runId: string): string[] {
  return [...resourceClasses.map((c) => shardQueueName(runId, c)), controlQueueName(runId)].map(
    (q) => `${QUEUE_PREFIX}:${q}:`,
  );
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
