/** Options of one training phase of a refine round: the captioner's pre-training or its fine-tuning. */
import { z } from 'zod';
import { hashed } from './marks.js';

const positiveInt = z.number().int().positive();

/** A training phase's defaults: what a phase left out of the config, or given only in part, trains with. */
export interface PhaseDefaults {
  readonly epochs: number;
  readonly lr: number;
  readonly warmup_steps: number;
}

/**
 * Training settings of one phase (pre-training on the refined rows, or fine-tuning on human
 * examples). Every field has the phase's default, so `{ "epochs": 2 }` is a whole phase.
 */
export function phaseSchema(d: PhaseDefaults) {
  return z
    .object({
      /** Passes over the phase's rows. Default: pre-training 8, fine-tuning 4. */
      epochs: hashed(z.number().int().min(0).default(d.epochs)),
      /** Clips per step. Default 32. */
      batch_size: hashed(positiveInt.max(4096).default(32)),
      /** Peak learning rate. Default: pre-training 3e-3, fine-tuning 1e-3. */
      lr: hashed(z.number().positive().max(1).default(d.lr)),
      /** Linear warm-up steps. Default: pre-training 20, fine-tuning 0. */
      warmup_steps: hashed(z.number().int().min(0).default(d.warmup_steps)),
      weight_decay: hashed(z.number().min(0).max(1).default(0.01)),
      /**
       * Stops the phase after this many steps, whatever `epochs` says: a fixed cost a round however
       * many clips it has (a nightly job on millions of clips). Absent = every epoch's steps.
       */
      max_steps: hashed(positiveInt.optional()),
    })
    .strict();
}
