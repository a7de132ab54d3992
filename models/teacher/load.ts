/**
 * Loads a pretrained teacher captioner from a local folder and captions clips with it. It runs
 * through @huggingface/transformers' image-to-text pipeline on the project's onnxruntime-node, with
 * remote models disabled: nothing is ever downloaded. Loading checks the folder's files,
 * architecture and graph input/output names first, so a bad folder is one clear error at load,
 * before any shard runs.
 */
import { resolve } from 'node:path';
import { env, pipeline, RawImage } from '@huggingface/transformers';
import { checkTeacherConfig, type TeacherConfig, type TeacherFrameMode } from './config.js';
import { mergeFrameCaptions, type TeacherClip, teacherFrames } from './frames.js';
import { teacherId } from './identity.js';
import { checkTeacherSessions, type SessionNames } from './io-names.js';
import { checkTeacherLayout, teacherError } from './layout.js';

/** Where and how the teacher runs. */
export interface TeacherRunOptions {
  /**
   * transformers.js device. Default `cpu`; `cuda` needs onnxruntime-node's CUDA libraries
   * (docs/models.md "Device"), and falls back to `cpu` with one warning where they are missing.
   */
  readonly device?: 'cpu' | 'cuda' | 'webgpu';
  /** Where the fallback warning goes. Default `console.warn`. */
  readonly warn?: (message: string) => void;
  /** Threads inside one op (0 = ONNX Runtime's default). Default 0. */
  readonly threads?: number;
  /** Cap on generated tokens per caption. Default: the folder's generation_config.json. */
  readonly maxNewTokens?: number;
}

/** A loaded teacher: one caption per clip, from its frames alone. */
export interface Teacher {
  /** The folder it was loaded from (absolute). */
  readonly dir: string;
  /** SHA-256 of its files ({@link teacherId}): which teacher wrote a caption. */
  readonly id: string;
  readonly frames: TeacherFrameMode;
  /** One caption per clip, in order (`''` for a clip with no frames). */
  caption(clips: readonly TeacherClip[]): Promise<string[]>;
  release(): Promise<void>;
}

/** Loads the teacher once per process (in a stage's `setup`). */
export type TeacherLoader = () => Promise<Teacher>;

type Captioner = Awaited<ReturnType<typeof pipeline<'image-to-text'>>>;

/** The created ONNX sessions' names, read from the pipeline's model. */
function sessionNames(p: Captioner, dir: string): { encoder: SessionNames; decoder: SessionNames } {
  const sessions = (p.model as unknown as { sessions: Record<string, SessionNames | undefined> }).sessions;
  const encoder = sessions.model;
  const decoder = sessions.decoder_model_merged;
  if (!encoder || !decoder) throw teacherError(dir, 'transformers.js did not create an encoder and a merged decoder');
  return { encoder, decoder };
}

function checkRunOptions(opts: TeacherRunOptions): void {
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 0))
    throw new RangeError(`teacher: threads must be a non-negative integer, got ${opts.threads}`);
  if (opts.maxNewTokens !== undefined && !(Number.isInteger(opts.maxNewTokens) && opts.maxNewTokens > 0))
    throw new RangeError(`teacher: maxNewTokens must be a positive integer, got ${opts.maxNewTokens}`);
}

/** Checks and loads the teacher folder; throws an error naming the folder and the problem. */
export async function loadTeacher(config: TeacherConfig, opts: TeacherRunOptions = {}): Promise<Teacher> {
  const cfg = checkTeacherConfig(config);
  checkRunOptions(opts);
  const dir = resolve(cfg.dir);
  const layout = await checkTeacherLayout(dir);

  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  const open = (device: NonNullable<TeacherRunOptions['device']>): Promise<Captioner> =>
    pipeline('image-to-text', dir, {
      local_files_only: true,
      dtype: 'fp32',
      device,
      session_options: opts.threads ? { intraOpNumThreads: opts.threads } : {},
    });
  let p: Captioner;
  try {
    const device = opts.device ?? 'cpu';
    try {
      p = await open(device);
    } catch (e) {
      if (device === 'cpu') throw e;
      const msg = (e as Error).message.split('\n')[0];
      (opts.warn ?? ((m: string) => console.warn(m)))(
        `teacher ${dir}: ${device} unavailable (${msg}); falling back to CPU. See docs/models.md "Device".`,
      );
      p = await open('cpu');
    }
  } catch (e) {
    throw teacherError(dir, `@huggingface/transformers could not load it: ${(e as Error).message}`, e);
  }
  try {
    const { encoder, decoder } = sessionNames(p, dir);
    checkTeacherSessions(layout, encoder, decoder);
  } catch (e) {
    await p.dispose();
    throw e;
  }

  const generation = {
    num_beams: 1,
    do_sample: false,
    ...(opts.maxNewTokens ? { max_new_tokens: opts.maxNewTokens } : {}),
  };
  return {
    dir,
    id: await teacherId(dir),
    frames: cfg.frames,
    async caption(clips) {
      const perClip = clips.map((c) => teacherFrames(c, cfg.frames));
      const images = perClip.flat().map((f) => new RawImage(f.pixels, f.width, f.height, 3));
      if (images.length === 0) return clips.map(() => '');
      const out = await p(images, generation);
      const texts = out.map((o) => (Array.isArray(o) ? o : [o]).map((x) => x.generated_text).join(' '));
      let at = 0;
      return perClip.map((frames) => {
        const mine = texts.slice(at, at + frames.length);
        at += frames.length;
        return mergeFrameCaptions(mine);
      });
    },
    async release() {
      await p.dispose();
    },
  };
}
