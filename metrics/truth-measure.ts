/**
 * How captions are judged against a truth table beyond word overlap: whether they state the right
 * content. Only whoever wrote the truth knows what its attributes mean, so the measure is handed in
 * by an entry point (the benchmark's lives in `research/`); product code never builds one, and a job
 * without one records no content metrics.
 */
import type { TruthRow } from '../schemas/truth.js';

/** Share right per attribute over all truth slots of a set of captions, all in [0, 1]. */
export interface AttributeAccuracy {
  /** Number of items scored. */
  n: number;
  colour: number;
  shape: number;
  /** Over truth objects that have a size. */
  size: number;
  motion: number;
  background: number;
  /** Items whose caption names as many objects as the truth. */
  objectCount: number;
  /** Truth objects with every attribute right. */
  objectExact: number;
  /** Items with every object, the object count and the background right. */
  exact: number;
  /** Mean of colour, shape, size, motion and background accuracy. */
  mean: number;
}

/** Where captions' content goes wrong: per attribute, for the first and the second object of a scene. */
export interface ContentErrors {
  readonly n: number;
  /** Share of captions that state as many objects as the scene has. */
  readonly objectCount: number;
  /** Per object position (0: first, 1: second, over two-object scenes only): share right per attribute. */
  readonly objects: readonly {
    readonly n: number;
    readonly colour: number;
    readonly shape: number;
    readonly motion: number;
  }[];
}

/** A content measure against truth rows; `texts[i]` is judged against `truths[i]`. */
export interface TruthMeasure {
  /** Share of texts whose content is right, whatever the wording; `strict` also checks stated sizes and backgrounds. */
  contentAccuracy(texts: readonly string[], truths: readonly TruthRow[], check?: { readonly strict?: boolean }): number;
  /** Content accuracy broken down by attribute and object. */
  contentErrors(texts: readonly string[], truths: readonly TruthRow[]): ContentErrors;
  /** Exact attribute accuracy of canonical captions. */
  attributeAccuracy(texts: readonly string[], truths: readonly TruthRow[]): AttributeAccuracy;
}
