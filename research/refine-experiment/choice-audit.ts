/**
 * Why a round's exported rows are right or wrong: the choice audit. For each train clip of a round
 * it knows every candidate's source, evidence and (from the truth sidecar, measuring only) whether
 * its content is right, and which candidate the round kept. From that it tells apart what the judge
 * could have done better (a right candidate was there) from what only a better captioner can fix
 * (no candidate was right) — and, where the judge missed, what it kept over what —, how well the
 * judge's evidence separates right from wrong candidates per
 * source (AUC), which kinds of transcript noise pass as plausible, and whether a model's caption
 * that replaced a transcript is right more often than the transcript it replaced.
 */
import { PEOPLE_SOURCES } from '../../stages/adatailr/choose.js';

/** One candidate of one clip, as the audit sees it. */
export interface AuditCandidate {
  readonly source: string;
  /** The judge's evidence for it (nats). */
  readonly evidence: number;
  /** Its content is right against the truth. */
  readonly right: boolean;
}

/** One train clip of a round. */
export interface AuditClip {
  readonly candidates: readonly AuditCandidate[];
  /** Index of the kept candidate, −1 when the clip was dropped. */
  readonly chosen: number;
  /** The transcript's noise kinds (empty when it is clean). */
  readonly noiseKinds: readonly string[];
}

/** How the judge's evidence separates right from wrong candidates of one source. */
export interface SourceSeparation {
  readonly source: string;
  readonly right: number;
  readonly wrong: number;
  readonly medianRight: number;
  readonly medianWrong: number;
  /** P(evidence of a right candidate > a wrong one's); ties count half. NaN without both. */
  readonly auc: number;
}

/** How wrong transcripts of one noise kind fare before the judge. */
export interface NoiseKindPass {
  readonly kind: string;
  readonly count: number;
  readonly medianEvidence: number;
  /** Share with evidence above 0: what the default `min_evidence` lets through. */
  readonly positiveShare: number;
}

/** Clips kept wrong although a right candidate was there, by what was kept and what was passed over. */
export interface MissedChoice {
  /** Source of the wrong caption that was kept. */
  readonly kept: string;
  /** Source of the right candidate with the most evidence. */
  readonly passedOver: string;
  /** That right candidate had more evidence than the kept one: the rule's order overrode the judges. */
  readonly scoredHigher: boolean;
  readonly count: number;
}

/** The audit of one round. */
export interface ChoiceAudit {
  readonly clips: number;
  readonly keptRight: number;
  /** Kept a wrong caption although a right candidate was there: the judge or the rule missed it. */
  readonly keptWrongRightThere: number;
  /** Kept a wrong caption and no candidate was right: only a better captioner helps. */
  readonly keptWrongNoneRight: number;
  readonly droppedRightThere: number;
  readonly droppedNoneRight: number;
  /** The kept-wrong-right-there clips by kept and passed-over source, most frequent first. */
  readonly missed: readonly MissedChoice[];
  readonly bySource: readonly SourceSeparation[];
  readonly wrongTranscripts: readonly NoiseKindPass[];
  /** Clips whose kept caption is a model's while the clip has a transcript: the model caption replaced it. */
  readonly replaced: Replacements;
  /** Clips offered both the whole title and its lead part: what the tagline after the bar is worth to the judges. */
  readonly titleLead: TitleLeadGap;
}

/** The lead part's evidence minus the whole title's, over the clips that have both. */
export interface TitleLeadGap {
  readonly clips: number;
  readonly mean: number;
  readonly p10: number;
  readonly p90: number;
  /** Of those clips, how many kept the lead part, and how many the whole title (its tagline with it). */
  readonly keptLead: number;
  readonly keptWhole: number;
}

/** The q-quantile of `xs` (nearest rank below; NaN when empty). */
function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** How often a model's caption that replaced a transcript is right, beside how often that transcript was. */
export interface Replacements {
  readonly count: number;
  readonly modelRight: number;
  readonly transcriptRight: number;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** P(a > b) over all pairs, ties half (Mann–Whitney AUC); NaN when either side is empty. */
export function separationAuc(right: readonly number[], wrong: readonly number[]): number {
  if (right.length === 0 || wrong.length === 0) return Number.NaN;
  const all = [...right.map((v) => ({ v, r: true })), ...wrong.map((v) => ({ v, r: false }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j].v === all[i].v) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k].r) rankSum += rank;
    i = j;
  }
  return (rankSum - (right.length * (right.length + 1)) / 2) / (right.length * wrong.length);
}

