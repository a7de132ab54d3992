/** The controlled video-language benchmark: generator, grammar, noise model, content reading and truth table. */
export * from './grammar.js';
export * from './scene.js';
export * from './asr.js';
export * from './options.js';
export * from './generate.js';
export * from './benchmark-dir.js';
export * from './truth.js';
export * from './content.js';
export { readTruth, readTruthMap } from '../../jobs/refine/truth-file.js';
export { TRUTH_FILE, truthSchema, type TruthRow } from '../../schemas/truth.js';
