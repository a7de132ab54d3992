/**
 * How a round's held-out captions are scored: against the truth when the job has one, and without
 * it against the human captions of the held-out clips a person captioned (a user's own dataset has
 * those, not a truth table), with the raw ASR text on the same clips beside. No references, no score.
 */
import { describe, expect, it } from 'vitest';
import { type EvalClip, scoreEval, scoreHeldoutRows } from '../../../jobs/refine/evaluate.js';
import { scoreAgainstReferences } from '../../../metrics/reference-quality.js';
import { captionFromText } from '../../../stages/caption/clean-text.js';
import {
  type CaptionAttrs,
  type Colour,
  type Motion,
  renderCaption,
  type Shape,
} from '../../../research/benchmark/grammar.js';
import { benchmarkMeasure } from '../../../research/metrics/benchmark.js';
import type { ClipRow } from '../../../schemas/clips.js';
import { clip } from '../../helpers/manifests.js';

const heldout = (id: string, asr: string, human: string | null): EvalClip => ({
  clip: { ...clip(id, `${id}.mp4`, 0, 2), asr_text: asr, human_caption: human, split: 'heldout' } satisfies ClipRow,
  frames: new Uint8Array(0),
});

describe('scoreEval', () => {
  const clips = [
    heldout('a', 'um so this is uh a red square i think', 'a red square moves to the left'),
    heldout('b', 'subscribe for more', 'a green circle moves to the right'),
    heldout('c', 'no caption by a person here', null),
    heldout('d', 'nor here', '  '),
  ];
  const captions = new Map([
    ['a', 'a red square moves to the left'],
    ['b', 'a green circle moves to the right'],
    ['c', 'a blue star'],
    ['d', 'a white square'],
  ]);

  it('without truth, scores the model and the raw text against the held-out human captions, on the clips that have one', () => {
    const r = scoreEval(clips, captions, undefined);
    expect(r.clips).toBe(4);
    expect(r.model).toMatchObject({ n: 2, against: 'human' });
    expect(r.rawAsr).toMatchObject({ n: 2, against: 'human' });
    expect(r.model!.ciderD).toBeGreaterThan(r.rawAsr!.ciderD);
    expect(r.model!.bleu4).toBeGreaterThan(0.9);
    expect(r.captions).toBe(captions);
  });

  it('without truth or human captions, scores nothing', () => {
    const r = scoreEval(clips.slice(2), captions, undefined);
    expect(r).toEqual({ clips: 2, captions });
  });

  it('with truth, scores against it alone (its record has no `against`)', () => {
    const truth = clips.map((c) => ({
      clip_id: c.clip.clip_id,
      split: 'heldout' as const,
      gt_caption: 'a white star spins',
      attrs_json: '{}',
      corrupted: false,
      noise_kinds: [],
      title_corrupted: false,
    }));
    const r = scoreEval(clips, captions, truth);
    expect(r.model?.n).toBe(4);
    expect(r.model).not.toHaveProperty('against');
  });
});

describe('scoreHeldoutRows', () => {
  const clips = [
    heldout('a', 'um so this is uh a red square i think', 'a red square moves to the left'),
    heldout('b', 'subscribe for more', 'a green circle moves to the right'),
    heldout('c', 'a blue star', 'a blue star spins'),
  ];

  it("scores the round's kept captions against the human captions, beside the raw text of the same clips; a dropped clip counts as not kept", () => {
    // the round kept a and b (b's transcript was replaced) and dropped c
    const chosen = new Map([
      ['a', 'um so this is uh a red square i think'],
      ['b', 'a green circle moves to the right'],
    ]);
    const r = scoreHeldoutRows(clips, chosen, undefined);
    expect(r).toMatchObject({
      clips: 3,
      kept: 2,
      chosen: { n: 2, against: 'human' },
      rawAsr: { n: 2, against: 'human' },
    });
    expect(r.chosen!.ciderD).toBeGreaterThan(r.rawAsr!.ciderD);
    expect(r.content).toBeUndefined();
    // the raw side is the same two clips' transcripts against the same captions
    const human = new Map(clips.slice(0, 2).map((c) => [c.clip.clip_id, [c.clip.human_caption as string]]));
    const transcripts = new Map(clips.slice(0, 2).map((c) => [c.clip.clip_id, captionFromText(c.clip.asr_text, null)]));
    expect(r.rawAsr).toEqual({ ...scoreAgainstReferences(transcripts, human), against: 'human' });
  });

  it("reads a clip's transcript alone as its raw text, as the dataset's raw side does: an empty one is not replaced by the title", () => {
    const titled = {
      ...clips[1],
      clip: { ...clips[1].clip, asr_text: '', title: 'a green circle moves to the right' },
    };
    const r = scoreHeldoutRows([titled], new Map([['b', 'a green circle moves to the right']]), undefined);
    expect(r.rawAsr).toMatchObject({ n: 1, bleu4: 0 });
    // the model's baseline keeps its title fallback
    expect(scoreEval([titled], new Map([['b', 'x']]), undefined).rawAsr?.bleu4).toBeGreaterThan(0.9);
  });

  it('with truth and a content measure, adds content accuracy of the kept captions and of their transcripts', () => {
    const scene = (colour: Colour, shape: Shape, motion: Motion): CaptionAttrs => ({
      objects: [{ colour, shape, motion, size: null }],
      background: 'black',
    });
    const truth = [
      { id: 'a', attrs: scene('red', 'square', 'left') },
      { id: 'b', attrs: scene('green', 'circle', 'right') },
      { id: 'c', attrs: scene('blue', 'triangle', 'up') },
    ].map((t) => ({
      clip_id: t.id,
      split: 'heldout' as const,
      gt_caption: renderCaption(t.attrs),
      attrs_json: JSON.stringify(t.attrs),
      corrupted: false,
      noise_kinds: [],
      title_corrupted: false,
    }));
    const chosen = new Map(truth.map((t) => [t.clip_id, t.gt_caption]));
    const r = scoreHeldoutRows(clips, chosen, truth, benchmarkMeasure);
    expect(r).toMatchObject({ clips: 3, kept: 3, content: { chosen: 1, rawAsr: 0 } });
    expect(r.chosen).not.toHaveProperty('against');
  });

  it('without references, or with no clip kept, counts the clips only', () => {
    const none = [heldout('d', 'x', null)];
    expect(scoreHeldoutRows(none, new Map([['d', 'x']]), undefined)).toEqual({ clips: 1, kept: 1 });
    expect(scoreHeldoutRows(clips, new Map(), undefined)).toEqual({ clips: 3, kept: 0 });
  });
});
