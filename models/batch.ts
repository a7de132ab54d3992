/**
 * Host-side batch preparation: validates a `CaptionBatch` against the model's
 * frame geometry and turns text/captions into padded int64 id tensors with
 * the fixed special ids (pad 0, bos 1, eos 2).
 */
import * as ort from 'onnxruntime-node';
import { type CaptionerConfig, SPECIAL_IDS } from './captioner/config.js';
import { type CaptionTokenizer } from './tokenizer.js';

/** Text given either as strings (tokenized here) or as token ids (no specials). */
export type TextInput = readonly string[] | readonly (readonly number[])[];

/**
 * A batch of clips: B = text.length. `frames` is B×T×H×W×3 RGB8, row-major,
 * with T/H/W from the model's preset (`frameSpec(config)`).
 */
export interface CaptionBatch {
  readonly frames: Uint8Array;
  /** ASR transcript / title per clip ('' when none). */
  readonly text: TextInput;
  /** Reference captions (training and scoring). */
  readonly captions?: TextInput;
  /**
   * Per-row training weight (default 1): a refined row's quality weight. A row of weight 0 changes
   * nothing — neither the update nor the noise estimate.
   */
  readonly weights?: readonly number[];
}

/** Ids per row, tokenizing strings when needed. */
export async function toIds(tok: CaptionTokenizer, t: TextInput): Promise<number[][]> {
  if (t.length === 0) return [];
  if (typeof t[0] === 'string') return tok.encodeBatch(t as readonly string[]);
  return (t as readonly (readonly number[])[]).map((r) => [...r]);
}

/** Right-pads rows with the pad id into an int64 [B, L] tensor (L ≥ minLen). */
export function padIds(rows: readonly (readonly number[])[], minLen = 1): ort.Tensor {
  const L = Math.max(minLen, ...rows.map((r) => r.length));
  const data = new BigInt64Array(rows.length * L).fill(BigInt(SPECIAL_IDS.pad));
  rows.forEach((r, b) => r.forEach((id, i) => (data[b * L + i] = BigInt(id))));
  return new ort.Tensor('int64', data, [rows.length, L]);
}

/** Checks the frame buffer size and wraps it as a uint8 [B,T,S,S,3] tensor. */
export function framesTensor(cfg: CaptionerConfig, frames: Uint8Array, B: number): ort.Tensor {
  const per = cfg.frames * cfg.frameSize * cfg.frameSize * 3;
  if (frames.length !== B * per) {
    throw new Error(
      `batch: frames has ${frames.length} bytes, expected ${B} clips × ${cfg.frames} frames × ${cfg.frameSize}×${cfg.frameSize}×3 = ${B * per}`,
    );
  }
  return new ort.Tensor('uint8', frames, [B, cfg.frames, cfg.frameSize, cfg.frameSize, 3]);
}

/** Encoder inputs of a batch: frames and text ids (truncated to maxTextLen). */
export async function encoderFeeds(
  cfg: CaptionerConfig,
  tok: CaptionTokenizer,
  batch: CaptionBatch,
): Promise<{ frames: ort.Tensor; textIds: ort.Tensor; size: number }> {
  const B = batch.text.length;
  if (B === 0) throw new Error('batch: empty (text has 0 rows)');
  const text = (await toIds(tok, batch.text)).map((r) => r.slice(0, cfg.maxTextLen));
  return { frames: framesTensor(cfg, batch.frames, B), textIds: padIds(text), size: B };
}

/** Caption rows as bos + ids + eos, truncated to maxCaptionLen tokens in total. */
export function captionRows(cfg: CaptionerConfig, ids: readonly (readonly number[])[]): number[][] {
  return ids.map((r) => [SPECIAL_IDS.bos, ...r.slice(0, cfg.maxCaptionLen - 2), SPECIAL_IDS.eos]);
}
