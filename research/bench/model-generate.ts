/**
 * Caption generation benchmark (not a test): `npx tsx research/bench/model-generate.ts`.
 *
 * 1. Captions/s of greedy and beam-3 generation at batch 1, 8 and 32 (`small`
 *    preset, random weights, fixed length: the untrained model rarely emits eos,
 *    so every caption runs to maxLen — a worst case).
 * 2. Whether a self-attention KV cache would pay: the decoder graph's cost for one
 *    step at prefix length 1 vs the full length (cross-attention K/V are already
 *    computed once per clip by the encoder). Generation that re-runs the prefix
 *    costs Σ_t cost(t); a perfect KV cache costs about L·cost(1) plus the cache
 *    traffic, so Σ_t cost(t) / (L·cost(1)) bounds the speed-up a cache could give.
 * Environment knobs: BENCH_THREADS (default 2), BENCH_PRESET (default small).
 */
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { makeConfig, type PresetName } from '../../models/captioner/config.js';
import { buildDecoderGraph, INFER_IO } from '../../models/captioner/inference-graphs.js';
import { initWeights, paramSpecs } from '../../models/captioner/params.js';
import { Device } from '../../models/device.js';
import { Captioner } from '../../models/inference.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import { visualTokens } from '../../models/captioner/config.js';

const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const PRESET = (process.env.BENCH_PRESET ?? 'small') as PresetName;
const VOCAB = 2000;

/** Runs the benchmark and prints its tables. */
export async function run(): Promise<void> {
  const tok = CaptionTokenizer.train(['placeholder text for the benchmark tokenizer'], { vocabSize: 50 });
  const cfg = makeConfig(PRESET, VOCAB);
  const MAX_LEN = Math.min(20, cfg.maxCaptionLen - 1);
  const model = { config: cfg, tokenizer: tok, weights: initWeights(paramSpecs(cfg), 1) };
  const device = new Device({ intraOpThreads: THREADS });
  const cap = await Captioner.fromModel(model, device);
  const S = cfg.frameSize;
  const rows: Record<string, string>[] = [];
  for (const B of [1, 8, 32]) {
    const batch = {
      frames: new Uint8Array(B * cfg.frames * S * S * 3).map((_, i) => (i * 2654435761) >>> 24),
      text: Array.from({ length: B }, () => [5, 6, 7, 8, 9, 10, 11, 12]),
    };
    for (const beams of [1, 3]) {
      await cap.generate(batch, { maxLen: 2, beams });
      const t = performance.now();
      const out = await cap.generate(batch, { maxLen: MAX_LEN, beams });
      const s = (performance.now() - t) / 1000;
      const tokens = out.ids.reduce((a, r) => a + r.length, 0);
      rows.push({
        batch: String(B),
        search: beams === 1 ? 'greedy' : `beam ${beams}`,
        'captions/s': (B / s).toFixed(1),
        'tokens/s': (tokens / s).toFixed(0),
        'mean tokens': (tokens / B).toFixed(1),
      });
    }
  }
  await cap.release();
  console.log(
    `\nGeneration, preset ${PRESET} (d=${cfg.dModel}, ${cfg.decLayers} decoder layers, vocab ${VOCAB}), maxLen ${MAX_LEN}, ${THREADS} threads, provider ${device.provider}`,
  );
  console.table(rows);

  // KV-cache bound: decoder cost per step vs prefix length.
  const dec = await ort.InferenceSession.create(buildDecoderGraph(cfg, model.weights), { intraOpNumThreads: THREADS });
  const N = visualTokens(cfg) + 8;
  const kv: Record<string, string>[] = [];
  for (const B of [1, 8, 32]) {
    const h = cfg.heads;
    const dh = cfg.dModel / h;
    const feeds = (L: number): Record<string, ort.Tensor> => {
      const f: Record<string, ort.Tensor> = {
        [INFER_IO.memoryBias]: new ort.Tensor('float32', new Float32Array(B * N), [B, N]),
        [INFER_IO.prefix]: new ort.Tensor('int64', new BigInt64Array(B * L).fill(5n), [B, L]),
      };
      for (let i = 0; i < cfg.decLayers; i++) {
        f[INFER_IO.crossK(i)] = new ort.Tensor('float32', new Float32Array(B * N * cfg.dModel).fill(0.1), [
          B,
          h,
          dh,
          N,
        ]);
        f[INFER_IO.crossV(i)] = new ort.Tensor('float32', new Float32Array(B * N * cfg.dModel).fill(0.1), [
          B,
          h,
          N,
          dh,
        ]);
      }
      return f;
    };
    const cost = async (L: number): Promise<number> => {
      const f = feeds(L);
      await dec.run(f);
      const t = performance.now();
      for (let i = 0; i < 5; i++) await dec.run(f);
      return (performance.now() - t) / 5;
    };
    const c1 = await cost(1);
    const lengths = Array.from({ length: MAX_LEN }, (_, i) => i + 1);
    let total = 0;
    for (const L of lengths) total += await cost(L);
    kv.push({
      batch: String(B),
      'step ms @ len 1': c1.toFixed(2),
      [`step ms @ len ${MAX_LEN}`]: (await cost(MAX_LEN)).toFixed(2),
      're-run total ms': total.toFixed(1),
      'ideal KV total ms': (MAX_LEN * c1).toFixed(1),
      'max KV speed-up': (total / (MAX_LEN * c1)).toFixed(2),
    });
  }
  await dec.release();
  console.log(`\nDecoder re-run vs an ideal KV cache (memory of ${N} tokens, ${MAX_LEN} generated tokens):`);
  console.table(kv);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
