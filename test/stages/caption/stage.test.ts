/**
 * The caption stage gathers each clip's candidates: without a writer (round 0) the normalised
 * transcript, the title and its lead part (before a vertical bar), deduplicated and empty ones
 * dropped; human clips have only their human
 * caption; `previous` (a map, or a lookup of the shard's clips) adds a candidate only when it
 * differs. With a writer, every machine clip gets `synthetic` (frames + text) and `synthetic-frames`
 * (frames only) from the model `route` names (scripted models that say who wrote what; routing
 * only), and `framesOnly: false` omits the latter;
 * `samples` adds that many `synthetic-sampled` ones, seeded per job seed, round, clip and sample.
 * A single model writes for every clip without consulting `route`; with several, a route outside
 * them is refused.
 * A real untrained captioner's generated text is what the stage records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentConfig } from '../../../research/noise-experiment/experiment.js';
import { taskCorpus } from '../../../research/noise-experiment/toy-task.js';
import { Device } from '../../../models/device.js';
import { Captioner } from '../../../models/inference.js';
import { createModel } from '../../../models/model.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { batchToRows, rowsToBatch } from '../../../schemas/arrow.js';
import type { StageContext } from '../../../pipeline/stage.js';
import type { CaptionedRow } from '../../../schemas/captioned.js';
import { type ClipFramesRow, clipFramesSchema } from '../../../schemas/clip-frames.js';
import { type CaptionStageOptions, captionStage } from '../../../stages/caption/stage.js';
import { type CaptionModel, clipText, type ModelBatch } from '../../../stages/model/caption-model.js';

const FRAME_BYTES = 6;

function clip(
  i: number,
  asr: string,
  title: string | null,
  human: string | null = null,
  frameBytes = FRAME_BYTES,
  frameSize = 1,
): ClipFramesRow {
  return {
    clip_id: `c${i}`,
    video_uri: `v${i}.mp4`,
    start_s: 0,
    end_s: 1,
    asr_text: asr,
    title,
    tags: null,
    human_caption: human,
    split: human ? 'human' : 'train',
    frame_count: frameBytes / (frameSize * frameSize * 3),
    frame_width: frameSize,
    frame_height: frameSize,
    frames: new Uint8Array(frameBytes).fill(i),
  };
}

const clips: ClipFramesRow[] = [
  clip(0, 'Okay, so a RED circle!', 'Red Circle | Learn Shapes'),
  clip(1, 'a blue square', 'A blue square'), // title = transcript after normalisation
  clip(2, '', 'Green Triangle'), // no transcript
  clip(3, '   ', null), // nothing
  clip(4, 'um a yellow circle', null, 'A yellow circle moves left.'), // human
  clip(5, "don't forget to subscribe", '  '),
];

const ctx = (): StageContext => ({
  stage: 'caption',
  shardId: 's0',
  round: 0,
  signal: new AbortController().signal,
  log: { info() {}, warn() {}, debug() {} },
  reportError() {
    throw new Error('no row errors expected');
  },
});

async function run(opts: CaptionStageOptions, input: ClipFramesRow[] = clips): Promise<CaptionedRow[]> {
  const stage = captionStage(opts);
  await stage.setup();
  try {
    return batchToRows<CaptionedRow>(await stage.process(rowsToBatch(clipFramesSchema, input), ctx()));
  } finally {
    await stage.teardown?.();
  }
}

const cands = (r: CaptionedRow): [string, string][] => r.candidate_sources.map((s, k) => [s, r.candidate_captions[k]]);

describe('caption stage without a writer (round 0)', () => {
  it('offers the normalised transcript, the title and its lead part, deduplicated, empty ones dropped; human clips only their caption', async () => {
    const out = await run({ round: 0, modelVersion: 'text' });
    expect(out.map((r) => r.clip_id)).toEqual(clips.map((c) => c.clip_id));
    expect(out.every((r) => r.round === 0 && r.model_version === 'text')).toBe(true);
    expect(out.map(cands)).toEqual([
      [
        ['asr', 'okay so a red circle'],
        ['title', 'red circle learn shapes'],
        ['title-lead', 'red circle'],
      ],
      [['asr', 'a blue square']],
      [['title', 'green triangle']],
      [],
      [['human', 'a yellow circle moves left']],
      [['asr', "don't forget to subscribe"]],
    ]);
    // the frames travel on to the adatailr stage
    expect(out[2].frames).toEqual(clips[2].frames);
    expect(out[0].asr_text).toBe(clips[0].asr_text);
  });

  it("adds last round's caption as `previous` only when it differs from the other candidates", async () => {
    const previous = new Map([
      ['c0', 'a red circle moves left'], // new text
      ['c1', 'a blue square'], // same as the transcript
      ['c3', 'a white triangle'], // a clip with no text of its own
      ['c4', 'something else'], // human clips take only their caption
      ['c5', '  '], // empty
    ]);
    const out = await run({ round: 1, modelVersion: 'text', previous });
    expect(out.map(cands)).toEqual([
      [
        ['asr', 'okay so a red circle'],
        ['title', 'red circle learn shapes'],
        ['title-lead', 'red circle'],
        ['previous', 'a red circle moves left'],
      ],
      [['asr', 'a blue square']],
      [['title', 'green triangle']],
      [['previous', 'a white triangle']],
      [['human', 'a yellow circle moves left']],
      [['asr', "don't forget to subscribe"]],
    ]);
  });

  it("takes last round's captions from a lookup of the shard's clips, when given one", async () => {
    const asked: { shard: string; clipIds: readonly string[] }[] = [];
    const previous = (shard: string, clipIds: readonly string[]) => {
      asked.push({ shard, clipIds });
      return Promise.resolve(new Map([['c0', 'a red circle moves left']]));
    };
    const out = await run({ round: 1, modelVersion: 'text', previous });
    expect(asked).toEqual([{ shard: 's0', clipIds: clips.map((c) => c.clip_id) }]);
    expect(cands(out[0]).at(-1)).toEqual(['previous', 'a red circle moves left']);
  });
});

/**
 * A model that writes `m<index> <frames|text> c<clip>` (with `sampled at <temperature> seed <seed>` when
 * asked to sample) and records what it was asked.
 */
