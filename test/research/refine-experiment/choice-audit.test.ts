/**
 * The choice audit: its tallies put every clip in exactly one outcome, its AUC equals the pairwise
 * count, and the loader reads a round from disk (candidates, evidence, the kept one, the truth).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditChoices, formatChoiceAudit, separationAuc } from '../../../research/refine-experiment/choice-audit.js';
import { loadAuditClips, loadAuditRound } from '../../../research/refine-experiment/choice-audit-load.js';
import { writeParquetRows } from '../../../pipeline/parquet-file.js';
import { scoreRow } from '../../helpers/score-row.js';
import { contentCorrect } from '../../../research/benchmark/content.js';
import { truthAttrs } from '../../../research/benchmark/truth.js';
import { captionsSchema, type CaptionRow } from '../../../schemas/captions.js';
import { scoresSchema, type ScoreRow } from '../../../schemas/scores.js';
import { truthSchema, type TruthRow } from '../../../schemas/truth.js';

function pairwise(right: number[], wrong: number[]): number {
  let s = 0;
  for (const a of right) for (const b of wrong) s += a > b ? 1 : a === b ? 0.5 : 0;
  return s / (right.length * wrong.length);
}

describe('separationAuc', () => {
  it('equals the share of (right, wrong) pairs the evidence orders right, ties half', () => {
    const right = [3, 1, 4, 1, 5, 9, 2, 6];
    const wrong = [2, 7, 1, 8, 2, 8, -1];
    expect(separationAuc(right, wrong)).toBeCloseTo(pairwise(right, wrong), 12);
    expect(separationAuc([5, 6], [1, 2])).toBe(1);
    expect(separationAuc([1, 2], [5, 6])).toBe(0);
    expect(separationAuc([1], [1])).toBe(0.5);
    expect(separationAuc([], [1])).toBeNaN();
  });
});

describe('auditChoices', () => {
  const c = (source: string, evidence: number, right: boolean) => ({ source, evidence, right });
  const clips = [
    { candidates: [c('asr', 5, true), c('title', 2, true)], chosen: 0, noiseKinds: [] },
    { candidates: [c('asr', 3, false), c('title', 1, true)], chosen: 0, noiseKinds: ['wrong_attribute'] },
    { candidates: [c('asr', 2, false), c('title', -1, false)], chosen: 0, noiseKinds: ['missing_words'] },
    { candidates: [c('asr', -4, false), c('title', -2, true)], chosen: -1, noiseKinds: ['off_topic'] },
    { candidates: [c('asr', -6, false)], chosen: -1, noiseKinds: ['off_topic', 'missing_words'] },
  ];
  const a = auditChoices(clips);

  it('puts every clip in one outcome', () => {
    expect(a).toMatchObject({
      clips: 5,
      keptRight: 1,
      keptWrongRightThere: 1,
      keptWrongNoneRight: 1,
      droppedRightThere: 1,
      droppedNoneRight: 1,
    });
  });

  it('separates evidence per source and passes wrong transcripts per noise kind', () => {
    const asr = a.bySource.find((s) => s.source === 'asr');
    expect(asr).toMatchObject({ right: 1, wrong: 4, medianRight: 5, medianWrong: -1, auc: 1 });
    const title = a.bySource.find((s) => s.source === 'title');
    expect(title).toMatchObject({ right: 3, wrong: 1, medianRight: 1 });
    expect(title?.auc).toBeCloseTo(2 / 3, 12);
    expect(a.wrongTranscripts).toEqual([
      { kind: 'missing_words', count: 2, medianEvidence: -2, positiveShare: 0.5 },
      { kind: 'off_topic', count: 2, medianEvidence: -5, positiveShare: 0 },
      { kind: 'wrong_attribute', count: 1, medianEvidence: 3, positiveShare: 1 },
    ]);
    expect(formatChoiceAudit(1, a)).toContain('kept, wrong, a right candidate there: 1 (20.0 %)');
  });

  it('names what was kept over which right candidate, and whether the judges scored that one higher', () => {
    expect(a.missed).toEqual([{ kept: 'asr', passedOver: 'title', scoredHigher: false, count: 1 }]);
    const more = auditChoices([
      ...clips,
      { candidates: [c('asr', 1, false), c('title', 4, true), c('synthetic', 6, true)], chosen: 0, noiseKinds: [] },
      { candidates: [c('asr', 0.5, false), c('title', 3, true)], chosen: 0, noiseKinds: [] },
      { candidates: [c('title', 2, false), c('synthetic', 1, true)], chosen: 0, noiseKinds: [] },
    ]);
    // the best right candidate is the one named; most frequent first, then by sources, scored higher first
    expect(more.missed).toEqual([
      { kept: 'asr', passedOver: 'synthetic', scoredHigher: true, count: 1 },
      { kept: 'asr', passedOver: 'title', scoredHigher: true, count: 1 },
      { kept: 'asr', passedOver: 'title', scoredHigher: false, count: 1 },
      { kept: 'title', passedOver: 'synthetic', scoredHigher: false, count: 1 },
    ]);
    expect(formatChoiceAudit(2, more)).toMatch(/asr over synthetic, which the judges scored higher +1/);
  });
});

describe('auditChoices: model captions that replaced a transcript', () => {
  const c = (source: string, evidence: number, right: boolean) => ({ source, evidence, right });
  it('counts clips kept with a model caption while a transcript was there, and how often each was right', () => {
    const a = auditChoices([
      // a right synthetic caption over a wrong transcript
      { candidates: [c('asr', 1, false), c('synthetic', 9, true)], chosen: 1, noiseKinds: ['missing_words'] },
      // a wrong carried-over caption over a right transcript
      { candidates: [c('asr', 1, true), c('previous', 9, false)], chosen: 1, noiseKinds: [] },
      // a right frames-only caption over a wrong transcript
      { candidates: [c('asr', -2, false), c('synthetic-frames', 8, true)], chosen: 1, noiseKinds: [] },
      // not counted: no transcript, a people's text kept, a dropped clip
      { candidates: [c('title', 1, false), c('synthetic', 9, true)], chosen: 1, noiseKinds: [] },
      { candidates: [c('asr', 1, false), c('title', 3, true), c('synthetic', 9, true)], chosen: 1, noiseKinds: [] },
      { candidates: [c('asr', -5, false), c('synthetic', 2, false)], chosen: -1, noiseKinds: [] },
    ]);
    expect(a.replaced).toEqual({ count: 3, modelRight: 2, transcriptRight: 1 });
    expect(formatChoiceAudit(1, a)).toContain(
      "a model's caption kept over the clip's transcript: 3 clips; the caption right on 2, the transcript on 1",
    );
  });

  it("measures the title's lead part against the whole title on the clips that have both, and which was kept", () => {
    const a = auditChoices([
      { candidates: [c('asr', 1, false), c('title', 4, true), c('title-lead', 5, true)], chosen: 2, noiseKinds: [] },
      { candidates: [c('title', 6, true), c('title-lead', 2, true)], chosen: 0, noiseKinds: [] },
      { candidates: [c('asr', 7, true), c('title', 3, true), c('title-lead', 3.5, true)], chosen: 0, noiseKinds: [] },
      // no lead part: not counted
      { candidates: [c('title', 3, true)], chosen: 0, noiseKinds: [] },
    ]);
    // gaps 1, −4, 0.5: mean −2.5 / 3; the 10th percentile the lowest, the 90th the highest
    expect(a.titleLead).toEqual({ clips: 3, mean: -2.5 / 3, p10: -4, p90: 1, keptLead: 1, keptWhole: 1 });
    expect(formatChoiceAudit(1, a)).toContain(
      "the title's lead part against the whole title, on the 3 clips with both: evidence -0.83 nats on average (10th–90th percentile -4.00 to 1.00); kept the lead on 1, the whole title on 1",
    );
    expect(formatChoiceAudit(1, auditChoices([]))).not.toContain('lead part');
  });
});

describe('loadAuditClips', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a round: train clips only, the kept candidate by source, truth from job.json', async () => {
    const truthPath = join(dir, 'truth.parquet');
    const attrs = (colour: string) =>
      JSON.stringify({ objects: [{ colour, shape: 'square', size: null, motion: 'left' }], background: 'gray' });
    const truth: TruthRow[] = [
      ['c1', 'train', 'red'],
      ['c2', 'train', 'blue'],
      ['c3', 'heldout', 'red'],
    ].map(([clip_id, split, colour]) => ({
      clip_id,
      split: split as TruthRow['split'],
      gt_caption: `a ${colour} square moves left on a gray background`,
      attrs_json: attrs(colour),
      corrupted: clip_id === 'c2',
      noise_kinds: clip_id === 'c2' ? ['wrong_attribute'] : [],
      title_corrupted: false,
    }));
    await writeParquetRows(truthPath, truthSchema, truth);
    writeFileSync(join(dir, 'job.json'), JSON.stringify({ config: { truth: truthPath } }));
    const run = join(dir, 'round-1');
    mkdirSync(join(run, 'caption'), { recursive: true });
    mkdirSync(join(run, 'adatailr'), { recursive: true });
    const cap = (clip_id: string, sources: string[], texts: string[]): CaptionRow => ({
      clip_id,
      round: 1,
      model_version: 'text',
      candidate_sources: sources,
      candidate_captions: texts,
    });
    await writeParquetRows(join(run, 'caption', 'shard-00000.parquet'), captionsSchema, [
      cap('c1', ['asr', 'synthetic'], ['a red square going left', 'a blue square moves left']),
      cap('c2', ['asr'], ['a red square moves left']),
      cap('c3', ['asr'], ['a red square moves left']),
    ]);
    const score = (clip_id: string, source: string, scores: number[], keep: boolean, caption = ''): ScoreRow =>
      scoreRow(clip_id, { round: 1, caption, caption_source: source, candidate_scores: scores, keep });
    await writeParquetRows(join(run, 'adatailr', 'shard-00000.parquet'), scoresSchema, [
      score('c1', 'synthetic', [4, 9], true, 'a blue square moves left'),
      score('c2', 'asr', [-3], false),
      score('c3', 'asr', [1], true, 'a red square moves left'),
    ]);
    const clips = await loadAuditClips(dir, 1);
    expect(clips).toEqual([
      {
        candidates: [
          { source: 'asr', evidence: 4, right: true },
          { source: 'synthetic', evidence: 9, right: false },
        ],
        chosen: 1,
        noiseKinds: [],
      },
      { candidates: [{ source: 'asr', evidence: -3, right: false }], chosen: -1, noiseKinds: ['wrong_attribute'] },
    ]);
    await expect(loadAuditClips(dir, 2)).rejects.toThrow(/round-2.*caption outputs/);
    // the wording check's sets: kept train captions, and the train clips' transcripts the truth says are clean
    const r = await loadAuditRound(dir, 1);
    expect(r.clips).toEqual(clips);
    expect({ kept: r.kept, keptGroups: r.keptGroups, clean: r.clean }).toEqual({
      kept: ['a blue square moves left'],
      keptGroups: ['synthetic, clean transcript'],
      clean: ['a red square going left'],
    });
    // a perfect export of the train clips: the clean transcript as it is, the corrupted one narrated from its truth
    expect(r.perfect).toHaveLength(2);
    expect(r.perfect[0]).toBe('a red square going left');
    expect(r.perfect[1]).not.toBe('a red square moves left');
    expect(contentCorrect(r.perfect[1], truthAttrs(truth[1]))).toBe(true);
    expect((await loadAuditRound(dir, 1)).perfect).toEqual(r.perfect);
    // the kept clips whose transcript is clean, each kept caption beside its transcript (c1 only: c2 is corrupted and dropped)
    expect(r.onCleanClips).toEqual({
      kept: ['a blue square moves left'],
      transcripts: ['a red square going left'],
      sources: ['synthetic'],
      right: [false],
    });
  });
});
