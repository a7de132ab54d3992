/** Dataset metrics for every job: quality (CIDEr-D, BLEU; content measures are handed in), diversity, quantity, noise detection. Pure functions. */
export * from './tokenize.js';
export * from './cider.js';
export * from './bleu.js';
export * from './diversity.js';
export * from './quantity.js';
export * from './noise.js';
export * from './truth-measure.js';
export * from './reference-quality.js';
export * from './truth-quality.js';
