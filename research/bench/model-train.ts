/**
 * Captioner training benchmark (not a test): `npx tsx research/bench/model-train.ts`.
 *
 * 1. Training throughput of the `small` preset: our ONNX training-step graph in
 *    onnxruntime-node vs the same architecture in PyTorch (research/bench/model-train-torch.py,
 *    Debian's python3-torch) on CPU with the same thread count, in the same run.
 * 2. The cost of moving weights + both AdamW moments through `session.run` each
 *    step (an identity graph over the same tensors), with and without
 *    pre-allocated outputs, against the step time.
 * 3. Honest anchors (`anchors.ts`): the BLAS and threads PyTorch runs on (the reference BLAS is
 *    refused), the step's GFLOP/s and its share of a measured peak (fp32 GEMM, same ORT and threads).
 * Environment knobs: BENCH_THREADS (default 2), BENCH_STEPS (default 5), BENCH_BATCH (default 16),
 * BENCH_PYTHON (default /usr/bin/python3).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { makeConfig, visualTokens } from '../../models/captioner/config.js';
import { countParams, initWeights, paramSpecs } from '../../models/captioner/params.js';
import { Device } from '../../models/device.js';
import { Graph } from '../../models/graph/graph.js';
import * as o from '../../models/graph/ops.js';
import { serialize } from '../../models/graph/serialize.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import { Trainer } from '../../models/trainer.js';
import { gemmPeak, probeTorch, refuseBlas, trainStepFlops } from './anchors.js';

const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const STEPS = Number(process.env.BENCH_STEPS ?? 5);
const B = Number(process.env.BENCH_BATCH ?? 16);
const TEXT_LEN = 32;
const CAPTION_LEN = 24; // bos + 22 tokens + eos
const VOCAB = 2000;
/** The Python that runs the PyTorch anchor (Debian's python3-torch lives under /usr/bin). */
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

function randomIds(n: number, len: number, seed: number): number[][] {
  let s = seed;
  const next = (): number => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % (VOCAB - 4)) + 4;
  return Array.from({ length: n }, () => Array.from({ length: len }, next));
}

async function transferCost(nFloats: number): Promise<{ alloc: number; prealloc: number }> {
  const g = new Graph('transfer');
  const x = g.input('x', 'float32', [nFloats]);
  g.output(o.add(x, o.scalar(g, 0, 'float32')), 'y');
  const s = await ort.InferenceSession.create(serialize(g), { intraOpNumThreads: THREADS });
  const input = new ort.Tensor('float32', new Float32Array(nFloats), [nFloats]);
  const out = new ort.Tensor('float32', new Float32Array(nFloats), [nFloats]);
  const time = async (f: () => Promise<unknown>): Promise<number> => {
    await f();
    const t = performance.now();
    for (let i = 0; i < 5; i++) await f();
    return (performance.now() - t) / 5;
  };
  const r = {
    alloc: await time(() => s.run({ x: input })),
    prealloc: await time(() => s.run({ x: input }, { y: out })),
  };
  await s.release();
  return r;
}

