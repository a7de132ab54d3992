/**
 * One BullMQ flow per step (one stage, or stages fused where the earlier one's output is not
 * stored whole): a barrier job (control queue) whose children are the step's shard jobs (the
 * step's resource-class queue). BullMQ runs the barrier only when every child completed; the
 * barrier's processor then adds the next step's flow, so step k+1 never starts early.
 * A child that fails for good fails its barrier (`failParentOnFailure`), and so the run.
 */
import type { FlowJob, FlowProducer, JobsOptions, Queue } from 'bullmq';
import { barrierJobId, controlQueueName, shardJobId, shardQueueName } from './names.js';
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

function retryOpts(spec: RunSpec, attempts: number): Pick<JobsOptions, 'attempts' | 'backoff'> {
  return { attempts, backoff: { type: 'exponential', delay: spec.retry.backoff_ms } };
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
    opts: { jobId: barrierJobId(stepIndex), ...retryOpts(spec, BARRIER_ATTEMPTS) },
    children: spec.shards.map((shard) => {
      const data: ShardJobData = { run: spec.run_id, step: stepIndex, shard };
      return {
        name: step.name,
        queueName: shardQueueName(spec.run_id, step.class),
        data,
        opts: { jobId: shardJobId(stepIndex, shard), failParentOnFailure: true, ...retryOpts(spec, spec.retry.attempts) },
      };
    }),
  };
}

/**
 * Adds step `stepIndex`'s flow unless its barrier already exists — a barrier retried after its
 * worker died, having already added the next flow, adds nothing twice.
 */
export async function addStepFlow(producer: FlowProducer, control: Queue, spec: RunSpec, stepIndex: number): Promise<'added' | 'exists'> {
  if (await control.getJob(barrierJobId(stepIndex))) return 'exists';
  await producer.add(stepFlow(spec, stepIndex));
  return 'added';
}
