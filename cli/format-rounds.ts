/** A plain-text table of round metrics for the terminal. */
import type { RoundRecord } from '../jobs/refine/round-metrics.js';

const f = (x: number | undefined, d = 3): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

/** One line per round: kept rows, held-out CIDEr-D/BLEU-4/attribute accuracy, filter P/R, γ. */
export function formatRounds(rounds: readonly RoundRecord[]): string {
  const head = 'round  rows  kept  CIDEr-D  BLEU-4  attr-exact  filterP  filterR  gamma';
  const lines = rounds.map((r) =>
    [
      String(r.round).padStart(5),
      String(r.quantity.rows).padStart(5),
      String(r.quantity.kept).padStart(5),
      f(r.quality?.ciderD).padStart(8),
      f(r.quality?.bleu4).padStart(7),
      f(r.quality?.attributes.exact).padStart(11),
      f(r.filter?.precision).padStart(8),
      f(r.filter?.recall).padStart(8),
      f(r.scoringGamma, 2).padStart(6),
    ].join(' '),
  );
  const raw = rounds[0]?.rawAsrQuality;
  if (raw) lines.push(`raw ASR text on the same held-out clips: CIDEr-D ${f(raw.ciderD)}, BLEU-4 ${f(raw.bleu4)}, attr-exact ${f(raw.attributes.exact)}`);
  return [head, ...lines].join('\n');
}
