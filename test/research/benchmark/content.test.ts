/**
 * Content accuracy is wording-independent: on real generated clips a clean transcript and its
 * canonical caption are both judged right, every motion phrasing the generator uses parses to its
 * motion, corrupted transcripts are judged wrong, extra objects are wrong, object order is free,
 * `strict` also checks stated size and background, and `contentAccuracy` refuses misaligned input.
 */
import { describe, expect, it } from 'vitest';
import { makeRng } from '../../../models/rng.js';
import {
  chooseNoiseKinds,
  contentAccuracy,
  contentCorrect,
  MOTION_KEYS,
  MOTION_PHRASES,
  MOTIONS,
  otherScene,
  parseBenchmarkOptions,
  parseContent,
  planBenchmark,
  renderCaption,
  sampleScene,
  truthAttrs,
  type CaptionAttrs,
  type NoiseKind,
} from '../../../research/benchmark/index.js';

const opts = parseBenchmarkOptions({ outDir: '/tmp/flywheel-content', clips: 2000, seed: 5 });
const plan = planBenchmark(opts, opts.outDir);
const rows = plan.truth.map((t, i) => ({ t, clip: plan.clips[i], attrs: truthAttrs(t), i }));
const ofKind = (k: NoiseKind) => rows.filter((r) => r.t.noise_kinds.includes(k));

/** The objects' colour/shape/motion as a sorted list: equal lists mean the same content. */
const core = (a: CaptionAttrs): string[] => a.objects.map((o) => `${o.colour} ${o.shape} ${o.motion}`).sort();

describe('contentCorrect on generated clips', () => {
  it('a clean transcript and its canonical caption are both right, and score the same', () => {
    const clean = rows.filter((r) => !r.t.corrupted && r.t.split === 'train');
    expect(clean.length).toBeGreaterThan(500);
    for (const r of clean) {
      const asr = contentCorrect(r.clip.asr_text, r.attrs);
      expect(asr, r.clip.asr_text).toBe(true);
      expect(contentCorrect(r.t.gt_caption, r.attrs), r.t.gt_caption).toBe(asr);
      // the canonical caption states the right size and background, so strict accepts it too
      expect(contentCorrect(r.t.gt_caption, r.attrs, { strict: true })).toBe(true);
    }
    // two-object scenes are among them (order and linking words are exercised)
    expect(clean.filter((r) => r.attrs.objects.length === 2).length).toBeGreaterThan(50);
  });

  it('judges wrong_attribute, off_topic and empty transcripts wrong', () => {
    for (const k of ['wrong_attribute', 'off_topic', 'empty'] as const) {
      const rs = ofKind(k);
      expect(rs.length, k).toBeGreaterThan(20);
      for (const r of rs) expect(contentCorrect(r.clip.asr_text, r.attrs), `${k}: ${r.clip.asr_text}`).toBe(false);
    }
  });

  it('judges an other_clip transcript wrong unless the clip it narrates has the same objects', () => {
    const rs = ofKind('other_clip');
    expect(rs.length).toBeGreaterThan(20);
    let same = 0;
    for (const r of rs) {
      // replay the generator's draws for this clip to recover the scene the transcript narrates
      const rng = makeRng(opts.seed, 'text', r.i);
      chooseNoiseKinds(opts.noiseMix, rng);
      const sceneOpts = {
        minDurationS: opts.minDurationS,
        maxDurationS: opts.maxDurationS,
        twoObjectProb: 0.4,
        distractorProb: 0.3,
      };
      const other = otherScene(plan.scenes, r.i, rng, () => sampleScene(opts.seed, opts.clips + r.i, sceneOpts));
      expect(renderCaption(other)).not.toBe(r.t.gt_caption);
      const sameObjects = core(other).join() === core(r.attrs).join();
      if (sameObjects) same++;
      // only size/background may differ then: content accuracy (objects only) calls it right
      expect(contentCorrect(r.clip.asr_text, r.attrs), r.clip.asr_text).toBe(sameObjects);
    }
    expect(same).toBeLessThan(rs.length * 0.05);
  });
});

