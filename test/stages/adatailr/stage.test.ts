/**
 * The adatailr stage with real models: an untrained ONNX captioner for the token weights and a real
 * judge (a tiny retrieval probe saved with `saveJudge` and opened with `Judge.load`). Proves: rows
 * keep input order; a human row is kept at weight 1; a clip without candidates is dropped with a
 * reason; the chosen caption is one of the clip's candidates; `candidate_scores` equal a direct
 * recomputation (same judge, cosine × scale, `evidence` against `contrastClips` of the whole batch)
 * and the recorded choice, margin and runner-up are `choose` over them; with `clip_side` they blend
 * in the clip's side (the clip's logit for the caption against the contrast clips' own candidates);
 * token weights, mean weight, NLL, γ and ρ̂ equal a direct `captioner.score` of the chosen caption with `clipText(row, source)`
 * and `rowScore`/`noiseEstimate`; a clip with no plausible candidate (people's text below
 * `min_evidence`, model captions below `model_min_evidence`) is dropped by default, naming both
 * thresholds, and kept with `dropImplausible: false`; each threshold applies to its own sources (an
 * unreachable `model_min_evidence` leaves only the transcript or title to choose; an unreachable
 * `min_evidence` only the model captions, and drops the clip that has none); `route` sends each clip to its captioner/judge
 * pair, or to its judge with one captioner scoring for all; captioners must be one or one per
 * judge; teardown releases every model. `contrastClips` never returns the clip itself and returns
 * min(m, n − 1) distinct clips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentConfig } from '../../../research/noise-experiment/experiment.js';
import { taskCorpus } from '../../../research/noise-experiment/toy-task.js';
import { Device } from '../../../models/device.js';
import { Captioner } from '../../../models/inference.js';
import { createModel } from '../../../models/model.js';
import { makeProbeConfig } from '../../../models/probe/config.js';
import { Judge, saveJudge } from '../../../models/probe/judge.js';
import { initProbeWeights } from '../../../models/probe/params.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { batchToRows, rowsToBatch } from '../../../schemas/arrow.js';
import type { StageContext } from '../../../pipeline/stage.js';
import type { CaptionedRow } from '../../../schemas/captioned.js';
import { captionedSchema } from '../../../schemas/captioned.js';
import type { ScoreRow } from '../../../schemas/scores.js';
import { type ChoiceRule, choiceRuleSchema } from '../../../config/choice-rule.js';
import { choose, evidence } from '../../../stages/adatailr/choose.js';
import type { FilterPolicy } from '../../../config/filter-policy.js';
import { adatailrStage, contrastClips, noiseEstimate, rowScore } from '../../../stages/adatailr/stage.js';
import {
  type CaptionJudge,
  type CaptionJudgeLoader,
  type CaptionModel,
  type CaptionModelLoader,
  clipText,
  type ModelBatch,
  packFrames,
} from '../../../stages/model/caption-model.js';
import { tempDir } from '../../helpers/tmp.js';

const device = new Device({ intraOpThreads: 1 });
const tok = CaptionTokenizer.train(taskCorpus(), { vocabSize: 200 });
const cfg = experimentConfig(tok.vocabSize);
const pcfg = makeProbeConfig({ count: cfg.frames, size: cfg.frameSize }, tok.vocabSize, {
  dModel: 16,
  heads: 2,
  ffn: 32,
  patch: 8,
  maxTextLen: 8,
});
const FRAME_BYTES = cfg.frames * cfg.frameSize * cfg.frameSize * 3;
let captioner: Captioner;
let other: Captioner;
let judge: Judge;
let judge2: Judge;

/** Clip i's frames: distinct per clip; the first byte (i·31 mod 256) identifies the clip. */
const framesOf = (i: number): Uint8Array =>
  new Uint8Array(FRAME_BYTES).map((_, k) => (k * 7 + i * 31 + ((k * i) % 13) * 17) % 256);

/** A clip with these candidates; its transcript and title are the `asr`/`title` candidates (so `clipText` differs by source). */
function row(i: number, candidates: [string, string][], human: string | null = null): CaptionedRow {
  return {
    clip_id: `c${i}`,
    video_uri: `v${i}.mp4`,
    start_s: 0,
    end_s: 1,
    asr_text: candidates.find(([s]) => s === 'asr')?.[1] ?? '',
    title: candidates.find(([s]) => s === 'title')?.[1] ?? null,
    tags: null,
    human_caption: human,
    split: human ? 'human' : 'train',
    frame_count: cfg.frames,
    frame_width: cfg.frameSize,
    frame_height: cfg.frameSize,
    frames: framesOf(i),
    round: 1,
    model_version: 'm',
    candidate_sources: candidates.map(([s]) => s),
    candidate_captions: candidates.map(([, c]) => c),
  };
}

