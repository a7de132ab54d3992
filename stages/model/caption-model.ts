/**
 * What the model stages need from a captioner, and nothing more: generation and teacher-forced
 * scoring over a batch of clips. `models/`' `Captioner` satisfies it; stages depend on this shape,
 * not on ONNX Runtime.
 */
import { isTitleSource } from '../../schemas/captions.js';

/** A batch of clips as the model sees it: frames back to back (B×T×H×W×3, RGB8) and one text per clip. */
export interface ModelBatch {
  readonly frames: Uint8Array;
  readonly text: readonly string[];
}

/** A captioner as seen by the caption and adatailr stages. */
export interface CaptionModel {
  generate(
    batch: ModelBatch,
    opts?: {
      beams?: number;
      maxLen?: number;
      lengthPenalty?: number;
      temperature?: number;
      seeds?: readonly number[];
    },
  ): Promise<{ ids: number[][]; text: string[]; tokenLogp: number[][] }>;
  score(batch: ModelBatch, captions: readonly string[]): Promise<{ ids: number[][]; tokenLogp: number[][] }>;
  release(): Promise<void>;
}

/** Loads the model once per process (in a stage's `setup`). */
export type CaptionModelLoader = () => Promise<CaptionModel>;

/** A pretrained teacher as the caption stage sees it: one caption per clip, from its frames alone. */
export interface TeacherCaptioner {
  /** Content id of the teacher's files: the lineage of the captions it writes. */
  readonly id: string;
  caption(
    clips: readonly {
      clip_id: string;
      frame_count: number;
      frame_width: number;
      frame_height: number;
      frames: Uint8Array;
    }[],
  ): Promise<string[]>;
  release(): Promise<void>;
}

/** Loads the teacher once per process (in a stage's `setup`). */
export type TeacherCaptionerLoader = () => Promise<TeacherCaptioner>;

/** A judge of captions as the adatailr stage sees it: clips and captions embedded in one space. */
export interface CaptionJudge {
  /** L2-normalised embeddings (count×d) of `count` clips' frames, packed as in {@link ModelBatch}. */
  embedVideos(frames: Uint8Array, count: number): Promise<Float32Array>;
  /** L2-normalised embeddings (n×d) of captions. */
  embedTexts(texts: readonly string[]): Promise<Float32Array>;
  /** The logit scale the judge learnt (cosine → logit). */
  readonly scale: number;
  release(): Promise<void>;
}

/** Loads a judge once per process (in a stage's `setup`). */
export type CaptionJudgeLoader = () => Promise<CaptionJudge>;

/**
 * The text a clip offers the model's encoder for a caption of a given source: its title, then its
 * ASR transcript — except the one the caption itself was copied from (`asr`, or the title for either
 * part of it), where showing it would let the model copy its target instead of looking at the frames.
 */
export function clipText(clip: { asr_text: string; title: string | null }, captionSource: string): string {
  const title = isTitleSource(captionSource) ? '' : (clip.title ?? '');
  const parts = captionSource === 'asr' ? [title] : [title, clip.asr_text];
  return parts.filter((s) => s.trim() !== '').join(' . ');
}

/** Packs the rows' frame buffers into one B×T×H×W×3 buffer. */
export function packFrames(rows: readonly { frames: Uint8Array }[]): Uint8Array {
  const total = rows.reduce((n, r) => n + r.frames.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const r of rows) {
    out.set(r.frames, at);
    at += r.frames.length;
  }
  return out;
}

/** Splits an array into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
