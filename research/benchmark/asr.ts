/**
 * Simulated web text for a clip: an ASR-like narration of the scene (partially correct
 * by nature: fillers, paraphrases) and, for corrupted clips, controlled noise — wrong
 * attribute words, missing words, off-topic chatter, another clip's narration, or nothing.
 * Titles and tags carry their own, independent noise. Pure and deterministic by rng.
 */
import {
  COLOUR_WORDS,
  SHAPES,
  SIZE_WORDS,
  MOTION_KEYS,
  motionChangesSize,
  type CaptionAttrs,
  type Motion,
  type ObjectAttrs,
} from './grammar.js';
import type { Rng } from '../../models/rng.js';
import { tokenize } from '../../metrics/tokenize.js';

/** The ways a transcript can be corrupted (recorded per clip in the truth sidecar). */
export const NOISE_KINDS = ['wrong_attribute', 'missing_words', 'off_topic', 'other_clip', 'empty'] as const;
/** One noise kind. */
export type NoiseKind = (typeof NOISE_KINDS)[number];

/** The phrases narration and titles use for each motion (the canonical words are in `MOTIONS`). */
export const MOTION_PHRASES: Readonly<Record<Motion, readonly string[]>> = {
  left: ['moving to the left', 'going left', 'moves left'],
  right: ['moving to the right', 'going right', 'moves right'],
  up: ['going up', 'moving up', 'moves up'],
  down: ['going down', 'moving down', 'moves down'],
  still: ['staying still', 'just sitting there', 'not moving at all'],
  grows: ['getting bigger', 'growing', 'grows'],
  shrinks: ['getting smaller', 'shrinking', 'shrinks'],
  appears: ['popping up', 'appearing', 'shows up'],
};
const OPENERS = ['so', 'okay so', 'alright', 'um', 'now', 'and here'] as const;
const INTROS = ['we have', 'you can see', "there's", 'look at'] as const;
const LINKS = ['and', 'and also', 'while'] as const;
const CHATTER = [
  "don't forget to subscribe",
  'smash that like button',
  'let me know in the comments',
  'this video is sponsored by our friends',
  'welcome back to the channel',
  'i had coffee this morning',
  'anyway where was i',
  'check out the link in the description',
  'see you in the next one',
  'hit the bell for notifications',
] as const;
const CLICKBAIT = [
  "You Won't Believe This!!",
  'Satisfying Video #shorts',
  'Try Not To Laugh',
  'My Morning Routine',
  'Top 10 Moments',
] as const;
/** The taglines a clean title carries after its vertical bar, as a web channel's titles do. */
export const TITLE_TAGLINES = ['Learn Shapes', 'Shapes and Colors', 'Kids Video'] as const;

/** Whether a caption carries one of {@link TITLE_TAGLINES}, in any case and punctuation: a title's tagline kept in the data. */
export function carriesTagline(caption: string): boolean {
  const words = ` ${tokenize(caption).join(' ')} `;
  return TITLE_TAGLINES.some((t) => words.includes(` ${tokenize(t).join(' ')} `));
}
const JUNK_TAGS = ['vlog', 'funny', 'viral', '2024', 'shorts', 'asmr', 'gaming'] as const;

/** Narration of one object, e.g. "you can see a small red circle and it's moving to the left". */
function narrateObject(o: ObjectAttrs, rng: Rng): string {
  const size = o.size !== null && !motionChangesSize(o.motion) ? `${o.size} ` : '';
  const phrase = rng.pick(MOTION_PHRASES[o.motion]);
  return `${rng.pick(INTROS)} a ${size}${o.colour} ${o.shape} ${/ing$/.test(phrase.split(' ')[0] ?? '') && rng.chance(0.5) ? "and it's " : ''}${phrase}`;
}

/** An ASR-like narration of a scene, correct but informal. */
export function narrate(attrs: CaptionAttrs, rng: Rng): string {
  const parts = attrs.objects.map((o, k) => (k === 0 ? '' : `${rng.pick(LINKS)} `) + narrateObject(o, rng));
  const bg = rng.chance(0.5) ? ` on a ${attrs.background} background` : '';
  return `${rng.pick(OPENERS)} ${parts.join(' ')}${bg}`;
}

/**
 * A narration with fixed choices: every pick takes position `style` of its list (modulo its length) and
 * every chance holds, so the background is always said. Two scenes narrated in one style differ only
 * in the words of the attributes that differ: the people's-words form of the downstream probe's
 * held-out queries and answer options.
 */
