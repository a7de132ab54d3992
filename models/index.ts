/**
 * Public API of flywheel's models: create/train/save a captioner, load a
 * version for generation and scoring, tokenizer, device. See docs/models.md.
 */
export { createModel, type CaptionerModel } from './model.js';
export { Trainer, type TrainerOptions, type StepOptions, type StepResult } from './trainer.js';
export { Captioner, type GenerateResult, type ScoreResult } from './inference.js';
export { type GenerateOptions } from './generate.js';
export { type CaptionBatch, type TextInput } from './batch.js';
export { CaptionTokenizer, SPECIAL_TOKENS, type TokenizerTrainOptions } from './tokenizer.js';
export { Device, type DeviceConfig, type ProviderName } from './device.js';
export {
  saveVersion,
  loadVersion,
  VERSION_FILES,
  type LoadedVersion,
  type VersionManifest,
  type VersionMetrics,
  type SaveVersionOptions,
} from './version.js';
export {
  PRESETS,
  SPECIAL_IDS,
  frameSpec,
  makeConfig,
  type CaptionerConfig,
  type PresetName,
} from './captioner/config.js';
export { type LossContract } from './loss-contract.js';
