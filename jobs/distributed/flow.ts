/**
 * One BullMQ flow per step (one stage, or stages fused where the earlier one's output is not
 * stored whole): a barrier job (control queue) whose children are the step's shard jobs (the
 * step's resource-class queue). BullMQ runs the barrier only when every child completed; the
 * barrier's processor then adds the next step's flow, so step k+1 never starts early.
 * A child that fails for good fails its barrier (`failParentOnFailure`), and so the run.
 *
 * Finished jobs do not pile up in Redis: a completed job is deleted at once (`removeOnComplete`;
 * BullMQ first moves a child's return value into its parent's `processed` hash and releases the
 * parent, so flows are unaffected), a failed one is kept for inspection within
 * {@link FAILED_JOB_RETENTION}. What a finished job recorded lives elsewhere: the shard's committed
 * outputs and step ledger on storage, and the run's completed-shard sets in Redis (`RunStore`),
 * which `flywheel status` counts "done" from.
 */
import type { FlowJob, FlowProducer, JobsOptions, KeepJobs, Queue } from 'bullmq';
import { barrierJobId, controlQueueName, shardJobId, shardQueueName } from './names.js';
import type { RunStore } from './run-store.js';
import type { RunSpec } from './spec.js';

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
 * How long failed shard and barrier jobs stay in their queue for inspection: at most the newest
 * 1000 per queue, none older than 7 days (BullMQ trims when another job of the queue fails;
 * `flywheel prune` removes a finished run's queues entirely).
 */
export const FAILED_JOB_RETENTION: Readonly<KeepJobs> = { age: 7 * 24 * 3600, count: 1000 };

function jobOpts(
  spec: RunSpec,
  attempts: number,
): Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'> {
  return {
    attempts,
    backoff: { type: 'exponential', delay: spec.retry.backoff_ms },
    removeOnComplete: true,
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
    queueName: controlQueueName(spec.run_id),
    data: barrier,
    opts: { jobId: barrierJobId(stepIndex), ...jobOpts(spec, BARRIER_ATTEMPTS) },
    children: spec.shards.map((shard) => {
      const data: ShardJobData = { run: spec.run_id, step: stepIndex, shard };
      return {
        name: step.name,
        queueName: shardQueueName(spec.run_id, step.class),
        data,
        opts: { jobId: shardJobId(stepIndex, shard), failParentOnFailure: true, ...jobOpts(spec, spec.retry.attempts) },
      };
    }),
  };
}

/**
 * Adds step `stepIndex`'s flow once per run: a barrier retried after its worker died, having
 * already added the next flow, adds nothing twice. Completed jobs are deleted, so the barrier's
 * existence alone cannot tell; the run's record of added flows (`RunStore.markFlowAdded`, written
 * right after the add) can. Should both miss (the worker died between the add and the record, and
 * the whole next step finished meanwhile), the re-added shard jobs find their step ledgers and
 * return `skipped`: no work is duplicated or lost.
 */
export async function addStepFlow(
  producer: FlowProducer,
  control: Queue,
  store: RunStore,
  spec: RunSpec,
  stepIndex: number,
): Promise<'added' | 'exists'> {
  if (await store.flowAdded(spec.run_id, stepIndex)) return 'exists';
  const exists = (await control.getJob(barrierJobId(stepIndex))) !== undefined;
  if (!exists) await producer.add(stepFlow(spec, stepIndex));
  await store.markFlowAdded(spec.run_id, stepIndex);
  return exists ? 'exists' : 'added';
}
