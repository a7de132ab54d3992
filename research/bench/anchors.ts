/**
 * Honest anchors for `research/bench/model-train.ts`: which BLAS the PyTorch anchor runs on (it refuses the
 * reference BLAS), the training step's FLOPs, and a measured peak — a large fp32 GEMM in the same
 * ONNX Runtime on the same threads — so the distance to the machine's limit is visible.
 */
import { execFileSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { type CaptionerConfig, visualTokens } from '../../models/captioner/config.js';
import { Graph } from '../../models/graph/graph.js';
import * as o from '../../models/graph/ops.js';
import { serialize } from '../../models/graph/serialize.js';

/** Which BLAS a process runs on, from the libraries mapped into it and torch's build config. */
export interface BlasInfo {
  readonly kind: 'openblas' | 'mkl' | 'reference' | 'other' | 'unknown';
  /** Mapped BLAS/LAPACK libraries (real paths) or the build string, for the printout. */
  readonly detail: string;
}

/** How to leave the reference BLAS on Debian/Ubuntu (printed when the anchor refuses it). */
export const OPENBLAS_HINT =
  'install OpenBLAS: `sudo apt-get install -y libopenblas0-pthread` (the alternatives system then points libblas.so.3 at it; check with ' +
  '`update-alternatives --query libblas.so.3-x86_64-linux-gnu`, or choose it with `sudo update-alternatives --config libblas.so.3-x86_64-linux-gnu`)';

/** Classifies BLAS libraries mapped into a process (e.g. from /proc/<pid>/maps) and torch's `BLAS_INFO`. */
export function classifyBlas(mappedLibs: readonly string[], buildBlasInfo = ''): BlasInfo {
  const libs = [...new Set(mappedLibs)];
  const detail =
    [libs.join(', '), buildBlasInfo && `torch BLAS_INFO=${buildBlasInfo}`].filter(Boolean).join('; ') || 'none found';
  if (libs.some((l) => /openblas/i.test(l))) return { kind: 'openblas', detail };
  if (libs.some((l) => /mkl/i.test(l)) || /mkl/i.test(buildBlasInfo)) return { kind: 'mkl', detail };
  // Debian's reference BLAS lives in .../blas/libblas.so.3 (openblas/atlas/blis have their own dirs)
  if (libs.some((l) => /\/blas\/libblas\.so/.test(l) || /refblas|netlib/i.test(l)))
    return { kind: 'reference', detail };
  if (libs.length > 0) return { kind: 'other', detail };
  return { kind: 'unknown', detail };
}

/** What the PyTorch anchor will run on, or why it cannot run. */
export type TorchProbe =
  | { readonly ok: true; readonly torch: string; readonly threads: number; readonly blas: BlasInfo }
  | { readonly ok: false; readonly reason: string };

/** Imports torch in `python` (`--probe` mode of the twin script) and reads its BLAS and threads. */
export function probeTorch(python: string, script: string, threads: number): TorchProbe {
  try {
    const out = execFileSync(python, [script, '--probe', String(threads)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
      torch: string;
      threads: number;
      libs: string[];
      blas_info: string;
    };
    return { ok: true, torch: r.torch, threads: r.threads, blas: classifyBlas(r.libs, r.blas_info) };
  } catch (err) {
    const e = err as { stderr?: string; message?: string };
    const last = (e.stderr ?? '').trim().split('\n').pop() || (e.message ?? String(err)).split('\n')[0];
    return {
      ok: false,
      reason: `${python} with torch is not usable (${last}); install with: apt-get install -y python3-torch`,
    };
  }
}

/** The reason to refuse a probe's BLAS as an anchor, or undefined when it is fit. */
export function refuseBlas(blas: BlasInfo): string | undefined {
  if (blas.kind !== 'reference') return undefined;
  return `PyTorch row refused: it would run on the reference BLAS (${blas.detail}), ~24× slower than OpenBLAS — not an honest anchor; ${OPENBLAS_HINT}`;
}

/**
 * Matmul FLOPs of one training step of the captioner (forward × 3: forward + the two backward
 * matmuls). Counts every MatMul/Gemm (2 FLOPs per multiply-add); elementwise ops, softmax and
 * LayerNorm are left out, so GFLOP/s is a slight underestimate.
 */
export function trainStepFlops(cfg: CaptionerConfig, batch: number, textLen: number, captionLen: number): number {
  const d = cfg.dModel;
  const vis = visualTokens(cfg);
  const n = vis + textLen; // encoder tokens
  const l = captionLen - 1; // decoder positions
  const p3 = cfg.patch * cfg.patch * 3;
  const patchEmbed = vis * (p3 * d + d * d);
  const attnSelf = (t: number): number => 4 * t * d * d + 2 * t * t * d;
  const ffn = (t: number): number => 2 * t * d * cfg.ffn;
  const enc = cfg.encLayers * (attnSelf(n) + ffn(n));
  const cross = 2 * l * d * d + 2 * n * d * d + 2 * l * n * d;
  const dec = cfg.decLayers * (attnSelf(l) + cross + ffn(l));
  const logits = l * d * cfg.vocabSize;
  return 3 * 2 * batch * (patchEmbed + enc + dec + logits);
}

/** GFLOP/s of an n×n fp32 GEMM in onnxruntime-node on `threads` intra-op threads (best of `runs`). */
export async function gemmPeak(threads: number, n = 1024, runs = 5): Promise<{ gflops: number; n: number }> {
  const g = new Graph('gemm-peak');
  const a = g.input('a', 'float32', [n, n]);
  const b = g.input('b', 'float32', [n, n]);
  g.output(o.matmul(a, b), 'c');
  const s = await ort.InferenceSession.create(serialize(g), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const x = new Float32Array(n * n).map((_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  const feeds = { a: new ort.Tensor('float32', x, [n, n]), b: new ort.Tensor('float32', x, [n, n]) };
  const out = { c: new ort.Tensor('float32', new Float32Array(n * n), [n, n]) };
  await s.run(feeds, out);
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await s.run(feeds, out);
    best = Math.min(best, performance.now() - t);
  }
  await s.release();
  return { gflops: (2 * n ** 3) / (best / 1000) / 1e9, n };
}
