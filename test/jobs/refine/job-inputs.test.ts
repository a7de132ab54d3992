/**
 * The captioner shape a refine config asks for: the preset, with the config's frame count, frame
 * size, patch, width and depth over it (the frames stage and the judges follow that geometry); an inconsistent
 * geometry is refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { join } from 'node:path';
import { manifestRawClips, modelConfig, trainOrLoadTokenizer } from '../../../jobs/refine/job-inputs.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { clip, writeJsonl } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';
import { judgeProbeConfig } from '../../../jobs/refine/judge-training.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';

const tok = CaptionTokenizer.train(['a red square going left', 'a blue circle going up'], { vocabSize: 40 });
const config = (model: object) => parseRefineConfig({ run_dir: '/r', manifest: '/m.parquet', media_root: '/m', model });

describe('modelConfig', () => {
  it('is the preset when nothing overrides it', () => {
    const c = modelConfig(config({ preset: 'tiny' }), tok);
    expect(c).toMatchObject({ frames: 4, frameSize: 32, patch: 8, frameDiff: true, vocabSize: tok.vocabSize });
  });

  it('takes the frame count, frame size and patch from the config', () => {
    const c = modelConfig(config({ preset: 'tiny', frames: 8, frame_size: 48, patch: 16 }), tok);
    expect(c).toMatchObject({ frames: 8, frameSize: 48, patch: 16, dModel: 64 });
  });

  it('takes the width and depth from the config', () => {
    const c = modelConfig(config({ preset: 'tiny', d_model: 96, ffn: 192, enc_layers: 2, dec_layers: 3 }), tok);
    expect(c).toMatchObject({ dModel: 96, ffn: 192, encLayers: 2, decLayers: 3, heads: 4, frames: 4 });
  });

  it('refuses a width the heads do not divide, naming it', () => {
    expect(() => modelConfig(config({ preset: 'tiny', d_model: 90 }), tok)).toThrow(
      /dModel 90 is not divisible by heads 4/,
    );
  });

  it('refuses a depth of zero in the config', () => {
    expect(() => config({ preset: 'tiny', enc_layers: 0 })).toThrow(/enc_layers/);
  });

  it("keeps the judges' 4 × 4 grid on larger frames with judge.patch, and refuses a patch the frame size does not divide", () => {
    const c = config({ preset: 'tiny', frame_size: 48, patch: 12 });
    expect(judgeProbeConfig(c, { count: 4, size: 48 }, tok.vocabSize).patch).toBe(8);
    const withPatch = parseRefineConfig({ ...c, judge: { patch: 12 } });
    expect(judgeProbeConfig(withPatch, { count: 4, size: 48 }, tok.vocabSize)).toMatchObject({
      patch: 12,
      frameSize: 48,
    });
    expect(() => modelConfig(parseRefineConfig({ ...c, judge: { patch: 32 } }), tok)).toThrow(
      /model.frame_size 48 does not suit the judges: .*not divisible by patch 32/,
    );
  });

  it('refuses, before any work, a training frame shift of half the frame or more, naming both', () => {
    expect(() =>
      modelConfig(parseRefineConfig({ ...config({ preset: 'tiny' }), train: { frame_shift: 16 } }), tok),
    ).toThrow(/train.frame_shift 16 would move 32-pixel frames by half their width or more: use less than 16/);
    expect(
      modelConfig(parseRefineConfig({ ...config({ preset: 'tiny' }), train: { frame_shift: 15 } }), tok).frameSize,
    ).toBe(32);
  });

  it('refuses a frame size the patch does not divide', () => {
    expect(() => modelConfig(config({ preset: 'tiny', frame_size: 36 }), tok)).toThrow(/frameSize/);
  });

  it("refuses, before any work, a frame size the judges' patch does not divide", () => {
    expect(() => modelConfig(config({ preset: 'tiny', frame_size: 36, patch: 4 }), tok)).toThrow(
      /model.frame_size 36 does not suit the judges: .*not divisible by patch 8/,
    );
  });
});

describe('manifestRawClips', () => {
  it("keeps each valid clip's id, transcript and split (train when absent), and skips bad rows", async () => {
    const dir = await tempDir();
    const manifest = await writeJsonl(join(dir, 'clips.jsonl'), [
      { ...clip('c1', 'a.mp4', 0, 1), asr_text: 'a red square', split: 'heldout' },
      { video_uri: 'b.mp4', start_s: 0, end_s: 1 },
      { ...clip('c2', 'a.mp4', 1, 2), asr_text: 'a blue circle', split: undefined },
    ]);
    const clips: unknown[] = [];
    for await (const c of manifestRawClips(manifest)) clips.push(c);
    expect(clips).toEqual([
      { clipId: 'c1', asrText: 'a red square', split: 'heldout' },
      { clipId: 'c2', asrText: 'a blue circle', split: 'train' },
    ]);
  });
});

describe('trainOrLoadTokenizer', () => {
  const vocab = (t: CaptionTokenizer): string[] =>
    Object.keys((JSON.parse(t.toJSON()) as { model: { vocab: Record<string, number> } }).model.vocab).filter(
      (token) => !token.startsWith('<'),
    );
  const clips = (heldoutSplit: string) => [
    { ...clip('c1', 'a.mp4', 0, 1), asr_text: 'a red square going left', title: 'red square', split: 'train' },
    { ...clip('c2', 'a.mp4', 1, 2), asr_text: 'a blue circle going up', human_caption: 'a blue circle moves up' },
    { ...clip('h1', 'a.mp4', 2, 3), asr_text: 'jazz whisky hyx', title: 'kwh', split: heldoutSplit },
    { video_uri: 'b.mp4', start_s: 0, end_s: 1, asr_text: 'zzz' },
  ];

  it("learns from the manifest's train text, streamed, and never from held-out text; a saved one is loaded again", async () => {
    const dir = await tempDir();
    const run = async (split: string): Promise<CaptionTokenizer> => {
      const manifest = await writeJsonl(join(dir, `clips-${split}.jsonl`), clips(split));
      const cfg = parseRefineConfig({ run_dir: dir, manifest, media_root: dir, model: { vocab_size: 200 } });
      return trainOrLoadTokenizer(jobLayout(join(dir, `job-${split}`)), cfg, cfg.manifest);
    };
    const held = await run('heldout');
    // no symbol of the held-out clip's words (nor of the bad row's) is learned: 'h', 'j', 'k', 'w', 'x', 'y', 'z' appear nowhere else
    expect(vocab(held).filter((t) => /[hjkwxyz]/.test(t))).toEqual([]);
    expect(vocab(held)).toContain('▁blue');
    const trained = await run('train');
    expect(vocab(trained).some((t) => /[hjkwxyz]/.test(t))).toBe(true);
    // the saved tokenizer.json is what a resumed job loads
    const again = await run('heldout');
    expect(again.toJSON()).toBe(held.toJSON());
  });
});
