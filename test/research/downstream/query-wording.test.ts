/**
 * The probe reads every narration whole: with the demo's tokenizer, the generator's narrations
 * (`narrate`, any draw) and the narrated queries (`narrateInStyle`, any style) of two-object scenes
 * fit in the probe's default text length, while many run past the 24 tokens it read before.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PROBE_DEFAULTS } from '../../../models/probe/config.js';
import { makeRng } from '../../../models/rng.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { narrate, narrateInStyle } from '../../../research/benchmark/asr.js';
import {
  BACKGROUND_WORDS,
  COLOUR_WORDS,
  MOTION_KEYS,
  SHAPES,
  SIZE_WORDS,
  type CaptionAttrs,
} from '../../../research/benchmark/grammar.js';
import { DEMO_MODEL_DIR } from '../../../jobs/demo/demo-config.js';

/** A seeded two-object scene with sizes where the motion allows them. */
function scene(i: number): CaptionAttrs {
  const r = makeRng(5, 'text-len', i);
  const object = () => ({
    colour: r.pick(COLOUR_WORDS),
    shape: r.pick(SHAPES),
    size: r.pick([...SIZE_WORDS, null]),
    motion: r.pick(MOTION_KEYS),
  });
  return { objects: [object(), object()], background: r.pick(BACKGROUND_WORDS) };
}

describe('the probe text length', () => {
  it('holds every two-object narration of the demo tokenizer; many exceed the old 24 tokens', async () => {
    const tok = CaptionTokenizer.fromJSON(await readFile(`${DEMO_MODEL_DIR}/tokenizer.json`, 'utf8'));
    const texts: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const attrs = scene(i);
      texts.push(narrate(attrs, makeRng(6, 'narration', i)), narrateInStyle(attrs, i));
    }
    const lengths = (await tok.encodeBatch(texts)).map((ids) => ids.length);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(PROBE_DEFAULTS.maxTextLen);
    expect(lengths.filter((n) => n > 24).length / lengths.length).toBeGreaterThan(0.2);
  });
});
