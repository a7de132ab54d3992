/**
 * Typed op constructors over `Graph`: each checks dtypes, infers the static
 * (partly symbolic) output shape and appends one ONNX node. Everything a
 * transformer captioner and its training step need, all with double kernels on
 * ORT's CPU provider (no Erf, no Conv) so gradient checks can run in float64.
 *
 * The ops live in `./ops/` by kind; this module re-exports them all so
 * `import * as o from './graph/ops.js'` gives the whole set.
 */
export { broadcastShapes } from './ops/util.js';
export * from './ops/constants.js';
export * from './ops/elementwise.js';
export * from './ops/linalg.js';
export * from './ops/shape.js';
export * from './ops/indexing.js';
export * from './ops/reduce.js';
export * from './ops/nn.js';
export { isFloat } from './graph.js';