const rows: CaptionedRow[] = [
  row(0, [
    ['asr', 'so a red circle'],
    ['title', 'red circle'],
    ['synthetic', 'a red circle'],
  ]),
  row(1, [
    ['asr', 'a blue square'],
    ['synthetic-frames', 'a green triangle'],
  ]),
  row(2, []), // no transcript, title or model caption
  row(3, [
    ['asr', 'the weather today is nice'],
    ['title', 'a yellow circle'],
    ['previous', 'a red square'],
    ['synthetic', 'a yellow circle moves'],
  ]),
  row(4, [['human', 'a red circle']], 'a red circle'),
  row(5, [['title', 'a green triangle on grey']]),
  row(6, [
    ['asr', 'a red square'],
    ['synthetic', 'a blue circle'],
  ]),
];
const MACHINE = [0, 1, 3, 5, 6];
/** Every candidate plausible (people's text and model captions), and a contrast smaller than the batch so which clips are contrasted matters. */
const ALL_PLAUSIBLE = choiceRuleSchema.parse({ min_evidence: -1e9, model_min_evidence: -1e9, contrast: 3 });

const ctx = (): StageContext => ({
  stage: 'adatailr',
  shardId: 's0',
  round: 1,
  signal: new AbortController().signal,
  log: { info() {}, warn() {}, debug() {} },
  reportError() {
    throw new Error('no row errors expected');
  },
});

interface RunOpts {
  policy?: FilterPolicy;
  gamma?: number | 'adaptive';
  load?: CaptionModelLoader[];
  judges?: CaptionJudgeLoader[];
  route?: (id: string) => number;
  ensemble?: number;
  input?: CaptionedRow[];
  wMin?: number;
  choice?: ChoiceRule;
  dropImplausible?: boolean;
}

async function run(opts: RunOpts = {}): Promise<ScoreRow[]> {
  const stage = adatailrStage({
    round: 1,
    load: opts.load ?? [() => Promise.resolve(captioner)],
    judges: opts.judges ?? [() => Promise.resolve(judge)],
    ...(opts.route ? { route: opts.route } : {}),
    ...(opts.ensemble ? { ensemble: opts.ensemble } : {}),
    gamma: opts.gamma ?? 'adaptive',
    vocabSize: cfg.vocabSize,
    wMin: opts.wMin ?? 0,
    policy: opts.policy ?? { kind: 'keep-all' },
    choice: opts.choice ?? ALL_PLAUSIBLE,
    ...(opts.dropImplausible !== undefined ? { dropImplausible: opts.dropImplausible } : {}),
    modelBatch: 3,
  });
  await stage.setup();
  const out = await stage.process(rowsToBatch(captionedSchema, opts.input ?? rows), ctx());
  return batchToRows<ScoreRow>(out);
}

/** Each candidate's evidence for clip i, recomputed directly with the judge: s·cos against the contrast clips of the whole batch. */
async function recompute(j: Judge, input: readonly CaptionedRow[], i: number, contrast: number): Promise<number[]> {
  const d = pcfg.dModel;
  const video = await j.embedVideos(packFrames(input), input.length);
  const text = await j.embedTexts(input[i].candidate_captions);
  const logit = (clip: number, cap: number): number => {
    let s = 0;
    for (let x = 0; x < d; x++) s += video[clip * d + x] * text[cap * d + x];
    return j.scale * s;
  };
  const others = contrastClips(input.length, i, contrast);
  return input[i].candidate_captions.map((_, k) =>
    evidence(
      logit(i, k),
      others.map((o) => logit(o, k)),
    ),
  );
}

/** The clip's side of clip i's evidence, recomputed directly: s·cos(clip, caption) against the contrast clips' own candidates. */
async function recomputeClipSide(
  j: Judge,
  input: readonly CaptionedRow[],
  i: number,
  contrast: number,
): Promise<number[]> {
  const d = pcfg.dModel;
  const video = await j.embedVideos(packFrames(input), input.length);
  const others = contrastClips(input.length, i, contrast);
  const theirs = await j.embedTexts(others.flatMap((o) => input[o].candidate_captions));
  const own = await j.embedTexts(input[i].candidate_captions);
  const dot = (t: Float32Array, k: number): number => {
    let s = 0;
    for (let x = 0; x < d; x++) s += video[i * d + x] * t[k * d + x];
    return j.scale * s;
  };
  const contrastLogits = Array.from({ length: theirs.length / d }, (_, k) => dot(theirs, k));
  return input[i].candidate_captions.map((_, k) => evidence(dot(own, k), contrastLogits));
}