describe('parseContent', () => {
  it('reads every motion phrasing the generator uses, and the canonical words', () => {
    for (const m of MOTION_KEYS) {
      for (const phrase of [...MOTION_PHRASES[m], MOTIONS[m]]) {
        for (const text of [
          `a red circle ${phrase}`,
          `okay so you can see a small red circle and it's ${phrase} on a gray background`,
          `Red Circle ${phrase.toUpperCase()} | Learn Shapes`,
        ]) {
          const c = parseContent(text);
          expect(c.objects, text).toHaveLength(1);
          expect(c.objects[0], text).toMatchObject({ colour: 'red', shape: 'circle', motion: m });
        }
      }
    }
  });

  it('reads sizes, backgrounds and two objects in order', () => {
    expect(
      parseContent(
        'um we have a large blue square going up and also look at a green triangle shrinking on a brown background',
      ),
    ).toEqual({
      objects: [
        { colour: 'blue', shape: 'square', size: 'large', motion: 'up' },
        { colour: 'green', shape: 'triangle', size: null, motion: 'shrinks' },
      ],
      background: 'brown',
    });
    expect(parseContent("don't forget to subscribe")).toEqual({ objects: [], background: null });
  });
});

describe('contentCorrect rules', () => {
  const one: CaptionAttrs = {
    objects: [{ colour: 'red', shape: 'circle', size: 'small', motion: 'left' }],
    background: 'black',
  };
  const two: CaptionAttrs = {
    objects: [
      { colour: 'red', shape: 'circle', size: 'small', motion: 'left' },
      { colour: 'blue', shape: 'square', size: null, motion: 'grows' },
    ],
    background: 'gray',
  };

  it('a caption naming an extra object is wrong, and so is one missing an object', () => {
    expect(contentCorrect('a small red circle moves left on a black background', one)).toBe(true);
    expect(
      contentCorrect('a small red circle moves left while a green triangle moves up on a black background', one),
    ).toBe(false);
    expect(contentCorrect('a small red circle moves left', two)).toBe(false);
  });

  it('each attribute matters: colour, shape and motion', () => {
    expect(contentCorrect('a blue circle moves left', one)).toBe(false);
    expect(contentCorrect('a red square moves left', one)).toBe(false);
    expect(contentCorrect('a red circle moves right', one)).toBe(false);
    expect(contentCorrect('a red circle', one)).toBe(false); // motion not stated
  });

  it('object order does not matter', () => {
    expect(contentCorrect(renderCaption(two), two)).toBe(true);
    expect(contentCorrect('a blue square grows while a small red circle moves left on a gray background', two)).toBe(
      true,
    );
    // but each object keeps its own motion
    expect(contentCorrect('a blue square moves left while a small red circle grows', two)).toBe(false);
  });

  it('strict rejects a wrong stated background or size; the default accepts it; leaving them out is fine', () => {
    const wrongBg = 'a small red circle moves left on a brown background';
    const wrongSize = 'a large red circle moves left on a black background';
    for (const t of [wrongBg, wrongSize]) {
      expect(contentCorrect(t, one), t).toBe(true);
      expect(contentCorrect(t, one, { strict: true }), t).toBe(false);
    }
    expect(contentCorrect('a red circle moves left', one, { strict: true })).toBe(true);
    expect(contentCorrect('a small red circle moves left on a black background', one, { strict: true })).toBe(true);
  });
});

describe('contentAccuracy', () => {
  const one: CaptionAttrs = {
    objects: [{ colour: 'red', shape: 'circle', size: 'small', motion: 'left' }],
    background: 'black',
  };

  it('is the share of right texts, 0 for none, and strictness passes through', () => {
    expect(
      contentAccuracy(
        ['a red circle going left', 'a red circle moves right', 'a large red circle moves left', ''],
        [one, one, one, one],
      ),
    ).toBe(0.5);
    expect(
      contentAccuracy(['a red circle going left', 'a large red circle moves left'], [one, one], { strict: true }),
    ).toBe(0.5);
    expect(contentAccuracy([], [])).toBe(0);
  });

  it('throws when texts and truths are not aligned', () => {
    expect(() => contentAccuracy(['a red circle moves left'], [one, one])).toThrow(RangeError);
    expect(() => contentAccuracy(['a', 'b'], [one])).toThrow(/2 texts for 1 truths/);
  });
});