function scriptedWriter(index: number, calls: { clip: number; text: string }[]): CaptionModel {
  return {
    generate(b: ModelBatch, o) {
      const per = b.frames.length / b.text.length;
      const text = b.text.map((t, k) => {
        const c = b.frames[k * per];
        calls.push({ clip: c, text: t });
        const drawn = o?.temperature ? ` sampled at ${o.temperature} seed ${o.seeds?.[k]}` : '';
        return `m${index} ${t === '' ? 'frames' : 'text'} c${c}${drawn}`;
      });
      return Promise.resolve({ ids: text.map(() => []), text, tokenLogp: text.map(() => []) });
    },
    score() {
      return Promise.reject(new Error('not used'));
    },
    async release() {},
  };
}

describe('caption stage with a writer', () => {
  it('each machine clip gets synthetic and synthetic-frames from the model route names', async () => {
    const calls: { clip: number; text: string }[][] = [[], []];
    const route = (id: string): number => (id === 'c0' || id === 'c3' ? 1 : 0);
    const out = await run({
      round: 2,
      modelVersion: 'v2',
      modelBatch: 2,
      writer: {
        load: [() => Promise.resolve(scriptedWriter(0, calls[0])), () => Promise.resolve(scriptedWriter(1, calls[1]))],
        route,
      },
      previous: new Map([['c2', 'm0 text c2']]), // the same text as this round's synthetic: the earlier source wins
    });
    expect(out.every((r) => r.model_version === 'v2' && r.round === 2)).toBe(true);
    for (const i of [0, 1, 5]) {
      const m = route(`c${i}`);
      const synth = cands(out[i]).filter(([s]) => s.startsWith('synthetic'));
      expect(synth, `c${i}`).toEqual([
        ['synthetic', `m${m} text c${i}`],
        ['synthetic-frames', `m${m} frames c${i}`],
      ]);
    }
    // a clip with no text asks the model the same thing twice: one candidate
    expect(cands(out[3])).toEqual([['synthetic', 'm1 frames c3']]);
    expect(cands(out[2])).toEqual([
      ['title', 'green triangle'],
      ['previous', 'm0 text c2'],
      ['synthetic-frames', 'm0 frames c2'],
    ]);
    expect(cands(out[4])).toEqual([['human', 'a yellow circle moves left']]); // human clips are not written for
    // each model was asked about its own clips only: with the clip's text, then with none
    expect(calls[1].map((c) => c.clip).sort()).toEqual([0, 0, 3, 3]);
    expect(calls[0].map((c) => c.clip).sort()).toEqual([1, 1, 2, 2, 5, 5]);
    for (const c of calls.flat().filter((x) => x.text !== ''))
      expect(c.text).toBe(clipText(clips[c.clip], 'synthetic'));
    expect(
      calls
        .flat()
        .filter((x) => x.text === '')
        .map((c) => c.clip)
        .sort(),
    ).toEqual([0, 1, 2, 3, 3, 5]); // c3 has no text at all
  });

  it("a held-out clip's human caption is a reference, not a candidate: the clip is offered what a train clip is", async () => {
    const calls: { clip: number; text: string }[] = [];
    const heldout = { ...clip(6, 'um a white square', 'White Square', 'A white square moves up.'), split: 'heldout' };
    const out = await run(
      {
        round: 1,
        modelVersion: 'v1',
        writer: { load: [() => Promise.resolve(scriptedWriter(0, calls))], route: () => 0 },
      },
      [clips[4], heldout],
    );
    expect(cands(out[0])).toEqual([['human', 'a yellow circle moves left']]);
    expect(cands(out[1])).toEqual([
      ['asr', 'um a white square'],
      ['title', 'white square'],
      ['synthetic', 'm0 text c6'],
      ['synthetic-frames', 'm0 frames c6'],
    ]);
    expect(calls.map((c) => c.clip)).toEqual([6, 6]);
  });

  it('framesOnly: false writes no frames-only candidate', async () => {
    const calls: { clip: number; text: string }[] = [];
    const out = await run({
      round: 1,
      modelVersion: 'v1',
      writer: { load: [() => Promise.resolve(scriptedWriter(0, calls))], route: () => 0, framesOnly: false },
    });
    expect(out.flatMap((r) => r.candidate_sources)).not.toContain('synthetic-frames');
    expect(out[0].candidate_sources).toEqual(['asr', 'title', 'title-lead', 'synthetic']);
    expect(calls.every((c) => c.text !== '' || clipText(clips[c.clip], 'synthetic') === '')).toBe(true);
  });

  it('samples: that many sampled candidates from frames + text, seeded by job seed, round, clip and sample, whatever the batch', async () => {
    const sampled = async (round: number, modelBatch: number, temperature?: number, sampleSeed?: number) => {
      const calls: { clip: number; text: string }[] = [];
      const out = await run({
        round,
        modelVersion: 'v1',
        modelBatch,
        writer: {
          load: [() => Promise.resolve(scriptedWriter(0, calls))],
          route: () => 0,
          samples: 2,
          ...(temperature !== undefined ? { temperature } : {}),
          ...(sampleSeed !== undefined ? { sampleSeed } : {}),
        },
      });
      return out.map((r) => cands(r).filter(([src]) => src === 'synthetic-sampled'));
    };
    const a = await sampled(1, 32);
    expect(a[4]).toEqual([]); // human clips are not written for
    for (const i of [0, 1, 2, 5]) {
      expect(a[i], `c${i}`).toHaveLength(2);
      for (const [, text] of a[i]) expect(text).toMatch(new RegExp(`^m0 text c${i} sampled at 1 seed \\d+$`));
    }
    const seeds = a.flat().map(([, t]) => t.split(' ').at(-1));
    expect(new Set(seeds).size).toBe(seeds.length); // one seed per clip and sample
    expect(await sampled(1, 1)).toEqual(a); // the batch does not matter
    const nextRound = await sampled(2, 32);
    expect(nextRound[0]).not.toEqual(a[0]); // another round draws anew
    expect((await sampled(1, 32, 0.5))[0][0][1]).toMatch(/sampled at 0\.5 /);
    expect(await sampled(1, 32, undefined, 0)).toEqual(a); // job seed 0 is the default
    const otherJob = await sampled(1, 32, undefined, 5);
    for (const i of [0, 1, 2, 5]) expect(otherJob[i], `c${i}`).not.toEqual(a[i]); // another job seed draws anew
    expect(await sampled(1, 32, undefined, 5)).toEqual(otherJob);
  });

  it('a single model writes for every clip (route is not consulted); with several, a route outside them is refused', async () => {
    const calls: { clip: number; text: string }[] = [];
    let asked = 0;
    const out = await run({
      round: 1,
      modelVersion: 'v1',
      writer: { load: [() => Promise.resolve(scriptedWriter(0, calls))], route: () => (asked++, 1) },
    });
    expect(asked).toBe(0);
    expect(calls.map((c) => c.clip).sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 5, 5]);
    expect(out[0].candidate_sources).toEqual(['asr', 'title', 'title-lead', 'synthetic', 'synthetic-frames']);
    const two = [() => Promise.resolve(scriptedWriter(0, [])), () => Promise.resolve(scriptedWriter(1, []))];
    await expect(run({ round: 1, modelVersion: 'v1', writer: { load: two, route: () => 2 } })).rejects.toThrow(
      /route\(c0\) = 2, expected a model index in \[0, 2\)/,
    );
    await expect(run({ round: 1, modelVersion: 'v1', writer: { load: two, route: () => -1 } })).rejects.toThrow(
      /route\(c0\) = -1/,
    );
    await expect(run({ round: 1, modelVersion: 'v1', writer: { load: two, route: () => 0.5 } })).rejects.toThrow(
      /route\(c0\) = 0.5/,
    );
  });
});

