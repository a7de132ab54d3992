/**
 * A run as the queue sees it: where its files are, its stages (with resource class), its shards,
 * the config workers build the stages from, and the retry policy. Written once by `enqueueRun`,
 * read by every worker — so it is validated on the way in (it comes from another machine).
 */
import { z } from 'zod';
import { resourceClasses, type ResourceClass } from './names.js';

/** Where a run's files live; `local` = a path every worker sees (a shared filesystem). */
export const storageRefSchema = z.object({ kind: z.literal('local'), root: z.string().min(1) }).strict();

/** Parsed {@link storageRefSchema}. */
export type StorageRef = z.infer<typeof storageRefSchema>;

/** Retries of a failed shard task: `attempts` in all, exponential back-off from `backoff_ms`. */
export const retrySchema = z
  .object({ attempts: z.number().int().min(1).max(100), backoff_ms: z.number().int().min(0) })
  .strict();

/** Parsed {@link retrySchema}. */
export type RetryPolicy = z.infer<typeof retrySchema>;

/** How long completed jobs stay in their queue by default: 24 hours, in seconds (`--keep-completed`). */
export const DEFAULT_KEEP_COMPLETED_S = 24 * 3600;

/** Default retry policy: 5 attempts, back-off 1 s, 2 s, 4 s, 8 s. */
export const defaultRetry: RetryPolicy = { attempts: 5, backoff_ms: 1000 };

/**
 * One stage of a distributed run: its name, which workers check their stages against (the queue is
 * the step's, from its stages' resources at planning). The `resources` and `class` that records
 * queued before carry are dropped when read.
 */
const stageSpecSchema = z.object({ name: z.string().min(1) });

const stepSpecSchema = z
  .object({
    name: z.string().min(1),
    stages: z.array(z.number().int().nonnegative()).min(1),
    class: z.enum(resourceClasses),
  })
  .strict();

/** One step (a flow: shard jobs, then a barrier) of a distributed run; see `steps.ts`. */
export type StepSpec = z.infer<typeof stepSpecSchema>;

/**
 * The job a run belongs to: its directory (shared by all its runs), the run's name in it (the run
 * dir relative to it: `frames`, `round-1`, ...) and when the run was first planned (its `run.json`,
 * kept across re-queues): `status` lists a job's runs in that order.
 */
export const jobRefSchema = z
  .object({ dir: z.string().min(1), name: z.string().min(1), planned_at: z.string() })
  .strict();

/** Parsed {@link jobRefSchema}. */
export type JobRef = z.infer<typeof jobRefSchema>;

/** The stored description of a distributed run. */
export const runSpecSchema = z
  .object({
    version: z.literal(1),
    run_id: z
      .string()
      .min(1)
      .regex(/^[^:.\s]+$/, 'no ":", "." or spaces'),
    storage: storageRefSchema,
    stages: z.array(stageSpecSchema).min(1),
    steps: z.array(stepSpecSchema).min(1),
    shards: z.array(z.string().min(1)),
    /** Handed to the worker's stage factory to build the same stages the enqueuer planned with. */
    stage_config: z.unknown(),
    retry: retrySchema,
    /** How long the run's completed jobs stay in their queue, in seconds (absent: {@link DEFAULT_KEEP_COMPLETED_S}). */
    keep_completed_s: z.number().int().min(1).optional(),
    /** The job the run is part of (refine's frames run, bootstrap and rounds; a schedule's ticks). */
    job: jobRefSchema.optional(),
    created_at: z.string(),
  })
  .strict();

/** Parsed {@link runSpecSchema}. */
export type RunSpec = z.infer<typeof runSpecSchema>;

/** States of a run: queued/running until its last barrier passes (`done`) or a shard fails for good (`failed`). */
export type RunState = 'running' | 'done' | 'failed';

/** The resource class of a stage: any GPU need routes it to the GPU queue. */
export function resourceClassOf(resources: { readonly gpus: number }): ResourceClass {
  return resources.gpus > 0 ? 'gpu' : 'cpu';
}

/** Parses a spec read from Redis; the error names the run and the bad fields. */
export function parseRunSpec(json: string, runId: string): RunSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`run ${runId}: stored spec is not JSON (${(e as Error).message})`, { cause: e });
  }
  const r = runSpecSchema.safeParse(raw);
  if (!r.success) {
    throw new Error(
      `run ${runId}: stored spec is invalid: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return r.data;
}
