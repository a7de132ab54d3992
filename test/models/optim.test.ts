/**
 * The training graph's AdamW (`models/optim.ts`, the same `adamW` that `buildTrainGraph` appends)
 * built standalone on two tiny parameters, run in ONNX Runtime (float32), and compared after one
 * and after ten steps with a plain float64 computation on the host.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph } from '../../models/graph/graph.js';
import { serialize } from '../../models/graph/serialize.js';
import { ADAMW_DEFAULTS, adamW } from '../../models/optim.js';
import { mulberry32 } from '../../models/rng.js';

const { beta1: B1, beta2: B2, eps: EPS } = ADAMW_DEFAULTS;

/** A matrix that AdamW decays and a bias that it does not. */
const SLOTS = [
  { name: 'w', shape: [2, 3], decay: true },
  { name: 'b', shape: [3], decay: false },
] as const;

/** Run-time hyper-parameters (graph inputs). */
interface Hyper {
  readonly lr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly weightDecay: number;
  readonly maxGradNorm: number;
}

const HYPER: Hyper = { lr: 0.01, warmupSteps: 4, totalSteps: 10, weightDecay: 0.1, maxGradNorm: 1 };

// The LR of steps 1..10 for HYPER, by hand: warm-up t/4·0.01 for t ≤ 4, then linear decay to
// minLrRatio·lr = 0.001 at step 10: factor 1 − 0.9·(t − 4)/6 = 1 − 0.15·(t − 4).
const LR_BY_STEP = [0.0025, 0.005, 0.0075, 0.01, 0.0085, 0.007, 0.0055, 0.004, 0.0025, 0.001];

/** Per-slot flat values (parameters, moments or gradients). */
type Values = number[][];

interface State {
  readonly p: Values;
  readonly m: Values;
  readonly v: Values;
}

