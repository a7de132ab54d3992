/**
 * A round's checks after training: the model's captions of held-out clips, and of clips it trained
 * on, scored against the truth (when the job has one), the round's own choice for the same held-out
 * clips scored the same way, and the opt-in downstream probe on the round's dataset.
 */
import type { RefineConfig } from '../../config/refine.js';
import type { TruthMeasure } from '../../metrics/truth-measure.js';
import type { Device } from '../../models/device.js';
import { Captioner } from '../../models/inference.js';
import type { CaptionTokenizer } from '../../models/tokenizer.js';
import type { Storage } from '../../pipeline/storage.js';
import type { TruthRow } from '../../schemas/truth.js';
import type { DownstreamProbe, RoundDownstream } from './downstream-eval.js';
import {
  captionClips,
  type EvalClip,
  type EvalResult,
  type HeldoutRowsCheck,
  sampleEvalClips,
  scoreEval,
  scoreHeldoutRows,
} from './evaluate.js';
import { chosenCaptions, manifestClips } from './job-inputs.js';
import { withSignal } from './job-files.js';
import type { TrainExample } from './training-set.js';

/** What {@link evaluateRound} needs to know about the round. */
export interface RoundEvalInput {
  readonly config: RefineConfig;
  /** The job's copy of its manifest (the downstream probe reads its clips). */
  readonly manifest: string;
  readonly round: number;
  readonly roundRun: Storage;
  readonly framesRun: Storage;
  /** Directory of the job's frames run (the downstream probe reads it itself). */
  readonly framesRunDir: string;
  readonly modelDir: string;
  readonly device: Device;
  /**
   * The round's rows, all in memory at once: read only for checks that need them (with truth, the
   * fit's trained-on clips and the downstream probe), and at most once.
   */
  readonly rows: () => Promise<readonly TrainExample[]>;
  readonly tokenizer: CaptionTokenizer;
  readonly truth?: Map<string, TruthRow>;
  readonly measure?: TruthMeasure;
  readonly probe?: DownstreamProbe;
  readonly signal?: AbortSignal;
}

/** What a round's checks found. */
export interface RoundEvalResult {
  /** The model's captions of held-out clips, scored. */
  readonly evalResult: EvalResult;
  /**
   * The model's captions from the frames alone, of the held-out clips and of as many train clips it
   * trained on (kept rows): what it learnt to see, against what it memorised. Absent without truth.
   */
  readonly fit?: { readonly heldout: EvalResult; readonly train: EvalResult };
  /** The round's own kept captions of the same held-out clips, scored the same way: the dataset's check. */
  readonly heldoutRows: HeldoutRowsCheck;
  readonly downstream?: RoundDownstream;
}

/**
 * The round's held-out model quality, its fit to its own train clips and, when asked for and possible,
 * its downstream scores. The probe (in worker threads, `device.workers`; or `downstream`, the probe
 * {@link startDownstream} started beside the captioner's training) and the captioner's checks (in this
 * thread) run at the same time; neither reads what the other computes. When one fails, the other is
 * let finish before the error is thrown, so nothing of the round runs on after it.
 */
export async function evaluateRound(
  input: RoundEvalInput & { readonly downstream?: Promise<RoundDownstream | undefined> },
): Promise<RoundEvalResult> {
  let rows: Promise<readonly TrainExample[]> | undefined;
  const o = { ...input, rows: () => (rows ??= input.rows()) };
  const downstream = input.downstream ?? downstreamCheck(o);
  downstream.catch(() => undefined); // a failure is thrown below, once the captioner's checks are done
  const checked = await letFinish(captionerChecks(o), downstream);
  const scores = await downstream;
  return { ...checked, ...(scores ? { downstream: scores } : {}) };
}

/**
 * Starts the round's downstream probe, when asked for and possible, in `workers` worker threads, so
 * the job's thread can train the round's captioner meanwhile: the probe reads only the round's rows.
 * Undefined when `workers` is under 1: the probe then runs after the training, in {@link evaluateRound}.
 */
export function startDownstream(
  input: RoundEvalInput,
  workers: number,
): Promise<RoundDownstream | undefined> | undefined {
  if (workers < 1) return undefined;
  const started = downstreamCheck(input, workers);
  started.catch(() => undefined); // a failure is thrown where the probe is awaited
  return started;
}

/**
 * `work`'s result; when it fails, `beside` (work running at the same time) is let finish first, so
 * nothing runs on after the failure is thrown.
 */
export async function letFinish<T>(work: Promise<T>, beside: Promise<unknown> | undefined): Promise<T> {
  try {
    return await work;
  } catch (e) {
    await beside?.catch(() => undefined);
    throw e;
  }
}

/**
 * The round captioner's captions of held-out clips and, with truth, from the frames alone of held-out
 * and trained-on clips; and the round's own kept captions of the same held-out clips.
 */
async function captionerChecks(o: RoundEvalInput): Promise<Omit<RoundEvalResult, 'downstream'>> {
  const { config } = o;
  const sample = (only?: ReadonlySet<string>): Promise<EvalClip[]> =>
    sampleEvalClips({
      run: o.roundRun,
      framesRun: o.framesRun,
      max: config.eval.max_clips,
      seed: config.seed,
      ...(only ? { only } : {}),
    });
  const clips = await sample();
  const trainedOn = async (): Promise<Set<string>> =>
    new Set((await o.rows()).filter((r) => r.split === 'train' && r.keep).map((r) => r.clipId));
  const fitClips = o.truth ? await sample(await trainedOn()) : [];
  const truthRows = o.truth ? [...o.truth.values()] : undefined;
  const chosen = await chosenCaptions(o.roundRun, new Set(clips.map((c) => c.clip.clip_id)));
  const heldoutRows = scoreHeldoutRows(clips, chosen, truthRows, o.measure);
  const captioner = await Captioner.load(o.modelDir, o.device);
  const opts = { batch: config.caption.model_batch, beams: config.caption.beams };
  let evalResult: EvalResult;
  let fit: RoundEvalResult['fit'];
  try {
    evalResult = scoreEval(clips, await captionClips(captioner, clips, opts), truthRows, o.measure);
    if (fitClips.length > 0) {
      const framesOnly = async (cs: readonly EvalClip[]): Promise<EvalResult> =>
        scoreEval(cs, await captionClips(captioner, cs, { ...opts, framesOnly: true }), truthRows, o.measure);
      fit = { heldout: await framesOnly(clips), train: await framesOnly(fitClips) };
    }
  } finally {
    await captioner.release();
  }
  return { evalResult, heldoutRows, ...(fit ? { fit } : {}) };
}

/** The downstream probe on the round's rows, when the config asks for it and the job can run it (truth and a probe). */
async function downstreamCheck(o: RoundEvalInput, workers?: number): Promise<RoundDownstream | undefined> {
  const { config } = o;
  if (!config.eval.downstream || !o.truth || !o.probe) return undefined;
  return o.probe({
    config: { ...config, eval: { ...config.eval, downstream: config.eval.downstream } },
    round: o.round,
    rows: await o.rows(),
    // read here, only for the probe: the job does not hold every clip's row
    clips: await manifestClips(o.manifest),
    truth: o.truth,
    framesRun: o.framesRunDir,
    tokenizer: o.tokenizer,
    ...(workers !== undefined ? { workers } : {}),
    ...withSignal(o.signal),
  });
}
