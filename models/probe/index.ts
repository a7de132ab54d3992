/** The retrieval probe: a small CLIP-style dual encoder trained with symmetric InfoNCE (see docs/downstream.md). */
export { makeProbeConfig, PROBE_DEFAULTS, validateProbeConfig, type ProbeConfig, type ProbeSize } from './config.js';
export { initProbeWeights, probeParamSpecs, LOG_SCALE } from './params.js';
export { buildProbeTrainGraph, buildTextGraph, buildVideoGraph, PROBE_IO, type ProbeGraph } from './graphs.js';
export {
  ProbeRuntime,
  ProbeTrainer,
  padTextIds,
  type ProbeBatch,
  type ProbeStepResult,
  type ProbeTrainerOptions,
} from './runtime.js';
