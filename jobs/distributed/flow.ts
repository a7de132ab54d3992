/**
 * One BullMQ flow per step (one stage, or stages fused where the earlier one's output is not
 * stored whole): a barrier job (`control` queue) whose children are the step's shard jobs (the
 * step's resource-class queue). BullMQ runs the barrier only when every child completed; the
 * barrier's processor then adds the next step's flow, so step k+1 never starts early.
 * A child that fails for good fails its barrier (`failParentOnFailure`), and so the run.
 *
 * Job ids are fixed per run (`<run>.s<k>-<shard>`, `<run>.b<k>`), so BullMQ itself keeps a job
 * from being added twice while it exists. Completed jobs are kept for the run's `keep_completed_s`
 * (`--keep-completed`; default {@link COMPLETED_JOB_RETENTION}, long past any retry of the barrier
 * that added them), failed ones for {@link FAILED_JOB_RETENTION}; `flywheel prune` removes a
 * finished run's jobs sooner.
 * BullMQ's job state schedules work; what is done is what the step ledger on storage says.
 */
import type { FlowJob, FlowProducer, JobsOptions, KeepJobs, Queue } from 'bullmq';
import { barrierJobId, CONTROL_QUEUE, shardJobId } from './names.js';
import { DEFAULT_KEEP_COMPLETED_S, type RunSpec } from './spec.js';

/** Data of a shard job: step `step` (index) of run `run` over `shard`. */
export interface ShardJobData {
  readonly run: string;
  readonly step: number;
  readonly shard: string;
}

/** Data of a barrier job: step `step` (index) of run `run` is complete when it runs. */
export interface BarrierJobData {
  readonly run: string;
  readonly step: number;
}

/** Name of barrier jobs (shard jobs are named after their stage). */
export const BARRIER_JOB = 'barrier';

/** Attempts of a barrier job (its work is bookkeeping; failures are I/O hiccups). */
const BARRIER_ATTEMPTS = 3;

/**
 * How long completed shard and barrier jobs stay in their queue unless the run says otherwise
 * (`--keep-completed`): 24 hours (BullMQ trims them when another job of the same queue completes).
 * Their existence is what keeps a retried barrier from adding the next step twice, and what
 * `getJobCounts` shows; nothing reads their results later.
 */
export const COMPLETED_JOB_RETENTION: Readonly<KeepJobs> = { age: DEFAULT_KEEP_COMPLETED_S };

/**
 * How long failed shard and barrier jobs stay in their queue for inspection: at most the newest
 * 1000 per queue, none older than 7 days (BullMQ trims when another job of the queue fails;
 * `flywheel prune` removes a finished run's jobs at once).
 */
export const FAILED_JOB_RETENTION: Readonly<KeepJobs> = { age: 7 * 24 * 3600, count: 1000 };

function jobOpts(
  spec: RunSpec,
  attempts: number,
): Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'> {
  return {
    attempts,
    backoff: { type: 'exponential', delay: spec.retry.backoff_ms },
    // stored with the run, so the jobs every barrier adds later keep them as long as the first step's
    removeOnComplete:
      spec.keep_completed_s !== undefined ? { age: spec.keep_completed_s } : { ...COMPLETED_JOB_RETENTION },
    removeOnFail: { ...FAILED_JOB_RETENTION },
  };
}

/** The flow of step `stepIndex`: its barrier with one child per shard. */
export function stepFlow(spec: RunSpec, stepIndex: number): FlowJob {
  const step = spec.steps[stepIndex];
  if (!step) throw new Error(`run ${spec.run_id}: no step #${stepIndex}`);
  const barrier: BarrierJobData = { run: spec.run_id, step: stepIndex };
  return {
    name: BARRIER_JOB,
    queueName: CONTROL_QUEUE,
    data: barrier,
    opts: { jobId: barrierJobId(spec.run_id, stepIndex), ...jobOpts(spec, BARRIER_ATTEMPTS) },
    children: spec.shards.map((shard) => {
      const data: ShardJobData = { run: spec.run_id, step: stepIndex, shard };
      return {
        name: step.name,
        queueName: step.class,
        data,
        opts: {
          jobId: shardJobId(spec.run_id, stepIndex, shard),
          failParentOnFailure: true,
          ...jobOpts(spec, spec.retry.attempts),
        },
      };
    }),
  };
}

/**
 * Adds step `stepIndex`'s flow unless its barrier exists: a barrier retried after its worker died,
 * having already added the next flow, finds that flow's barrier (waiting, running, or completed and
 * kept for a day) and adds nothing. Should a completed step be added again anyway, its shard jobs
 * find their step ledgers and return `skipped`: no work is duplicated or lost.
 */
export async function addStepFlow(
  producer: FlowProducer,
  control: Queue,
  spec: RunSpec,
  stepIndex: number,
): Promise<'added' | 'exists'> {
  if ((await control.getJob(barrierJobId(spec.run_id, stepIndex))) !== undefined) return 'exists';
  await producer.add(stepFlow(spec, stepIndex));
  return 'added';
}
