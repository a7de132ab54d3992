/**
 * `caption`: writes this round's caption for every clip. Round 0 (no model yet) takes the clip's
 * cleaned text; later rounds generate from frames + text with the previous round's model. Clips
 * with a human caption keep it (they are the fine-tuning set). Output rows carry the frames on to
 * the adatailr stage; only the `captions` columns are stored.
 */
import type { RecordBatch } from 'apache-arrow';
import { batchToRows, rowsToBatch } from '../../pipeline/arrow.js';
import type { Stage, StageContext } from '../../pipeline/stage.js';
import { captionsSchema } from '../../schemas/captions.js';
import { type CaptionedRow, captionedSchema } from '../../schemas/captioned.js';
import { type ClipFramesRow, clipFramesSchema } from '../../schemas/clip-frames.js';
import { type CaptionModel, type CaptionModelLoader, chunks, clipText, packFrames } from '../model/caption-model.js';
import { captionFromText } from './clean-text.js';

/** Where captions come from. */
export type CaptionSource =
  | { readonly kind: 'text' }
  | { readonly kind: 'model'; readonly load: CaptionModelLoader; readonly beams?: number; readonly maxLen?: number };

/** Options of {@link captionStage}. */
export interface CaptionStageOptions {
  readonly round: number;
  /** Recorded on every row: the model version id, or `text` for round 0. */
  readonly modelVersion: string;
  readonly source: CaptionSource;
  /** Clips per model call. Default 32. */
  readonly modelBatch?: number;
  /** Rows per `process` call. Default 128. */
  readonly batchSize?: number;
}

/** Builds the caption stage (clip_frames → captioned; stores `captions`). */
export function captionStage(opts: CaptionStageOptions): Stage {
  let model: CaptionModel | undefined;
  const modelBatch = opts.modelBatch ?? 32;
  if (!(Number.isInteger(modelBatch) && modelBatch > 0)) throw new RangeError(`caption: modelBatch must be a positive integer, got ${modelBatch}`);
  return {
    name: 'caption',
    resources: { cpus: 1, gpus: opts.source.kind === 'model' ? 1 : 0 },
    batchSize: opts.batchSize ?? 128,
    concurrency: 1,
    resumable: true,
    inputSchema: clipFramesSchema,
    outputSchema: captionedSchema,
    persistSchema: captionsSchema,
    async setup() {
      if (opts.source.kind === 'model') model = await opts.source.load();
    },
    async process(batch: RecordBatch, ctx: StageContext): Promise<RecordBatch> {
      const rows = batchToRows<ClipFramesRow>(batch);
      const out: CaptionedRow[] = [];
      const base = { round: opts.round, model_version: opts.modelVersion };
      const toGenerate: ClipFramesRow[] = [];
      for (const r of rows) {
        if (r.human_caption) {
          out.push({ ...r, ...base, caption_source: 'human', caption: captionFromText(r.human_caption, null), token_ids: [], token_logprobs: [] });
        } else if (opts.source.kind === 'text') {
          out.push({ ...r, ...base, caption_source: 'asr', caption: captionFromText(r.asr_text, r.title), token_ids: [], token_logprobs: [] });
        } else {
          toGenerate.push(r);
        }
      }
      if (toGenerate.length > 0) {
        if (!model || opts.source.kind !== 'model') throw new Error('caption: process() before setup()');
        for (const group of chunks(toGenerate, modelBatch)) {
          ctx.signal.throwIfAborted();
          const g = await model.generate(
            { frames: packFrames(group), text: group.map((r) => clipText(r, 'synthetic')) },
            { ...(opts.source.beams ? { beams: opts.source.beams } : {}), ...(opts.source.maxLen ? { maxLen: opts.source.maxLen } : {}) },
          );
          group.forEach((r, i) => out.push({ ...r, ...base, caption_source: 'synthetic', caption: g.text[i], token_ids: g.ids[i], token_logprobs: g.tokenLogp[i] }));
        }
      }
      // keep input order
      const order = new Map(rows.map((r, i) => [r.clip_id, i]));
      out.sort((a, b) => order.get(a.clip_id)! - order.get(b.clip_id)!);
      return rowsToBatch(captionedSchema, out as unknown as Record<string, unknown>[]);
    },
    async teardown() {
      await model?.release();
      model = undefined;
    },
  };
}
