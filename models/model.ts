/**
 * A captioner model in memory: config + tokenizer + float32 weights. The unit
 * the Trainer updates and a model version saves.
 */
import { type CaptionerConfig, type PresetName, makeConfig } from './captioner/config.js';
import { initWeights, paramSpecs, type Weights } from './captioner/params.js';
import { type CaptionTokenizer } from './tokenizer.js';

/** Config, tokenizer and weights of one captioner. */
export interface CaptionerModel {
  readonly config: CaptionerConfig;
  readonly tokenizer: CaptionTokenizer;
  readonly weights: Weights;
}

/**
 * Creates a freshly initialized captioner for a preset (or a full config).
 * The vocabulary size comes from the tokenizer; `seed` fixes the weights.
 */
export function createModel(
  preset: PresetName | CaptionerConfig,
  tokenizer: CaptionTokenizer,
  seed: number,
): CaptionerModel {
  const config = typeof preset === 'string' ? makeConfig(preset, tokenizer.vocabSize) : preset;
  if (config.vocabSize !== tokenizer.vocabSize) {
    throw new Error(`createModel: config.vocabSize ${config.vocabSize} ≠ tokenizer vocabulary ${tokenizer.vocabSize}`);
  }
  return { config, tokenizer, weights: initWeights(paramSpecs(config), seed) };
}
