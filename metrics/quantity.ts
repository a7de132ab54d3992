/** Quantity of a dataset: rows and caption tokens, before and after filtering. */
import { tokenize } from './tokenize.js';

/** Quantity metrics. */
export interface QuantityMetrics {
  rows: number;
  tokens: number;
  rowsKept: number;
  tokensKept: number;
  /** rowsKept / rows (0 for no rows). */
  keptFraction: number;
}

/** Counts rows and tokens of `captions`; `kept[i]` (default all true) marks rows that survive filtering. */
export function quantity(captions: readonly string[], kept?: readonly boolean[]): QuantityMetrics {
  if (kept !== undefined && kept.length !== captions.length) {
    throw new Error(`quantity: ${captions.length} captions but ${kept.length} kept flags`);
  }
  let tokens = 0;
  let rowsKept = 0;
  let tokensKept = 0;
  captions.forEach((c, i) => {
    const n = tokenize(c).length;
    tokens += n;
    if (kept === undefined || kept[i] === true) {
      rowsKept++;
      tokensKept += n;
    }
  });
  const rows = captions.length;
  return { rows, tokens, rowsKept, tokensKept, keptFraction: rows === 0 ? 0 : rowsKept / rows };
}
