/**
 * The refine job's config (`flywheel refine <config>`): data, rounds, model, device, and one object
 * per step (frames, caption, adatailr, train, eval). Checked at the door; errors name the field.
 * Every field is marked {@link hashed} (decides the outputs) or {@link unhashed} (a resume may change it).
 */
import { z } from 'zod';
import { TEACHER_FRAME_MODES } from '../models/teacher/config.js';
import { lossConfigSchema } from '../models/adatailr/loss-config.js';
import { PROVIDER_NAMES } from '../models/device.js';
import { filterPolicySchema } from './filter-policy.js';
import { choiceRuleSchema, tickChoiceRule } from './choice-rule.js';
import { framesConfigSchema } from './frames.js';
import { hashed, unhashed } from './marks.js';
import { phaseSchema } from './train-phase.js';
import { parseWithSchema } from './parse.js';

const positiveInt = z.number().int().positive();

/** `adatailr.scorer` values. */
export const scorerChoiceSchema = z.enum(['caption-model', 'bootstrap']);

/** Config schema of the refine job. */
export const refineConfigSchema = z
  .object({
    /** Job directory: frames run, one run per round, model versions, metrics, exports. Re-running resumes. */
    run_dir: unhashed(z.string().min(1), { path: true }),
    /** The clips manifest (Parquet, CSV or JSONL). */
    manifest: hashed(z.string().min(1), { path: true }),
    /** Every video_uri must resolve inside this directory. */
    media_root: hashed(z.string().min(1), { path: true }),
    /** Optional ground truth (a benchmark's `truth.parquet`) for quality and noise-detection metrics. */
    truth: hashed(z.string().min(1).optional(), { path: true }),
    /** Clips per shard. Default 256. */
    shard_size: hashed(positiveInt.max(1_000_000).default(256)),
    /** Seeds model init and data order: same seed, same tables. Default 1. */
    seed: hashed(z.number().int().min(0).default(1)),
    /** Refinement rounds. Default 3. A finished job given more goes on from its last round (`jobs/refine/job-files.ts`). */
    rounds: hashed(positiveInt.max(100).default(3)),
    /**
     * Cross-fitting folds of the judges: the clips are split by a hash of their id, a clip's caption
     * is chosen by one fold's judge, and that judge trains on every other fold (never on the clip's
     * text); more folds give each judge more to learn from, at a judge per fold. 1 turns it off.
     * Default 2.
     */
    folds: hashed(positiveInt.max(8).default(2)),
    model: z
      .object({
        /** Architecture preset. Default `tiny`. */
        preset: hashed(z.enum(['tiny', 'small', 'base']).default('tiny')),
        /** Tokenizer vocabulary upper bound (trained on the manifest's text). Default 512. */
        vocab_size: hashed(positiveInt.min(16).max(65_536).default(512)),
        /** Caption tokens incl. bos/eos (overrides the preset). */
        max_caption_len: hashed(positiveInt.min(4).max(256).optional()),
        /** Encoder text tokens (overrides the preset). */
        max_text_len: hashed(positiveInt.max(1024).optional()),
        /** Frames per clip the captioner (and the judges) see (overrides the preset; the frames stage follows). */
        frames: hashed(positiveInt.max(64).optional()),
        /** Frame side in pixels (overrides the preset; must divide by the patch, and by the judges' patch). */
        frame_size: hashed(positiveInt.max(512).optional()),
        /** Captioner patch side in pixels (overrides the preset). */
        patch: hashed(positiveInt.max(64).optional()),
        /** Captioner width (overrides the preset; must divide by its heads). */
        d_model: hashed(positiveInt.max(4096).optional()),
        /** Captioner feed-forward width (overrides the preset). */
        ffn: hashed(positiveInt.max(16_384).optional()),
        /** Captioner encoder layers over frames ⊕ text (overrides the preset). */
        enc_layers: hashed(positiveInt.max(48).optional()),
        /** Captioner decoder layers (overrides the preset). */
        dec_layers: hashed(positiveInt.max(48).optional()),
        /** Feed frame differences to the patch embedding too (motion as a local feature). Default true. */
        frame_diff: hashed(z.boolean().default(true)),
        /** A model version directory to start from instead of a fresh model (its tokenizer is used). */
        init: hashed(z.string().min(1).optional(), { path: true }),
        /**
         * Let the `init` model caption in round 0 too, so a pretrained model's captions are candidates
         * from the first round (otherwise round 0 chooses among the clips' own text and it only scores).
         * Needs `init`. Absent = false (and absent from the job's hash, so older jobs still resume).
         */
        init_captions: hashed(z.boolean().optional()),
        /** A pretrained teacher folder whose frame captions are round 0's model candidates (docs/formats/teacher.md). */
        teacher: z
          .object({
            dir: hashed(z.string().min(1), { path: true }),
            /** `middle` (default): the middle frame's caption; `each`: every frame's, merged by majority. */
            frames: hashed(z.enum(TEACHER_FRAME_MODES).default('middle')),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((m) => !m.init_captions || m.init !== undefined, {
        path: ['init_captions'],
        message: 'needs model.init (the model that captions round 0)',
      })
      .prefault({}),
    /** Where the models run: not hashed, so a resume may move to another device. */
    device: unhashed(
      z
        .object({
          /** Execution providers in order of preference; CUDA falls back to CPU with one warning. Default ["cpu"]. */
          providers: z.array(z.enum(PROVIDER_NAMES)).min(1).default(['cpu']),
          /** ONNX Runtime intra-op threads (0 = all cores). Default 0. */
          threads: z.number().int().min(0).default(0),
          /**
           * Worker threads for independent trainings run side by side: a round's judges (on the CPU
           * provider) and the downstream probe's runs. 0 = one per core, at most 4; 1 = one after
           * another in the job's thread. The results are the same either way. Default 0.
           */
          workers: z.number().int().min(0).max(64).default(0),
          /**
           * MiB of decoded frames a training set keeps, per thread that trains (the job's and each
           * worker's); past it, epochs read the frames run again. The results are the same. Default 256.
           */
          frame_cache_mb: z.number().int().min(1).max(1_048_576).default(256),
          /** MiB of a training set's rows kept, per thread that trains; past it, shards are read again. Default 64. */
          row_cache_mb: z.number().int().min(1).max(1_048_576).default(64),
        })
        .strict()
        .prefault({}),
    ),
    /** Frame extraction; frame count and size come from the model preset. */
    frames: framesConfigSchema.omit({ count: true, width: true, height: true }).prefault({}),
    caption: z
      .object({
        /** Beam width for synthetic captions (1 = greedy). Default 1. */
        beams: hashed(positiveInt.max(16).default(1)),
        /** Also write a synthetic candidate from the frames alone (no title or transcript). Default true. */
        frames_only: hashed(z.boolean().default(true)),
        /**
         * Sampled candidates per clip from frames + text (`synthetic-sampled`), beside the greedy ones:
         * other wordings for the judges to weigh. Absent = none (so the config hash of a job without them
         * is what it was before the option existed).
         */
        samples: hashed(positiveInt.max(16).optional()),
        /** Temperature of the sampled candidates. Absent = 1 (the model's own distribution). */
        temperature: hashed(z.number().positive().max(10).optional()),
        /** Clips per model call. Default 32. */
        model_batch: hashed(positiveInt.max(4096).default(32)),
      })
      .strict()
      .prefault({}),
    adatailr: z
      .object({
        /**
         * Keep policy over the chosen captions' AdaTaiLr weights. Default `keep-all`: every plausible row
         * is kept and its weight goes to the trainer and the export (the choice drops the implausible).
         */
        policy: hashed(filterPolicySchema.default({ kind: 'keep-all' })),
        /** How each clip's caption is chosen among its candidates (`stages/adatailr/choose.ts`). */
        choice: hashed(choiceRuleSchema.prefault({})),
        /**
         * Drop a clip none of whose candidates is plausible (else keep its best). Default true. A round
         * drops only when its judges can tell: each started from `judge.init` or learnt from at least
         * 300 train clips (`jobs/refine/folds.ts`, `judgesMayDrop`); with fewer, it keeps the best.
         */
        drop_implausible: hashed(z.boolean().default(true)),
        /**
         * γ for the row weights: `adaptive` (default) = our AdaTaiLr rule on the rows being scored (per shard);
         * `model` = the γ the scoring model finished training with; or a fixed number (TaiLr).
         */
        gamma: hashed(
          z.union([z.literal('adaptive'), z.literal('model'), z.number().min(0).max(1)]).default('adaptive'),
        ),
        w_min: hashed(z.number().min(0).max(1).default(0)),
        /**
         * Which model scores rounds ≥ 1: `caption-model` (default) = the model that wrote the round's
         * captions; `bootstrap` = round 0's scorer (the bootstrap model or `model.init`), which did
         * not write them and so can disagree with them. Round 0 always uses the bootstrap/init model.
         */
        scorer: hashed(scorerChoiceSchema.default('caption-model')),
      })
      .strict()
      .prefault({}),
    train: z
      .object({
        /** Pre-training loss on the refined rows. Default AdaTaiLr. */
        loss: hashed(lossConfigSchema.default({ kind: 'adatailr', wMin: 0, emaAlpha: 0.1 })),
        pretrain: phaseSchema({ epochs: 8, lr: 3e-3, warmup_steps: 20 }).prefault({}),
        finetune: phaseSchema({ epochs: 4, lr: 1e-3, warmup_steps: 0 }).prefault({}),
        /**
         * Where each round's model starts: `true` (default) the previous round's weights (round 0: the
         * bootstrap model or `model.init`), `false` fresh weights, `"init"` the `model.init` weights
         * every round, so a round's captioner is not trained on its own captions round after round.
         */
        warm_start: hashed(z.union([z.boolean(), z.literal('init')]).default(true)),
        /**
         * Share of training rows shown without their title/transcript (frames only), so the model can
         * score and write captions from the frames alone. Default 0.5.
         */
        text_dropout: hashed(z.number().min(0).max(1).default(0.5)),
        /**
         * Moves each training clip's frames by up to this many pixels each way, the same for all its
         * frames (augmentation against memorising few clips); under half the frame size. Absent = 0 (and
         * the job's hash kept).
         */
        frame_shift: hashed(z.number().int().min(0).max(64).optional()),
      })
      .strict()
      .prefault({}),
    /** The judge that chooses each clip's caption: a retrieval probe trained per round and fold on the current data. */
    judge: z
      .object({
        /** Passes over the fold's rows. Default 40. */
        epochs: hashed(z.number().int().min(1).default(40)),
        /** Stops each judge's training after this many steps, whatever `epochs` says. Absent = every epoch's steps. */
        max_steps: hashed(positiveInt.optional()),
        batch_size: hashed(positiveInt.min(2).max(4096).default(32)),
        lr: hashed(z.number().positive().max(1).default(2e-3)),
        /** Embedding width. Default 64. */
        d_model: hashed(positiveInt.max(1024).default(64)),
        /**
         * Train against hard negatives too: each row's caption with one word swapped for a word the
         * training text uses in the same place (`models/probe/word-swap.ts`), so the judge learns to
         * reject a caption that is right but for one colour, shape or motion. Absent = false (and
         * absent from the job's hash, so jobs stored before the option still resume).
         */
        hard_negatives: hashed(z.boolean().optional()),
        /**
         * Judges per fold, trained alike from different seeds; a candidate's evidence is the mean of
         * theirs (one judge's choices move by a point or two with its seed alone). Absent = 1.
         */
        ensemble: hashed(positiveInt.max(8).optional()),
        /**
         * Transformer layers over the judge's video patches, all frames together, before they are
         * pooled: the judge can then bind an object's colour and shape to its motion. Absent = 0.
         */
        video_layers: hashed(z.number().int().min(0).max(4).optional()),
        /**
         * The judge's patch side in pixels (the frame size must divide by it). Absent = 8, a 4 × 4
         * grid on the tiny preset's 32-pixel frames; with larger frames, a larger patch keeps that grid.
         */
        patch: hashed(positiveInt.max(64).optional()),
        /**
         * A judge directory to start every judge from instead of random weights (the demo's is
         * `jobs/demo/pretrained-judge/`): one pre-trained on other clips' own text has seen more clips
         * than a small dataset holds, and none of this job's. Its shape and tokenizer must be the
         * job's. Absent = random weights.
         */
        init: hashed(z.string().min(1).optional(), { path: true }),
      })
      .strict()
      .prefault({}),
    eval: z
      .object({
        /** Held-out clips captioned per round for the quality metrics (a seeded sample when there are more). Default 500. */
        max_clips: hashed(positiveInt.default(500)),
        /**
         * Opt-in: train the retrieval probe on each round's dataset (and on raw and the truth upper bound
         * in round 0) and score it on the held-out clips (needs `truth`). Absent = off.
         */
        downstream: z
          .object({
            seeds: hashed(positiveInt.max(20).default(3)),
            steps: hashed(positiveInt.max(100_000).default(300)),
            batch: hashed(positiveInt.min(2).max(4096).default(32)),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => c.train.warm_start !== 'init' || c.model.init !== undefined, {
    path: ['train', 'warm_start'],
    message: 'needs model.init (the weights every round starts from)',
  });

/** Which model scores rounds ≥ 1 (`adatailr.scorer`). */
export type ScorerChoice = z.infer<typeof scorerChoiceSchema>;

/** A parsed refine config (defaults filled in; paths absolute when read by `loadConfigFile`). */
export type RefineConfig = z.infer<typeof refineConfigSchema>;

/** Validates a refine config object; throws `ConfigError` naming each bad field and quoting its value. */
export function parseRefineConfig(input: unknown, source = '<object>'): RefineConfig {
  return parseWithSchema(refineConfigSchema, input, source);
}

/** The config a `schedule` tick runs its round steps under: the job's, choosing by `tickChoiceRule`. */
export function tickRefineConfig(config: RefineConfig): RefineConfig {
  return { ...config, adatailr: { ...config.adatailr, choice: tickChoiceRule(config.adatailr.choice) } };
}
