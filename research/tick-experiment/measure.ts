/**
 * What one finished `schedule` tick did to its new clips, measured against the truth sidecar
 * (measuring only): how right their transcripts were, how right the tick's captioner described
 * them, and how right the rows it exported are, on the tick's train clips.
 */
import { readFile } from 'node:fs/promises';
import type { RefineConfig } from '../../config/refine.js';
import { readTruthMap } from '../../jobs/refine/truth-file.js';
import { scheduleLayout } from '../../jobs/schedule/tick-state.js';
import { readParquetRows } from '../../pipeline/parquet-file.js';
import type { CaptionRow } from '../../schemas/captions.js';
import type { ClipRow } from '../../schemas/clips.js';
import type { ScoreRow } from '../../schemas/scores.js';
import { captionFromText } from '../../stages/caption/clean-text.js';
import { contentCorrect } from '../benchmark/content.js';
import { truthAttrs } from '../benchmark/truth.js';
import { stageShards } from '../refine-experiment/choice-audit-load.js';

/** One tick's figures, all on its train clips (the truth's split). */
export interface TickPoint {
  readonly tick: number;
  /** Train clips the tick took. */
  readonly trainClips: number;
  /** Share of them whose transcript states the content right (the raw input). */
  readonly raw: number;
  /** Share of the clips the captioner wrote for (no human caption) that its caption describes right. */
  readonly captioner: number;
  /** Share of the exported train rows that are right (the dataset's content accuracy). */
  readonly exported: number;
  /** Exported train rows over train clips. */
  readonly keptShare: number;
  /** Whether this tick trained a new captioner afterwards (for the ticks after it). */
  readonly retrained: boolean;
  /** The tick's wall-clock seconds, and the retraining's share of them, as the tick recorded them (NaN in ticks that did not). */
  readonly seconds: number;
  readonly trainSeconds: number;
}

const share = (right: number, n: number): number => (n === 0 ? Number.NaN : right / n);

/** Measures finished tick `tick` of the job `config` names, against the truth table at `truthPath`. */
export async function measureTick(config: RefineConfig, tick: number, truthPath: string): Promise<TickPoint> {
  const s = scheduleLayout(config.run_dir);
  const done = JSON.parse(await readFile(s.tickDone(tick), 'utf8')) as {
    retrained?: unknown;
    seconds?: unknown;
    trainSeconds?: unknown;
  };
  const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
  const truth = await readTruthMap(truthPath);
  const train = (id: string): ReturnType<typeof truthAttrs> | undefined => {
    const t = truth.get(id);
    return t?.split === 'train' ? truthAttrs(t) : undefined;
  };
  let trainClips = 0;
  let rawRight = 0;
  for (const c of await readParquetRows<ClipRow>(s.tickManifest(tick))) {
    const attrs = train(c.clip_id);
    if (!attrs) continue;
    trainClips++;
    if (contentCorrect(captionFromText(c.asr_text, null), attrs)) rawRight++;
  }
  let written = 0;
  let writtenRight = 0;
  for await (const shard of stageShards<CaptionRow>(s.tickRun(tick), 'caption'))
    for (const r of shard) {
      const attrs = train(r.clip_id);
      const k = r.candidate_sources.indexOf('synthetic');
      if (!attrs || k < 0) continue;
      written++;
      if (contentCorrect(r.candidate_captions[k], attrs)) writtenRight++;
    }
  let kept = 0;
  let keptRight = 0;
  for await (const shard of stageShards<ScoreRow>(s.tickRun(tick), 'adatailr'))
    for (const r of shard) {
      const attrs = train(r.clip_id);
      if (!attrs || !r.keep) continue;
      kept++;
      if (contentCorrect(r.caption, attrs)) keptRight++;
    }
  return {
    tick,
    trainClips,
    raw: share(rawRight, trainClips),
    captioner: share(writtenRight, written),
    exported: share(keptRight, kept),
    keptShare: share(kept, trainClips),
    retrained: done.retrained === true,
    seconds: num(done.seconds),
    trainSeconds: num(done.trainSeconds),
  };
}
