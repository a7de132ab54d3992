/**
 * AdaTaiLr scoring throughput (not a test): `npx tsx research/bench/scoring.ts`.
 *
 * Measures `Captioner.score` (teacher-forced per-token log p of given captions) followed by the
 * host-side row weights (`rowScore`: TaiLr token weights + mean weight + NLL) — the work the
 * adatailr filter stage does per row — for batch sizes 8, 32 and 128 on CPU, in captions/s and
 * caption tokens/s (caption tokens + eos, the positions scored).
 * Environment knobs: BENCH_PRESET (default tiny), BENCH_THREADS (default 2), BENCH_ROWS (default 512).
 */
import { pathToFileURL } from 'node:url';
import { makeConfig, type PresetName } from '../../models/captioner/config.js';
import { Device } from '../../models/device.js';
import { Captioner } from '../../models/inference.js';
import { createModel } from '../../models/model.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import { rowScore } from '../../stages/adatailr/stage.js';
import { mulberry32 } from '../../models/rng.js';
import { CHATTER, COLORS, SHAPES } from '../noise-experiment/toy-task.js';

const PRESET = (process.env.BENCH_PRESET ?? 'tiny') as PresetName;
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const ROWS = Number(process.env.BENCH_ROWS ?? 512);
const BATCHES = [8, 32, 128] as const;

/** A caption of 6–12 words from the toy vocabulary (long enough to look like a real caption). */
function caption(r: () => number): string {
  const colors = Object.keys(COLORS);
  const words = [`a ${colors[Math.floor(r() * colors.length)]} ${SHAPES[Math.floor(r() * SHAPES.length)]}`];
  while (words.join(' ').split(' ').length < 6 + Math.floor(r() * 7))
    words.push(CHATTER[Math.floor(r() * CHATTER.length)]);
  return words.join(' ');
}

/** Runs the benchmark and prints one row per batch size. */
export async function run(): Promise<void> {
  const r = mulberry32(7);
  const corpus = Array.from({ length: 400 }, () => caption(r));
  const tok = CaptionTokenizer.train(corpus, { vocabSize: 500 });
  const cfg = makeConfig(PRESET, tok.vocabSize);
  const model = createModel(cfg, tok, 1);
  const device = new Device({ intraOpThreads: THREADS });
  const cap = await Captioner.fromModel(model, device);
  const per = cfg.frames * cfg.frameSize * cfg.frameSize * 3;
  const frames = new Uint8Array(ROWS * per).map((_, i) => (i * 2654435761) >>> 24);
  const texts = Array.from({ length: ROWS }, () => CHATTER[Math.floor(r() * CHATTER.length)]);
  const caps = Array.from({ length: ROWS }, () => caption(r));
  const rows: Record<string, string>[] = [];
  for (const B of BATCHES) {
    const pass = async (): Promise<number> => {
      let tokens = 0;
      for (let i = 0; i + B <= ROWS; i += B) {
        const s = await cap.score(
          { frames: frames.subarray(i * per, (i + B) * per), text: texts.slice(i, i + B) },
          caps.slice(i, i + B),
        );
        for (const lp of s.tokenLogp) {
          rowScore(lp, 0.5, 0);
          tokens += lp.length;
        }
      }
      return tokens;
    };
    await pass(); // warm-up
    const t0 = performance.now();
    const tokens = await pass();
    const s = (performance.now() - t0) / 1000;
    const n = Math.floor(ROWS / B) * B;
    rows.push({
      batch: String(B),
      captions: String(n),
      'captions/s': (n / s).toFixed(0),
      'tokens/s': (tokens / s).toFixed(0),
      'ms/batch': ((s * 1000) / (n / B)).toFixed(1),
    });
  }
  await cap.release();
  console.log(
    `Captioner.score + rowScore, preset ${PRESET} (vocab ${cfg.vocabSize}, ${cfg.frames}×${cfg.frameSize}² frames), CPU, ${THREADS} threads, ${ROWS} rows per pass`,
  );
  console.table(rows);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
