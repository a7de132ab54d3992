/**
 * Stages as plain JSON (`StageSpec`s): what a job hands an executor, and what a queue worker on
 * another machine rebuilds the same stages from (`buildStages` in `index.ts`). Everything in them
 * is a setting or a path on shared storage — model versions by directory *and* content hash, the
 * previous round by its run dir — never a closure or an in-memory table. Validated on the way in:
 * a worker reads them from Redis.
 */
import { z } from 'zod';
import { framesConfigSchema } from '../config/frames.js';
import { PROVIDER_NAMES } from '../models/device.js';
import { TEACHER_FRAME_MODES } from '../models/teacher/config.js';
import { choiceRuleSchema } from '../config/choice-rule.js';
import { filterPolicySchema } from '../config/filter-policy.js';

const positive = z.number().int().positive();
const unit = z.number().min(0).max(1);

/** A model version (or judge) on shared storage, pinned by content hash: a different version there is refused. */
export const modelRefSchema = z.object({ dir: z.string().min(1), content_hash: z.string().min(1) }).strict();

/** Parsed {@link modelRefSchema}. */
export type ModelRef = z.infer<typeof modelRefSchema>;

/** Where a model stage's ONNX sessions run (built into a `Device` on the machine that runs the stage). */
export const deviceSpecSchema = z
  .object({ providers: z.array(z.enum(PROVIDER_NAMES)).min(1), threads: z.number().int().min(0) })
  .strict();

const framesSpec = z
  .object({ kind: z.literal('frames'), config: framesConfigSchema, media_root: z.string().min(1) })
  .strict();

const attachFramesSpec = z
  .object({
    kind: z.literal('attach-frames'),
    /** The frames run dir (shared storage). */
    frames_run: z.string().min(1),
    expect: z.object({ count: positive, width: positive, height: positive }).strict(),
  })
  .strict();

const captionSpec = z
  .object({
    kind: z.literal('caption'),
    round: z.number().int().nonnegative(),
    model_version: z.string().min(1),
    /** Models that write synthetic candidates; clips are routed by cross-fitting fold among `folds`. */
    writer: z
      .object({
        models: z.array(modelRefSchema).min(1),
        folds: positive,
        beams: positive,
        frames_only: z.boolean(),
        /** Sampled candidates per clip (`synthetic-sampled`); absent = none. */
        samples: positive.optional(),
        /** Their sampling temperature; absent = 1. */
        temperature: z.number().positive().optional(),
        /** The job's seed, mixed into every sampled caption's seed; absent = 0. */
        sample_seed: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    /** Last round's run dir: its chosen captions are `previous` candidates. */
    previous_run: z.string().min(1).optional(),
    teacher: z
      .object({ dir: z.string().min(1), frames: z.enum(TEACHER_FRAME_MODES) })
      .strict()
      .optional(),
    model_batch: positive,
    device: deviceSpecSchema,
  })
  .strict();

const adatailrSpec = z
  .object({
    kind: z.literal('adatailr'),
    round: z.number().int().nonnegative(),
    scorers: z.array(modelRefSchema).min(1),
    judges: z.array(modelRefSchema).min(1),
    /** Clips are routed to scorer/judges by cross-fitting fold among `folds`; `judges` holds the same number per fold, fold by fold. */
    folds: positive,
    gamma: z.union([unit, z.literal('adaptive')]),
    vocab_size: positive,
    w_min: unit,
    policy: filterPolicySchema,
    choice: choiceRuleSchema,
    drop_implausible: z.boolean(),
    model_batch: positive,
    device: deviceSpecSchema,
  })
  .strict()
  .refine((s) => s.judges.length % s.folds === 0, {
    path: ['judges'],
    error: (i) => {
      const s = i.input as { judges: unknown[]; folds: number };
      return `${s.judges.length} judges cannot be split evenly over ${s.folds} folds`;
    },
  });

/** Any stage spec. */
export const stageSpecSchema = z.discriminatedUnion('kind', [framesSpec, attachFramesSpec, captionSpec, adatailrSpec]);

/** Parsed {@link stageSpecSchema}. */
export type AnyStageSpec = z.infer<typeof stageSpecSchema>;

/** One kind of spec. */
export type StageSpecOf<K extends AnyStageSpec['kind']> = Extract<AnyStageSpec, { kind: K }>;

/** Parses specs read from elsewhere (Redis); the error names the spec and field at fault. */
export function parseStageSpecs(raw: unknown, source: string): AnyStageSpec[] {
  const r = z.array(stageSpecSchema).min(1).safeParse(raw);
  if (!r.success)
    throw new Error(
      `${source}: invalid stage specs: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}
