/**
 * The probe's ONNX graphs. Parameters are graph inputs in all of them, so one session serves every
 * seed and dataset of a comparison (weights are fed per run):
 *
 * - training step: frames, text ids (and, with hard negatives, one hard negative's ids per row),
 *   per-row weights → symmetric InfoNCE → backward → AdamW
 *   (the same in-graph optimizer and schedule as the captioner); with `optimizer: false` it
 *   outputs raw gradients instead (gradient checks);
 * - `video`: frames → embeddings [B, d];  `text`: ids → embeddings [B, d].
 */
import { Graph, type FloatDType, type Tensor } from '../graph/graph.js';
import { serialize } from '../graph/serialize.js';
import { ADAMW_IO, type AdamWConstants } from '../optim.js';
import { appendTrainStep } from '../train-step.js';
import { type ProbeConfig } from './config.js';
import { infoNce, logitScale, textTower, videoTower } from './forward.js';
import { probeParamSpecs, type ParamSpec } from './params.js';

/** Graph value names shared by the graph builders and the host code. */
export const PROBE_IO = {
  frames: 'frames',
  textIds: 'text_ids',
  hardIds: 'hard_ids',
  sampleWeight: 'sample_weight',
  loss: 'loss',
  rowLoss: 'row_loss',
  scale: 'logit_scale_used',
  videoEmb: 'video_emb',
  textEmb: 'text_emb',
  ...ADAMW_IO,
} as const;

/** A built graph with the parameter list it expects. */
export interface ProbeGraph {
  readonly bytes: Uint8Array;
  readonly specs: readonly ParamSpec[];
}

/** Parameter lookup that declares a parameter's graph input on first use (a tower graph then only asks for its own). */
function paramInputs(
  g: Graph,
  cfg: ProbeConfig,
  dtype: FloatDType,
): { specs: ParamSpec[]; P: (n: string) => Tensor; used: () => ParamSpec[] } {
  const specs = probeParamSpecs(cfg);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const params = new Map<string, Tensor>();
  const P = (n: string): Tensor => {
    const have = params.get(n);
    if (have) return have;
    const s = byName.get(n);
    if (!s) throw new Error(`probe: no parameter ${n}`);
    const t = g.input(PROBE_IO.param(n), dtype, s.shape);
    params.set(n, t);
    return t;
  };
  return { specs, P, used: () => specs.filter((s) => params.has(s.name)) };
}

function framesInput(g: Graph, cfg: ProbeConfig): Tensor {
  return g.input(PROBE_IO.frames, 'uint8', ['B', cfg.frames, cfg.frameSize, cfg.frameSize, 3]);
}

/** Options of {@link buildProbeTrainGraph}. */
export interface ProbeTrainGraphOptions {
  /** float32 for training, float64 for gradient checks. */
  readonly dtype: FloatDType;
  /** Include the AdamW update (default true); false outputs `grad.<name>` instead. */
  readonly optimizer?: boolean;
  /** AdamW constants (default ADAMW_DEFAULTS). */
  readonly adam?: AdamWConstants;
  /** Take one hard negative text per row (`hard_ids` [B, L]) into the video → text softmax. Default false. */
  readonly hardNegatives?: boolean;
}

/** Builds and serializes the probe's training-step graph. */
export function buildProbeTrainGraph(cfg: ProbeConfig, opts: ProbeTrainGraphOptions): ProbeGraph {
  const dtype = opts.dtype;
  const g = new Graph('probe_train');
  const { specs, P } = paramInputs(g, cfg, dtype);
  const frames = framesInput(g, cfg);
  const ids = g.input(PROBE_IO.textIds, 'int64', ['B', 'L']);
  const sampleWeight = g.input(PROBE_IO.sampleWeight, dtype, ['B']);
  const scale = logitScale(cfg, P);
  const hard = opts.hardNegatives
    ? textTower(cfg, dtype, g.input(PROBE_IO.hardIds, 'int64', ['B', 'H']), P)
    : undefined;
  const { loss, rowLoss } = infoNce(
    videoTower(cfg, dtype, frames, P),
    textTower(cfg, dtype, ids, P),
    scale,
    sampleWeight,
    hard,
  );
  appendTrainStep(
    g,
    dtype,
    loss,
    specs.map((s) => ({ ...s, value: P(s.name) })),
    { ...opts, report: { [PROBE_IO.loss]: loss, [PROBE_IO.rowLoss]: rowLoss, [PROBE_IO.scale]: scale } },
  );
  return { bytes: serialize(g, { doc: `flywheel retrieval probe training step (d=${cfg.dModel}, ${dtype})` }), specs };
}

/** The video tower alone: frames (+ parameters) → `video_emb` [B, d] (float32). */
export function buildVideoGraph(cfg: ProbeConfig): ProbeGraph {
  const g = new Graph('probe_video');
  const { P, used } = paramInputs(g, cfg, 'float32');
  g.output(videoTower(cfg, 'float32', framesInput(g, cfg), P), PROBE_IO.videoEmb);
  return { bytes: serialize(g, { doc: 'flywheel retrieval probe video tower' }), specs: used() };
}

/** The text tower alone: ids (+ parameters) → `text_emb` [B, d] (float32). */
export function buildTextGraph(cfg: ProbeConfig): ProbeGraph {
  const g = new Graph('probe_text');
  const { P, used } = paramInputs(g, cfg, 'float32');
  g.output(textTower(cfg, 'float32', g.input(PROBE_IO.textIds, 'int64', ['B', 'L']), P), PROBE_IO.textEmb);
  return { bytes: serialize(g, { doc: 'flywheel retrieval probe text tower' }), specs: used() };
}
