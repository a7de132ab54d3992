/**
 * What the refine job reads before and between rounds: the manifest's clips, the tokenizer and
 * model shape, and the captions a finished round chose.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import type { RefineConfig } from '../../config/refine.js';
import { makeConfig, type CaptionerConfig } from '../../models/captioner/config.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import { loadVersion } from '../../models/version.js';
import { writeFileAtomic } from '../../pipeline/atomic-write.js';
import { readManifest } from '../../pipeline/manifest/index.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { JobLayout } from './layout.js';
import type { RawClip } from './raw-side.js';
import { judgeProbeConfig } from './judge-training.js';

/**
 * The init model's tokenizer, the job's saved one, or a new one trained on the text of `manifest`'s
 * train split (the job's copy of its manifest).
 */
export async function trainOrLoadTokenizer(
  l: JobLayout,
  config: RefineConfig,
  manifest: string,
): Promise<CaptionTokenizer> {
  if (config.model.init) return (await loadVersion(config.model.init)).tokenizer;
  if (existsSync(l.tokenizer)) return CaptionTokenizer.fromJSON(await readFile(l.tokenizer, 'utf8'));
  const tok = await CaptionTokenizer.trainStream(tokenizerTexts(manifest), {
    vocabSize: config.model.vocab_size,
  });
  await mkdir(l.dir, { recursive: true });
  await writeFileAtomic(l.tokenizer, tok.toJSON());
  return tok;
}

/** The text a job's tokenizer learns from, streamed: each non-held-out clip's transcript, title and human caption. */
export async function* tokenizerTexts(manifest: string): AsyncGenerator<string> {
  for await (const item of readManifest(manifest)) {
    if ('error' in item) continue;
    const c = item.clip;
    // held-out text is never learned from, not even by the tokenizer
    if (c.split === 'heldout') continue;
    yield c.asr_text;
    if (c.title) yield c.title;
    if (c.human_caption) yield c.human_caption;
  }
}

/**
 * The captioner shape the config asks for, sized to the tokenizer. Its frame geometry is also the
 * judges', so it is checked against the judge's patch here, before any frame is extracted, and the
 * training frame shift against the frame size.
 */
export function modelConfig(config: RefineConfig, tok: CaptionTokenizer): CaptionerConfig {
  const cfg = makeConfig(config.model.preset, tok.vocabSize, {
    ...(config.model.max_caption_len ? { maxCaptionLen: config.model.max_caption_len } : {}),
    ...(config.model.max_text_len ? { maxTextLen: config.model.max_text_len } : {}),
    ...(config.model.frames ? { frames: config.model.frames } : {}),
    ...(config.model.frame_size ? { frameSize: config.model.frame_size } : {}),
    ...(config.model.patch ? { patch: config.model.patch } : {}),
    ...(config.model.d_model ? { dModel: config.model.d_model } : {}),
    ...(config.model.ffn ? { ffn: config.model.ffn } : {}),
    ...(config.model.enc_layers ? { encLayers: config.model.enc_layers } : {}),
    ...(config.model.dec_layers ? { decLayers: config.model.dec_layers } : {}),
    frameDiff: config.model.frame_diff,
  });
  const shift = config.train.frame_shift ?? 0;
  if (shift >= cfg.frameSize / 2)
    throw new Error(
      `train.frame_shift ${shift} would move ${cfg.frameSize}-pixel frames by half their width or more: use less than ${cfg.frameSize / 2}`,
    );
  try {
    judgeProbeConfig(config, { count: cfg.frames, size: cfg.frameSize }, tok.vocabSize);
  } catch (e) {
    throw new Error(`model.frame_size ${cfg.frameSize} does not suit the judges: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return cfg;
}

/** Each clip's chosen caption in a finished round run (defined beside the adatailr stage that writes it). */
export { chosenCaptions } from '../../stages/adatailr/chosen.js';

/**
 * The manifest's valid clips' id, transcript and split only, streamed: what the raw side of the
 * dataset metrics needs, one clip at a time, without holding the clips.
 */
export async function* manifestRawClips(manifest: string): AsyncGenerator<RawClip> {
  for await (const item of readManifest(manifest))
    if ('clip' in item)
      yield { clipId: item.clip.clip_id, asrText: item.clip.asr_text, split: item.clip.split ?? 'train' };
}

/** The manifest's valid clips (bad rows are the frames run's errors, not ours). */
export async function manifestClips(manifest: string): Promise<ClipRow[]> {
  const out: ClipRow[] = [];
  for await (const item of readManifest(manifest)) if ('clip' in item) out.push(item.clip);
  return out;
}
