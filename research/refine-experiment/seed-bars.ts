/**
 * The issue's bars seed by seed: for each noise level and seed of a report (or of several merged),
 * the first loop's final dataset against each bar, and how many seeds meet each. The tables of
 * `table.ts` check the bars on means over a report's seeds; this is the stricter reading ("on any
 * seed") and the tally over many reports that the docs quote, from the stored reports alone; with
 * it, whether the pooled ratio follows correctness and, where a report records it, where each seed's
 * final export's bigrams come from.
 */
import { isTitleSource } from '../../schemas/captions.js';
import type { LoopRun } from './experiment.js';
import { known, stats } from './table.js';

/** The noise level whose content-accuracy bars the issue sets (the others have only the rest). */
const CONTENT_BAR_NOISE = 0.4;

/** One bar: its name, whether it is a content-accuracy bar, and whether a seed's loop meets it (undefined where the report lacks the figure). */
interface Bar {
  readonly name: string;
  readonly content?: true;
  readonly met: (run: LoopRun, rival?: LoopRun) => boolean | undefined;
}

const final = (r: LoopRun): LoopRun['rounds'][number] => r.rounds[r.rounds.length - 1];
const pooledRatio = (r: LoopRun): number => final(r).distinct2 / r.rawClean.distinct2;

const BARS: readonly Bar[] = [
  { name: 'final ≥ 0.85', content: true, met: (r) => final(r).contentAccuracy >= 0.85 },
  { name: '≥ raw + 0.25', content: true, met: (r) => final(r).contentAccuracy >= r.raw.contentAccuracy + 0.25 },
  { name: '≥ round 0', content: true, met: (r) => final(r).contentAccuracy >= r.rounds[0].contentAccuracy },
  { name: 'kept ≥ 0.90', met: (r) => final(r).keptShare >= 0.9 },
  { name: 'vocabulary ≥ 0.90', met: (r) => final(r).vocabulary / r.rawClean.vocabulary >= 0.9 },
  { name: 'pooled distinct-2 ≥ 0.90', met: (r) => pooledRatio(r) >= 0.9 },
  {
    name: '≥ the other loop',
    met: (r, rival) => (rival ? final(r).contentAccuracy >= final(rival).contentAccuracy : undefined),
  },
];

/** The bars that apply at a noise level (the content-accuracy ones only at 40 %). */
function barsAt(noise: number): readonly Bar[] {
  return noise === CONTENT_BAR_NOISE ? BARS : BARS.filter((b) => !b.content);
}

const fixed = (x: number | undefined, d: number): string => (known(x) ? x.toFixed(d) : '–');

/** Pearson's correlation of two equally long series (NaN when either is constant or shorter than 3). */
export function correlation(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new RangeError(`correlation: ${xs.length} values against ${ys.length}`);
  if (xs.length < 3) return Number.NaN;
  const mx = stats(xs).mean;
  const my = stats(ys).mean;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i] - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  });
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/**
 * Whether the pooled ratio follows the data's correctness across seeds: its correlation with the
 * final content accuracy, and the mean final accuracy of the seeds that meet its bar and of those
 * that miss it. Empty with fewer than three seeds.
 */
function pooledAgainstContent(mine: readonly LoopRun[]): string[] {
  const seeds = mine.filter((r) => known(pooledRatio(r)) && known(final(r).contentAccuracy));
  if (seeds.length < 3) return [];
  const r = correlation(
    seeds.map((s) => pooledRatio(s)),
    seeds.map((s) => final(s).contentAccuracy),
  );
  const meanOf = (xs: readonly LoopRun[]): string =>
    xs.length ? stats(xs.map((s) => final(s).contentAccuracy)).mean.toFixed(3) : '–';
  const meet = seeds.filter((s) => pooledRatio(s) >= 0.9);
  const miss = seeds.filter((s) => pooledRatio(s) < 0.9);
  return [
    `- pooled distinct-2 ratio against final content accuracy, across ${seeds.length} seeds: r = ${fixed(r, 2)}; final content accuracy ${meanOf(meet)} on the ${meet.length} seeds meeting its bar, ${meanOf(miss)} on the ${miss.length} missing it`,
  ];
}

/** The other loop's pooled ratio and final content accuracy, lowest to highest over its seeds. */
function otherLoopRanges(name: string | undefined, theirs: readonly LoopRun[]): string[] {
  if (!name || theirs.length === 0) return [];
  const range = (xs: number[], d: number): string => {
    const v = xs.filter(known);
    return v.length ? `${Math.min(...v).toFixed(d)}–${Math.max(...v).toFixed(d)}` : '–';
  };
  return [
    `- the other loop (${name}), over its ${theirs.length} seeds: pooled distinct-2 / clean raw ${range(theirs.map(pooledRatio), 3)}, final content accuracy ${range(
      theirs.map((r) => final(r).contentAccuracy),
      3,
    )}`,
  ];
}

/** Markdown: the final export's rows that carry a title's tagline, per seed whose report records it. */
function taglineLine(mine: readonly LoopRun[]): string[] {
  const counted = mine.filter((r) => r.finalWording?.taglineRows !== undefined);
  if (counted.length === 0) return [];
  const each = counted.map((r) => `${r.finalWording?.taglineRows} (${r.seed})`).join(', ');
  return [`- final export rows that carry a title's tagline ("| Learn Shapes"), by seed: ${each}`];
}

