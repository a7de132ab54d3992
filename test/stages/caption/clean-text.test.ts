import { describe, expect, it } from 'vitest';
import { captionFromText, titleLead } from '../../../stages/caption/clean-text.js';
import { clipText, packFrames } from '../../../stages/model/caption-model.js';

describe('captionFromText', () => {
  it('lower-cases, strips punctuation and collapses spaces', () => {
    expect(captionFromText('  A RED circle,   moves LEFT!! ', null)).toBe('a red circle moves left');
  });
  it('falls back to the title when the transcript is empty', () => {
    expect(captionFromText('   ', 'Blue Square')).toBe('blue square');
    expect(captionFromText('', null)).toBe('');
  });
  it('cuts to a caption length', () => {
    expect(captionFromText('a b c d e', null, 3)).toBe('a b c');
  });
});

describe('model batch helpers', () => {
  it('clipText puts the title before the transcript and skips empties', () => {
    expect(clipText({ title: 'Shapes', asr_text: 'a red circle' }, 'synthetic')).toBe('Shapes . a red circle');
    expect(clipText({ title: null, asr_text: 'x' }, 'human')).toBe('x');
  });
  it('clipText hides the transcript when the caption was derived from it (no copying the target)', () => {
    expect(clipText({ title: 'Shapes', asr_text: 'a red circle' }, 'asr')).toBe('Shapes');
    expect(clipText({ title: null, asr_text: 'a red circle' }, 'asr')).toBe('');
  });
  it('clipText hides the title for a caption from either part of it', () => {
    for (const source of ['title', 'title-lead'])
      expect(clipText({ title: 'Red Circle | Learn Shapes', asr_text: 'um a red circle' }, source)).toBe(
        'um a red circle',
      );
  });
  it('packFrames concatenates frame buffers in row order', () => {
    expect(Array.from(packFrames([{ frames: new Uint8Array([1, 2]) }, { frames: new Uint8Array([3]) }]))).toEqual([
      1, 2, 3,
    ]);
  });
});

describe('titleLead', () => {
  it("is the part before a title's first vertical bar, normalised as a caption", () => {
    expect(titleLead('Red Square Going Right | Learn Shapes')).toBe('red square going right');
    expect(titleLead('Blue Circle｜Kids Video | 2024')).toBe('blue circle');
    expect(titleLead('Pasta, Fast! |')).toBe('pasta fast');
  });
  it("is '' for a title without a bar, with nothing before it, or none", () => {
    expect(titleLead('Red Square Going Right')).toBe('');
    expect(titleLead(' | Learn Shapes')).toBe('');
    expect(titleLead(null)).toBe('');
  });
  it('cuts to a caption length', () => {
    expect(titleLead('a b c d e | f', 3)).toBe('a b c');
  });
});
