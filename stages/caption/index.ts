/** The caption stage. */
export { captionStage, type CaptionStageOptions, type CaptionWriter } from './stage.js';
export { captionFromText } from './clean-text.js';
