/**
 * `caption`: gathers this round's candidate captions for every clip — its transcript, its title (and
 * the title's lead part, when a vertical bar splits off a tagline), the
 * caption chosen for it last round, a pretrained teacher's caption of its frames (round 0, when one
 * is configured), and (once a model exists) the model's own captions from frames + text and from
 * frames alone, and optionally sampled ones from frames + text (other wordings). The adatailr stage
 * scores them and chooses one per clip. Clips with a human caption have only that candidate (they
 * are the fine-tuning set), except held-out clips: there the human caption is a reference the
 * round's choice is scored against, so it must not be among what the round chooses from. Output rows carry the frames on to the adatailr stage; only the
 * `captions` columns are stored.
 */
import { z } from 'zod';
import { defineStage, parseStageOptions } from '../../pipeline/define-stage.js';
import type { AnyStage } from '../../pipeline/stage.js';
import { type CandidateSource, captionModelVersion, captionsTable } from '../../schemas/captions.js';
import { type CaptionedRow, captionedTable } from '../../schemas/captioned.js';
import { clipFramesTable } from '../../schemas/clip-frames.js';
import {
  type CaptionModel,
  type CaptionModelLoader,
  chunks,
  clipText,
  packFrames,
  type TeacherCaptioner,
  type TeacherCaptionerLoader,
} from '../model/caption-model.js';
import { hash32 } from '../../models/rng.js';
import { captionFromText, titleLead } from './clean-text.js';

/** The models that write synthetic candidates, and how. */
export interface CaptionWriter {
  /** One loader per model (or a single one for every clip); `route` says which model writes a clip's candidates. */
  readonly load: readonly CaptionModelLoader[];
  /** Index into `load` of the model for a clip (cross-fitting: one that never trained on it). */
  readonly route: (clipId: string) => number;
  /** Beam width of generation (1 = greedy). Default 1. */
  readonly beams?: number;
  readonly maxLen?: number;
  /** Also write a candidate from the frames alone (no title or transcript in the input). Default true. */
  readonly framesOnly?: boolean;
  /**
   * Also write this many candidates from frames + text by sampling (`synthetic-sampled`): other
   * wordings than the model's most likely one, for the judges to weigh. Default 0.
   */
  readonly samples?: number;
  /** Sampling temperature of those candidates. Default 1 (the model's own distribution). */
  readonly temperature?: number;
  /** Mixed into every sampled caption's seed (the job's seed), so jobs with other seeds draw other samples. Default 0. */
  readonly sampleSeed?: number;
}

/** Last round's chosen captions of the clips `clipIds` of shard `shard`. */
export type PreviousCaptions = (shard: string, clipIds: readonly string[]) => Promise<ReadonlyMap<string, string>>;

/** Options of {@link captionStage}. */
export interface CaptionStageOptions {
  readonly round: number;
  /** Recorded on every row: the writer's model version id, or `text` when no model writes. */
  readonly modelVersion: string;
  /** The model that writes synthetic candidates; none in round 0. */
  readonly writer?: CaptionWriter;
  /** A pretrained teacher whose frame captions are `teacher` candidates (round 0 with `model.teacher`). */
  readonly teacher?: TeacherCaptionerLoader;
  /**
   * Last round's chosen caption per clip (a `previous` candidate where it differs from the others): a
   * map, or a lookup of a shard's clips (so a worker holds one shard's captions, not the job's).
   */
  readonly previous?: ReadonlyMap<string, string> | PreviousCaptions;
  /** Clips per model call. Default 32. */
  readonly modelBatch?: number;
  /** Rows per `process` call. Default 128. */
  readonly batchSize?: number;
}

const positive = z.number().int().positive();
const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', `must be ${what}`);
const optionsSchema = z.object({
  round: z.number().int().nonnegative(),
  modelVersion: z.string().min(1),
  writer: z
    .object({
      load: z.array(fn<CaptionModelLoader>('a model loader')).min(1),
      route: fn<(clipId: string) => number>('a function'),
      beams: positive.optional(),
      maxLen: positive.optional(),
      framesOnly: z.boolean().default(true),
      samples: z.number().int().nonnegative().default(0),
      temperature: z.number().positive().default(1),
      sampleSeed: z.number().int().nonnegative().default(0),
    })
    .optional(),
  teacher: fn<TeacherCaptionerLoader>('a teacher loader').optional(),
  previous: z
    .custom<ReadonlyMap<string, string> | PreviousCaptions>(
      (v) => v instanceof Map || typeof v === 'function',
      'must be a Map or a lookup function',
    )
    .optional(),
  modelBatch: positive.default(32),
  batchSize: positive.default(128),
});

/** Adds a candidate unless it is empty or the same text as an earlier one (the earlier source wins). */
function addCandidate(
  out: { sources: CandidateSource[]; captions: string[] },
  source: CandidateSource,
  text: string,
): void {
  const t = text.trim();
  if (t === '' || out.captions.includes(t)) return;
  out.sources.push(source);
  out.captions.push(t);
}

/**
 * Seed of a clip's `sample`-th sampled caption in a round of a job seeded `jobSeed`: the same on
 * every machine, whatever the batch, and other for another job seed.
 */
