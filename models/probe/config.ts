/**
 * The retrieval probe's architecture: a small CLIP-style dual encoder. Its frame geometry must
 * match the frames it is given (a refine job's frames run, or frames extracted for the probe), so
 * the config is built from the frame spec plus the tokenizer's vocabulary size.
 */

/** Architecture of the retrieval probe (a video tower and a text tower into one embedding space). */
export interface ProbeConfig {
  /** Embedding and hidden width. */
  readonly dModel: number;
  /** Attention heads of the text tower (dModel must divide by it). */
  readonly heads: number;
  /** Feed-forward hidden width of the text tower's transformer layer. */
  readonly ffn: number;
  /** Transformer layers of the text tower (0 = mean-pooled token embeddings). */
  readonly textLayers: number;
  /**
   * Transformer layers over the video tower's patch features of every frame together, before they
   * are pooled, so an object's colour, shape and motion can be bound to each other across patches
   * and frames. Absent or 0 = none (patch features pooled as they come).
   */
  readonly videoLayers?: number;
  /** Frames per clip (T ≥ 2, so the motion feature f_T − f_1 is defined). */
  readonly frames: number;
  /** Frame height = width in pixels (square RGB8 frames). */
  readonly frameSize: number;
  /** Patch side in pixels (frameSize must divide by it). */
  readonly patch: number;
  /** Text tokens kept per caption (longer captions are truncated). */
  readonly maxTextLen: number;
  /** Vocabulary size (from the tokenizer). */
  readonly vocabSize: number;
  /** Initial log of the logit scale (CLIP: ln(1/0.07) ≈ 2.66). */
  readonly initLogScale: number;
  /** Upper clamp of the log logit scale (CLIP: ln 100 ≈ 4.61). */
  readonly maxLogScale: number;
}

/** The fields of a probe config that do not come from the data (frames, vocabulary). */
export type ProbeSize = Pick<
  ProbeConfig,
  'dModel' | 'heads' | 'ffn' | 'textLayers' | 'videoLayers' | 'patch' | 'maxTextLen' | 'initLogScale' | 'maxLogScale'
>;

/** Default size: d = 64, one text layer — trains in tens of milliseconds per batch of 32 on one CPU core. */
export const PROBE_DEFAULTS: ProbeSize = {
  dModel: 64,
  heads: 4,
  ffn: 128,
  textLayers: 1,
  patch: 8,
  // every generated narration fits in 40 tokens of the demo's tokenizer, and two-object ones run past 24,
  // where the probe cut them before their background (test/research/downstream/query-wording.test.ts)
  maxTextLen: 40,
  initLogScale: Math.log(1 / 0.07),
  maxLogScale: Math.log(100),
};

/** Builds and validates a probe config for frames of `frames` × `frameSize`² and a vocabulary; errors quote the bad value. */
export function makeProbeConfig(
  frames: { count: number; size: number },
  vocabSize: number,
  overrides: Partial<ProbeSize> = {},
): ProbeConfig {
  const cfg: ProbeConfig = { ...PROBE_DEFAULTS, ...overrides, frames: frames.count, frameSize: frames.size, vocabSize };
  validateProbeConfig(cfg);
  return cfg;
}

/** Throws with the field name and value when a probe config is inconsistent. */
export function validateProbeConfig(cfg: ProbeConfig): void {
  for (const k of ['dModel', 'heads', 'ffn', 'frames', 'frameSize', 'patch', 'maxTextLen', 'vocabSize'] as const) {
    const v = cfg[k];
    if (!Number.isInteger(v) || v <= 0)
      throw new Error(`probe config: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (cfg.videoLayers !== undefined && (!Number.isInteger(cfg.videoLayers) || cfg.videoLayers < 0))
    throw new Error(`probe config: videoLayers must be a non-negative integer, got ${JSON.stringify(cfg.videoLayers)}`);
  if (!Number.isInteger(cfg.textLayers) || cfg.textLayers < 0)
    throw new Error(`probe config: textLayers must be a non-negative integer, got ${JSON.stringify(cfg.textLayers)}`);
  if (cfg.frames < 2)
    throw new Error(
      `probe config: frames must be ≥ 2 (the motion feature compares the last frame with the first), got ${cfg.frames}`,
    );
  if (cfg.dModel % cfg.heads)
    throw new Error(`probe config: dModel ${cfg.dModel} is not divisible by heads ${cfg.heads}`);
  if (cfg.frameSize % cfg.patch)
    throw new Error(`probe config: frameSize ${cfg.frameSize} is not divisible by patch ${cfg.patch}`);
  if (!Number.isFinite(cfg.initLogScale) || !Number.isFinite(cfg.maxLogScale) || cfg.initLogScale > cfg.maxLogScale) {
    throw new Error(
      `probe config: need finite initLogScale ≤ maxLogScale, got ${cfg.initLogScale} and ${cfg.maxLogScale}`,
    );
  }
}

/** Patches per frame. */
export function patchesPerFrame(cfg: ProbeConfig): number {
  return (cfg.frameSize / cfg.patch) ** 2;
}
