/**
 * `judge.init`: every judge of a job can start from a saved judge instead of random weights, and one
 * whose shape or tokenizer is not the job's is refused with the field and the reason named — by a
 * refine job before it extracts any frame. Judges learn from people's text alone: the sources the
 * choice rule counts as people's, the title's lead part included.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { JUDGE_SOURCES, judgeProbeConfig, startingJudge } from '../../../jobs/refine/judge-training.js';
import { PEOPLE_SOURCES } from '../../../stages/adatailr/choose.js';
import { readJudge, saveJudge } from '../../../models/probe/judge.js';
import { initProbeWeights } from '../../../models/probe/params.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { DEMO_JUDGE_DIR } from '../../../jobs/demo/demo-config.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { runRefine } from '../../../jobs/refine/run-refine.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { clip, writeJsonl } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';

const tok = CaptionTokenizer.train(['a red square going left', 'a blue circle going up'], { vocabSize: 40 });
const config = (judge: object = {}) =>
  parseRefineConfig({ run_dir: '/r', manifest: '/m.parquet', media_root: '/m', judge });
const frames = { count: 4, size: 32 };

describe('JUDGE_SOURCES', () => {
  it("is people's text as the choice rule counts it: transcript, title, the title's lead part, human caption", () => {
    expect(JUDGE_SOURCES).toEqual(PEOPLE_SOURCES);
    expect(JUDGE_SOURCES.has('title-lead')).toBe(true);
  });
});

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
    expect(() => startingJudge(join(root, 'missing'), cfg, tok)).toThrow(
      /^judge\.init: judge .*missing: cannot read judge\.json/,
    );
  });
});

describe('a refine job with a judge.init of another tokenizer', () => {
  it('stops before any frame is extracted, naming judge.init', async () => {
    const dir = await tempDir();
    const quiet = pino({ level: 'silent' });
    const manifest = await writeJsonl(
      join(dir, 'clips.jsonl'),
      ['a', 'b', 'c'].map((id, i) => ({ ...clip(id, 'v.mp4', i, i + 1), asr_text: `a red square going left ${id}` })),
    );
    // the job trains its own tokenizer on its clips' text: not the embedded judge's
    const config = parseRefineConfig({
      run_dir: join(dir, 'job'),
      manifest,
      media_root: dir,
      model: { preset: 'tiny', vocab_size: 64 },
      judge: { init: DEMO_JUDGE_DIR },
      device: { providers: ['cpu'], threads: 1 },
    });
    await expect(runRefine(config, { log: quiet, reporter: () => new JsonReporter(quiet) })).rejects.toThrow(
      /^judge\.init .*pretrained-judge: its shape .*"vocabSize":430.* is not the job's/,
    );
    expect(existsSync(jobLayout(config.run_dir).framesRun)).toBe(false);
  });
});
