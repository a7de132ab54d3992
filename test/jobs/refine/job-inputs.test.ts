/**
 * The captioner shape a refine config asks for: the preset, with the config's frame count, frame
 * size and patch over it (the frames stage and the judges follow that geometry); an inconsistent
 * geometry is refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { modelConfig } from '../../../jobs/refine/job-inputs.js';
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

  it('refuses a frame size the patch does not divide', () => {
    expect(() => modelConfig(config({ preset: 'tiny', frame_size: 36 }), tok)).toThrow(/frameSize/);
  });

  it("refuses, before any work, a frame size the judges' patch does not divide", () => {
    expect(() => modelConfig(config({ preset: 'tiny', frame_size: 36, patch: 4 }), tok)).toThrow(
      /model.frame_size 36 does not suit the judges: .*not divisible by patch 8/,
    );
  });
});
