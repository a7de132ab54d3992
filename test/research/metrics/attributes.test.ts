import { describe, expect, it } from 'vitest';
import { attributeAccuracy } from '../../../research/metrics/attributes.js';
import type { CaptionAttrs } from '../../../research/benchmark/index.js';

const two: CaptionAttrs = {
  objects: [
    { colour: 'red', shape: 'circle', size: 'small', motion: 'left' },
    { colour: 'blue', shape: 'square', size: null, motion: 'grows' },
  ],
  background: 'gray',
};

describe('attributeAccuracy', () => {
  it('is perfect for the ground-truth caption, in either clause order', () => {
    const a = attributeAccuracy(
      [
        'a small red circle moves left while a blue square grows on a gray background',
        'a blue square grows while a small red circle moves left on a gray background',
      ],
      [two, two],
    );
    expect(a).toMatchObject({
      colour: 1,
      shape: 1,
      size: 1,
      motion: 1,
      background: 1,
      objectCount: 1,
      objectExact: 1,
      exact: 1,
      mean: 1,
    });
  });

  it('counts each wrong slot', () => {
    // object 1: colour wrong (green); object 2: motion wrong (shrinks); background wrong
    // colour 1/2, shape 2/2, size 1/1 (only object 1 has one), motion 1/2, background 0/1
    const a = attributeAccuracy(
      ['a small green circle moves left while a blue square shrinks on a black background'],
      [two],
    );
    expect(a).toMatchObject({
      colour: 0.5,
      shape: 1,
      size: 1,
      motion: 0.5,
      background: 0,
      objectCount: 1,
      objectExact: 0,
      exact: 0,
    });
    expect(a.mean).toBeCloseTo((0.5 + 1 + 1 + 0.5 + 0) / 5, 12);
  });

  it('treats a missing object and unparseable text as wrong', () => {
    const a = attributeAccuracy(['a small red circle moves left', 'subscribe to my channel'], [two, two]);
    // item 1: object 1 right (3 slots + size), object 2 missing; item 2: nothing
    expect(a.colour).toBe(1 / 4);
    expect(a.size).toBe(1 / 2);
    expect(a.objectCount).toBe(0);
    expect(a.objectExact).toBe(1 / 4);
    expect(a.exact).toBe(0);
  });
});
