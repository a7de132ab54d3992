/**
 * Downstream probe benchmark (not a test): `npx tsx research/bench/downstream.ts` or `npm run bench -- downstream`.
 *
 * 1. Probe training throughput (steps/s, tokens/s) at the default size: batch 32, 4 frames of 32²
 *    (64 patch tokens per clip), captions from the benchmark grammar — 1 and 2 ORT threads.
 * 2. Evaluation over 1,000 held-out clips: embedding videos and truth captions, the 1000×1000
 *    similarity matrix and ranks in JS, and the whole `scoreProbe` (retrieval + 4,000 QA questions).
 * Frames are random bytes and weights untrained: speed does not depend on them.
 * Environment knobs: BENCH_STEPS (default 40), BENCH_CLIPS (default 1000).
 */
import { pathToFileURL } from 'node:url';
import { renderCaption } from '../benchmark/grammar.js';
import { sampleScene } from '../benchmark/scene.js';
import { qaQuestions } from '../downstream/qa.js';
import { retrievalScores, similarity } from '../downstream/retrieval.js';
import { prepareHeldout, scoreProbe } from '../downstream/score-probe.js';
import { Device } from '../../models/device.js';
import { makeProbeConfig, patchesPerFrame } from '../../models/probe/config.js';
import { initProbeWeights, probeParamSpecs } from '../../models/probe/params.js';
import { countParams } from '../../models/captioner/params.js';
import { ProbeRuntime } from '../../models/probe/runtime.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 40);
const CLIPS = Number(process.env.BENCH_CLIPS ?? 1000);
const B = 32;

function randomFrames(n: number, per: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n * per }, () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) >>> 16) & 255);
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

/** Runs the benchmark and prints two tables. */
export async function run(): Promise<void> {
  const scenes = Array.from({ length: CLIPS }, (_, i) => sampleScene(11, i));
  const captions = scenes.map((s) => renderCaption(s));
  const tok = CaptionTokenizer.train(captions, { vocabSize: 512 });
  const cfg = makeProbeConfig({ count: 4, size: 32 }, tok.vocabSize);
  const per = cfg.frames * cfg.frameSize * cfg.frameSize * 3;
  const ids = await tok.encodeBatch(captions);
  const textTokens = ids.slice(0, B).reduce((a, r) => a + Math.min(r.length, cfg.maxTextLen), 0);
  const visualTokens = B * cfg.frames * patchesPerFrame(cfg);

  const train: Record<string, string>[] = [];
  for (const threads of [1, 2]) {
    const rt = await ProbeRuntime.open(cfg, new Device({ intraOpThreads: threads, interOpThreads: 1 }));
    const tr = rt.trainer(initProbeWeights(cfg, 1), { totalSteps: STEPS });
    const batch = { frames: randomFrames(B, per, 3), ids: ids.slice(0, B) };
    for (let i = 0; i < 3; i++) await tr.step(batch);
    const [, ms] = await timed(async () => {
      for (let i = 0; i < STEPS; i++) await tr.step(batch);
    });
    await rt.release();
    const step = ms / STEPS;
    train.push({
      threads: String(threads),
      'step ms': step.toFixed(1),
      'steps/s': (1000 / step).toFixed(1),
      'text tok/s': ((textTokens * 1000) / step).toFixed(0),
      'all tok/s (text + patches)': (((textTokens + visualTokens) * 1000) / step).toFixed(0),
    });
  }
  console.log(
    `\nProbe training step: d=${cfg.dModel}, ${cfg.textLayers} text layer, ${(countParams(probeParamSpecs(cfg)) / 1e3).toFixed(0)} k params, vocab ${cfg.vocabSize}, batch ${B}, ${cfg.frames}×${cfg.frameSize}² frames (${visualTokens} patch tokens + ${textTokens} text tokens per batch), ${STEPS} timed steps`,
  );
  console.table(train);

  const rt = await ProbeRuntime.open(cfg, new Device({ intraOpThreads: 1, interOpThreads: 1 }));
  const w = initProbeWeights(cfg, 1);
  const frames = randomFrames(CLIPS, per, 5);
  const [video, msVideo] = await timed(async () => {
    const out = new Float32Array(CLIPS * cfg.dModel);
    for (let s = 0; s < CLIPS; s += 256)
      out.set(
        await rt.embedVideos(w, frames.subarray(s * per, Math.min(CLIPS, s + 256) * per), Math.min(CLIPS, s + 256) - s),
        s * cfg.dModel,
      );
    return out;
  });
  const [text, msText] = await timed(async () => {
    const out = new Float32Array(CLIPS * cfg.dModel);
    for (let s = 0; s < CLIPS; s += 256) out.set(await rt.embedTexts(w, ids.slice(s, s + 256)), s * cfg.dModel);
    return out;
  });
  const [, msRank] = await timed(() =>
    Promise.resolve().then(() => retrievalScores(similarity(video, text, cfg.dModel), CLIPS)),
  );
  const clips = scenes.map((s, i) => ({
    clipId: `c${i}`,
    frames: frames.subarray(i * per, (i + 1) * per),
    truthCaption: captions[i],
  }));
  const questions = scenes.flatMap((s, i) => qaQuestions(`c${i}`, s));
  const [held, msPrep] = await timed(() => prepareHeldout(tok, clips, questions));
  const [, msScore] = await timed(() => scoreProbe(rt, w, held));
  await rt.release();
  console.log(
    `\nEvaluation over ${CLIPS} held-out clips (1 thread; ${questions.length} QA questions, ${held.optionIds.length} distinct option texts):`,
  );
  console.table([
    { part: `embed ${CLIPS} videos`, ms: msVideo.toFixed(0) },
    { part: `embed ${CLIPS} truth captions`, ms: msText.toFixed(0) },
    { part: `${CLIPS}×${CLIPS} similarities + ranks (JS)`, ms: msRank.toFixed(0) },
    { part: 'prepare held-out (tokenize queries and QA options, once per comparison)', ms: msPrep.toFixed(0) },
    { part: 'scoreProbe: retrieval + QA (per trained probe)', ms: msScore.toFixed(0) },
  ]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