/** Runs the benchmark and prints a table. */
export async function run(): Promise<void> {
  const cfg = makeConfig('small', VOCAB);
  const specs = paramSpecs(cfg);
  const nParams = countParams(specs);
  const tok = CaptionTokenizer.train(['placeholder text for the benchmark tokenizer'], { vocabSize: 50 });
  const model = { config: cfg, tokenizer: tok, weights: initWeights(specs, 1) };
  const S = cfg.frameSize;
  const frames = new Uint8Array(B * cfg.frames * S * S * 3).map((_, i) => (i * 2654435761) >>> 24);
  const batch = { frames, text: randomIds(B, TEXT_LEN, 1), captions: randomIds(B, CAPTION_LEN - 2, 2) };
  const trainer = await Trainer.create(model, new Device({ intraOpThreads: THREADS }));
  for (let i = 0; i < 2; i++) await trainer.step(batch);
  const t = performance.now();
  for (let i = 0; i < STEPS; i++) await trainer.step(batch);
  const ortMs = (performance.now() - t) / STEPS;
  await trainer.release();

  const capTokens = B * (CAPTION_LEN - 1);
  const allTokens = B * (visualTokens(cfg) + TEXT_LEN + CAPTION_LEN - 1);
  const rows: { system: string; 'step ms': string; 'caption tok/s': string; 'all tok/s': string }[] = [];
  const row = (system: string, ms: number): void => {
    rows.push({
      system,
      'step ms': ms.toFixed(1),
      'caption tok/s': (capTokens / (ms / 1000)).toFixed(0),
      'all tok/s': (allTokens / (ms / 1000)).toFixed(0),
    });
  };
  row(`onnxruntime-node ${ort.env.versions.common} (training-step graph)`, ortMs);

  const flops = trainStepFlops(cfg, B, TEXT_LEN, CAPTION_LEN);
  const peak = await gemmPeak(THREADS);
  const achieved = flops / (ortMs / 1000) / 1e9;

  let torchMs: number | null = null;
  const script = join(import.meta.dirname, 'model-train-torch.py');
  const probe = probeTorch(PYTHON, script, THREADS);
  const refusal = probe.ok ? refuseBlas(probe.blas) : probe.reason;
  if (probe.ok)
    console.log(
      `PyTorch anchor: torch ${probe.torch}, BLAS ${probe.blas.kind} (${probe.blas.detail}), ${probe.threads} threads`,
    );
  if (refusal) console.log(refusal.startsWith('PyTorch') ? refusal : `PyTorch row skipped: ${refusal}`);
  else {
    const spec = JSON.stringify({
      config: cfg,
      batch: B,
      textLen: TEXT_LEN,
      captionLen: CAPTION_LEN,
      steps: STEPS,
      threads: THREADS,
    });
    const out = execFileSync(PYTHON, [script, spec], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { step_ms: number; torch: string };
    torchMs = r.step_ms;
    row(`PyTorch ${r.torch} (eager, CPU, ${probe.ok ? probe.blas.kind : '?'} BLAS)`, torchMs);
  }
  console.log(
    `\nTraining step, preset small (d=${cfg.dModel}, ${cfg.encLayers}+${cfg.decLayers} layers, ${(nParams / 1e6).toFixed(2)} M params, vocab ${VOCAB}), batch ${B}, ${cfg.frames}×${S}² frames, text ${TEXT_LEN}, caption ${CAPTION_LEN}, ${THREADS} threads`,
  );
  console.table(rows);
  if (torchMs !== null)
    console.log(`ORT / PyTorch throughput ratio: ${(torchMs / ortMs).toFixed(2)} (>1 = ORT faster)`);
  console.log(
    `ORT training step: ${(flops / 1e9).toFixed(2)} GFLOP (matmuls) in ${ortMs.toFixed(1)} ms = ${achieved.toFixed(1)} GFLOP/s; ` +
      `measured peak (fp32 GEMM ${peak.n}×${peak.n} in the same ORT, ${THREADS} threads) ${peak.gflops.toFixed(1)} GFLOP/s → ${((100 * achieved) / peak.gflops).toFixed(0)}% of peak`,
  );

  const moved = nParams * 3; // weights + m + v, each in and out
  const tc = await transferCost(moved);
  console.log(
    `\nMoving weights + AdamW moments (${((moved * 4) / 1e6).toFixed(1)} MB in and out) through session.run:`,
  );
  console.table([
    {
      outputs: 'allocated by ORT',
      'ms/step': tc.alloc.toFixed(1),
      'GB/s (in+out)': ((moved * 8) / 1e6 / tc.alloc).toFixed(2),
      'share of step': `${((100 * tc.alloc) / ortMs).toFixed(1)}%`,
    },
    {
      outputs: 'pre-allocated outputs',
      'ms/step': tc.prealloc.toFixed(1),
      'GB/s (in+out)': ((moved * 8) / 1e6 / tc.prealloc).toFixed(2),
      'share of step': `${((100 * tc.prealloc) / ortMs).toFixed(1)}%`,
    },
  ]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