function sampleSeed(jobSeed: number, round: number, clipId: string, sample: number): number {
  // seed 0 keeps the key of the releases before the job's seed was mixed in
  const job = jobSeed === 0 ? '' : `${jobSeed}:`;
  return hash32(`caption-sample:${job}${round}:${sample}:${clipId}`);
}

/** The writer's model index for a clip, checked. */
/** A clip whose human caption is its only candidate: any but a held-out clip (its caption is a reference). */
function takesHumanCaption(r: { human_caption: string | null; split: string | null }): boolean {
  return !!r.human_caption && r.split !== 'heldout';
}

function routeOf(writer: Pick<CaptionWriter, 'route'>, clipId: string, n: number): number {
  if (n === 1) return 0;
  const m = writer.route(clipId);
  if (!(Number.isInteger(m) && m >= 0 && m < n))
    throw new RangeError(`caption: route(${clipId}) = ${m}, expected a model index in [0, ${n})`);
  return m;
}

/** Builds the caption stage (clip_frames → captioned; stores `captions`). */
export function captionStage(options: CaptionStageOptions): AnyStage {
  const opts = parseStageOptions('caption', optionsSchema, options);
  let models: CaptionModel[] = [];
  let teacher: TeacherCaptioner | undefined;
  const { modelBatch, writer } = opts;
  return defineStage({
    name: 'caption',
    input: clipFramesTable,
    output: captionedTable,
    stored: captionsTable,
    resources: { cpus: 1, gpus: writer ? 1 : 0 },
    batchSize: opts.batchSize,
    async setup() {
      if (writer) models = await Promise.all(writer.load.map((l) => l()));
      if (opts.teacher) teacher = await opts.teacher();
    },
    async process(rows, ctx) {
      const previous =
        typeof opts.previous === 'function'
          ? await opts.previous(
              ctx.shardId,
              rows.map((r) => r.clip_id),
            )
          : opts.previous;
      const cands = rows.map((r) => {
        const c = { sources: [] as CandidateSource[], captions: [] as string[] };
        if (takesHumanCaption(r)) {
          addCandidate(c, 'human', captionFromText(r.human_caption ?? '', null));
          return c;
        }
        addCandidate(c, 'asr', captionFromText(r.asr_text, null));
        addCandidate(c, 'title', captionFromText(r.title ?? '', null));
        addCandidate(c, 'title-lead', titleLead(r.title));
        addCandidate(c, 'previous', previous?.get(r.clip_id) ?? '');
        return c;
      });
      const toWrite = rows.map((r, i) => ({ r, i })).filter(({ r }) => !takesHumanCaption(r));
      if (opts.teacher) {
        if (!teacher) throw new Error('caption: process() before setup()');
        for (const group of chunks(toWrite, modelBatch)) {
          ctx.signal.throwIfAborted();
          const texts = await teacher.caption(group.map((g) => g.r));
          group.forEach((g, k) => addCandidate(cands[g.i], 'teacher', texts[k] ?? ''));
        }
      }
      if (writer && toWrite.length > 0) {
        if (models.length === 0) throw new Error('caption: process() before setup()');
        const gen = {
          ...(writer.beams ? { beams: writer.beams } : {}),
          ...(writer.maxLen ? { maxLen: writer.maxLen } : {}),
        };
        const groups = models.flatMap((model, m) =>
          chunks(
            toWrite.filter(({ r }) => routeOf(writer, r.clip_id, models.length) === m),
            modelBatch,
          ).map((group) => ({ model, group })),
        );
        for (const { model, group } of groups) {
          ctx.signal.throwIfAborted();
          const frames = packFrames(group.map((g) => g.r));
          const withText = await model.generate({ frames, text: group.map((g) => clipText(g.r, 'synthetic')) }, gen);
          group.forEach((g, k) => addCandidate(cands[g.i], 'synthetic', withText.text[k] ?? ''));
          if (writer.framesOnly) {
            const alone = await model.generate({ frames, text: group.map(() => '') }, gen);
            group.forEach((g, k) => addCandidate(cands[g.i], 'synthetic-frames', alone.text[k] ?? ''));
          }
          for (let s = 0; s < writer.samples; s++) {
            const seeds = group.map((g) => sampleSeed(writer.sampleSeed, opts.round, g.r.clip_id, s));
            const drawn = await model.generate(
              { frames, text: group.map((g) => clipText(g.r, 'synthetic')) },
              { ...gen, temperature: writer.temperature, seeds },
            );
            group.forEach((g, k) => addCandidate(cands[g.i], 'synthetic-sampled', drawn.text[k] ?? ''));
          }
        }
      }
      const out: CaptionedRow[] = rows.map((r, i) => ({
        ...r,
        round: opts.round,
        model_version: captionModelVersion(opts.modelVersion, teacher?.id),
        candidate_sources: cands[i].sources,
        candidate_captions: cands[i].captions,
      }));
      return out;
    },
    async teardown() {
      await Promise.all([...models.map((m) => m.release()), teacher?.release()]);
      models = [];
      teacher = undefined;
    },
  });
}
