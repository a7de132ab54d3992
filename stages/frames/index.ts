/** The frames stage (clips → model-sized RGB frames via ffmpeg) and its building blocks. */
export { framesStage, framesBatchSize, extractClipFrames, type FramesStageOptions, type ClipFrames } from './stage.js';
export { buildFrameCommand, frameCommandArgv, type FrameCommand, type FrameRequest } from './command.js';
export { resolveBinaries, runFrameCommand, checkFfmpeg, type FfmpegBinaries } from './ffmpeg.js';
export { sampleTimes, chooseMethod, type ConcreteMethod } from './sampling.js';
export { resolveMediaPath } from './media-path.js';
export { extractVideoFrames, type ExtractOptions, type FramesClip } from './video-frames.js';
export { buildVideoPassCommand, type VideoPass } from './video-pass.js';
export { planVideo, DECODE_ONCE_MAX_GAP_S } from './sampling.js';
