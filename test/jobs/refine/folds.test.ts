/**
 * Cross-fitting folds: a clip's fold is stable, in range and roughly balanced; k = 1 puts every clip
 * in fold 0; the judging fold is another fold whenever there are two or more, and its judge never
 * trains on the clip while every other fold's does; a bad k throws. A job whose judges would each
 * learn from too few clips is warned, with the folds that would give them enough.
 */
import { describe, expect, it } from 'vitest';
import {
  foldOf,
  JUDGE_MIN_CLIPS,
  judgesMayDrop,
  judgeDataWarning,
  judgeFold,
  trainsOn,
} from '../../../jobs/refine/folds.js';

const ids = Array.from({ length: 1000 }, (_, i) => `clip-${String(i).padStart(6, '0')}`);

describe('foldOf', () => {
  it('is stable and in range', () => {
    for (const k of [2, 3, 5, 8]) {
      for (const id of ids) {
        const f = foldOf(id, k);
        expect(Number.isInteger(f) && f >= 0 && f < k).toBe(true);
        expect(foldOf(id, k)).toBe(f);
      }
    }
    // pinned: the hash must not change between runs or machines (models are trained per fold)
    const pinned = ['clip-000000', 'clip-000001', 'clip-000002', 'clip-000003', 'clip-000004', 'clip-000005', 'a', 'b'];
    expect(pinned.map((id) => foldOf(id, 2))).toEqual([1, 1, 1, 0, 0, 1, 0, 0]);
    expect(pinned.map((id) => foldOf(id, 3))).toEqual([0, 2, 0, 0, 0, 1, 2, 0]);
  });

  it('is roughly balanced over 1000 ids', () => {
    for (const k of [2, 3, 4]) {
      const counts = new Array<number>(k).fill(0);
      for (const id of ids) counts[foldOf(id, k)]++;
      for (const c of counts) {
        expect(c).toBeGreaterThan((1000 / k) * 0.8);
        expect(c).toBeLessThan((1000 / k) * 1.2);
      }
    }
  });

  it('k = 1 puts every clip in fold 0', () => {
    for (const id of ids.slice(0, 50)) {
      expect(foldOf(id, 1)).toBe(0);
      expect(judgeFold(id, 1)).toBe(0);
    }
  });

  it('throws on a bad k', () => {
    for (const k of [0, -1, 1.5, Number.NaN]) {
      expect(() => foldOf('c', k)).toThrow(RangeError);
      expect(() => judgeFold('c', k)).toThrow(RangeError);
    }
  });
});

describe('judgeFold', () => {
  it('is another fold (in range) for k ≥ 2', () => {
    for (const k of [2, 3, 5]) {
      for (const id of ids) {
        const j = judgeFold(id, k);
        expect(j).not.toBe(foldOf(id, k));
        expect(j >= 0 && j < k).toBe(true);
      }
    }
  });
});

describe('trainsOn', () => {
  it('never lets a judge train on a clip it judges, and lets it train on every other', () => {
    for (const k of [2, 3, 5]) {
      for (const id of ids) {
        expect(trainsOn(judgeFold(id, k), id, k)).toBe(false);
        const trainers = Array.from({ length: k }, (_, j) => j).filter((j) => trainsOn(j, id, k));
        expect(trainers).toHaveLength(k - 1);
      }
    }
  });
  it('gives each of k judges (k − 1)/k of the clips; with 2 folds a judge learns from its own fold', () => {
    for (const id of ids) for (const j of [0, 1]) expect(trainsOn(j, id, 2)).toBe(foldOf(id, 2) === j);
    const k = 4;
    for (let j = 0; j < k; j++) {
      const share = ids.filter((id) => trainsOn(j, id, k)).length / ids.length;
      expect(share).toBeGreaterThan(0.65);
      expect(share).toBeLessThan(0.85);
    }
  });
  it('trains on everything with one fold', () => {
    for (const id of ids) expect(trainsOn(0, id, 1)).toBe(true);
  });
});

describe('judgeDataWarning', () => {
  it('is silent when each judge learns from enough clips, or when nothing is cross-fitted', () => {
    expect(judgeDataWarning(750, 2)).toBeUndefined(); // the demo: 375 each
    expect(judgeDataWarning(2 * JUDGE_MIN_CLIPS, 2)).toBeUndefined();
    expect(judgeDataWarning(100, 1)).toBeUndefined();
    expect(judgeDataWarning(150, 2, true)).toBeUndefined(); // judges that start from a pre-trained one
    expect(judgeDataWarning(150, 2, false)).toMatch(/about 75 of the 150/);
  });
  it("names the judges' share and the fewest folds that reach the bar", () => {
    // 450 clips: 225 each with 2 folds, 300 with 3
    expect(judgeDataWarning(450, 2)).toBe(
      'each judge learns from about 225 of the 450 train clips (folds 2; under 300 a judge finds many right captions implausible, so a clip none of whose candidates it finds plausible keeps its best one instead of being dropped, and the choice is less sure): folds = 3 gives each 300, at 3 judges a round instead of 2 (times judge.ensemble); or start them from a judge pre-trained on other clips (judge.init)',
    );
    // 225 clips (a 300-clip benchmark's train split): no count of folds reaches 300, so the most (8: 196 each)
    expect(judgeDataWarning(225, 2)).toMatch(/about 112 of the 225 .*folds = 8 gives each 196, .*\(judge\.init\)$/);
    expect(judgeDataWarning(225, 8)).toMatch(
      /about 196 of the 225 .*more clips, not more folds, would help; or start them .*\(judge\.init\)$/,
    );
    // an empty or one-clip train split: more folds add nothing, so the warning does not suggest them
    expect(judgeDataWarning(0, 2)).toMatch(
      /about 0 of the 0 .*more clips, not more folds, would help; or start them .*\(judge\.init\)$/,
    );
    expect(judgeDataWarning(1, 2)).toMatch(
      /about 0 of the 1 .*more clips, not more folds, would help; or start them .*\(judge\.init\)$/,
    );
  });
});

describe('judgesMayDrop', () => {
  it('lets a round drop only when every judge started from a pre-trained one or learnt from 300 train clips', () => {
    expect(judgesMayDrop([{ train_clips: JUDGE_MIN_CLIPS }, { train_clips: 400 }])).toBe(true);
    expect(judgesMayDrop([{ train_clips: JUDGE_MIN_CLIPS }, { train_clips: JUDGE_MIN_CLIPS - 1 }])).toBe(false);
    expect(
      judgesMayDrop([
        { train_clips: 39, started_from: 'abc' },
        { train_clips: 40, started_from: 'abc' },
      ]),
    ).toBe(true);
    // judges saved before their training was recorded drop as they did
    expect(judgesMayDrop([{}, {}])).toBe(true);
    expect(judgesMayDrop([{ steps: 3 } as { train_clips?: number }])).toBe(true);
  });
});
