/**
 * The adatailr stage over a real ONNX captioner (untrained, so every caption is implausible to it
 * and ρ̂ = 1): scores machine captions, keeps human ones at full weight, drops empty captions, and
 * applies the keep policy with the noise estimate of the rows it scored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentConfig } from '../../../jobs/noise-experiment/experiment.js';
import { taskCorpus } from '../../../jobs/noise-experiment/toy-task.js';
import { Device } from '../../../models/device.js';
import { Captioner } from '../../../models/inference.js';
import { createModel } from '../../../models/model.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { batchToRows, rowsToBatch } from '../../../pipeline/arrow.js';
import type { StageContext } from '../../../pipeline/stage.js';
import type { CaptionedRow } from '../../../schemas/captioned.js';
import { captionedSchema } from '../../../schemas/captioned.js';
import type { ScoreRow } from '../../../schemas/scores.js';
import type { FilterPolicy } from '../../../stages/adatailr/filter-policy.js';
import { adatailrStage, noiseEstimate, rowScore } from '../../../stages/adatailr/stage.js';

const device = new Device({ intraOpThreads: 1 });
const tok = CaptionTokenizer.train(taskCorpus(), { vocabSize: 200 });
const cfg = experimentConfig(tok.vocabSize);
let captioner: Captioner;

const CAPTIONS = ['a red circle', 'a blue square', 'a green triangle on grey', 'the weather today is nice', 'a yellow circle', 'a red square', ''];

function row(i: number, caption: string, source: string): CaptionedRow {
  const frames = new Uint8Array(cfg.frames * cfg.frameSize * cfg.frameSize * 3).map((_, k) => (k * 7 + i * 31) % 256);
  return {
    clip_id: `c${i}`, video_uri: `v${i}.mp4`, start_s: 0, end_s: 1, asr_text: caption, title: null, tags: null, human_caption: source === 'human' ? caption : null, split: 'train',
    frame_count: cfg.frames, frame_width: cfg.frameSize, frame_height: cfg.frameSize, frames,
    round: 0, model_version: 'text', caption_source: source, caption, token_ids: [], token_logprobs: [],
  } as CaptionedRow;
}

const rows: CaptionedRow[] = [...CAPTIONS.map((c, i) => row(i, c, 'asr')), row(99, 'a red circle', 'human')];

const ctx = (): StageContext => ({
  stage: 'adatailr', shardId: 's0', round: 0, signal: new AbortController().signal,
  log: { info() {}, warn() {}, debug() {} },
  reportError() { throw new Error('no row errors expected'); },
});

async function run(policy: FilterPolicy, gamma: number | 'adaptive' = 'adaptive'): Promise<ScoreRow[]> {
  const stage = adatailrStage({ round: 0, load: async () => captioner, gamma, vocabSize: cfg.vocabSize, wMin: 0, policy, modelBatch: 3 });
  await stage.setup();
  const out = await stage.process(rowsToBatch(captionedSchema, rows as unknown as Record<string, unknown>[]), ctx());
  return batchToRows<ScoreRow>(out);
}

beforeAll(async () => {
  captioner = await Captioner.fromModel(createModel(cfg, tok, 3), device);
});
afterAll(async () => captioner.release());

describe('adatailr stage', () => {
  it('weights each machine caption by its tokens; human captions stay at weight 1; empty ones are dropped', async () => {
    const out = await run({ kind: 'keep-all' });
    expect(out.map((r) => r.clip_id)).toEqual(rows.map((r) => r.clip_id));
    const human = out.find((r) => r.clip_id === 'c99')!;
    expect(human).toMatchObject({ keep: true, adatailr_weight: 1, reason: 'human caption' });
    const empty = out.find((r) => r.clip_id === 'c6')!;
    expect(empty).toMatchObject({ keep: false, reason: 'empty caption', adatailr_weight: 0 });
    // the same model scored directly gives the same weights and γ
    const scored = rows.slice(0, 6);
    const s = await captioner.score({ frames: new Uint8Array(scored.flatMap((r) => [...r.frames])), text: scored.map(() => '') }, scored.map((r) => r.caption));
    const { gamma } = noiseEstimate(s.tokenLogp, cfg.vocabSize);
    expect(gamma).toBe(0.25); // untrained: every caption implausible, ρ̂ = 1, γ at its clamp
    scored.forEach((r, i) => {
      const o = out[i];
      const want = rowScore(s.tokenLogp[i], gamma, 0);
      expect(o.gamma).toBeCloseTo(gamma, 6);
      expect(o.token_weights).toHaveLength(s.tokenLogp[i].length);
      expect(o.mean_token_weight).toBeCloseTo(want.meanWeight, 5);
      expect(o.keep).toBe(true);
      expect(o.adatailr_weight).toBeCloseTo(want.meanWeight, 5);
    });
  });

  it('estimated-noise drops ⌊ρ̂·n⌋ of the scored rows (capped), the lowest-weighted first', async () => {
    const out = await run({ kind: 'estimated-noise', max_drop: 0.5 });
    const scored = out.filter((r) => r.reason.startsWith('estimated-noise'));
    expect(scored).toHaveLength(6);
    expect(scored[0].reason).toContain('ρ̂=1.000');
    const dropped = scored.filter((r) => !r.keep);
    expect(dropped).toHaveLength(3);
    const keptMin = Math.min(...scored.filter((r) => r.keep).map((r) => r.mean_token_weight));
    for (const d of dropped) expect(d.mean_token_weight).toBeLessThanOrEqual(keptMin);
    expect(out.find((r) => r.clip_id === 'c99')?.keep).toBe(true);
  });

  it('a fixed γ is used as given and recorded on every scored row', async () => {
    const out = await run({ kind: 'threshold', min_weight: 0.5 }, 1);
    for (const r of out.filter((x) => x.reason.startsWith('threshold'))) {
      expect(r.gamma).toBe(1);
      expect(r.keep).toBe(r.mean_token_weight >= 0.5);
    }
  });
});
