import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTeacher, type Teacher } from '../../../models/teacher/load.js';
import { tempDir } from '../../helpers/tmp.js';
import { BRIGHT_CAPTION, DARK_CAPTION, writeTeacherFixture } from '../../helpers/teacher-fixture.js';

const W = 8;
const H = 6;

/** A clip whose frames are flat grey levels (one byte value per frame). */
function clip(clipId: string, levels: readonly number[]) {
  const size = W * H * 3;
  const frames = new Uint8Array(levels.length * size);
  levels.forEach((v, i) => frames.fill(v, i * size, (i + 1) * size));
  return { clip_id: clipId, frame_count: levels.length, frame_width: W, frame_height: H, frames };
}

/** onnxruntime-node's CUDA provider library: absent where its CUDA download is off (the default here). */
const cudaProvider = join(
  createRequire(import.meta.url)
    .resolve('onnxruntime-node')
    .replace(/dist[/\\].*$/, ''),
  'bin',
  'napi-v6',
  process.platform,
  process.arch,
  'libonnxruntime_providers_cuda.so',
);

const BRIGHT = 230;
const DARK = 20;

let dir: string;
let middle: Teacher;
let each: Teacher;

beforeAll(async () => {
  dir = join(await tempDir('flywheel-teacher-'), 'vit-tiny');
  await writeTeacherFixture(dir);
  middle = await loadTeacher({ dir, frames: 'middle' }, { threads: 1 });
  each = await loadTeacher({ dir, frames: 'each' }, { threads: 1 });
});

afterAll(async () => {
  await middle?.release();
  await each?.release();
});

describe('teacher captioner (tiny optimum-layout folder)', () => {
  it('runs on the project onnxruntime-node with remote models disabled', () => {
    const fromTransformers = createRequire(import.meta.resolve('@huggingface/transformers')).resolve(
      'onnxruntime-node',
    );
    expect(fromTransformers).toBe(createRequire(import.meta.url).resolve('onnxruntime-node'));
    expect(env.allowRemoteModels).toBe(false);
    expect(middle.dir).toBe(dir);
  });

  it('captions each clip from its middle frame; the caption follows the image', async () => {
    const out = await middle.caption([
      clip('bright', [BRIGHT]),
      clip('dark', [DARK]),
      clip('dark-bright-dark', [DARK, BRIGHT, DARK]),
      clip('empty', []),
    ]);
    expect(out).toEqual([BRIGHT_CAPTION, DARK_CAPTION, BRIGHT_CAPTION, '']);
  });

  it('"each" captions every frame and keeps the majority caption', async () => {
    const out = await each.caption([
      clip('dark-bright-dark', [DARK, BRIGHT, DARK]),
      clip('bright-x3', [BRIGHT, BRIGHT, DARK]),
    ]);
    expect(out).toEqual([DARK_CAPTION, BRIGHT_CAPTION]);
  });

  it('"each" breaks a tie by the middle frame (⌊n/2⌋)', async () => {
    const out = await each.caption([clip('db', [DARK, BRIGHT]), clip('bd', [BRIGHT, DARK])]);
    expect(out).toEqual([BRIGHT_CAPTION, DARK_CAPTION]);
  });

  it('generation honours maxNewTokens', async () => {
    const short = await loadTeacher({ dir }, { threads: 1, maxNewTokens: 2 });
    try {
      expect(await short.caption([clip('bright', [BRIGHT])])).toEqual(['a cat']);
    } finally {
      await short.release();
    }
  });

  it('asked for CUDA, it runs there or falls back to CPU with one warning naming the folder', async () => {
    const warnings: string[] = [];
    const onCuda = await loadTeacher({ dir }, { threads: 1, device: 'cuda', warn: (m) => warnings.push(m) });
    try {
      expect(await onCuda.caption([clip('bright', [BRIGHT]), clip('dark', [DARK])])).toEqual([
        BRIGHT_CAPTION,
        DARK_CAPTION,
      ]);
      // without onnxruntime-node's CUDA libraries (this project's CI) it must have fallen back, saying so
      if (!existsSync(cudaProvider))
        expect(warnings).toEqual([
          expect.stringMatching(/^teacher .*vit-tiny: cuda unavailable .*falling back to CPU/),
        ]);
      else expect(warnings.length).toBeLessThanOrEqual(1);
    } finally {
      await onCuda.release();
    }
  });
});
