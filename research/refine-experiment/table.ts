/**
 * The refine experiment's tables: per noise level, one line per round and loop with mean ± sd over
 * seeds of the exported dataset's content accuracy, CIDEr-D, vocabulary, distinct-2, kept share and
 * the share of train clips kept and right (kept share × accuracy: what moves when a change is more
 * than a step along the quantity/quality curve), beside the raw input and its clean rows; then the
 * issue's bars, checked on the numbers, and the rounds' captioners' own accuracy where recorded.
 */
import type { DatasetPoint, LoopRun, RefineExperimentReport } from './experiment.js';

/** A figure a report holds: a number, not NaN (JSON writes NaN as null; older reports lack newer fields). */
export const known = (x: unknown): x is number => typeof x === 'number' && !Number.isNaN(x);

/** Mean and sample sd of the figures a report holds (sd 0 for one). */
export function stats(xs: readonly number[]): { mean: number; sd: number } {
  const v = xs.filter(known);
  const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, sd };
}

/** `mean ± sd` of the figures, to `d` decimals; `–` when there is none (a figure older reports lack). */
export const pm = (xs: readonly number[], d: number): string => {
  if (!xs.some(known)) return '–';
  const s = stats(xs);
  return `${s.mean.toFixed(d)} ± ${s.sd.toFixed(d)}`;
};

function line(label: string, pts: readonly DatasetPoint[]): string {
  return `| ${label} | ${pm(
    pts.map((p) => p.contentAccuracy),
    3,
  )} | ${pm(
    pts.map((p) => p.ciderD),
    2,
  )} | ${pm(
    pts.map((p) => p.vocabulary),
    1,
  )} | ${pm(
    pts.map((p) => p.distinct2),
    3,
  )} | ${pm(
    pts.map((p) => p.keptShare),
    3,
  )} | ${pm(
    pts.map((p) => p.keptShare * p.contentAccuracy),
    3,
  )} |`;
}

/** The non-default settings a table was made with (`; pretrain epochs 60; folds=4`), empty when none. */
function settingsNote(s: RefineExperimentReport['settings']): string {
  const parts: string[] = [];
  if (s.pretrainEpochs !== undefined) parts.push(`pretrain epochs ${s.pretrainEpochs}`);
  const flat = (o: Readonly<Record<string, unknown>>, at: string): void => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) flat(v as Record<string, unknown>, `${at}${k}.`);
      else parts.push(`${at}${k}=${JSON.stringify(v)}`);
    }
  };
  flat(s.overrides ?? {}, '');
  return parts.map((p) => `; ${p}`).join('');
}

/** Markdown tables of a report, one per noise level, plus the bars. */
export function formatRefineExperiment(r: RefineExperimentReport): string {
  const out: string[] = [];
  const noises = [...new Set(r.runs.map((x) => x.noise))].sort((a, b) => a - b);
  const methods = [...new Set(r.runs.map((x) => x.method))];
  const over = settingsNote(r.settings);
  for (const noise of noises) {
    const at = r.runs.filter((x) => x.noise === noise);
    const seeds = [...new Set(at.map((x) => x.seed))];
    out.push(
      `\n### ${Math.round(noise * 100)} % noisy transcripts (seeds ${seeds.join(', ')}; ${r.settings.clips} clips${over}, mean ± sd)\n`,
    );
    out.push('| data | content accuracy | CIDEr-D | vocabulary | distinct-2 | kept share | kept and right |');
    out.push('|---|---|---|---|---|---|---|');
    const first = at.filter((x) => x.method === methods[0]);
    out.push(
      line(
        'raw',
        first.map((x) => x.raw),
      ),
    );
    out.push(
      line(
        'raw, clean rows only',
        first.map((x) => x.rawClean),
      ),
    );
    for (const m of methods) {
      const runs = at.filter((x) => x.method === m);
      const rounds = Math.max(0, ...runs.map((x) => x.rounds.length));
      for (let k = 0; k < rounds; k++)
        out.push(
          line(
            `${m} round ${k}`,
            runs.map((x) => x.rounds[k]).filter((p): p is DatasetPoint => p !== undefined),
          ),
        );
    }
    out.push('', ...bars(at, methods), ...captionerTable(at, methods), ...heldoutRowsTable(at, methods));
  }
  return out.join('\n');
}

/**
 * A table of mean ± sd per loop and round, over the runs that `has` it (empty when none does, as in
 * reports made before it was recorded); each column reads one figure of a run's round.
 */
function roundTable(
  runs: readonly LoopRun[],
  methods: readonly string[],
  has: (x: LoopRun) => boolean,
  title: string,
  columns: readonly (readonly [string, (x: LoopRun, k: number) => number | undefined])[],
): string[] {
  const mine = runs.filter(has);
  if (mine.length === 0) return [];
  const out = [
    '',
    title,
    '',
    `| loop | ${columns.map(([name]) => name).join(' | ')} |`,
    `|---|${columns.map(() => '---|').join('')}`,
  ];
  for (const m of methods) {
    const loop = mine.filter((x) => x.method === m);
    const rounds = Math.max(0, ...loop.map((x) => x.rounds.length));
    for (let k = 0; k < rounds; k++) {
      const cells = columns.map(([, figure]) =>
        pm(
          loop.map((x) => figure(x, k)).filter((v): v is number => v !== undefined),
          3,
        ),
      );
      out.push(`| ${m} round ${k} | ${cells.join(' | ')} |`);
    }
  }
  return out;
}

