/**
 * The benchmark's content measure: how a refine job (or an experiment) judges captions against the
 * generated truth table — wording-independent content accuracy, its error breakdown and exact
 * attribute accuracy, all read with the benchmark's grammar. Entry points hand it to the product.
 */
import type { TruthMeasure } from '../../metrics/truth-measure.js';
import { contentAccuracy, contentErrors } from '../benchmark/content.js';
import { truthAttrs } from '../benchmark/truth.js';
import { attributeAccuracy } from './attributes.js';

/** The benchmark's {@link TruthMeasure}. */
export const benchmarkMeasure: TruthMeasure = {
  contentAccuracy: (texts, truths, check = {}) => contentAccuracy(texts, truths.map(truthAttrs), check),
  contentErrors: (texts, truths) => contentErrors(texts, truths.map(truthAttrs)),
  attributeAccuracy: (texts, truths) => attributeAccuracy(texts, truths.map(truthAttrs)),
};
