/** Plain-text tables of round metrics for the terminal: the dataset's trinity first, the model's own score last. */
import type { Trinity } from '../jobs/refine/dataset-metrics.js';
import type { RoundRecord } from '../jobs/refine/round-metrics.js';

const f = (x: number | undefined, d = 3): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

/** One row of the trinity table: rows, content accuracy and CIDEr-D (when the job has truth), vocabulary, distinct-2. */
function trinityCells(t: Trinity, quality: boolean): string[] {
  return [
    String(t.quantity.rows).padStart(5),
    ...(quality ? [f(t.quality?.contentAccuracy).padStart(8), f(t.quality?.ciderD).padStart(8)] : []),
    String(t.diversity.vocabulary).padStart(6),
    f(t.diversity.distinct2).padStart(7),
  ];
}

/**
 * The exported dataset per round (train split) beside the raw input, what AdaTaiLr did (dropped,
 * re-weighted, γ, ρ̂), which sources the choice kept, the rounds' choice for the held-out clips
 * (the dataset's check on clips no round trained on), the model's held-out scores, how well the
 * last model fits the rows it trained on, and the downstream probe when the job ran it.
 */
export function formatRounds(rounds: readonly RoundRecord[]): string {
  // a job without truth has no quality to show: its columns are left out rather than dashed
  const quality = rounds.some((r) => r.dataset.quality !== undefined);
  const model = rounds.some((r) => r.modelQuality !== undefined || r.modelContent !== undefined);
  const head = [
    `data       rows${quality ? '  content  CIDEr-D' : ''}  vocab  dist-2 | dropped  reweighted  gamma    rho |`,
    ...(model ? ['model: content CIDEr-D |'] : []),
    'chosen',
  ].join(' ');
  const first = rounds[0];
  const lines: string[] = [];
  if (first) {
    lines.push(['raw       ', ...trinityCells(first.raw, quality)].join(' '));
    if (first.rawClean)
      lines.push(
        ['raw-clean ', ...trinityCells(first.rawClean, quality)].join(' ') +
          '   (rows whose transcript the truth says is clean)',
      );
  }
  for (const r of rounds) {
    const chosen = Object.entries(r.adatailr.chosen)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      [
        `round ${r.round}   `.slice(0, 10),
        ...trinityCells(r.dataset, quality),
        '|',
        String(r.adatailr.dropped).padStart(7),
        String(r.adatailr.reweighted).padStart(11),
        f(r.adatailr.gamma, 2).padStart(6),
        f(r.adatailr.rho, 2).padStart(6),
        '|',
        ...(model ? [f(r.modelContent?.accuracy).padStart(14), f(r.modelQuality?.ciderD).padStart(7), '|'] : []),
        chosen,
      ].join(' '),
    );
  }
  const kc = rounds[rounds.length - 1]?.keptClean;
  if (kc && kc.rows > 0)
    lines.push(
      `narration kept: on the ${kc.rows} kept clips whose transcript is clean, distinct-2 ${f(kc.diversity.distinct2)}` +
        ` against their transcripts' ${f(kc.transcripts.distinct2)} (same clips), vocabulary ${kc.diversity.vocabulary}` +
        ` against ${kc.transcripts.vocabulary}; ${kc.verbatim} kept word for word`,
    );
  const heldout = heldoutRowsLine(rounds);
  if (heldout) lines.push(heldout);
  const raw = first?.rawAsrQuality;
  if (raw)
    lines.push(
      `model: the round's captioner on ${first?.evalClips ?? 0} held-out clips` +
        (raw.against === 'human' ? `, against the human captions of ${raw.n} of them` : '') +
        ` (raw ASR text there: CIDEr-D ${f(raw.ciderD)}) — the model's score, not the dataset's`,
    );
  const last = rounds[rounds.length - 1]?.modelContent;
  if (last) {
    const o = last.errors.objects
      .map(
        (p, k) => `object ${k + 1} (${p.n}): colour ${f(p.colour, 2)} shape ${f(p.shape, 2)} motion ${f(p.motion, 2)}`,
      )
      .join('; ');
    lines.push(`last model's held-out errors: object count ${f(last.errors.objectCount, 2)}; ${o}`);
  }
  const end = rounds[rounds.length - 1];
  const fit = end?.modelFit;
  if (fit)
    lines.push(
      `last model from the frames alone: content ${f(fit.train)} on ${fit.trainClips} train clips it trained on` +
        ` (their rows: ${f(end.dataset.quality?.contentAccuracy)}), ${f(fit.heldout)} on ${fit.heldoutClips} held-out clips`,
    );
  const probe = downstreamLine(rounds);
  if (probe) lines.push(probe);
  return [head, ...lines].join('\n');
}

/**
 * The rounds' own choice for the held-out clips, scored against their references beside their raw
 * ASR text: content accuracy with truth (beside the train rows'), else CIDEr-D against the clips'
 * human captions; absent where no round measured it against anything.
 */
function heldoutRowsLine(rounds: readonly RoundRecord[]): string | undefined {
  const measured = rounds.filter((r) => r.heldoutRows?.chosen);
  const first = measured[0]?.heldoutRows;
  if (!first?.chosen || !first.rawAsr) return undefined;
  const content = measured.every((r) => r.heldoutRows?.content);
  const value = (h: RoundRecord['heldoutRows'], side: 'chosen' | 'rawAsr'): string =>
    content ? f(h?.content?.[side]) : f(h?.[side]?.ciderD);
  const chain = [
    `raw ASR ${value(first, 'rawAsr')}`,
    ...measured.map((r) => `round ${r.round} ${value(r.heldoutRows, 'chosen')}`),
  ].join(' → ');
  const kept = measured.map((r) => r.heldoutRows?.kept ?? 0);
  const [lo, hi] = [Math.min(...kept), Math.max(...kept)];
  const what = content
    ? `content ${chain} (the train rows: ${measured.map((r) => f(r.dataset.quality?.contentAccuracy)).join(' → ')})`
    : `CIDEr-D against the human captions of ${first.chosen.n} of them: ${chain}`;
  return (
    `held-out rows: the round's choice for ${first.clips} held-out clips no round trained on` +
    ` (kept ${lo === hi ? lo : `${lo}–${hi}`}), ${what}`
  );
}

/** The downstream probe's scores per dataset, raw and the upper bound around the rounds (absent without `eval.downstream`). */
function downstreamLine(rounds: readonly RoundRecord[]): string | undefined {
  const runs = rounds.filter((r) => r.downstream);
  const first = runs[0]?.downstream;
  if (!first) return undefined;
  const all = runs.flatMap((r) => r.downstream!.datasets);
  const ordered = [
    ...all.filter((d) => d.name === 'raw'),
    ...all.filter((d) => d.name !== 'raw' && d.name !== 'upper-bound'),
    ...all.filter((d) => d.name === 'upper-bound'),
  ];
  const cells = ordered.map(
    (d) => `${d.name.replace('-', ' ')} ${f(d.mean.t2v_r1, 1)} / ${f(d.mean.mean_r, 1)} / ${f(d.mean.qa_all, 1)}`,
  );
  return (
    `downstream probe on ${first.heldoutClips} held-out clips (${first.settings.seeds.length} seeds; T→V R@1 / mean R / QA %): ` +
    cells.join(' · ')
  );
}
