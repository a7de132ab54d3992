/** The attach-frames stage and its frame store. */
export { attachFramesStage, type AttachFramesOptions } from './stage.js';
export { FrameStore, type FrameStoreOptions, type StoredClipFrames } from './frame-store.js';
