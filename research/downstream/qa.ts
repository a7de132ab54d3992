/**
 * The multiple-choice video-QA probe, built from the truth attributes of the held-out clips:
 * "what colour is the square?" with the five colours as answers, and likewise the shape, the
 * motion and the background. Each option is the truth caption with that one attribute of the
 * first object (or the background) replaced, so options differ only in the asked-about words (in
 * the canonical wording, or in one fixed narration style per clip for the narrated queries); the
 * retrieval probe answers with the option whose text embedding is most similar to the video.
 * Top-1 accuracy, with ties credited 1/#tied (random tie-breaking, in expectation).
 */
import {
  BACKGROUND_WORDS,
  COLOUR_WORDS,
  MOTION_KEYS,
  MOTIONS,
  SHAPES,
  renderCaption,
  type CaptionAttrs,
  type ObjectAttrs,
} from '../benchmark/grammar.js';

/** What a question asks about. */
export type QaKind = 'colour' | 'shape' | 'motion' | 'background';

/** Every question kind, in table order. */
export const QA_KINDS: readonly QaKind[] = ['colour', 'shape', 'motion', 'background'];

/** One multiple-choice question about one held-out clip. */
export interface QaQuestion {
  readonly clipId: string;
  readonly kind: QaKind;
  /** Human-readable question ("what colour is the square?"). */
  readonly question: string;
  /** Answer words, in a fixed order. */
  readonly labels: readonly string[];
  /** The texts the probe compares with the video: the truth caption filled with each answer. */
  readonly options: readonly string[];
  /** Index of the right answer. */
  readonly answer: number;
}

/**
 * The four questions about a clip's first object and background; none when the attributes hold no
 * object. `render` words each option (default the canonical caption; a fixed-style narration gives the
 * same questions in the people's words).
 */
export function qaQuestions(
  clipId: string,
  attrs: CaptionAttrs,
  render: (attrs: CaptionAttrs) => string = renderCaption,
): QaQuestion[] {
  const withObject = (a: CaptionAttrs, change: Partial<ObjectAttrs>): string => {
    const [first, ...rest] = a.objects;
    return render({ ...a, objects: [{ ...first, ...change }, ...rest] });
  };
  const obj = attrs.objects[0];
  if (!obj) return [];
  const q = (
    kind: QaKind,
    question: string,
    labels: readonly string[],
    fill: (l: string) => string,
    truth: string,
  ): QaQuestion => {
    const answer = labels.indexOf(truth);
    if (answer < 0)
      throw new Error(`qa: clip ${clipId} has ${kind} ${JSON.stringify(truth)}, not one of ${labels.join(', ')}`);
    return { clipId, kind, question, labels, options: labels.map(fill), answer };
  };
  return [
    q(
      'colour',
      `what colour is the ${obj.shape}?`,
      COLOUR_WORDS,
      (c) => withObject(attrs, { colour: c as ObjectAttrs['colour'] }),
      obj.colour,
    ),
    q(
      'shape',
      `what shape is the ${obj.colour} object?`,
      SHAPES,
      (s) => withObject(attrs, { shape: s as ObjectAttrs['shape'] }),
      obj.shape,
    ),
    q(
      'motion',
      `what does the ${obj.colour} ${obj.shape} do?`,
      MOTION_KEYS.map((m) => MOTIONS[m]),
      (m) => withObject(attrs, { motion: MOTION_KEYS.find((k) => MOTIONS[k] === m)! }),
      MOTIONS[obj.motion],
    ),
    q(
      'background',
      'what colour is the background?',
      BACKGROUND_WORDS,
      (b) => render({ ...attrs, background: b as CaptionAttrs['background'] }),
      attrs.background,
    ),
  ];
}

/** Credit for one question given the option scores: 1 when the answer scores highest alone, 1/k when k options tie at the top. */
export function qaCredit(scores: readonly number[], answer: number): number {
  const best = Math.max(...scores);
  if (scores[answer] < best) return 0;
  return 1 / scores.filter((s) => s === best).length;
}

/** Accuracy an uninformed guesser gets on a kind (1 / #options), in percent. */
export function qaChance(kind: QaKind): number {
  const n = {
    colour: COLOUR_WORDS.length,
    shape: SHAPES.length,
    motion: MOTION_KEYS.length,
    background: BACKGROUND_WORDS.length,
  }[kind];
  return 100 / n;
}
