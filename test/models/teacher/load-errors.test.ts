import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEACHER_FILES } from '../../../models/teacher/layout.js';
import { loadTeacher } from '../../../models/teacher/load.js';
import { tempDir } from '../../helpers/tmp.js';
import { type TeacherFixtureFaults, writeTeacherFixture } from '../../helpers/teacher-fixture.js';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await tempDir('flywheel-teacher-bad-');
});

async function folder(faults: TeacherFixtureFaults = {}): Promise<string> {
  const dir = join(root, `m${n++}`);
  await writeTeacherFixture(dir, faults);
  return dir;
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('teacher folder checks at load', () => {
  it.each(TEACHER_FILES)('a missing %s is named, with the folder', async (file) => {
    const dir = await folder();
    await rm(join(dir, file));
    await expect(loadTeacher({ dir })).rejects.toThrow(new RegExp(`teacher model ${esc(dir)}: missing ${esc(file)}`));
  });

  it('a folder that does not exist is an error, not a download', async () => {
    await expect(loadTeacher({ dir: 'Xenova/vit-gpt2-image-captioning' })).rejects.toThrow(
      /vit-gpt2-image-captioning: folder does not exist/,
    );
  });

  it('a file where the folder should be is named', async () => {
    const file = join(root, 'not-a-folder');
    await writeFile(file, 'x');
    await expect(loadTeacher({ dir: file })).rejects.toThrow(/not-a-folder: is not a folder/);
  });

  it('an ONNX file the runtime cannot load is an error naming the folder, with the runtime error as its cause', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'onnx', 'decoder_model_merged.onnx'), 'not a model');
    const err = await loadTeacher({ dir }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(new RegExp(`teacher model ${esc(dir)}: @huggingface/transformers could not load it`));
    expect(err?.cause).toBeInstanceOf(Error);
  });

  it('a config file that is not JSON is named', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'preprocessor_config.json'), '{ size: 4');
    await expect(loadTeacher({ dir })).rejects.toThrow(/preprocessor_config\.json is not valid JSON/);
  });

  it('a wrong encoder input name is named with the graph and its actual inputs', async () => {
    const dir = await folder({ encoderInput: 'pixels' });
    await expect(loadTeacher({ dir })).rejects.toThrow(
      /onnx\/encoder_model\.onnx has no input "pixel_values" \(its inputs: "pixels"\)/,
    );
  });

  it('a wrong decoder input name is named with the graph', async () => {
    const dir = await folder({ decoderTokenInput: 'decoder_input_ids' });
    await expect(loadTeacher({ dir })).rejects.toThrow(/onnx\/decoder_model_merged\.onnx has no input "input_ids"/);
  });

  it('an architecture other than vision-encoder-decoder is unsupported', async () => {
    const dir = await folder({ modelType: 'llava' });
    await expect(loadTeacher({ dir })).rejects.toThrow(
      /unsupported architecture: config\.json model_type is "llava", the teacher runs "vision-encoder-decoder"/,
    );
  });

  it('a decoder whose cache layout transformers.js does not know is unsupported', async () => {
    const dir = await folder({ decoderType: 'mystery-lm' });
    await expect(loadTeacher({ dir })).rejects.toThrow(/unsupported architecture: decoder model_type "mystery-lm"/);
  });

  it('bad run options are refused before the folder is read', async () => {
    await expect(loadTeacher({ dir: join(root, 'none') }, { threads: -1 })).rejects.toThrow(
      /threads must be a non-negative integer, got -1/,
    );
  });
});
