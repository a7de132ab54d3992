/**
 * Distributed execution on BullMQ + Redis: the same shard tasks as the local runner, as jobs that
 * `flywheel worker` processes on many machines pull. Fixed queues shared by every run (`cpu`,
 * `gpu`, `control`; the run id in each job's id and data); one flow per step — a stage, or stages
 * fused where an output is not stored whole (a barrier job whose children are the step's shard
 * jobs); retries with exponential back-off, stalled-task recovery for killed workers, exactly-once
 * outputs through the engine's first-writer-wins commit. Completed jobs are kept a day;
 * `pruneRuns` removes a finished run's jobs. See docs/distributed.md.
 */
export { queueExecutor, isConnectionError, type QueueExecutorOptions } from './executor.js';
export { enqueueRun, type EnqueueRunOptions, type EnqueuedRun } from './enqueue.js';
export {
  startWorker,
  type StartWorkerOptions,
  type WorkerHandle,
  type StageFactory,
  type TaskEvent,
} from './worker.js';
export { openSharedStorage, type StorageOpener } from './shared-storage.js';
export { cleanCompletedJobs, pruneRuns, formatPruneResult, type PruneOptions, type PruneResult } from './prune.js';
export { COMPLETED_JOB_RETENTION, FAILED_JOB_RETENTION } from './flow.js';
export {
  runStatus,
  listRuns,
  waitForRun,
  type RunStatus,
  type StepStatus,
  type WorkerStatus,
  type WaitOptions,
} from './status.js';
export { parseQueueUrl, parseResources, type QueueConnection } from './options.js';
export { SystemicError } from './errors.js';
export { resourceClasses, type ResourceClass } from './names.js';
export { defaultRetry, type RetryPolicy, type RunSpec, type StorageRef } from './spec.js';
export { runStepTask, finishRun, type StepTaskResult } from './task.js';
export { planSteps, storesFullOutput, type StepPlan } from './steps.js';
