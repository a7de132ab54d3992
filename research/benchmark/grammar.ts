/**
 * The benchmark's closed vocabulary and caption grammar, shared by the generator
 * (which renders captions from scenes) and the metrics (which parse captions back).
 *
 *   caption := clause [ "while" clause ] "on a" BACKGROUND "background"
 *   clause  := "a" [SIZE] COLOUR SHAPE MOTION        (SIZE omitted when MOTION is grows/shrinks)
 */

/** Object colours, with their RGB value (visually far apart even at 32×32 after chroma subsampling). */
export const COLOURS = { red: 0xff2020, green: 0x20e020, blue: 0x3050ff, yellow: 0xffe020, white: 0xffffff } as const;
/** Background colours (dark/neutral so every object colour stands out). */
export const BACKGROUNDS = { black: 0x000000, gray: 0x585858, brown: 0x5a3a1a } as const;
/** Shapes drawn as alpha masks. */
export const SHAPES = ['circle', 'square', 'triangle'] as const;
/** Object sizes, as a fraction of min(width, height). */
export const SIZES = { small: 0.22, large: 0.38 } as const;
/** Motions, each with the words the caption uses for it. */
export const MOTIONS = {
  left: 'moves left',
  right: 'moves right',
  up: 'moves up',
  down: 'moves down',
  still: 'stays still',
  grows: 'grows',
  shrinks: 'shrinks',
  appears: 'appears',
} as const;

/** One colour word. */
export type Colour = keyof typeof COLOURS;
/** One background word. */
export type Background = keyof typeof BACKGROUNDS;
/** One shape word. */
export type Shape = (typeof SHAPES)[number];
/** One size word. */
export type Size = keyof typeof SIZES;
/** One motion key (see MOTIONS for its words). */
export type Motion = keyof typeof MOTIONS;

/** The attributes of one captioned object. `size` is null for grows/shrinks (its size changes). */
export interface ObjectAttrs {
  colour: Colour;
  shape: Shape;
  size: Size | null;
  motion: Motion;
}

/** What a caption states about a clip: its objects in caption order and its background. */
export interface CaptionAttrs {
  objects: ObjectAttrs[];
  background: Background;
}

/** Colour words, in a stable order. */
export const COLOUR_WORDS = Object.keys(COLOURS) as Colour[];
/** Background words, in a stable order. */
export const BACKGROUND_WORDS = Object.keys(BACKGROUNDS) as Background[];
/** Size words, in a stable order. */
export const SIZE_WORDS = Object.keys(SIZES) as Size[];
/** Motion keys, in a stable order. */
export const MOTION_KEYS = Object.keys(MOTIONS) as Motion[];

/** True when the motion changes the object's size (so the caption carries no size word). */
export function motionChangesSize(m: Motion): boolean {
  return m === 'grows' || m === 'shrinks';
}

/** Renders the ground-truth caption of a scene from the grammar. */
export function renderCaption(attrs: CaptionAttrs): string {
  const clauses = attrs.objects.map((o) => {
    const size = o.size !== null && !motionChangesSize(o.motion) ? `${o.size} ` : '';
    return `a ${size}${o.colour} ${o.shape} ${MOTIONS[o.motion]}`;
  });
  return `${clauses.join(' while ')} on a ${attrs.background} background`;
}

const motionByWords = new Map<string, Motion>(MOTION_KEYS.map((m) => [MOTIONS[m], m]));
const clauseRe = new RegExp(
  `\\ba (?:(${SIZE_WORDS.join('|')}) )?(${COLOUR_WORDS.join('|')}) (${SHAPES.join('|')}) (${Object.values(MOTIONS).join('|')})\\b`,
  'g',
);
const backgroundRe = new RegExp(`\\bon a (${BACKGROUND_WORDS.join('|')}) background\\b`);

/**
 * Parses a caption back into attributes — tolerant: it finds every grammatical clause
 * anywhere in the (lower-cased) text, so model output with extra words still parses.
 * Returns null fields where nothing matched (no background → background null).
 */
export function parseCaption(text: string): { objects: ObjectAttrs[]; background: Background | null } {
  const t = text
    .toLowerCase()
    .replace(/[^a-z ]+/g, ' ')
    .replace(/\s+/g, ' ');
  const objects: ObjectAttrs[] = [];
  for (const m of t.matchAll(clauseRe)) {
    const motion = motionByWords.get(m[4]) as Motion;
    objects.push({
      size: m[1] !== undefined && !motionChangesSize(motion) ? (m[1] as Size) : null,
      colour: m[2] as Colour,
      shape: m[3] as Shape,
      motion,
    });
  }
  const bg = backgroundRe.exec(t);
  return { objects, background: bg ? (bg[1] as Background) : null };
}
