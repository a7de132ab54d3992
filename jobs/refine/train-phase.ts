/**
 * One training phase of a round — pre-training on the refined rows with the configured noise
 * control, or fine-tuning on the human examples — over the training set's streamed epochs.
 */
import { createNoiseControl, type LossConfig } from '../../models/adatailr/loss-config.js';
import type { CaptionerModel } from '../../models/model.js';
import { Trainer } from '../../models/trainer.js';
import type { Device } from '../../models/device.js';
import type { TrainExample, TrainingSet } from './training-set.js';

/** Optimizer settings of a phase (from the refine config). */
export interface PhaseSettings {
  readonly epochs: number;
  readonly batch_size: number;
  readonly lr: number;
  readonly warmup_steps: number;
  readonly weight_decay: number;
}

/** What a phase reports for the round's metrics. */
export interface PhaseResult {
  readonly steps: number;
  readonly examples: number;
  /** Mean training loss per epoch. */
  readonly lossCurve: number[];
  /** γ in force at the end of each epoch. */
  readonly gammaCurve: number[];
  /** Noise estimate ρ at the end of each epoch (NaN when the loss does not estimate it). */
  readonly rhoCurve: number[];
  readonly provider: string;
}

/** Trains `model` in place for one phase; returns its curves. */
export async function trainPhase(opts: {
  model: CaptionerModel;
  device: Device;
  set: TrainingSet;
  filter: (e: TrainExample) => boolean;
  phase: PhaseSettings;
  loss: LossConfig;
  seed: number;
  signal?: AbortSignal;
  onEpoch?: (epoch: number, loss: number, gamma: number, rho: number) => void;
}): Promise<PhaseResult> {
  const { phase } = opts;
  const examples = opts.set.count(opts.filter);
  const stepsPerEpoch = Math.ceil(examples / phase.batch_size);
  const result: PhaseResult = { steps: 0, examples, lossCurve: [], gammaCurve: [], rhoCurve: [], provider: 'none' };
  if (examples === 0 || phase.epochs === 0) return result;
  if (opts.loss.kind === 'loss-truncation') {
    throw new Error('train: loss "loss-truncation" is not supported by the refine job yet (use mle, tailr or adatailr)');
  }
  const trainer = await Trainer.create(opts.model, opts.device, {
    lr: phase.lr,
    warmupSteps: phase.warmup_steps,
    totalSteps: Math.max(1, stepsPerEpoch * phase.epochs),
    weightDecay: phase.weight_decay,
  });
  const noise = createNoiseControl(opts.loss, opts.model.config.vocabSize);
  let steps = 0;
  try {
    for (let epoch = 0; epoch < phase.epochs; epoch++) {
      let sum = 0;
      let n = 0;
      for await (const b of opts.set.epoch({ filter: opts.filter, batchSize: phase.batch_size, seed: opts.seed, epoch })) {
        opts.signal?.throwIfAborted();
        const inputs = noise.inputsFor(b.clipIds.length);
        const r = await trainer.step({ frames: b.frames, text: b.text, captions: b.captions }, { gamma: inputs.gamma, wMin: inputs.wMin, sampleWeight: inputs.sampleWeight });
        const mask = new Uint8Array(r.tokenLogp.length);
        for (let i = 0; i < mask.length; i++) mask[i] = r.tokenLogp[i] !== 0 ? 1 : 0;
        noise.observe(r.tokenLogp, mask);
        sum += r.loss;
        n++;
        steps++;
      }
      const { gamma, rho } = noise.current();
      result.lossCurve.push(n ? sum / n : Number.NaN);
      result.gammaCurve.push(gamma);
      result.rhoCurve.push(rho);
      opts.onEpoch?.(epoch, n ? sum / n : Number.NaN, gamma, rho);
    }
  } finally {
    await trainer.release();
  }
  return { ...result, steps, provider: trainer.provider };
}