/** Direct per-token log p of the chosen caption under the clip's frames and the text training would show with it. */
async function direct(model: Captioner, r: CaptionedRow, o: ScoreRow): Promise<number[]> {
  return (await model.score({ frames: r.frames, text: [clipText(r, o.caption_source)] }, [o.caption])).tokenLogp[0];
}

beforeAll(async () => {
  captioner = await Captioner.fromModel(createModel(cfg, tok, 3), device);
  other = await Captioner.fromModel(createModel(cfg, tok, 4), device);
  const dir = await tempDir('flywheel-adatailr-judge-');
  saveJudge(`${dir}/j1`, {
    config: pcfg,
    tokenizer: tok,
    weights: initProbeWeights(pcfg, 1),
    trainingDataId: 'fold-0',
  });
  saveJudge(`${dir}/j2`, {
    config: pcfg,
    tokenizer: tok,
    weights: initProbeWeights(pcfg, 2),
    trainingDataId: 'fold-1',
  });
  judge = await Judge.load(`${dir}/j1`, device);
  judge2 = await Judge.load(`${dir}/j2`, device);
});
afterAll(async () => {
  await Promise.all([captioner.release(), other.release(), judge.release(), judge2.release()]);
});

describe('adatailr stage (real captioner, real judge)', () => {
  it('keeps input order and human rows; drops clips without candidates; chooses one candidate per clip', async () => {
    const out = await run({ policy: { kind: 'threshold', min_weight: 0 } });
    expect(out.map((r) => r.clip_id)).toEqual(rows.map((r) => r.clip_id));
    expect(out.every((r) => r.round === 1)).toBe(true);
    expect(out[4]).toMatchObject({
      keep: true,
      adatailr_weight: 1,
      mean_token_weight: 1,
      caption: 'a red circle',
      caption_source: 'human',
      reason: 'human caption',
      candidate_sources: ['human'],
    });
    expect(out[2]).toMatchObject({
      keep: false,
      adatailr_weight: 0,
      caption: '',
      caption_source: '',
      candidate_sources: [],
      candidate_scores: [],
      token_weights: [],
    });
    expect(out[2].reason).toMatch(/no candidate caption/);
    for (const i of MACHINE) {
      const r = rows[i];
      const o = out[i];
      const k = r.candidate_captions.indexOf(o.caption);
      expect(k, o.clip_id).toBeGreaterThanOrEqual(0);
      expect(o.caption_source).toBe(r.candidate_sources[k]);
      expect(o.candidate_sources).toEqual(r.candidate_sources);
      expect(o.candidate_scores).toHaveLength(r.candidate_captions.length);
      expect(o.keep, o.clip_id).toBe(true);
      expect(o.adatailr_weight).toBe(o.mean_token_weight);
      expect(o.reason).toMatch(/; threshold: weight .* >= 0$/);
    }
    expect(out[5]).toMatchObject({
      caption: 'a green triangle on grey',
      caption_source: 'title',
      margin: 0,
      runner_up: '',
    }); // its only candidate
  });

  it('candidate scores are the judge evidence against the contrast clips; choice, margin and runner-up are `choose` over them', async () => {
    const out = await run();
    let spread = 0;
    for (const i of MACHINE) {
      const o = out[i];
      const want = await recompute(judge, rows, i, ALL_PLAUSIBLE.contrast);
      o.candidate_scores.forEach((s, k) => expect(s, `${o.clip_id} candidate ${k}`).toBeCloseTo(want[k], 4));
      // the contrast set matters: all other clips give other numbers
      const all = await recompute(judge, rows, i, rows.length);
      spread += Math.abs(all[0] - want[0]);
      const c = choose(rows[i].candidate_sources, o.candidate_scores, ALL_PLAUSIBLE);
      expect(c.index, o.clip_id).toBe(rows[i].candidate_captions.indexOf(o.caption));
      expect(o.margin).toBeCloseTo(c.margin, 12);
      expect(o.runner_up).toBe(c.runnerUp >= 0 ? rows[i].candidate_sources[c.runnerUp] : '');
      expect(o.reason.startsWith(`${c.reason}; `)).toBe(true);
    }
    expect(spread).toBeGreaterThan(1e-3);
  });

  it('token weights, NLL, γ and ρ̂ equal a direct score of the chosen caption with the text shown for its source', async () => {
    const out = await run();
    const logps = await Promise.all(MACHINE.map((i) => direct(captioner, rows[i], out[i])));
    const est = noiseEstimate(logps, cfg.vocabSize);
    for (const o of out) {
      expect(o.gamma).toBeCloseTo(est.gamma, 6);
      expect(o.rho).toBeCloseTo(est.rho, 6);
    }
    MACHINE.forEach((i, k) => {
      const o = out[i];
      const want = rowScore(logps[k], o.gamma, 0);
      expect(o.token_weights).toHaveLength(logps[k].length);
      o.token_weights.forEach((w, t) => expect(w, `${o.clip_id} token ${t}`).toBeCloseTo(want.weights[t], 5));
      expect(o.mean_token_weight).toBeCloseTo(want.meanWeight, 5);
      expect(o.adatailr_weight).toBeCloseTo(want.meanWeight, 5);
      expect(o.nll).toBeCloseTo(want.nll, 4);
    });
    // the encoder text matters to this captioner, so the check above pins the text the stage showed
    let differs = 0;
    for (const [k, i] of MACHINE.entries()) {
      const r = rows[i];
      const shown = clipText(r, out[i].caption_source);
      const wrong = shown === '' ? [r.title, r.asr_text].filter(Boolean).join(' . ') : '';
      const lp = (await captioner.score({ frames: r.frames, text: [wrong] }, [out[i].caption])).tokenLogp[0];
      differs += lp.reduce((s, x, t) => s + Math.abs(x - logps[k][t]), 0);
    }
    expect(differs).toBeGreaterThan(1e-3);
  });

  it("puts the title's lead part in the place of a title that won, by the judges' evidence for both", async () => {
    // clips whose only people's text is a title with a tagline, beside a model caption
    const titled = [
      row(7, [
        ['title', 'red circle learn shapes'],
        ['title-lead', 'red circle'],
        ['synthetic', 'a blue square'],
      ]),
      row(8, [
        ['title', 'blue square kids video'],
        ['title-lead', 'blue square'],
        ['synthetic', 'a green triangle'],
      ]),
    ];
    const input = [...rows.filter((r) => MACHINE.includes(Number(r.clip_id.slice(1)))), ...titled];
    const wide = choiceRuleSchema.parse({ ...ALL_PLAUSIBLE, margin: 1e9, title_lead_margin: 1e9 });
    const tight = choiceRuleSchema.parse({ ...ALL_PLAUSIBLE, margin: 1e9, title_lead_margin: 0 });
    const [a, b] = [await run({ input, choice: wide }), await run({ input, choice: tight })];
    for (const k of [input.length - 2, input.length - 1]) {
      // the title wins on the preference order; any lead may stand in for it, and it does
      expect(a[k]).toMatchObject({ caption_source: 'title-lead', caption: input[k].candidate_captions[1] });
      // at margin 0 the lead stands in only where the judges score it at least as high as the whole
      const [whole, lead] = b[k].candidate_scores;
      expect(b[k].caption_source, b[k].clip_id).toBe(lead >= whole ? 'title-lead' : 'title');
      expect(b[k].runner_up).toBe('synthetic');
    }
    // the captioner weighs the lead with the title hidden from its encoder, as for the whole title
    const k = input.length - 2;
    expect(a[k].nll).toBeCloseTo(
      -(await direct(captioner, input[k], a[k])).reduce((x, y) => x + y, 0) / a[k].token_weights.length,
      4,
    );
  });

  it('a fixed γ is used as given', async () => {
    const out = await run({ gamma: 1, wMin: 0.1 });
    for (const i of MACHINE) {
      const want = rowScore(await direct(captioner, rows[i], out[i]), 1, 0.1);
      expect(out[i].gamma).toBe(1);
      expect(out[i].mean_token_weight).toBeCloseTo(want.meanWeight, 5);
      out[i].token_weights.forEach((w, t) => expect(w).toBeCloseTo(want.weights[t], 5));
    }
  });

  it('drops clips with no plausible candidate by default, and keeps them with dropImplausible: false', async () => {
    // both thresholds out of reach: clips 0, 1, 3 and 6 have model captions, which min_evidence alone would not rule out
    const strict = choiceRuleSchema.parse({ min_evidence: 1000, model_min_evidence: 1000, contrast: 3 });
    const dropped = await run({ choice: strict });
    const kept = await run({ choice: strict, dropImplausible: false });
    for (const i of MACHINE) {
      const d = dropped[i];
      // the best by evidence is recorded (ties: the earlier)
      const best = d.candidate_scores.indexOf(Math.max(...d.candidate_scores));
      expect(d.caption, d.clip_id).toBe(rows[i].candidate_captions[best]);
      expect(d).toMatchObject({ keep: false, adatailr_weight: 0, runner_up: '', margin: 0 });
      expect(d.reason).toBe(
        `${choose(rows[i].candidate_sources, d.candidate_scores, strict).reason}; dropped: no plausible candidate`,
      );
      expect(d.reason).toMatch(
        /^no plausible candidate: best .* has evidence .* \(people's text needs 1000, a model's caption 1000\); dropped: no plausible candidate$/,
      );
      expect(d.mean_token_weight).toBeGreaterThan(0);
      const k = kept[i];
      expect(k).toMatchObject({ keep: true, caption: d.caption, caption_source: d.caption_source });
      expect(k.adatailr_weight).toBe(k.mean_token_weight);
      expect(k.adatailr_weight).toBeGreaterThan(0);
      expect(k.reason).toMatch(/^no plausible candidate: .*; keep-all$/);
    }
    for (const out of [dropped, kept]) {
      expect(out[4]).toMatchObject({ keep: true, adatailr_weight: 1, reason: 'human caption' });
      expect(out[2]).toMatchObject({ keep: false, adatailr_weight: 0 });
    }
  });

  it("each threshold applies to its own sources: model captions need model_min_evidence, people's text min_evidence", async () => {
    const PEOPLE = new Set(['asr', 'title']);
    // no model caption can be plausible: every clip keeps its transcript or title, whatever the judge prefers
    const peopleOnly = choiceRuleSchema.parse({ min_evidence: -1e9, model_min_evidence: 1e9, contrast: 3 });
    const people = await run({ choice: peopleOnly });
    // no people's text can be plausible: clips with a model caption take one; the title-only clip 5 is dropped
    const modelOnly = choiceRuleSchema.parse({ min_evidence: 1e9, model_min_evidence: -1e9, contrast: 3 });
    const model = await run({ choice: modelOnly });
    for (const i of MACHINE) {
      const r = rows[i];
      for (const [out, rule] of [
        [people, peopleOnly],
        [model, modelOnly],
      ] as const) {
        const o = out[i];
        const c = choose(r.candidate_sources, o.candidate_scores, rule);
        expect(o.reason.startsWith(`${c.reason}; `), `${o.clip_id}: ${o.reason}`).toBe(true);
        if (c.index >= 0) expect(o.caption, o.clip_id).toBe(r.candidate_captions[c.index]);
      }
      expect(PEOPLE.has(people[i].caption_source), `${people[i].clip_id} ${people[i].caption_source}`).toBe(true);
      expect(people[i].keep).toBe(true);
      if (i === 5) {
        expect(model[i]).toMatchObject({ keep: false, adatailr_weight: 0, caption_source: 'title' });
        expect(model[i].reason).toMatch(
          /^no plausible candidate: best title has evidence .* \(people's text needs 1000000000, a model's caption -1000000000\); dropped: no plausible candidate$/,
        );
      } else {
        expect(PEOPLE.has(model[i].caption_source), `${model[i].clip_id} ${model[i].caption_source}`).toBe(false);
        expect(model[i].keep).toBe(true);
      }
    }
    // the clips with both kinds of candidate took a different one under each rule
    expect([0, 1, 3, 6].every((i) => people[i].caption !== model[i].caption)).toBe(true);
  });

  it('with a single clip there is nothing to contrast with: its first candidate is taken', async () => {
    const out = await run({ input: [rows[1]] });
    expect(out[0]).toMatchObject({
      caption: 'a blue square',
      caption_source: 'asr',
      candidate_scores: [0, 0],
      keep: true,
    });
    expect(out[0].reason).toMatch(/^no other clip to contrast with: first candidate; /);
  });

  it('route sends each clip to its captioner/judge pair', async () => {
    const scored = [new Map<string, string>(), new Map<string, string>()];
    const texts = [new Set<string>(), new Set<string>()];
    const recordingModel =
      (m: number, model: Captioner): CaptionModelLoader =>
      () =>
        Promise.resolve({
          generate: (b, o) => model.generate(b, o),
          async score(b: ModelBatch, caps: readonly string[]) {
            caps.forEach((c, k) => {
              const clip = rows.findIndex((r) => r.frames[0] === b.frames[k * FRAME_BYTES]);
              scored[m].set(`c${clip}`, c);
            });
            return model.score(b, caps);
          },
          release: async () => {},
        });
    const recordingJudge =
      (m: number, j: Judge): CaptionJudgeLoader =>
      () =>
        Promise.resolve({
          embedVideos: (f, n) => j.embedVideos(f, n),
          async embedTexts(t: readonly string[]) {
            for (const x of t) texts[m].add(x);
            return j.embedTexts(t);
          },
          scale: j.scale,
          release: async () => {},
        });
    const routeOf = (id: string): number => (['c0', 'c3', 'c6'].includes(id) ? 1 : 0);
    const out = await run({
      load: [recordingModel(0, captioner), recordingModel(1, other)],
      judges: [recordingJudge(0, judge), recordingJudge(1, judge2)],
      route: routeOf,
    });
    expect([...scored[0].keys()].sort()).toEqual(['c1', 'c5']);
    expect([...scored[1].keys()].sort()).toEqual(['c0', 'c3', 'c6']);
    for (const m of [0, 1]) for (const [id, c] of scored[m]) expect(c).toBe(out[Number(id.slice(1))].caption); // only the chosen caption is scored
    expect([...texts[0]].sort()).toEqual([...new Set([1, 5].flatMap((i) => rows[i].candidate_captions))].sort());
    expect([...texts[1]].sort()).toEqual([...new Set([0, 3, 6].flatMap((i) => rows[i].candidate_captions))].sort());
    for (const i of MACHINE) {
      const m = routeOf(`c${i}`);
      const o = out[i];
      const want = await recompute(m === 1 ? judge2 : judge, rows, i, ALL_PLAUSIBLE.contrast);
      const wrong = await recompute(m === 1 ? judge : judge2, rows, i, ALL_PLAUSIBLE.contrast);
      o.candidate_scores.forEach((s, k) => expect(s, `c${i} candidate ${k}`).toBeCloseTo(want[k], 4));
      expect(Math.abs(wrong[0] - want[0])).toBeGreaterThan(1e-3); // the two judges disagree, so the check above tells them apart
      const w = rowScore(await direct(m === 1 ? other : captioner, rows[i], o), o.gamma, 0);
      expect(o.mean_token_weight, `c${i}`).toBeCloseTo(w.meanWeight, 5);
    }
    await expect(run({ route: () => 1 })).rejects.toThrow(/route\(c0\) = 1/);
  });

  it('one captioner weighs for every judge: route picks the judge, the one captioner scores every chosen caption', async () => {
    const scored = new Set<string>();
    const texts = [new Set<string>(), new Set<string>()];
    const one: CaptionModelLoader = () =>
      Promise.resolve({
        generate: (b, o) => captioner.generate(b, o),
        async score(b: ModelBatch, caps: readonly string[]) {
          caps.forEach((_, k) => scored.add(`c${rows.findIndex((r) => r.frames[0] === b.frames[k * FRAME_BYTES])}`));
          return captioner.score(b, caps);
        },
        release: async () => {},
      });
    const recordingJudge =
      (m: number, j: Judge): CaptionJudgeLoader =>
      () =>
        Promise.resolve({
          embedVideos: (f, n) => j.embedVideos(f, n),
          async embedTexts(t: readonly string[]) {
            for (const x of t) texts[m].add(x);
            return j.embedTexts(t);
          },
          scale: j.scale,
          release: async () => {},
        });
    const routeOf = (id: string): number => (['c0', 'c3', 'c6'].includes(id) ? 1 : 0);
    const out = await run({
      load: [one],
      judges: [recordingJudge(0, judge), recordingJudge(1, judge2)],
      route: routeOf,
    });
    expect([...scored].sort()).toEqual(MACHINE.map((i) => `c${i}`).sort());
    expect([...texts[0]].sort()).toEqual([...new Set([1, 5].flatMap((i) => rows[i].candidate_captions))].sort());
    expect([...texts[1]].sort()).toEqual([...new Set([0, 3, 6].flatMap((i) => rows[i].candidate_captions))].sort());
    for (const i of MACHINE) {
      const o = out[i];
      const want = await recompute(routeOf(`c${i}`) === 1 ? judge2 : judge, rows, i, ALL_PLAUSIBLE.contrast);
      o.candidate_scores.forEach((x, k) => expect(x, `c${i} candidate ${k}`).toBeCloseTo(want[k], 4));
      const w = rowScore(await direct(captioner, rows[i], o), o.gamma, 0);
      expect(o.mean_token_weight, `c${i}`).toBeCloseTo(w.meanWeight, 5);
    }
    // the route is checked against the judges
    await expect(
      run({ load: [one], judges: [recordingJudge(0, judge), recordingJudge(1, judge2)], route: () => 2 }),
    ).rejects.toThrow(/route\(c0\) = 2, expected a fold in \[0, 2\)/);
  });

  it("an ensemble's evidence is the mean of its judges' evidence, and chooses by it", async () => {
    // one fold of two judges: every candidate's score is the mean of the two judges' own evidence
    const out = await run({ judges: [() => Promise.resolve(judge), () => Promise.resolve(judge2)], ensemble: 2 });
    for (const i of MACHINE) {
      const a = await recompute(judge, rows, i, ALL_PLAUSIBLE.contrast);
      const b = await recompute(judge2, rows, i, ALL_PLAUSIBLE.contrast);
      const mean = a.map((x, k) => (x + b[k]) / 2);
      out[i].candidate_scores.forEach((x, k) => expect(x, `c${i} candidate ${k}`).toBeCloseTo(mean[k], 4));
      const c = choose(out[i].candidate_sources, mean, ALL_PLAUSIBLE);
      expect(out[i].candidate_sources.indexOf(out[i].caption_source), `c${i}`).toBe(c.index);
    }
    // two folds of two: the route picks the fold, and the fold's pair is averaged
    const routed = await run({
      load: [() => Promise.resolve(captioner), () => Promise.resolve(captioner)],
      judges: [judge, judge2, judge2, judge].map((j) => () => Promise.resolve(j)),
      ensemble: 2,
      route: (id) => (id === 'c0' ? 1 : 0),
    });
    for (const i of MACHINE) expect(routed[i].candidate_scores).toEqual(out[i].candidate_scores);
    await expect(run({ judges: [() => Promise.resolve(judge)], ensemble: 2 })).rejects.toThrow(
      /1 judges are not 2 \(the ensemble\) per fold/,
    );
  });

  it("with clip_side, a candidate's evidence blends the caption's side with the clip's, and the choice follows it", async () => {
    const half = { ...ALL_PLAUSIBLE, clip_side: 0.5 };
    const out = await run({ choice: half });
    const whole = await run({ choice: { ...ALL_PLAUSIBLE, clip_side: 1 } });
    let moved = 0;
    for (const i of MACHINE) {
      const caption = await recompute(judge, rows, i, ALL_PLAUSIBLE.contrast);
      const clip = await recomputeClipSide(judge, rows, i, ALL_PLAUSIBLE.contrast);
      out[i].candidate_scores.forEach((x, k) =>
        expect(x, `c${i} candidate ${k}`).toBeCloseTo(0.5 * caption[k] + 0.5 * clip[k], 4),
      );
      whole[i].candidate_scores.forEach((x, k) => expect(x, `c${i} candidate ${k}`).toBeCloseTo(clip[k], 4));
      const c = choose(out[i].candidate_sources, out[i].candidate_scores, half);
      expect(out[i].candidate_sources.indexOf(out[i].caption_source), `c${i}`).toBe(c.index);
      moved += Math.abs(clip[0] - caption[0]);
    }
    // the two sides are different numbers, so the option is not a no-op on this batch
    expect(moved).toBeGreaterThan(1e-3);
    // clip_side 0 is the caption's side exactly
    const zero = await run({ choice: { ...ALL_PLAUSIBLE, clip_side: 0 } });
    const plain = await run();
    for (const i of MACHINE) expect(zero[i].candidate_scores).toEqual(plain[i].candidate_scores);
  });

  it('refuses a captioner without any judge, before any work', () => {
    expect(() =>
      adatailrStage({
        round: 1,
        load: [() => Promise.resolve(captioner)],
        judges: [],
        gamma: 0,
        vocabSize: cfg.vocabSize,
        wMin: 0,
        policy: { kind: 'keep-all' },
        choice: ALL_PLAUSIBLE,
      }),
    ).toThrow(/no judge/);
  });

  it('refuses captioners that are neither one nor one per fold; teardown releases every captioner and judge', async () => {
    const opts = {
      round: 1,
      gamma: 0,
      vocabSize: cfg.vocabSize,
      wMin: 0,
      policy: { kind: 'keep-all' } as FilterPolicy,
      choice: ALL_PLAUSIBLE,
    };
    expect(() =>
      adatailrStage({
        ...opts,
        load: [() => Promise.resolve(captioner), () => Promise.resolve(other)],
        judges: [() => Promise.resolve(judge)],
      }),
    ).toThrow(/2 captioners for 1 folds of judges/);
    expect(() =>
      adatailrStage({
        ...opts,
        load: [() => Promise.resolve(captioner), () => Promise.resolve(other)],
        judges: [() => Promise.resolve(judge), () => Promise.resolve(judge), () => Promise.resolve(judge2)],
      }),
    ).toThrow(/2 captioners for 3 folds of judges/);
    expect(() => adatailrStage({ ...opts, load: [], judges: [() => Promise.resolve(judge)] })).toThrow(
      /0 captioners for 1 folds of judges/,
    );
    expect(() =>
      adatailrStage({
        ...opts,
        load: [() => Promise.resolve(captioner)],
        judges: [() => Promise.resolve(judge), () => Promise.resolve(judge2)],
      }),
    ).not.toThrow();
    const released: string[] = [];
    const model =
      (name: string): CaptionModelLoader =>
      (): Promise<CaptionModel> =>
        Promise.resolve({
          generate: (b, o) => captioner.generate(b, o),
          score: (b, c) => captioner.score(b, c),
          release: () => Promise.resolve(void released.push(name)),
        });
    const jd =
      (name: string): CaptionJudgeLoader =>
      (): Promise<CaptionJudge> =>
        Promise.resolve({
          embedVideos: (f, n) => judge.embedVideos(f, n),
          embedTexts: (t) => judge.embedTexts(t),
          scale: judge.scale,
          release: () => Promise.resolve(void released.push(name)),
        });
    const stage = adatailrStage({
      round: 1,
      load: [model('m0'), model('m1')],
      judges: [jd('j0'), jd('j1')],
      gamma: 0,
      vocabSize: cfg.vocabSize,
      wMin: 0,
      policy: { kind: 'keep-all' },
      choice: ALL_PLAUSIBLE,
    });
    await stage.setup();
    await stage.teardown?.();
    expect(released.sort()).toEqual(['j0', 'j1', 'm0', 'm1']);
    await expect(stage.process(rowsToBatch(captionedSchema, rows), ctx())).rejects.toThrow(/before setup/);
  });
});

