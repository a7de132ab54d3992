/** The frames stage (clips → model-sized RGB frames via ffmpeg) and its building blocks. */
export { framesStage, extractClipFrames, type FramesStageOptions, type ClipFrames } from './stage.js';
export { buildFrameCommand, frameCommandArgv, type FrameCommand, type FrameRequest } from './command.js';
export { resolveBinaries, runFrameCommand, checkFfmpeg, type FfmpegBinaries } from './ffmpeg.js';
export { sampleTimes, chooseMethod, type ConcreteMethod } from './sampling.js';
export { resolveMediaPath } from './media-path.js';
