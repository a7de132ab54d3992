/**
 * What the benchmark lends a refine job that reads its truth table: the content measure and the
 * downstream probe. Entry points (the refine command, the demo, the refine experiment) pass these
 * to `runRefine`; the refine job itself never imports research code.
 */
import type { RefineOptions } from '../jobs/refine/run-refine.js';
import { roundDownstream } from './downstream/round-probe.js';
import { benchmarkMeasure } from './metrics/benchmark.js';

/** The benchmark's measure and probe, as refine options. */
export const benchmarkRefineOptions: Pick<RefineOptions, 'measure' | 'downstreamProbe'> = {
  measure: benchmarkMeasure,
  downstreamProbe: roundDownstream,
};
