/**
 * Round quality: caption a seeded sample of held-out clips with the round's model and score the
 * captions against the ground truth, beside the raw-ASR baseline on the same clips.
 */
import { rankedSubset } from '../../models/rng.js';
import type { TruthMeasure } from '../../metrics/truth-measure.js';
import { scoreAgainstReferences } from '../../metrics/reference-quality.js';
import { scoreAgainstTruth, type TruthQuality } from '../../metrics/truth-quality.js';
import { batchToRows } from '../../schemas/arrow.js';
import { layout } from '../../pipeline/layout.js';
import { readRunMeta } from '../../pipeline/ledger.js';
import { readParquetBatches } from '../../pipeline/parquet.js';
import type { Storage } from '../../pipeline/storage.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { TruthRow } from '../../schemas/truth.js';
import { FrameStore } from '../../stages/attach-frames/frame-store.js';
import { captionFromText } from '../../stages/caption/clean-text.js';
import { type CaptionModel, chunks, clipText, packFrames } from '../../stages/model/caption-model.js';

/** A held-out clip with its frames. */
export interface EvalClip {
  readonly clip: ClipRow;
  readonly frames: Uint8Array;
}

/**
 * Reads up to `max` held-out clips (a seeded, order-independent sample) with their stored frames; with
 * `only`, the sample is drawn from those clips instead (e.g. the train clips the model trained on).
 */
export async function sampleEvalClips(opts: {
  run: Storage;
  framesRun: Storage;
  max: number;
  seed: number;
  only?: ReadonlySet<string>;
}): Promise<EvalClip[]> {
  const meta = await readRunMeta(opts.run);
  if (!meta) throw new Error(`evaluate: ${opts.run.description} has no run.json`);
  const wanted = (c: ClipRow): boolean => (opts.only ? opts.only.has(c.clip_id) : c.split === 'heldout');
  const clips: ClipRow[] = [];
  for (const shard of meta.shards) {
    for await (const b of readParquetBatches(await opts.run.openBlob(layout.input(shard)))) {
      for (const c of batchToRows<ClipRow>(b)) if (wanted(c)) clips.push(c);
    }
  }
  const pick = rankedSubset(opts.seed, opts.only ? 'fit-sample' : 'eval-sample', clips.length, opts.max);
  const store = new FrameStore({ storage: opts.framesRun });
  await store.open();
  const out: EvalClip[] = [];
  for (const [i, clip] of clips.entries()) {
    if (!pick.has(i)) continue;
    const f = await store.get(clip.clip_id);
    if (f) out.push({ clip, frames: f.pixels });
  }
  return out;
}

/** Greedy (or beam) captions of the clips, by clip id; with `framesOnly`, from the frames without the clips' text. */
export async function captionClips(
  model: CaptionModel,
  clips: readonly EvalClip[],
  opts: { batch: number; beams: number; framesOnly?: boolean },
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const group of chunks(clips, opts.batch)) {
    const g = await model.generate(
      { frames: packFrames(group), text: group.map((c) => (opts.framesOnly ? '' : clipText(c.clip, 'synthetic'))) },
      { beams: opts.beams },
    );
    group.forEach((c, i) => out.set(c.clip.clip_id, g.text[i]));
  }
  return out;
}

/** Quality of the model's captions and of the raw ASR text on the same clips (undefined without truth or held-out human captions). */
export interface EvalResult {
  readonly clips: number;
  readonly model?: TruthQuality;
  readonly rawAsr?: TruthQuality;
  readonly captions: Map<string, string>;
}

/**
 * Scores captions of the clips against the truth rows (when given; attribute accuracy by `measure`,
 * when given), or, in a job without truth, against the clips' own human captions: held-out clips a
 * person captioned are what a user's dataset has to score a captioner with. The raw ASR text of the
 * same clips is scored beside, as its baseline. Neither without references.
 */