describe('caption stage with a real captioner', () => {
  const device = new Device({ intraOpThreads: 1 });
  const tok = CaptionTokenizer.train(taskCorpus(), { vocabSize: 200 });
  const cfg = experimentConfig(tok.vocabSize);
  const bytes = cfg.frames * cfg.frameSize * cfg.frameSize * 3;
  let captioner: Captioner;
  beforeAll(async () => {
    captioner = await Captioner.fromModel(createModel(cfg, tok, 3), device);
  });
  afterAll(() => captioner?.release());
  /** The real captioner as the stage loads it (released by the suite, not the stage). */
  const realWriter = (): Promise<CaptionModel> =>
    Promise.resolve({
      generate: (b, o) => captioner.generate(b, o),
      score: (b, c) => captioner.score(b, c),
      release: async () => {},
    });

  it('records the text the model generates, with and without the clip text', async () => {
    const real = [
      clip(0, 'a red circle', 'red circle', null, bytes, cfg.frameSize),
      clip(1, 'um a blue square', null, null, bytes, cfg.frameSize),
    ];
    const out = await run(
      {
        round: 1,
        modelVersion: 'v1',
        writer: {
          load: [realWriter],
          route: () => 0,
          maxLen: 6,
        },
      },
      real,
    );
    const frames = new Uint8Array([...real[0].frames, ...real[1].frames]);
    const withText = await captioner.generate(
      { frames, text: real.map((r) => clipText(r, 'synthetic')) },
      { maxLen: 6 },
    );
    const alone = await captioner.generate({ frames, text: ['', ''] }, { maxLen: 6 });
    out.forEach((r, i) => {
      const want: [string, string][] = [];
      const add = (src: string, t: string): void => {
        if (t.trim() !== '' && !want.some(([, x]) => x === t.trim())) want.push([src, t.trim()]);
      };
      add('asr', i === 0 ? 'a red circle' : 'um a blue square');
      if (i === 0) add('title', 'red circle');
      add('synthetic', withText.text[i]);
      add('synthetic-frames', alone.text[i]);
      expect(cands(r)).toEqual(want);
    });
    expect(out.some((r) => r.candidate_sources.includes('synthetic'))).toBe(true);
  });

  it('samples write other wordings than the greedy caption, the same in any batch', async () => {
    const real = Array.from({ length: 6 }, (_, i) => clip(i, 'a red circle', null, null, bytes, cfg.frameSize));
    const sampledBy = async (modelBatch: number) =>
      run(
        {
          round: 1,
          modelVersion: 'v1',
          modelBatch,
          writer: {
            load: [realWriter],
            route: () => 0,
            maxLen: 6,
            framesOnly: false,
            samples: 2,
          },
        },
        real,
      );
    const out = await sampledBy(4);
    expect(await sampledBy(1)).toEqual(out);
    const samples = out.flatMap((r) => cands(r).filter(([src]) => src === 'synthetic-sampled'));
    // an untrained model's distribution is nearly flat: its samples differ from its greedy caption
    expect(samples.length).toBeGreaterThan(6);
  });
});