describe('adatailr stage with weight_bonus (the captioner ranks the candidates too)', () => {
  const weighed = (bonus: number): ChoiceRule =>
    choiceRuleSchema.parse({ ...ALL_PLAUSIBLE, margin: 0, weight_bonus: bonus });

  it("records every candidate's AdaTaiLr weight at the judges' γ, and chooses by `choose` with them", async () => {
    const plain = await run({ choice: choiceRuleSchema.parse({ ...ALL_PLAUSIBLE, margin: 0 }) });
    const rule = weighed(3);
    const out = await run({ choice: rule });
    for (const i of MACHINE) {
      const r = rows[i];
      const o = out[i];
      expect(plain[i].candidate_weights, o.clip_id).toEqual([]);
      // γ is estimated from the judges' choice alone, so the bonus cannot move it
      expect(o.gamma).toBeCloseTo(plain[i].gamma, 12);
      const want = await Promise.all(
        r.candidate_captions.map(async (c, j) => {
          const lp = (await captioner.score({ frames: r.frames, text: [clipText(r, r.candidate_sources[j])] }, [c]))
            .tokenLogp[0];
          return rowScore(lp, o.gamma, 0).meanWeight;
        }),
      );
      expect(o.candidate_weights).toHaveLength(r.candidate_captions.length);
      o.candidate_weights.forEach((w, j) => expect(w, `${o.clip_id} candidate ${j}`).toBeCloseTo(want[j], 5));
      const c = choose(r.candidate_sources, o.candidate_scores, rule, o.candidate_weights);
      expect(o.caption, o.clip_id).toBe(r.candidate_captions[c.index]);
      expect(o.margin).toBeCloseTo(c.margin, 9);
      expect(o.reason.startsWith(`${c.reason}; `), o.reason).toBe(true);
      // and the chosen row's own token weights are its candidate weight
      expect(o.mean_token_weight).toBeCloseTo(o.candidate_weights[c.index], 6);
    }
  });

  it('a bonus far above the evidence hands each choice to the candidate the captioner weighs most', async () => {
    const out = await run({ choice: weighed(1e6), gamma: 0.5 });
    const plain = await run({ choice: choiceRuleSchema.parse({ ...ALL_PLAUSIBLE, margin: 0 }), gamma: 0.5 });
    let moved = 0;
    for (const i of MACHINE) {
      const w = out[i].candidate_weights;
      expect(out[i].caption, out[i].clip_id).toBe(rows[i].candidate_captions[w.indexOf(Math.max(...w))]);
      if (out[i].caption !== plain[i].caption) moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });
});

describe('contrastClips', () => {
  it('never returns the clip itself and returns min(m, n − 1) distinct clips in range', () => {
    for (let n = 1; n <= 40; n++) {
      for (let m = 1; m <= 64; m++) {
        for (let i = 0; i < n; i++) {
          const c = contrastClips(n, i, m);
          const ok =
            c.length === Math.min(m, n - 1) &&
            !c.includes(i) &&
            new Set(c).size === c.length &&
            c.every((j) => Number.isInteger(j) && j >= 0 && j < n);
          if (!ok) expect.fail(`contrastClips(${n}, ${i}, ${m}) = [${c.join(', ')}]`);
        }
      }
    }
  });
});
