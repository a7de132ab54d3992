/**
 * The caption rows' `model_version` names every model that wrote candidates (the writers, and
 * `teacher:<id>` for a pretrained teacher), and the export's lineage reads back the one that wrote
 * the chosen caption: a teacher caption never gets the writers' version, nor a synthetic one the
 * teacher's.
 */
import { describe, expect, it } from 'vitest';
import { CANDIDATE_SOURCES, captionModelVersion, isTitleSource, writerOf } from '../../schemas/captions.js';

const W = 'w'.repeat(64);
const T = 't'.repeat(64);

describe('caption lineage', () => {
  it('joins the writers and the teacher', () => {
    expect(captionModelVersion('text')).toBe('text');
    expect(captionModelVersion(W)).toBe(W);
    expect(captionModelVersion('text', T)).toBe(`teacher:${T}`);
    expect(captionModelVersion(W, T)).toBe(`${W}+teacher:${T}`);
  });

  it('reads back who wrote the chosen caption', () => {
    for (const v of [captionModelVersion(W, T), `teacher:${T}+${W}`]) {
      expect(writerOf('teacher', v)).toBe(`teacher:${T}`);
      expect(writerOf('synthetic', v)).toBe(W);
      expect(writerOf('synthetic-frames', v)).toBe(W);
    }
    expect(writerOf('synthetic', captionModelVersion('text', T))).toBe('text');
    expect(writerOf('teacher', W)).toBe('text');
    expect(writerOf('previous', captionModelVersion(W, T))).toBe('previous-round');
    for (const s of ['asr', 'title', 'human']) expect(writerOf(s, captionModelVersion(W, T))).toBe('text');
  });
});

describe('isTitleSource', () => {
  it('is the whole title and its lead part, no other candidate source', () => {
    expect(CANDIDATE_SOURCES.filter(isTitleSource)).toEqual(['title', 'title-lead']);
  });
});
