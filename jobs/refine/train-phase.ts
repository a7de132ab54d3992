/**
 * One training phase of a round — pre-training on the refined rows with the configured noise
 * control, or fine-tuning on the human examples — over the training set's streamed epochs.
 */
import type { LossConfig } from '../../models/adatailr/loss-config.js';
import { trainWithNoiseControl } from '../../models/adatailr/train-loop.js';
import type { CaptionBatch } from '../../models/batch.js';
import type { CaptionerModel } from '../../models/model.js';
import { Trainer } from '../../models/trainer.js';
import type { Device } from '../../models/device.js';
import type { FrameShift } from './frame-shift.js';
import type { TrainExample, TrainingSet } from './training-set.js';

/** Optimizer settings of a phase (from the refine config). */
export interface PhaseSettings {
  readonly epochs: number;
  readonly batch_size: number;
  readonly lr: number;
  readonly warmup_steps: number;
  readonly weight_decay: number;
  /** Stops the phase after this many steps, whatever `epochs` says (absent = every epoch's steps). */
  readonly max_steps?: number | undefined;
}

/** What a phase reports for the round's metrics. */
export interface PhaseResult {
  readonly steps: number;
  readonly examples: number;
  /** Mean training loss per epoch (the last one partial when `max_steps` stopped the phase in it). */
  readonly lossCurve: number[];
  /** γ in force at the end of each epoch. */
  readonly gammaCurve: number[];
  /** Noise estimate ρ at the end of each epoch (NaN when the loss does not estimate it). */
  readonly rhoCurve: number[];
  readonly provider: string;
}

/** Trains `model` in place for one phase; returns its per-epoch curves. */
export async function trainPhase(opts: {
  model: CaptionerModel;
  device: Device;
  set: TrainingSet;
  filter: (e: TrainExample) => boolean;
  phase: PhaseSettings;
  loss: LossConfig;
  seed: number;
  /** Moves each clip's frames by a few seeded pixels (augmentation; absent = none). */
  frameShift?: FrameShift;
  signal?: AbortSignal;
  onEpoch?: (epoch: number, loss: number, gamma: number, rho: number) => void;
  /** Called once before the first step with the rows and the steps the phase will take. */
  onStart?: (plan: { examples: number; steps: number; epochSteps: number }) => void;
}): Promise<PhaseResult> {
  const { phase } = opts;
  const examples = await opts.set.count(opts.filter);
  const stepsPerEpoch = Math.ceil(examples / phase.batch_size);
  const empty: PhaseResult = { steps: 0, examples, lossCurve: [], gammaCurve: [], rhoCurve: [], provider: 'none' };
  if (examples === 0 || phase.epochs === 0) return empty;
  const budget = phase.max_steps ?? Number.POSITIVE_INFINITY;
  const steps = Math.min(stepsPerEpoch * phase.epochs, budget);
  opts.onStart?.({ examples, steps, epochSteps: stepsPerEpoch });
  const trainer = await Trainer.create(opts.model, opts.device, {
    lr: phase.lr,
    warmupSteps: phase.warmup_steps,
    totalSteps: Math.max(1, steps),
    weightDecay: phase.weight_decay,
  });
  const epochEnds: number[] = [];
  let taken = 0;
  const set = opts.set;
  const shift = opts.frameShift ? { frameShift: opts.frameShift } : {};
  async function* batches(): AsyncIterable<CaptionBatch> {
    for (let epoch = 0; epoch < phase.epochs && taken < budget; epoch++) {
      for await (const b of set.epoch({
        filter: opts.filter,
        batchSize: phase.batch_size,
        seed: opts.seed,
        epoch,
        ...shift,
      })) {
        taken++;
        yield { frames: b.frames, text: b.text, captions: b.captions, weights: b.weights };
        if (taken >= budget) break;
      }
      epochEnds.push(taken);
    }
  }
  try {
    const r = await trainWithNoiseControl({
      trainer,
      batches: batches(),
      lossConfig: opts.loss,
      vocabSize: opts.model.config.vocabSize,
      device: opts.device,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    opts.signal?.throwIfAborted();
    const result: PhaseResult = {
      steps: r.steps.length,
      examples,
      lossCurve: [],
      gammaCurve: [],
      rhoCurve: [],
      provider: trainer.provider,
    };
    let from = 0;
    for (const [epoch, end] of epochEnds.entries()) {
      const chunk = r.steps.slice(from, end);
      from = end;
      const loss = chunk.reduce((a, m) => a + m.loss, 0) / Math.max(1, chunk.length);
      const lastStep = chunk[chunk.length - 1];
      result.lossCurve.push(loss);
      result.gammaCurve.push(lastStep?.gamma ?? 0);
      result.rhoCurve.push(lastStep?.rho ?? Number.NaN);
      opts.onEpoch?.(epoch, loss, lastStep?.gamma ?? 0, lastStep?.rho ?? Number.NaN);
    }
    return result;
  } finally {
    await trainer.release();
  }
}
