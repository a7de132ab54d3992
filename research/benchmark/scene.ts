/**
 * Samples the ground-truth scene of one clip: duration, background, 1–2 captioned
 * objects and optional distractor dots. Pure and deterministic by (seed, clip index).
 */
import {
  BACKGROUND_WORDS,
  COLOUR_WORDS,
  MOTION_KEYS,
  SHAPES,
  SIZE_WORDS,
  motionChangesSize,
  type CaptionAttrs,
  type ObjectAttrs,
} from './grammar.js';
import { makeRng, type Rng } from '../../models/rng.js';

/** A small still dot that the caption does not mention (visual clutter the model must ignore). */
export interface Distractor {
  /** Position of the dot's top-left corner as a fraction of the frame. */
  fx: number;
  fy: number;
  /** RGB colour — never one of the caption colours. */
  rgb: number;
}

/** Everything needed to draw and describe one clip. */
export interface Scene extends CaptionAttrs {
  /** Clip length in seconds (a multiple of 0.5 in [minDuration, maxDuration]). */
  durationS: number;
  distractors: Distractor[];
}

/** Options for sampling scenes. */
export interface SceneOptions {
  /** Shortest clip, seconds (default 2). */
  minDurationS: number;
  /** Longest clip, seconds (default 6). */
  maxDurationS: number;
  /** Probability a clip has two captioned objects (default 0.4). */
  twoObjectProb: number;
  /** Probability a clip has distractor dots (default 0.3). */
  distractorProb: number;
}

/** Scene sampling defaults. */
export const DEFAULT_SCENE_OPTIONS: SceneOptions = {
  minDurationS: 2,
  maxDurationS: 6,
  twoObjectProb: 0.4,
  distractorProb: 0.3,
};

const DISTRACTOR_RGB = [0x00d0d0, 0xff60c0, 0x909090] as const;

/** Samples one object's attributes. */
export function sampleObject(rng: Rng): ObjectAttrs {
  const motion = rng.pick(MOTION_KEYS);
  return {
    colour: rng.pick(COLOUR_WORDS),
    shape: rng.pick(SHAPES),
    size: motionChangesSize(motion) ? null : rng.pick(SIZE_WORDS),
    motion,
  };
}

/** The scene of clip `index` under `seed` (independent of how many clips are generated). */
export function sampleScene(seed: number, index: number, opts: SceneOptions = DEFAULT_SCENE_OPTIONS): Scene {
  const rng = makeRng(seed, 'scene', index);
  const steps = Math.round((opts.maxDurationS - opts.minDurationS) * 2);
  const durationS = opts.minDurationS + rng.int(steps + 1) / 2;
  const background = rng.pick(BACKGROUND_WORDS);
  const first = sampleObject(rng);
  const objects: ObjectAttrs[] = [first];
  if (rng.chance(opts.twoObjectProb)) {
    // the second object differs in colour or shape so the two are distinguishable
    let second = sampleObject(rng);
    for (let k = 0; k < 8 && second.colour === first.colour && second.shape === first.shape; k++)
      second = sampleObject(rng);
    if (!(second.colour === first.colour && second.shape === first.shape)) objects.push(second);
  }
  const distractors: Distractor[] = [];
  if (rng.chance(opts.distractorProb)) {
    const n = 1 + rng.int(2);
    for (let k = 0; k < n; k++)
      distractors.push({ fx: 0.05 + 0.85 * rng.next(), fy: 0.05 + 0.85 * rng.next(), rgb: rng.pick(DISTRACTOR_RGB) });
  }
  return { durationS, background, objects, distractors };
}