/** Audits one round's train clips. */
export function auditChoices(clips: readonly AuditClip[]): ChoiceAudit {
  let keptRight = 0;
  let keptWrongRightThere = 0;
  let keptWrongNoneRight = 0;
  let droppedRightThere = 0;
  let droppedNoneRight = 0;
  const bySource = new Map<string, { right: number[]; wrong: number[] }>();
  const byKind = new Map<string, number[]>();
  const missed = new Map<string, MissedChoice>();
  const replaced = { count: 0, modelRight: 0, transcriptRight: 0 };
  const leadGaps: number[] = [];
  let keptLead = 0;
  let keptWhole = 0;
  const miss = (kept: AuditCandidate, right: readonly AuditCandidate[]): void => {
    const best = right.reduce((b, x) => (x.evidence > b.evidence ? x : b));
    const m = { kept: kept.source, passedOver: best.source, scoredHigher: best.evidence > kept.evidence };
    const key = `${m.kept}|${m.passedOver}|${m.scoredHigher}`;
    missed.set(key, { ...m, count: (missed.get(key)?.count ?? 0) + 1 });
  };
  for (const c of clips) {
    const anyRight = c.candidates.some((x) => x.right);
    const transcript = c.candidates.find((x) => x.source === 'asr');
    const kept = c.chosen >= 0 ? c.candidates[c.chosen] : undefined;
    const whole = c.candidates.find((x) => x.source === 'title');
    const lead = c.candidates.find((x) => x.source === 'title-lead');
    if (whole && lead) {
      leadGaps.push(lead.evidence - whole.evidence);
      if (kept === lead) keptLead++;
      if (kept === whole) keptWhole++;
    }
    if (kept && transcript && !PEOPLE_SOURCES.has(kept.source)) {
      replaced.count++;
      if (kept.right) replaced.modelRight++;
      if (transcript.right) replaced.transcriptRight++;
    }
    if (c.chosen < 0) {
      if (anyRight) droppedRightThere++;
      else droppedNoneRight++;
    } else if (c.candidates[c.chosen].right) keptRight++;
    else if (anyRight) {
      keptWrongRightThere++;
      miss(
        c.candidates[c.chosen],
        c.candidates.filter((x) => x.right),
      );
    } else keptWrongNoneRight++;
    for (const x of c.candidates) {
      const s = bySource.get(x.source) ?? { right: [], wrong: [] };
      (x.right ? s.right : s.wrong).push(x.evidence);
      bySource.set(x.source, s);
      if (x.source === 'asr' && !x.right)
        for (const k of c.noiseKinds) byKind.set(k, [...(byKind.get(k) ?? []), x.evidence]);
    }
  }
  return {
    clips: clips.length,
    keptRight,
    keptWrongRightThere,
    keptWrongNoneRight,
    droppedRightThere,
    droppedNoneRight,
    missed: [...missed.values()].sort(
      (x, y) =>
        y.count - x.count ||
        x.kept.localeCompare(y.kept) ||
        x.passedOver.localeCompare(y.passedOver) ||
        Number(y.scoredHigher) - Number(x.scoredHigher),
    ),
    bySource: [...bySource].map(([source, s]) => ({
      source,
      right: s.right.length,
      wrong: s.wrong.length,
      medianRight: median(s.right),
      medianWrong: median(s.wrong),
      auc: separationAuc(s.right, s.wrong),
    })),
    wrongTranscripts: [...byKind].sort().map(([kind, ev]) => ({
      kind,
      count: ev.length,
      medianEvidence: median(ev),
      positiveShare: ev.filter((e) => e > 0).length / ev.length,
    })),
    replaced,
    titleLead: {
      clips: leadGaps.length,
      mean: leadGaps.length ? leadGaps.reduce((s, x) => s + x, 0) / leadGaps.length : Number.NaN,
      p10: quantile(leadGaps, 0.1),
      p90: quantile(leadGaps, 0.9),
      keptLead,
      keptWhole,
    },
  };
}

/** The audit as plain text, one block per part. */
export function formatChoiceAudit(round: number, a: ChoiceAudit): string {
  const pct = (n: number): string => `${n} (${((100 * n) / Math.max(1, a.clips)).toFixed(1)} %)`;
  const f = (x: number, d = 1): string => (Number.isNaN(x) ? '–' : x.toFixed(d));
  const lines = [
    `round ${round}: ${a.clips} train clips`,
    `  kept, right:                          ${pct(a.keptRight)}`,
    `  kept, wrong, a right candidate there: ${pct(a.keptWrongRightThere)}`,
    `  kept, wrong, no candidate right:      ${pct(a.keptWrongNoneRight)}`,
    `  dropped, a right candidate there:     ${pct(a.droppedRightThere)}`,
    `  dropped, no candidate right:          ${pct(a.droppedNoneRight)}`,
    `  kept wrong over a right candidate: kept source, the best right candidate's source, n`,
    ...a.missed.map(
      (m) =>
        `    ${m.kept} over ${m.passedOver}${m.scoredHigher ? ', which the judges scored higher' : ''}`.padEnd(64) +
        String(m.count).padStart(5),
    ),
    `  judge's evidence by source: right n (median) | wrong n (median) | AUC`,
    ...a.bySource.map(
      (s) =>
        `    ${s.source.padEnd(17)} ${String(s.right).padStart(5)} (${f(s.medianRight).padStart(5)}) | ${String(s.wrong).padStart(5)} (${f(s.medianWrong).padStart(5)}) | ${f(s.auc, 3)}`,
    ),
    `  wrong transcripts by noise kind: n, median evidence, share with evidence > 0`,
    ...a.wrongTranscripts.map(
      (k) =>
        `    ${k.kind.padEnd(17)} ${String(k.count).padStart(5)}  ${f(k.medianEvidence).padStart(5)}  ${k.positiveShare.toFixed(2)}`,
    ),
    `  a model's caption kept over the clip's transcript: ${a.replaced.count} clips; the caption right on ${a.replaced.modelRight}, the transcript on ${a.replaced.transcriptRight}`,
    ...(a.titleLead.clips === 0
      ? []
      : [
          `  the title's lead part against the whole title, on the ${a.titleLead.clips} clips with both: evidence ${f(a.titleLead.mean, 2)} nats on average (10th–90th percentile ${f(a.titleLead.p10, 2)} to ${f(a.titleLead.p90, 2)}); kept the lead on ${a.titleLead.keptLead}, the whole title on ${a.titleLead.keptWhole}`,
        ]),
  ];
  return `${lines.join('\n')}\n`;
}