/** The rounds' captioners: held-out, and from the frames alone held-out against their own train clips. */
function captionerTable(runs: readonly LoopRun[], methods: readonly string[]): string[] {
  return roundTable(
    runs,
    methods,
    (x) => x.captioner !== undefined,
    "The rounds' captioners (the model's content accuracy, not the dataset's):",
    [
      ['held-out clips', (x, k) => x.captioner?.[k]?.heldout],
      ['frames alone: held-out clips', (x, k) => x.captioner?.[k]?.framesHeldout],
      ['frames alone: train clips it trained on', (x, k) => x.captioner?.[k]?.framesTrain],
    ],
  );
}

/**
 * The rounds' own choice for the held-out clips beside the exported train rows: the check a job
 * without truth reads (against human captions) is here held against the truth.
 */
function heldoutRowsTable(runs: readonly LoopRun[], methods: readonly string[]): string[] {
  return roundTable(
    runs,
    methods,
    (x) => x.heldoutRows !== undefined,
    "The rounds' choice for the held-out clips (never trained on), beside the exported train rows (content accuracy):",
    [
      ['held-out rows', (x, k) => x.heldoutRows?.[k]?.chosen],
      ['train rows (the export)', (x, k) => x.rounds[k]?.contentAccuracy],
      ['held-out raw transcripts', (x, k) => x.heldoutRows?.[k]?.rawAsr],
    ],
  );
}

/** The bars at one noise level, each with the numbers it rests on. */
function bars(runs: readonly LoopRun[], methods: readonly string[]): string[] {
  const main = runs.filter((x) => x.method === methods[0]);
  const final = (x: LoopRun): DatasetPoint => x.rounds[x.rounds.length - 1];
  const f = stats(main.map((x) => final(x).contentAccuracy));
  const raw = stats(main.map((x) => x.raw.contentAccuracy));
  const r0 = stats(main.map((x) => x.rounds[0].contentAccuracy));
  const vocab = Math.min(...main.map((x) => final(x).vocabulary / x.rawClean.vocabulary));
  const d2 = Math.min(...main.map((x) => final(x).distinct2 / x.rawClean.distinct2));
  const kept = Math.min(...main.map((x) => final(x).keptShare));
  const ok = (b: boolean): string => (b ? 'yes' : '**no**');
  const rounds = Math.min(...main.map((x) => x.rounds.length));
  const perRound = Array.from({ length: rounds }, (_, k) => stats(main.map((x) => x.rounds[k].contentAccuracy)));
  const falls = perRound.slice(1).filter((s, k) => s.mean < perRound[k].mean - perRound[k].sd);
  const path = perRound.map((s) => s.mean.toFixed(3)).join(' → ');
  const lines = [
    main.length < 2
      ? `- no round falls more than one sd below the one before: not judged, one seed has no sd (${path})`
      : `- no round falls more than one sd below the one before ${ok(falls.length === 0)} (${path})`,
    `- final content accuracy ${f.mean.toFixed(3)}: ≥ 0.85 ${ok(f.mean >= 0.85)}; ≥ raw + 0.25 (${(raw.mean + 0.25).toFixed(3)}) ${ok(f.mean >= raw.mean + 0.25)}; ≥ round 0 (${r0.mean.toFixed(3)}) ${ok(f.mean >= r0.mean)}`,
    `- kept share of the train clips (worst seed) ${kept.toFixed(3)}: ≥ 0.90 ${ok(kept >= 0.9)}`,
    `- vocabulary / clean raw rows' (worst seed) ${vocab.toFixed(3)}, distinct-2 ratio ${d2.toFixed(3)}: both ≥ 0.90 ${ok(vocab >= 0.9 && d2 >= 0.9)}`,
  ];
  const worded = main.filter((x) => x.finalWording);
  if (worded.length > 0) {
    const atSize = Math.min(...worded.map((x) => (x.finalWording?.distinct2AtCleanSize ?? 0) / x.rawClean.distinct2));
    const perfect = Math.max(...worded.map((x) => (x.finalWording?.perfectDistinct2 ?? 0) / x.rawClean.distinct2));
    lines.push(
      `  - distinct-2 falls as rows are added, so the sizes matter: on samples as large as the clean raw rows the ` +
        `final export's distinct-2 is ${atSize.toFixed(2)}× theirs (worst seed); a perfect export (every train ` +
        `clip in clean narration) scores ${perfect.toFixed(2)} of it on the pooled ratio above (best seed)`,
    );
    const onClean = worded.map((x) => x.finalWording?.cleanClipsRatio).filter((v): v is number => v !== undefined);
    if (onClean.length > 0)
      lines.push(
        `  - on the clips whose transcript is clean, the final export's distinct-2 is ${Math.min(...onClean).toFixed(2)} ` +
          `of their transcripts' (same clips, same size; worst seed): ≥ 0.90 ${ok(Math.min(...onClean) >= 0.9)}`,
      );
  }
  for (const m of methods.slice(1)) {
    const other = stats(runs.filter((x) => x.method === m).map((x) => final(x).contentAccuracy));
    lines.push(
      `- ${methods[0]} final ${f.mean.toFixed(3)} vs ${m} ${other.mean.toFixed(3)}: at least as good ${ok(f.mean >= other.mean)}`,
    );
  }
  return lines;
}
