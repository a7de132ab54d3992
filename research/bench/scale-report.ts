/**
 * The scale bench's tables: per size, wall time, time per clip against the smallest size, and peak
 * RSS; then time per clip of each phase at each size, so a phase that grows faster than the clips
 * stands out, and the peak RSS by the end of each phase, so the phase that raises it does too.
 * Pure (tested in `test/research/bench/scale-report.test.ts`).
 */
import { mdTable, type RefineMeasure, sumPhases } from './refine-report.js';

/** The bar: per-clip time of the largest size at most this many times the smallest's. */
export const FLAT_BAR = 1.3;

const perClipMs = (m: RefineMeasure): number => sumPhases(m.phases, 'total').wallMs / m.clips;

/** Largest size's per-clip time over the smallest's. */
export function perClipRatio(sizes: readonly RefineMeasure[]): number {
  const sorted = [...sizes].sort((a, b) => a.clips - b.clips);
  return perClipMs(sorted[sorted.length - 1]) / perClipMs(sorted[0]);
}

/** Wall s, ms/clip, × the smallest size, peak RSS per size; per-phase ms/clip and peak RSS; the verdict. */
export function formatScale(sizes: readonly RefineMeasure[]): string {
  const sorted = [...sizes].sort((a, b) => a.clips - b.clips);
  const base = perClipMs(sorted[0]);
  const sizeRows = sorted.map((m) => [
    String(m.clips),
    (sumPhases(m.phases, 'total').wallMs / 1000).toFixed(1),
    perClipMs(m).toFixed(1),
    `${(perClipMs(m) / base).toFixed(2)}×`,
    m.maxRssMb.toFixed(0),
  ]);
  const names = [...new Set(sorted.flatMap((m) => m.phases.map((p) => p.name)))];
  const phaseMs = (m: RefineMeasure, name: string): number | undefined => {
    const p = m.phases.find((x) => x.name === name);
    return p ? p.wallMs / m.clips : undefined;
  };
  const phaseRows = names.map((name) => {
    const first = phaseMs(sorted[0], name);
    const last = phaseMs(sorted[sorted.length - 1], name);
    return [
      name,
      ...sorted.map((m) => phaseMs(m, name)?.toFixed(2) ?? '–'),
      first && last !== undefined ? `${(last / first).toFixed(2)}×` : '–',
    ];
  });
  const rssRows = names.map((name) => [
    name,
    ...sorted.map((m) => m.phases.find((x) => x.name === name)?.peakRssMb.toFixed(0) ?? '–'),
  ]);
  const ratio = perClipRatio(sorted);
  const rss = sorted.map((m) => m.maxRssMb.toFixed(0)).join(' → ');
  return [
    mdTable(['clips', 'wall s', 'ms/clip', '× smallest', 'peak RSS MB'], sizeRows),
    '',
    'ms per clip by phase:',
    '',
    mdTable(['phase', ...sorted.map((m) => `${m.clips} clips`), 'largest / smallest'], phaseRows),
    '',
    'peak RSS (MB) by the end of each phase:',
    '',
    mdTable(['phase', ...sorted.map((m) => `${m.clips} clips`)], rssRows),
    '',
    `per-clip time, ${sorted[sorted.length - 1].clips} vs ${sorted[0].clips} clips: ${ratio.toFixed(2)}× ` +
      `(bar ≤ ${FLAT_BAR}×: ${ratio <= FLAT_BAR ? 'met' : '**not met**'}); peak RSS ${rss} MB`,
    '',
  ].join('\n');
}
