/**
 * Captioner architecture config and presets. A preset also fixes the frame
 * count and frame size the data pipeline must produce (the frames stage
 * resizes to them), so it is the contract between `stages/frames` and `models/`.
 */

/** Architecture of the compact video captioner. */
export interface CaptionerConfig {
  /** Preset name it came from (informational). */
  readonly preset: string;
  /** Model width. */
  readonly dModel: number;
  /** Attention heads (dModel must divide by it). */
  readonly heads: number;
  /** Feed-forward hidden width. */
  readonly ffn: number;
  /** Encoder layers over visual ⊕ text tokens. */
  readonly encLayers: number;
  /** Causal decoder layers with cross-attention. */
  readonly decLayers: number;
  /** Frames per clip the model sees (T). */
  readonly frames: number;
  /** Frame height = width in pixels (frames are square, RGB8). */
  readonly frameSize: number;
  /** Patch side in pixels (frameSize must divide by it). */
  readonly patch: number;
  /** Maximum ASR/title tokens fed to the encoder. */
  readonly maxTextLen: number;
  /** Maximum caption tokens including bos/eos. */
  readonly maxCaptionLen: number;
  /** Vocabulary size (from the tokenizer). */
  readonly vocabSize: number;
  /**
   * Also feed each frame's difference from the previous frame to the patch embedding (6 channels
   * instead of 3), so motion is a local feature rather than one attention must find. Default false.
   */
  readonly frameDiff?: boolean;
}

/** Names of the built-in presets. */
export type PresetName = 'tiny' | 'small' | 'base';

type PresetBody = Omit<CaptionerConfig, 'preset' | 'vocabSize'>;

/**
 * Built-in sizes: `tiny` trains on 2 CPU cores in minutes; `small` is the
 * default demo/benchmark size; `base` is meant for a GPU.
 */
export const PRESETS: Readonly<Record<PresetName, PresetBody>> = {
  tiny: {
    dModel: 64,
    heads: 4,
    ffn: 128,
    encLayers: 1,
    decLayers: 1,
    frames: 4,
    frameSize: 32,
    patch: 8,
    maxTextLen: 16,
    maxCaptionLen: 16,
  },
  small: {
    dModel: 192,
    heads: 4,
    ffn: 512,
    encLayers: 3,
    decLayers: 3,
    frames: 8,
    frameSize: 64,
    patch: 16,
    maxTextLen: 48,
    maxCaptionLen: 32,
  },
  base: {
    dModel: 512,
    heads: 8,
    ffn: 2048,
    encLayers: 6,
    decLayers: 6,
    frames: 8,
    frameSize: 112,
    patch: 16,
    maxTextLen: 64,
    maxCaptionLen: 48,
  },
};

/** Builds and validates a config from a preset (or explicit overrides); errors quote the bad value. */
export function makeConfig(
  preset: PresetName | PresetBody,
  vocabSize: number,
  overrides: Partial<PresetBody> = {},
): CaptionerConfig {
  const body = typeof preset === 'string' ? PRESETS[preset] : preset;
  if (!body)
    throw new Error(
      `captioner: unknown preset ${JSON.stringify(preset)} (expected one of ${Object.keys(PRESETS).join(', ')})`,
    );
  const cfg: CaptionerConfig = {
    preset: typeof preset === 'string' ? preset : 'custom',
    ...body,
    ...overrides,
    vocabSize,
  };
  validateConfig(cfg);
  return cfg;
}

/** Throws with the field name and value when a config is inconsistent. */
export function validateConfig(cfg: CaptionerConfig): void {
  const positive: (keyof CaptionerConfig)[] = [
    'dModel',
    'heads',
    'ffn',
    'frames',
    'frameSize',
    'patch',
    'maxTextLen',
    'maxCaptionLen',
    'vocabSize',
  ];
  for (const k of positive) {
    const v = cfg[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new Error(`captioner config: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  for (const k of ['encLayers', 'decLayers'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 0)
      throw new Error(`captioner config: ${k} must be a non-negative integer, got ${cfg[k]}`);
  }
  if (cfg.dModel % cfg.heads)
    throw new Error(`captioner config: dModel ${cfg.dModel} is not divisible by heads ${cfg.heads}`);
  if (cfg.frameSize % cfg.patch)
    throw new Error(`captioner config: frameSize ${cfg.frameSize} is not divisible by patch ${cfg.patch}`);
  if (cfg.maxCaptionLen < 2)
    throw new Error(`captioner config: maxCaptionLen must be ≥ 2 (bos + eos), got ${cfg.maxCaptionLen}`);
}

/** Visual tokens per clip: frames × patches per frame. */
export function visualTokens(cfg: CaptionerConfig): number {
  return cfg.frames * (cfg.frameSize / cfg.patch) ** 2;
}

/** The frame geometry the data pipeline must deliver for this model. */
export function frameSpec(cfg: CaptionerConfig): { frames: number; width: number; height: number; channels: 3 } {
  return { frames: cfg.frames, width: cfg.frameSize, height: cfg.frameSize, channels: 3 };
}

/** Special token ids every flywheel tokenizer guarantees (see `models/tokenizer.ts`). */
export const SPECIAL_IDS = { pad: 0, bos: 1, eos: 2, unk: 3 } as const;
