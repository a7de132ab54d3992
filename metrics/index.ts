/** Dataset metrics for every job: quality (CIDEr-D, BLEU, attribute accuracy), diversity, quantity, noise detection. Pure functions. */
export * from './tokenize.js';
export * from './cider.js';
export * from './bleu.js';
export * from './attributes.js';
export * from './diversity.js';
export * from './quantity.js';
export * from './noise.js';
export * from './benchmark.js';
