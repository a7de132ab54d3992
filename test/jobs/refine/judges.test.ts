/**
 * `judge.init`: every judge of a job can start from a saved judge instead of random weights, and one
 * whose shape or tokenizer is not the job's is refused with the field and the reason named.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { judgeProbeConfig, startingJudge } from '../../../jobs/refine/judges.js';
import { readJudge, saveJudge } from '../../../models/probe/judge.js';
import { initProbeWeights } from '../../../models/probe/params.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { tempDir } from '../../helpers/tmp.js';

const tok = CaptionTokenizer.train(['a red square going left', 'a blue circle going up'], { vocabSize: 40 });
const config = (judge: object = {}) =>
  parseRefineConfig({ run_dir: '/r', manifest: '/m.parquet', media_root: '/m', judge });
const frames = { count: 4, size: 32 };

describe('startingJudge', () => {
  it("gives a saved judge's weights and content hash when its shape and tokenizer are the job's", async () => {
    const dir = join(await tempDir(), 'judge');
    const cfg = judgeProbeConfig(config(), frames, tok.vocabSize);
    const weights = initProbeWeights(cfg, 3);
    const saved = saveJudge(dir, { config: cfg, tokenizer: tok, weights, trainingDataId: 'pre' });
    const start = startingJudge(dir, cfg, tok);
    expect(start.contentHash).toBe(saved.contentHash);
    expect([...start.weights.keys()]).toEqual([...weights.keys()]);
    for (const [k, v] of weights) expect(start.weights.get(k)).toEqual(v);
    expect(readJudge(dir).manifest.trainingDataId).toBe('pre');
  });

  it('refuses a judge of another shape or another tokenizer, naming judge.init', async () => {
    const root = await tempDir();
    const cfg = judgeProbeConfig(config(), frames, tok.vocabSize);
    const wide = judgeProbeConfig(config({ d_model: 32 }), frames, tok.vocabSize);
    saveJudge(join(root, 'wide'), {
      config: wide,
      tokenizer: tok,
      weights: initProbeWeights(wide, 1),
      trainingDataId: 'x',
    });
    expect(() => startingJudge(join(root, 'wide'), cfg, tok)).toThrow(
      /judge\.init .*wide: its shape .* is not the job's/,
    );
    const other = CaptionTokenizer.train(['a red square going left', 'a green circle going up'], { vocabSize: 40 });
    const same = judgeProbeConfig(config(), frames, other.vocabSize);
    saveJudge(join(root, 'other'), {
      config: same,
      tokenizer: other,
      weights: initProbeWeights(same, 1),
      trainingDataId: 'x',
    });
    expect(other.vocabSize).toBe(tok.vocabSize); // the same shape: only the words differ
    expect(() => startingJudge(join(root, 'other'), cfg, tok)).toThrow(/its tokenizer is not the job's/);
    expect(() => startingJudge(join(root, 'missing'), cfg, tok)).toThrow(/missing: cannot read judge\.json/);
  });
});
