/**
 * Scores a trained probe on the held-out clips: embeds every held-out video and its truth caption,
 * ranks (text→video, video→text), and answers the multiple-choice questions. The held-out set is
 * prepared once (frames packed, texts tokenized) and reused for every dataset and seed.
 */
import { type Weights } from '../../models/probe/params.js';
import { type ProbeRuntime } from '../../models/probe/runtime.js';
import { type CaptionTokenizer } from '../../models/tokenizer.js';
import { QA_KINDS, qaCredit, type QaKind, type QaQuestion } from './qa.js';
import { retrievalScores, similarity, type RetrievalResult } from './retrieval.js';

/** The held-out set in the form the probe consumes. */
export interface PreparedHeldout {
  readonly clipIds: readonly string[];
  /** All clips' frames back to back. */
  readonly frames: Uint8Array;
  /** Token ids of each clip's truth caption. */
  readonly queryIds: readonly (readonly number[])[];
  readonly questions: readonly QaQuestion[];
  /** Token ids of every distinct option text, and where each question's options are in that list. */
  readonly optionIds: readonly (readonly number[])[];
  readonly optionIndex: readonly (readonly number[])[];
}

/** Probe scores on the held-out set. */
export interface ProbeScores extends RetrievalResult {
  /** Multiple-choice accuracy (percent) per question kind, and over all questions. */
  readonly qa: Readonly<Record<QaKind | 'all', number>>;
}

/** Tokenizes the truth captions and question options once. */
export async function prepareHeldout(
  tok: CaptionTokenizer,
  clips: readonly { clipId: string; frames: Uint8Array; truthCaption: string }[],
  questions: readonly QaQuestion[],
): Promise<PreparedHeldout> {
  const per = clips[0]?.frames.length ?? 0;
  const frames = new Uint8Array(per * clips.length);
  clips.forEach((c, i) => frames.set(c.frames, i * per));
  const texts: string[] = [];
  const where = new Map<string, number>();
  const optionIndex = questions.map((q) =>
    q.options.map((t) => {
      let k = where.get(t);
      if (k === undefined) {
        k = texts.length;
        texts.push(t);
        where.set(t, k);
      }
      return k;
    }),
  );
  return {
    clipIds: clips.map((c) => c.clipId),
    frames,
    queryIds: await tok.encodeBatch(clips.map((c) => c.truthCaption)),
    questions,
    optionIds: await tok.encodeBatch(texts),
    optionIndex,
  };
}

async function inChunks(
  n: number,
  size: number,
  f: (start: number, end: number) => Promise<Float32Array>,
  d: number,
): Promise<Float32Array> {
  const out = new Float32Array(n * d);
  for (let s = 0; s < n; s += size) out.set(await f(s, Math.min(n, s + size)), s * d);
  return out;
}

/** Embeds the held-out set with `weights` and scores retrieval and QA. */
export async function scoreProbe(
  runtime: ProbeRuntime,
  weights: Weights,
  h: PreparedHeldout,
  chunk = 256,
): Promise<ProbeScores> {
  const d = runtime.config.dModel;
  const n = h.clipIds.length;
  const per = h.frames.length / Math.max(1, n);
  const video = await inChunks(
    n,
    chunk,
    (s, e) => runtime.embedVideos(weights, h.frames.subarray(s * per, e * per), e - s),
    d,
  );
  const text = await inChunks(n, chunk, (s, e) => runtime.embedTexts(weights, h.queryIds.slice(s, e)), d);
  const ret = retrievalScores(similarity(video, text, d), n);
  const options = await inChunks(
    h.optionIds.length,
    chunk,
    (s, e) => runtime.embedTexts(weights, h.optionIds.slice(s, e)),
    d,
  );
  const row = new Map(h.clipIds.map((c, i) => [c, i]));
  const sums = new Map<QaKind, { credit: number; count: number }>(QA_KINDS.map((k) => [k, { credit: 0, count: 0 }]));
  h.questions.forEach((q, qi) => {
    const v = row.get(q.clipId)!;
    const scores = h.optionIndex[qi].map((k) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += video[v * d + j] * options[k * d + j];
      return s;
    });
    const acc = sums.get(q.kind)!;
    acc.credit += qaCredit(scores, q.answer);
    acc.count++;
  });
  const pct = (c: { credit: number; count: number }): number => (c.count ? (100 * c.credit) / c.count : Number.NaN);
  const all = [...sums.values()].reduce((a, b) => ({ credit: a.credit + b.credit, count: a.count + b.count }), {
    credit: 0,
    count: 0,
  });
  const qa = Object.fromEntries([
    ...QA_KINDS.map((k) => [k, pct(sums.get(k)!)] as const),
    ['all', pct(all)] as const,
  ]) as Record<QaKind | 'all', number>;
  return { ...ret, qa };
}
