/**
 * The proof that the probe measures alignment: trained briefly on the truth captions of a real
 * (ffmpeg-drawn) benchmark it retrieves held-out clips far above chance; trained on the same
 * captions shuffled across clips it stays near chance. And the proof that it also measures wording,
 * which is why queries are worded both ways: trained on the same truth in the people's words, it does
 * better on narrated queries and worse on canonical ones than the probe trained on canonical captions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateDownstream } from '../../../research/downstream/evaluate.js';
import { narratedBoundDataset, upperBoundDataset } from '../../../research/downstream/datasets.js';
import { mulberry32, shuffled } from '../../../models/rng.js';
import type { DownstreamResult } from '../../../research/downstream/types.js';
import { tempDir } from '../../helpers/tmp.js';
import { downstreamFixture } from './fixture.js';

describe('the retrieval probe measures video–text alignment', () => {
  let result: DownstreamResult;

  beforeAll(async () => {
    const fx = await downstreamFixture(await tempDir('flywheel-downstream-align-'));
    const truth = upperBoundDataset(fx.clips, fx.truth, fx.truthPath, 'truth');
    const captions = shuffled(
      truth.rows.map((r) => r.caption),
      mulberry32(9),
    );
    const shuffledSet = { name: 'shuffled', rows: truth.rows.map((r, i) => ({ ...r, caption: captions[i] })) };
    const narrated = narratedBoundDataset(fx.clips, fx.truth, fx.truthPath, 'narrated');
    result = await evaluateDownstream({
      datasets: [truth, shuffledSet, narrated],
      heldout: fx.heldout,
      frames: fx.frames,
      seeds: 2,
      steps: 150,
      batch: 32,
      threads: 1,
      queries: 'both',
    });
  });

  it('truth captions: R@1 far above chance in both directions, QA well above chance', () => {
    const [truth] = result.datasets;
    expect(result.heldout.clips).toBe(40);
    expect(truth.mean.t2v_r1).toBeGreaterThan(10 * result.chance.t2v_r1);
    expect(truth.mean.v2t_r1).toBeGreaterThan(10 * result.chance.v2t_r1);
    expect(truth.mean.qa_all).toBeGreaterThan(result.chance.qa_all + 25);
  });

  it('captions shuffled across clips: near chance', () => {
    const [, shuffledRes] = result.datasets;
    expect(shuffledRes.mean.t2v_r1).toBeLessThan(4 * result.chance.t2v_r1);
    expect(shuffledRes.mean.v2t_r1).toBeLessThan(4 * result.chance.v2t_r1);
    expect(Math.abs(shuffledRes.mean.mean_r - result.chance.mean_r)).toBeLessThan(10);
    expect(shuffledRes.mean.qa_all).toBeLessThan(result.chance.qa_all + 12);
  });
  it('each wording of the truth trains the better probe on queries in its own words', () => {
    const [truth, , narrated] = result.datasets;
    const [t, n] = [truth.byWording!, narrated.byWording!];
    expect(t.canonical.mean_r).toBeGreaterThan(n.canonical.mean_r + 5);
    expect(n.narrated.mean_r).toBeGreaterThan(t.narrated.mean_r + 3);
    expect(n.narrated.t2v_r1).toBeGreaterThan(t.narrated.t2v_r1);
    // the comparison's own scores are the mean of the two wordings
    expect(truth.mean.mean_r).toBeCloseTo((t.canonical.mean_r + t.narrated.mean_r) / 2, 9);
    expect(result.settings.queries).toBe('both');
    expect(result.runs.every((r) => r.byWording !== undefined)).toBe(true);
  });
});
