/**
 * The nightly experiment's table: per noise level, one line per night and variant with mean ± sd
 * over seeds of the night's train clips: their transcripts' content accuracy, the captioner's, the
 * kept rows' and the kept share, and the tick's time with its retraining's share; the refine job's
 * final round beside it.
 */
import { known, pm } from '../refine-experiment/table.js';
import type { TickPoint } from './measure.js';
import type { NightsRun, TickExperimentReport } from './experiment.js';

const COLUMNS: readonly [string, (p: TickPoint) => number][] = [
  ['transcripts', (p) => p.raw],
  ['captioner', (p) => p.captioner],
  ['kept rows', (p) => p.exported],
  ['kept share', (p) => p.keptShare],
];

/** Time columns, printed with one decimal (absent, NaN, in reports made before ticks recorded them). */
const TIME: readonly [string, (p: TickPoint) => number][] = [
  ['tick s', (p) => p.seconds],
  ['of it retraining s', (p) => p.trainSeconds],
];

/** Markdown tables of a report, one per noise level. */
export function formatTickExperiment(r: TickExperimentReport): string {
  const s = r.settings;
  const out: string[] = [];
  for (const noise of [...new Set(r.runs.map((x) => x.noise))].sort((a, b) => a - b)) {
    const at = r.runs.filter((x) => x.noise === noise);
    const seeds = [...new Set(at.map((x) => x.seed))];
    const refine = at.filter((x) => x.variant === at[0].variant).map((x) => x.refineFinal);
    out.push(
      `\n### ${Math.round(noise * 100)} % noisy transcripts (seeds ${seeds.join(', ')}; refine on ${s.clips} clips, ` +
        `${s.rounds} rounds, then ${s.ticks} nights of ${s.tickClips}; mean ± sd)\n`,
      `The refine job's final round: content accuracy ${pm(refine, 3)}.`,
      '',
      `| night | variant | ${[...COLUMNS, ...TIME].map(([name]) => name).join(' | ')} |`,
      `|---|---|${[...COLUMNS, ...TIME].map(() => '---|').join('')}`,
    );
    const timed = new Set(at.filter((x) => x.ticks.some((p) => known(p.seconds))).map((x) => x.seed));
    if (timed.size > 0 && timed.size < seeds.length)
      out.splice(
        -3,
        0,
        `The times are those of seeds ${[...timed].join(', ')}: the other reports did not record them.`,
      );
    const variants = [...new Set(at.map((x) => x.variant))];
    const nights = Math.max(0, ...at.map((x) => x.ticks.length));
    for (let t = 0; t < nights; t++)
      for (const v of variants) {
        const pts = at
          .filter((x: NightsRun) => x.variant === v)
          .map((x) => x.ticks[t])
          .filter((p): p is TickPoint => p !== undefined);
        const cells = [...COLUMNS.map(([, f]) => pm(pts.map(f), 3)), ...TIME.map(([, f]) => pm(pts.map(f), 1))];
        out.push(`| ${t} | ${v} | ${cells.join(' | ')} |`);
      }
  }
  return out.join('\n');
}
