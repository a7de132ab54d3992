/**
 * A round's checks after training: the model's captions of held-out clips scored against the
 * truth (when the job has one), and the opt-in downstream probe on the round's dataset.
 */
import type { RefineConfig } from '../../config/refine.js';
import type { TruthMeasure } from '../../metrics/truth-measure.js';
import type { Device } from '../../models/device.js';
import { Captioner } from '../../models/inference.js';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import type { Storage } from '../../pipeline/storage.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { TruthRow } from '../../schemas/truth.js';
import type { DownstreamProbe, RoundDownstream } from './downstream-eval.js';
import { captionClips, type EvalResult, heldoutClips, scoreEval } from './evaluate.js';
import { withSignal } from './job-files.js';
import type { TrainExample } from './training-set.js';

/** What {@link evaluateRound} needs to know about the round. */
export interface RoundEvalInput {
  readonly config: RefineConfig;
  readonly round: number;
  readonly roundRun: Storage;
  readonly framesRun: Storage;
  /** Directory of the job's frames run (the downstream probe reads it itself). */
  readonly framesRunDir: string;
  readonly modelDir: string;
  readonly device: Device;
  readonly rows: readonly TrainExample[];
  readonly clips: readonly ClipRow[];
  readonly tokenizer: CaptionTokenizer;
  readonly truth?: Map<string, TruthRow>;
  readonly measure?: TruthMeasure;
  readonly probe?: DownstreamProbe;
  readonly signal?: AbortSignal;
}

/** The round's held-out model quality and, when asked for and possible, its downstream scores. */
export async function evaluateRound(
  o: RoundEvalInput,
): Promise<{ readonly evalResult: EvalResult; readonly downstream?: RoundDownstream }> {
  const { config } = o;
  const clips = await heldoutClips({
    run: o.roundRun,
    framesRun: o.framesRun,
    max: config.eval.max_clips,
    seed: config.seed,
  });
  const captioner = await Captioner.load(o.modelDir, o.device);
  let evalResult: EvalResult;
  try {
    evalResult = scoreEval(
      clips,
      await captionClips(captioner, clips, { batch: config.caption.model_batch, beams: config.caption.beams }),
      o.truth ? [...o.truth.values()] : undefined,
      o.measure,
    );
  } finally {
    await captioner.release();
  }
  if (!config.eval.downstream || !o.truth || !o.probe) return { evalResult };
  const downstream = await o.probe({
    config: { ...config, eval: { ...config.eval, downstream: config.eval.downstream } },
    round: o.round,
    rows: o.rows,
    clips: o.clips,
    truth: o.truth,
    framesRun: o.framesRunDir,
    tokenizer: o.tokenizer,
    ...withSignal(o.signal),
  });
  return { evalResult, downstream };
}