export function scoreEval(
  clips: readonly EvalClip[],
  captions: Map<string, string>,
  truth: readonly TruthRow[] | undefined,
  measure?: TruthMeasure,
): EvalResult {
  const asr = new Map(clips.map((c) => [c.clip.clip_id, captionFromText(c.clip.asr_text, c.clip.title)]));
  const model = scoreCaptions(clips, captions, truth, measure);
  const rawAsr = scoreCaptions(clips, asr, truth, measure);
  return { clips: clips.length, ...(model && rawAsr ? { model, rawAsr } : {}), captions };
}

/**
 * `captions` of the clips against the truth rows or, without truth, against the human captions of
 * the clips that have one; undefined without references.
 */
function scoreCaptions(
  clips: readonly EvalClip[],
  captions: ReadonlyMap<string, string>,
  truth: readonly TruthRow[] | undefined,
  measure?: TruthMeasure,
): TruthQuality | undefined {
  if (!truth) {
    const human = new Map(
      clips.flatMap((c) => (c.clip.human_caption?.trim() ? [[c.clip.clip_id, [c.clip.human_caption]] as const] : [])),
    );
    return human.size > 0 ? { ...scoreAgainstReferences(captions, human), against: 'human' } : undefined;
  }
  if (clips.length === 0) return undefined;
  const ids = new Set(clips.map((c) => c.clip.clip_id));
  return scoreAgainstTruth(
    captions,
    truth.filter((t) => ids.has(t.clip_id)),
    { measure },
  );
}

/**
 * The round's own rows on the eval clips: what its choice kept for held-out clips, which nothing of
 * the job trained on and whose human captions it never offered as candidates. They are chosen as
 * the train clips are, so their quality estimates the exported rows' where no truth table exists.
 */
export interface HeldoutRowsCheck {
  /** Eval clips, and how many of them the round kept a caption for (the rest it dropped). */
  readonly clips: number;
  readonly kept: number;
  /** The kept captions against the references (truth, or the clips' human captions); absent without references. */
  readonly chosen?: TruthQuality;
  /** The raw transcripts of the same kept clips (no title in an empty one's place), against the same references. */
  readonly rawAsr?: TruthQuality;
  /** Content accuracy of each (truth and a content measure only). */
  readonly content?: { readonly chosen: number; readonly rawAsr: number };
}

/** Scores the round's kept captions of the eval clips (`chosen`: clip id → caption) as {@link scoreEval} scores the model's. */
export function scoreHeldoutRows(
  clips: readonly EvalClip[],
  chosen: ReadonlyMap<string, string>,
  truth: readonly TruthRow[] | undefined,
  measure?: TruthMeasure,
): HeldoutRowsCheck {
  const kept = clips.filter((c) => chosen.has(c.clip.clip_id));
  const captions = new Map(kept.map((c) => [c.clip.clip_id, chosen.get(c.clip.clip_id) as string]));
  // the transcript alone, as the dataset's raw side reads it (no title in its place)
  const transcripts = new Map(kept.map((c) => [c.clip.clip_id, captionFromText(c.clip.asr_text, null)]));
  const base = { clips: clips.length, kept: kept.length };
  const scored = scoreCaptions(kept, captions, truth, measure);
  const rawAsr = scoreCaptions(kept, transcripts, truth, measure);
  if (!scored || !rawAsr) return base;
  // the truth rows of the kept clips only: the table holds every clip of the job
  const byId = new Map((truth ?? []).filter((t) => captions.has(t.clip_id)).map((t) => [t.clip_id, t]));
  const known = kept.filter((c) => byId.has(c.clip.clip_id));
  const rows = known.map((c) => byId.get(c.clip.clip_id) as TruthRow);
  const accuracy = (texts: ReadonlyMap<string, string>): number =>
    (measure as TruthMeasure).contentAccuracy(
      known.map((c) => texts.get(c.clip.clip_id) as string),
      rows,
    );
  const content =
    measure && known.length > 0 ? { chosen: accuracy(captions), rawAsr: accuracy(transcripts) } : undefined;
  return { ...base, chosen: scored, rawAsr, ...(content ? { content } : {}) };
}
