/** The controlled video-language benchmark: generator, grammar, noise model and truth sidecar. */
export * from './grammar.js';
export * from './scene.js';
export * from './asr.js';
export * from './options.js';
export * from './generate.js';
export * from './truth.js';
export * from './content.js';
export { readParquetRows, readParquetTable, writeParquetRows } from './parquet.js';
export { hash32, makeRng, rankedSubset, type Rng } from './rng.js';