/** What one step reports besides the new state. */
interface StepOut {
  readonly state: State;
  readonly gradNorm: number;
  readonly lr: number;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Textbook AdamW in float64: clip by global norm, bias-corrected moments, decoupled decay. */
function referenceStep(s: State, grads: Values, t: number, h: Hyper, lr: number): StepOut {
  const gradNorm = Math.sqrt(grads.flat().reduce((a, g) => a + g * g, 0));
  const coef = h.maxGradNorm > 0 ? Math.min(1, h.maxGradNorm / (gradNorm + 1e-6)) : 1;
  const p: Values = [];
  const m: Values = [];
  const v: Values = [];
  SLOTS.forEach((slot, i) => {
    p.push([]);
    m.push([]);
    v.push([]);
    grads[i].forEach((raw, j) => {
      const g = raw * coef;
      const mj = B1 * s.m[i][j] + (1 - B1) * g;
      const vj = B2 * s.v[i][j] + (1 - B2) * g * g;
      const mHat = mj / (1 - B1 ** t);
      const vHat = vj / (1 - B2 ** t);
      const decay = slot.decay ? h.weightDecay * s.p[i][j] : 0;
      p[i].push(s.p[i][j] - lr * (mHat / (Math.sqrt(vHat) + EPS) + decay));
      m[i].push(mj);
      v[i].push(vj);
    });
  });
  return { state: { p, m, v }, gradNorm, lr };
}

/** The optimizer alone as an ONNX graph: parameters, gradients, moments and scalars in, new ones out. */
function buildAdamWGraph(): Uint8Array {
  const g = new Graph('adamw_test');
  const scalar = (n: string) => g.input(n, 'float32', []);
  const scalars = {
    step: scalar('step'),
    lr: scalar('lr'),
    warmupSteps: scalar('warmup_steps'),
    totalSteps: scalar('total_steps'),
    weightDecay: scalar('weight_decay'),
    maxGradNorm: scalar('max_grad_norm'),
  };
  const slots = SLOTS.map((s) => ({
    param: g.input(`p.${s.name}`, 'float32', s.shape),
    grad: g.input(`g.${s.name}`, 'float32', s.shape),
    m: g.input(`m.${s.name}`, 'float32', s.shape),
    v: g.input(`v.${s.name}`, 'float32', s.shape),
    decay: s.decay,
  }));
  const { updates, gradNorm, lr } = adamW(slots, scalars, ADAMW_DEFAULTS);
  g.output(gradNorm, 'grad_norm');
  g.output(lr, 'lr_used');
  SLOTS.forEach((s, i) => {
    g.output(updates[i].param, `p.${s.name}.next`);
    g.output(updates[i].m, `m.${s.name}.next`);
    g.output(updates[i].v, `v.${s.name}.next`);
  });
  return serialize(g);
}

let session: ort.InferenceSession;
beforeAll(async () => {
  session = await ort.InferenceSession.create(buildAdamWGraph(), { intraOpNumThreads: 1 });
});
afterAll(async () => {
  await session.release();
});

/** One step of the graph (float32). */
async function graphStep(s: State, grads: Values, t: number, h: Hyper): Promise<StepOut> {
  const f32 = (x: number[], shape: readonly number[]) => new ort.Tensor('float32', Float32Array.from(x), [...shape]);
  const one = (x: number) => new ort.Tensor('float32', Float32Array.from([x]), []);
  const feeds: Record<string, ort.Tensor> = {
    step: one(t),
    lr: one(h.lr),
    warmup_steps: one(h.warmupSteps),
    total_steps: one(h.totalSteps),
    weight_decay: one(h.weightDecay),
    max_grad_norm: one(h.maxGradNorm),
  };
  SLOTS.forEach((slot, i) => {
    feeds[`p.${slot.name}`] = f32(s.p[i], slot.shape);
    feeds[`g.${slot.name}`] = f32(grads[i], slot.shape);
    feeds[`m.${slot.name}`] = f32(s.m[i], slot.shape);
    feeds[`v.${slot.name}`] = f32(s.v[i], slot.shape);
  });
  const out = await session.run(feeds);
  const read = (n: string): number[] => Array.from(out[n].data as Float32Array);
  return {
    state: {
      p: SLOTS.map((s) => read(`p.${s.name}.next`)),
      m: SLOTS.map((s) => read(`m.${s.name}.next`)),
      v: SLOTS.map((s) => read(`v.${s.name}.next`)),
    },
    gradNorm: read('grad_norm')[0],
    lr: read('lr_used')[0],
  };
}

/** Seeded starting weights in [−1, 1] with zero moments. */
function initialState(seed: number): State {
  const r = mulberry32(seed);
  const p = SLOTS.map((s) => Array.from({ length: size(s.shape) }, () => r() * 2 - 1));
  return { p, m: p.map((x) => x.map(() => 0)), v: p.map((x) => x.map(() => 0)) };
}

/** Seeded gradients in [−scale, scale]. */
function gradients(r: () => number, scale: number): Values {
  return SLOTS.map((s) => Array.from({ length: size(s.shape) }, () => (r() * 2 - 1) * scale));
}

/** float32 against float64: a few float32 ulps of the value, plus a small absolute floor. */
function expectClose(actual: Values, expected: Values, what: string): void {
  const bad: string[] = [];
  expected.forEach((xs, i) =>
    xs.forEach((e, j) => {
      const a = actual[i][j];
      if (!(Math.abs(a - e) <= 1e-7 + 2e-6 * Math.abs(e)))
        bad.push(`${what}.${SLOTS[i].name}[${j}]: graph ${a}, reference ${e}`);
    }),
  );
  expect(bad).toEqual([]);
}

function expectSameStep(graph: StepOut, ref: StepOut): void {
  expectClose(graph.state.p, ref.state.p, 'param');
  expectClose(graph.state.m, ref.state.m, 'm');
  expectClose(graph.state.v, ref.state.v, 'v');
  expect(graph.gradNorm).toBeCloseTo(ref.gradNorm, 5);
  expect(graph.lr).toBeCloseTo(ref.lr, 8);
}

// Global gradient-norm scale per step: about half the steps exceed maxGradNorm = 1 and are clipped.
const SCALES = [2, 0.3, 1.5, 0.2, 3, 0.25, 1, 4, 0.3, 2];

describe('AdamW of the training graph vs a float64 host computation', () => {
  it('one step: clipped gradient, bias-corrected moments, decay on the matrix only, warm-up LR', async () => {
    const s0 = initialState(3);
    const grads = gradients(mulberry32(4), 2);
    const ref = referenceStep(s0, grads, 1, HYPER, LR_BY_STEP[0]);
    expect(ref.gradNorm).toBeGreaterThan(HYPER.maxGradNorm * 1.5); // the clip is active
    expectSameStep(await graphStep(s0, grads, 1, HYPER), ref);
  });

  it('one step with clipping disabled (max_grad_norm 0) keeps the raw gradient in the moments', async () => {
    const s0 = initialState(5);
    const grads = gradients(mulberry32(6), 3);
    const h: Hyper = { ...HYPER, maxGradNorm: 0 };
    const ref = referenceStep(s0, grads, 1, h, LR_BY_STEP[0]);
    expect(ref.gradNorm).toBeGreaterThan(2);
    expectSameStep(await graphStep(s0, grads, 1, h), ref);
  });

  it('ten steps through warm-up and decay, with clipped and unclipped steps, stay on the reference', async () => {
    const r = mulberry32(8);
    let graph = initialState(7);
    let ref = graph;
    let clipped = 0;
    for (let t = 1; t <= 10; t++) {
      const grads = gradients(r, SCALES[t - 1]);
      const refOut = referenceStep(ref, grads, t, HYPER, LR_BY_STEP[t - 1]);
      const graphOut = await graphStep(graph, grads, t, HYPER);
      expect(graphOut.lr, `lr at step ${t}`).toBeCloseTo(LR_BY_STEP[t - 1], 8);
      expect(graphOut.gradNorm, `grad norm at step ${t}`).toBeCloseTo(refOut.gradNorm, 5);
      if (refOut.gradNorm > HYPER.maxGradNorm) clipped++;
      // each side carries its own state: float32 in the graph, float64 on the host
      graph = graphOut.state;
      ref = refOut.state;
    }
    expect(clipped).toBeGreaterThanOrEqual(3);
    expect(clipped).toBeLessThanOrEqual(7);
    expectClose(graph.p, ref.p, 'param');
    expectClose(graph.m, ref.m, 'm');
    expectClose(graph.v, ref.v, 'v');
  });
});