export function narrateInStyle(attrs: CaptionAttrs, style: number): string {
  const at = <T>(items: readonly T[]): T => items[Math.abs(Math.trunc(style)) % items.length];
  const fixed: Rng = { next: () => 0, int: (n) => Math.abs(Math.trunc(style)) % n, pick: at, chance: () => true };
  return narrate(attrs, fixed);
}

/** A copy of `attrs` with 1–2 attribute values (distinct object/attribute slots) replaced by different ones. */
export function corruptAttributes(attrs: CaptionAttrs, rng: Rng): CaptionAttrs {
  const objects = attrs.objects.map((o) => ({ ...o }));
  const slots = objects.flatMap((_, j) => [0, 1, 2].map((which) => ({ j, which })));
  const n = Math.min(slots.length, 1 + rng.int(2));
  for (let k = 0; k < n; k++) {
    const { j, which } = slots.splice(rng.int(slots.length), 1)[0];
    const o = objects[j];
    const orig = attrs.objects[j];
    if (which === 0) o.colour = rng.pick(COLOUR_WORDS.filter((c) => c !== orig.colour));
    else if (which === 1) o.shape = rng.pick(SHAPES.filter((s) => s !== orig.shape));
    else {
      const motion = rng.pick(MOTION_KEYS.filter((m) => m !== orig.motion));
      o.motion = motion;
      o.size = motionChangesSize(motion) ? null : (o.size ?? rng.pick(SIZE_WORDS));
    }
  }
  return { background: attrs.background, objects };
}

/** Drops 40–70% of the words of `text` (keeps at least one). */
export function dropWords(text: string, rng: Rng): string {
  const words = text.split(' ');
  const rate = 0.4 + 0.3 * rng.next();
  const kept = words.filter(() => !rng.chance(rate));
  return (kept.length > 0 ? kept : [words[0]]).join(' ');
}

/** One to three off-topic chatter sentences. */
export function chatter(rng: Rng): string {
  const n = 1 + rng.int(3);
  return Array.from({ length: n }, () => rng.pick(CHATTER)).join(' ');
}

/** The transcript of a clip given its noise kinds (empty list = clean). `other` is a different clip's scene. */
export function transcript(attrs: CaptionAttrs, kinds: readonly NoiseKind[], other: CaptionAttrs, rng: Rng): string {
  if (kinds.includes('empty')) return '';
  if (kinds.includes('off_topic')) return chatter(rng);
  let text = narrate(
    kinds.includes('other_clip') ? other : kinds.includes('wrong_attribute') ? corruptAttributes(attrs, rng) : attrs,
    rng,
  );
  if (kinds.includes('missing_words')) text = dropWords(text, rng);
  return text;
}

/** Chooses the noise kinds of a corrupted clip from the weighted mix; wrong_attribute and missing_words sometimes combine. */
export function chooseNoiseKinds(mix: Readonly<Record<NoiseKind, number>>, rng: Rng): NoiseKind[] {
  const total = NOISE_KINDS.reduce((s, k) => s + mix[k], 0);
  let r = rng.next() * total;
  let kind: NoiseKind = NOISE_KINDS[0];
  for (const k of NOISE_KINDS) {
    if (r < mix[k]) {
      kind = k;
      break;
    }
    r -= mix[k];
  }
  if (kind === 'wrong_attribute' && rng.chance(0.25)) return ['wrong_attribute', 'missing_words'];
  return [kind];
}

const title = (s: string): string => s.replace(/\b[a-z]/g, (c) => c.toUpperCase());

/** A YouTube-like title and tags; when `corrupted`, clickbait or a wrong attribute and junk tags. Null sometimes (missing metadata). */
export function titleAndTags(
  attrs: CaptionAttrs,
  corrupted: boolean,
  rng: Rng,
): { title: string | null; tags: string[] | null } {
  if (rng.chance(0.05)) return { title: null, tags: null };
  const o = (corrupted && rng.chance(0.5) ? corruptAttributes(attrs, rng) : attrs).objects[0];
  const base = title(`${o.colour} ${o.shape} ${rng.pick(MOTION_PHRASES[o.motion])}`);
  const t = corrupted && rng.chance(0.5) ? rng.pick(CLICKBAIT) : `${base} | ${rng.pick(TITLE_TAGLINES)}`;
  const tags = corrupted ? [rng.pick(JUNK_TAGS), rng.pick(JUNK_TAGS)] : ['shapes', 'colors', o.colour, o.shape];
  return { title: t, tags: [...new Set(tags)] };
}