/** What a kept row's group (its source, and its clip's transcript) adds to: the pooled ratio's three contributors, or none. */
function contributor(group: string): 'noisy' | 'titles' | 'model' | null {
  const [source, transcript = ''] = group.split(', ');
  if (source === 'asr') return transcript.startsWith('noisy') ? 'noisy' : null;
  if (isTitleSource(source)) return 'titles';
  return source === 'human' ? null : 'model';
}

/**
 * Markdown: per seed whose report records it, where the final export's bigrams come from: rows and
 * bigram types no clean transcript has, of the noisy transcripts kept, the titles and the model
 * captions (a type counts once per kept source and transcript group). Empty when no report has it.
 */
function bigramTable(mine: readonly LoopRun[]): string[] {
  const withSources = mine.filter((r) => r.finalWording?.bigramSources);
  if (withSources.length === 0) return [];
  const lines = withSources.map((r) => {
    const sum = { noisy: { rows: 0, types: 0 }, titles: { rows: 0, types: 0 }, model: { rows: 0, types: 0 } };
    for (const g of r.finalWording?.bigramSources ?? []) {
      const c = contributor(g.group);
      if (!c) continue;
      sum[c].rows += g.rows;
      sum[c].types += g.newTypes;
    }
    const cell = (x: { rows: number; types: number }): string => `${x.rows} / ${x.types}`;
    return `| ${r.seed} | ${fixed(pooledRatio(r), 3)} | ${cell(sum.noisy)} | ${cell(sum.titles)} | ${cell(sum.model)} |`;
  });
  return [
    "Where the final export's bigrams come from (rows / bigram types no clean transcript has):",
    '',
    '| seed | pooled distinct-2 / clean raw | noisy transcripts kept | titles | model captions |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...lines,
    '',
  ];
}

/**
 * Markdown: per noise level, a line per seed of `methods[0]`'s loop (final content accuracy, the
 * diversity ratios, each bar met or not), then how many seeds meet each bar and all of them.
 */
export function formatSeedBars(runs: readonly LoopRun[], methods: readonly string[]): string {
  const [main, other] = methods;
  const out: string[] = [];
  for (const noise of [...new Set(runs.map((r) => r.noise))].sort((a, b) => a - b)) {
    const bars = barsAt(noise);
    const mine = runs.filter((r) => r.noise === noise && r.method === main).sort((a, b) => a.seed - b.seed);
    if (mine.length === 0) continue;
    const rivalOf = (r: LoopRun): LoopRun | undefined =>
      runs.find((x) => x.noise === noise && x.seed === r.seed && x.method === other);
    out.push(
      `### ${Math.round(noise * 100)} % noise: ${main}, seed by seed${other ? ` (the other loop: ${other})` : ''}`,
      '',
      `| seed | raw | round 0 | final | kept | vocabulary / clean raw | pooled distinct-2 / clean raw | at equal size | on the clean clips | perfect export | ${bars.map((b) => b.name).join(' | ')} |`,
      `| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ${bars.map(() => ':-:').join(' | ')} |`,
    );
    const counts = bars.map(() => ({ met: 0, judged: 0 }));
    let allMet = 0;
    for (const r of mine) {
      const w = r.finalWording;
      const verdicts = bars.map((b) => b.met(r, rivalOf(r)));
      verdicts.forEach((v, i) => {
        if (v === undefined) return;
        counts[i].judged++;
        if (v) counts[i].met++;
      });
      if (verdicts.every((v) => v !== false)) allMet++;
      out.push(
        `| ${r.seed} | ${fixed(r.raw.contentAccuracy, 3)} | ${fixed(r.rounds[0].contentAccuracy, 3)} | ${fixed(final(r).contentAccuracy, 3)} | ${fixed(final(r).keptShare, 3)} | ${fixed(final(r).vocabulary / r.rawClean.vocabulary, 2)} | ${fixed(pooledRatio(r), 3)} | ${fixed(w && w.distinct2AtCleanSize / r.rawClean.distinct2, 2)} | ${fixed(w?.cleanClipsRatio, 2)} | ${fixed(w && w.perfectDistinct2 / r.rawClean.distinct2, 2)} | ${verdicts.map((v) => (v === undefined ? '–' : v ? 'yes' : '**no**')).join(' | ')} |`,
      );
    }
    // the pooled ratio restated where sizes match: at equal size, and on the clean clips alone
    const restated = (ratio: (r: LoopRun) => number | undefined): string => {
      const xs = mine.map(ratio).filter(known);
      return `${xs.filter((x) => x >= 0.9).length} of ${xs.length} seeds`;
    };
    out.push(
      '',
      ...bars.map((b, i) => `- ${b.name}: ${counts[i].met} of ${counts[i].judged} seeds`),
      `- every bar: ${allMet} of ${mine.length} seeds`,
      `- distinct-2 ≥ 0.90 restated at equal size: ${restated((r) => r.finalWording && r.finalWording.distinct2AtCleanSize / r.rawClean.distinct2)}; on the clean clips: ${restated((r) => r.finalWording?.cleanClipsRatio)}`,
      ...pooledAgainstContent(mine),
      ...taglineLine(mine),
      ...otherLoopRanges(
        other,
        runs.filter((r) => r.noise === noise && r.method === other),
      ),
      '',
      ...bigramTable(mine),
    );
  }
  return out.join('\n');
}
