/** The caption stage. */
export { captionStage, type CaptionStageOptions, type CaptionSource } from './stage.js';
export { captionFromText } from './clean-text.js';
