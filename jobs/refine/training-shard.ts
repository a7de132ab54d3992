/**
 * One shard of a round's training rows: each clip's chosen caption (the adatailr stage's scores, or
 * the first candidate of a run without scores) joined with its clip row. A training set reads its
 * shards through this, once at open and again whenever an epoch needs a shard its cache dropped.
 */
import { layout } from '../../pipeline/layout.js';
import { readStoredRows } from '../../pipeline/parquet.js';
import type { Storage } from '../../pipeline/storage.js';
import type { CaptionRow } from '../../schemas/captions.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { ScoreRow } from '../../schemas/scores.js';
import { clipText } from '../../stages/model/caption-model.js';

/** One training example without its frames. */
export interface TrainExample {
  readonly clipId: string;
  readonly split: string;
  readonly text: string;
  readonly caption: string;
  readonly captionSource: string;
  /** AdaTaiLr row weight of the chosen caption (1 when the round had no scores). */
  readonly weight: number;
  readonly keep: boolean;
  /** γ the row was scored with (NaN when the round had no scores). */
  readonly gamma: number;
  /** The noise estimate ρ̂ that γ came from (NaN when the round had no scores). */
  readonly rho: number;
}

// the columns an example is made of: a shard is read again whenever the cache dropped it, so only these
const CLIP_COLUMNS = ['clip_id', 'split', 'title', 'asr_text'] as const satisfies readonly (keyof ClipRow)[];
const CAPTION_COLUMNS = [
  'clip_id',
  'candidate_sources',
  'candidate_captions',
] as const satisfies readonly (keyof CaptionRow)[];
const SCORE_COLUMNS = [
  'clip_id',
  'caption',
  'caption_source',
  'adatailr_weight',
  'keep',
  'gamma',
  'rho',
] as const satisfies readonly (keyof ScoreRow)[];

/** A clip's chosen caption and its score, before it meets its clip row. */
interface Chosen {
  readonly clipId: string;
  readonly caption: string;
  readonly source: string;
  readonly weight: number;
  readonly keep: boolean;
  readonly gamma: number;
  readonly rho: number;
}

/**
 * The examples of `shard` of a finished round run, in the stored order. `scoreStage: 'none'` (the
 * bootstrap) takes a clip's first candidate — its transcript, else its title — as its caption.
 */
export async function readShardExamples(roundRun: Storage, shard: string, scoreStage: string): Promise<TrainExample[]> {
  const clipRows = await readStoredRows<Pick<ClipRow, (typeof CLIP_COLUMNS)[number]>>(
    roundRun,
    layout.input(shard),
    CLIP_COLUMNS,
  );
  const clips = new Map(clipRows.map((c) => [c.clip_id, c]));
  const chosen: Chosen[] =
    scoreStage === 'none'
      ? (
          await readStoredRows<Pick<CaptionRow, (typeof CAPTION_COLUMNS)[number]>>(
            roundRun,
            layout.output('caption', shard),
            CAPTION_COLUMNS,
          )
        ).map((c) => ({
          clipId: c.clip_id,
          caption: c.candidate_captions[0] ?? '',
          source: c.candidate_sources[0] ?? '',
          weight: 1,
          keep: true,
          gamma: Number.NaN,
          rho: Number.NaN,
        }))
      : (
          await readStoredRows<Pick<ScoreRow, (typeof SCORE_COLUMNS)[number]>>(
            roundRun,
            layout.output(scoreStage, shard),
            SCORE_COLUMNS,
          )
        ).map((s) => ({
          clipId: s.clip_id,
          caption: s.caption,
          source: s.caption_source,
          weight: s.adatailr_weight,
          keep: s.keep,
          gamma: s.gamma,
          rho: s.rho,
        }));
  return chosen.map((c) => {
    const clip = clips.get(c.clipId);
    if (!clip) throw new Error(`training set: caption for ${c.clipId} in ${shard} has no clip row`);
    return {
      clipId: c.clipId,
      split: clip.split ?? 'train',
      text: clipText(clip, c.source),
      caption: c.caption,
      captionSource: c.source,
      weight: c.weight,
      keep: c.keep,
      gamma: c.gamma,
      rho: c.rho,
    };
  });
}

/** About the bytes an example holds in V8 (strings at two bytes a character, plus the object). */
export function exampleBytes(e: TrainExample): number {
  return 2 * (e.clipId.length + e.split.length + e.text.length + e.caption.length + e.captionSource.length) + 240;
}
