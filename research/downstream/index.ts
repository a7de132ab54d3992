/** Downstream evaluation: train one fixed retrieval probe per dataset version and compare zero-shot retrieval and QA (docs/downstream.md). */
export { evaluateDownstream, type DownstreamOptions } from './evaluate.js';
export {
  runDownstream,
  parseDatasetSpec,
  type DatasetSpec,
  type RunDownstreamOptions,
  type RunDownstreamResult,
} from './run-downstream.js';
export { frameRunSource, loadFrames, resolveFramesRun, type FrameSource, type LoadedFrames } from './frames.js';
export { extractFrames, type ExtractFramesOptions } from './extract-frames.js';
export {
  heldoutSet,
  rawDataset,
  readExportDataset,
  readManifestClips,
  readTruthFile,
  upperBoundDataset,
} from './datasets.js';
export { formatDownstream } from './table.js';
export { gapShare } from './summary.js';
export { MIN_HELDOUT } from './validate.js';
export * from './types.js';
