/**
 * One BullMQ flow per stage: a barrier job (control queue) whose children are the stage's shard
 * jobs (the stage's resource-class queue). BullMQ runs the barrier only when every child completed;
 * the barrier's processor then adds the next stage's flow, so stage k+1 never starts early.
 * A child that fails for good fails its barrier (`failParentOnFailure`), and so the run.
 */
import type { FlowJob, FlowProducer, JobsOptions, Queue } from 'bullmq';
import { barrierJobId, controlQueueName, shardJobId, shardQueueName } from './names.js';
import type { RunSpec } from './spec.js';

/** Data of a shard job: stage `stage` (index) of run `run` over `shard`. */
export interface ShardJobData {
  readonly run: string;
  readonly stage: number;
  readonly shard: string;
}

/** Data of a barrier job: stage `stage` (index) of run `run` is complete when it runs. */
export interface BarrierJobData {
  readonly run: string;
  readonly stage: number;
}

/** Name of barrier jobs (shard jobs are named after their stage). */
export const BARRIER_JOB = 'barrier';

/** Attempts of a barrier job (its work is bookkeeping; failures are I/O hiccups). */
const BARRIER_ATTEMPTS = 3;

function retryOpts(spec: RunSpec, attempts: number): Pick<JobsOptions, 'attempts' | 'backoff'> {
  return { attempts, backoff: { type: 'exponential', delay: spec.retry.backoff_ms } };
}

/** The flow of stage `stageIndex`: its barrier with one child per shard. */
export function stageFlow(spec: RunSpec, stageIndex: number): FlowJob {
  const stage = spec.stages[stageIndex];
  if (!stage) throw new Error(`run ${spec.run_id}: no stage #${stageIndex}`);
  const barrier: BarrierJobData = { run: spec.run_id, stage: stageIndex };
  return {
    name: BARRIER_JOB,
    queueName: controlQueueName(spec.run_id),
    data: barrier,
    opts: { jobId: barrierJobId(stageIndex), ...retryOpts(spec, BARRIER_ATTEMPTS) },
    children: spec.shards.map((shard) => {
      const data: ShardJobData = { run: spec.run_id, stage: stageIndex, shard };
      return {
        name: stage.name,
        queueName: shardQueueName(spec.run_id, stage.class),
        data,
        opts: { jobId: shardJobId(stageIndex, shard), failParentOnFailure: true, ...retryOpts(spec, spec.retry.attempts) },
      };
    }),
  };
}

/**
 * Adds stage `stageIndex`'s flow unless its barrier already exists — a barrier retried after its
 * worker died, having already added the next flow, adds nothing twice.
 */
export async function addStageFlow(producer: FlowProducer, control: Queue, spec: RunSpec, stageIndex: number): Promise<'added' | 'exists'> {
  if (await control.getJob(barrierJobId(stageIndex))) return 'exists';
  await producer.add(stageFlow(spec, stageIndex));
  return 'added';
}
