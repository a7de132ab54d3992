/**
 * The flywheel end to end at small scale, on the generated benchmark with 40% noisy ASR: judges
 * too thin to tell drop no clip, the export records each row's
 * chosen source, weight and margin, `choice-replay` of the job's own rule reproduces its choices (a
 * weight bonus's too, from the weights it stored), a training epoch's frame shift stays within its
 * bound, the fit's frames-alone captions ignore the clips' text,
 * DuckDB reads it, the report renders in Chromium, and a refine killed with SIGKILL mid-round resumes
 * to the same final tables.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateBenchmark } from '../../../research/benchmark/generate.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import type { TruthRow } from '../../../schemas/truth.js';
import type { ExportMetadata } from '../../../jobs/export/export-metadata.js';
import { exportRound } from '../../../jobs/export/export-round.js';
import { writeReport } from '../../../jobs/report/build-report.js';
import { parseRefineConfig } from '../../../config/refine.js';
import type { RoundRecord } from '../../../jobs/refine/round-metrics.js';
import { runRefine } from '../../../jobs/refine/run-refine.js';
import { benchmarkRefineOptions } from '../../../research/refine-hooks.js';
import { formatChoiceReplay, replayChoice } from '../../../research/refine-experiment/choice-replay.js';
import { loadAuditRound } from '../../../research/refine-experiment/choice-audit-load.js';
import { diversity } from '../../../metrics/diversity.js';
import { loadVersion } from '../../../models/version.js';
import { judgesMayDrop } from '../../../jobs/refine/folds.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { captionClips, sampleEvalClips } from '../../../jobs/refine/evaluate.js';
import { type FrameShift, shiftClipFrames } from '../../../jobs/refine/frame-shift.js';
import { sharedFrameStore } from '../../../jobs/refine/shared-frame-store.js';
import {
  EXAMPLE_CACHE_BYTES,
  FRAME_CACHE_BYTES,
  type TrainBatch,
  TrainingSet,
  type TrainingSetSource,
  trainableExample,
  trainingCaches,
} from '../../../jobs/refine/training-set.js';
import { Device } from '../../../models/device.js';
import { evaluateRound, letFinish, startDownstream } from '../../../jobs/refine/round-eval.js';
import type { RoundDownstream } from '../../../jobs/refine/downstream-eval.js';
import { trainJudges } from '../../../jobs/refine/judges.js';
import { trainPhase } from '../../../jobs/refine/train-phase.js';
import { type JudgeManifest, readJudge } from '../../../models/probe/judge.js';
import { Captioner } from '../../../models/inference.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { hashValue } from '../../../pipeline/hash.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import type { CaptionRow } from '../../../schemas/captions.js';
import type { ClipRow } from '../../../schemas/clips.js';
import type { RefinedRow } from '../../../schemas/refined.js';
import { parquetBytes, readStoredRows } from '../../../pipeline/parquet.js';
import { type ScoreRow, scoresTable } from '../../../schemas/scores.js';
import { chromiumArgs, chromiumPath, chromiumUnavailableReason } from '../../helpers/chromium.js';
import { startCli, writeConfig } from '../../helpers/cli.js';
import { writeParquetManifest } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';

const quiet = pino({ level: 'silent' });

/** Small but real: 120 clips, 3 rounds of the tiny model, one ORT thread (bit-reproducible). */
function configFor(dataDir: string, jobDir: string): Record<string, unknown> {
  return {
    run_dir: jobDir,
    manifest: join(dataDir, 'clips.parquet'),
    media_root: dataDir,
    truth: join(dataDir, 'truth.parquet'),
    shard_size: 64,
    seed: 5,
    rounds: 3,
    model: { preset: 'tiny', vocab_size: 512, max_caption_len: 36, max_text_len: 36 },
    device: { providers: ['cpu'], threads: 1 },
    train: {
      loss: { kind: 'adatailr', warmupSteps: 30 },
      pretrain: { epochs: 15, lr: 3e-3, batch_size: 16, warmup_steps: 10 },
      finetune: { epochs: 5, lr: 1e-3, batch_size: 8, warmup_steps: 0 },
    },
    judge: { epochs: 40, batch_size: 16 },
    // a short downstream check per round (the probe's own tests show what it measures)
    eval: { downstream: { seeds: 1, steps: 20, batch: 16 } },
  };
}

async function sortedTable(dir: string, drop: string[] = []): Promise<string[]> {
  const rows: string[] = [];
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.parquet')).sort()) {
    for (const r of await readParquetRows<Record<string, unknown>>(join(dir, f))) {
      for (const d of drop) delete r[d];
      rows.push(JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)));
    }
  }
  return rows.sort();
}

describe('refine job (benchmark, 40% noisy ASR)', () => {
  let dir: string;
  let dataDir: string;
  let rounds: RoundRecord[];
  let exported: { dir: string; metadata: ExportMetadata };
  let truth: TruthRow[];

  beforeAll(async () => {
    dir = await tempDir('flywheel-refine-');
    dataDir = join(dir, 'data');
    await generateBenchmark({ outDir: dataDir, clips: 120, seed: 11, noise: 0.4, humanFrac: 0.1, heldoutFrac: 0.25 });
    truth = await readParquetRows<TruthRow>(join(dataDir, 'truth.parquet'));
    const config = parseRefineConfig(configFor(dataDir, join(dir, 'job')));
    rounds = (
      await runRefine(config, { log: quiet, reporter: () => new JsonReporter(quiet), ...benchmarkRefineOptions })
    ).rounds;
    exported = await exportRound({ jobDir: config.run_dir });
  }, 900_000);

  it('records every round with its models, the dataset trinity beside raw, and what AdaTaiLr did', () => {
    expect(rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    for (const r of rounds) {
      expect(r.modelVersion).toMatch(/^[0-9a-f]{64}$/);
      expect(r.modelVersions).toHaveLength(1);
      expect(r.modelQuality?.n).toBe(30);
      expect(r.dataset.quantity.rows).toBeGreaterThan(0);
      expect(r.dataset.quality?.contentAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.raw.quantity.rows).toBe(rounds[0].raw.quantity.rows);
      expect(r.adatailr.rows).toBe(r.raw.quantity.rows);
      expect(r.adatailr.dropped + r.dataset.quantity.rows).toBe(r.adatailr.rows);
      expect(r.pretrain.lossCurve.length).toBeGreaterThan(0);
      // the model from the frames alone: on every train clip it trained on (under max_clips), and held-out
      expect(r.modelFit!.trainClips).toBe(r.dataset.quantity.rows);
      expect(r.modelFit!.heldoutClips).toBe(30);
      for (const x of [r.modelFit!.train, r.modelFit!.heldout]) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
      }
    }
    expect(rounds[0].rawClean!.quantity.rows).toBeLessThan(rounds[0].raw.quantity.rows);
  });

  it('records the kept clean clips beside their own transcripts, as the audit reads them from the round on disk', async () => {
    for (const r of rounds) {
      const kc = r.keptClean!;
      const a = (await loadAuditRound(join(dir, 'job'), r.round)).onCleanClips;
      expect(kc.rows, `round ${r.round}`).toBe(a.kept.length);
      expect(kc.rows).toBeLessThanOrEqual(r.rawClean!.quantity.rows);
      expect(kc.verbatim).toBe(a.kept.filter((c, i) => c === a.transcripts[i]).length);
      expect(kc.diversity).toEqual(diversity(a.kept));
      expect(kc.transcripts).toEqual(diversity(a.transcripts));
    }
    // round 0 chooses among the clips' own text: clean transcripts are kept word for word there
    expect(rounds[0].keptClean!.verbatim).toBeGreaterThan(0);
  });

  it("records each model version's lineage: round 0 starts from the bootstrap model, round k from round k − 1", async () => {
    const l = jobLayout(join(dir, 'job'));
    const from = async (d: string): Promise<unknown> => (await loadVersion(d)).metrics.started_from;
    expect(await from(l.bootstrapModel)).toBe('fresh');
    expect(await from(l.roundModel(0))).toBe((await loadVersion(l.bootstrapModel)).manifest.contentHash);
    for (const k of [1, 2]) expect(await from(l.roundModel(k))).toBe(rounds[k - 1].modelVersion);
  });

  it("frame_shift: an epoch moves each clip's frames by at most the bound, same rows; a zero bound changes nothing", async () => {
    const l = jobLayout(join(dir, 'job'));
    const set = await TrainingSet.open({
      roundRun: new LocalStorage(l.roundRun(2)),
      framesRun: new LocalStorage(l.framesRun),
    });
    const epoch = async (frameShift?: FrameShift): Promise<TrainBatch[]> => {
      const out: TrainBatch[] = [];
      const opts = { filter: trainableExample, batchSize: 16, seed: 3, epoch: 0, textDropout: 0 };
      for await (const b of set.epoch({ ...opts, ...(frameShift ? { frameShift } : {}) })) out.push(b);
      return out;
    };
    const plain = await epoch();
    expect(await epoch({ max: 0, size: 32 })).toEqual(plain);
    const shifted = await epoch({ max: 2, size: 32 });
    expect(shifted.map((b) => b.clipIds)).toEqual(plain.map((b) => b.clipIds));
    expect(shifted.map((b) => b.captions)).toEqual(plain.map((b) => b.captions));
    const clipBytes = 4 * 32 * 32 * 3;
    let moved = 0;
    for (const [i, b] of shifted.entries()) {
      for (let c = 0; c < b.clipIds.length; c++) {
        const got = b.frames.subarray(c * clipBytes, (c + 1) * clipBytes);
        const stored = plain[i].frames.subarray(c * clipBytes, (c + 1) * clipBytes);
        const shifts = [-2, -1, 0, 1, 2].flatMap((dx) => [-2, -1, 0, 1, 2].map((dy) => [dx, dy] as const));
        expect(
          shifts.some(([dx, dy]) => Buffer.from(shiftClipFrames(stored, 32, dx, dy)).equals(Buffer.from(got))),
        ).toBe(true);
        if (!Buffer.from(stored).equals(Buffer.from(got))) moved++;
      }
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('a training set whose cache holds no shard reads its shards again and gives the same examples, counts and epochs', async () => {
    const l = jobLayout(join(dir, 'job'));
    /** The round run on local disk, counting the reads of its score tables. */
    class CountingStorage extends LocalStorage {
      scoreReads = 0;
      override read(key: string): Promise<Uint8Array> {
        if (key.includes('adatailr')) this.scoreReads++;
        return super.read(key);
      }
      override openBlob(key: string): Promise<Blob> {
        if (key.includes('adatailr')) this.scoreReads++;
        return super.openBlob(key);
      }
    }
    const open = async (cacheBytes?: number): Promise<{ set: TrainingSet; run: CountingStorage }> => {
      const run = new CountingStorage(l.roundRun(2));
      const set = await TrainingSet.open({
        roundRun: run,
        framesRun: new LocalStorage(l.framesRun),
        ...(cacheBytes !== undefined ? { cacheBytes } : {}),
      });
      return { set, run };
    };
    const epochs = async (set: TrainingSet): Promise<TrainBatch[]> => {
      const out: TrainBatch[] = [];
      for (const epoch of [0, 1])
        for await (const b of set.epoch({ filter: trainableExample, batchSize: 16, seed: 3, epoch })) out.push(b);
      return out;
    };
    const held = await open();
    const opened = held.run.scoreReads;
    expect(opened).toBeGreaterThan(1); // every shard read once at open
    const cold = await open(1);
    expect(await cold.set.all()).toEqual(await held.set.all());
    expect(await cold.set.count(trainableExample)).toBe(await held.set.count(trainableExample));
    expect(await epochs(cold.set)).toEqual(await epochs(held.set));
    expect(held.run.scoreReads).toBe(opened); // everything fit: nothing read again
    expect(cold.run.scoreReads).toBeGreaterThanOrEqual(5 * opened); // open, all, count and two epochs
    await expect(open(0)).rejects.toThrow(/cacheBytes must be an integer >= 1, got 0/);
  });

  it("a set over several runs (a retraining tick's) holds every run's rows, and an epoch gives each with its frames", async () => {
    const l = jobLayout(join(dir, 'job'));
    const part = (k: number) => ({
      roundRun: new LocalStorage(l.roundRun(k)),
      framesRun: new LocalStorage(l.framesRun),
    });
    const one = (k: number): Promise<TrainingSet> => TrainingSet.open(part(k));
    const both = await TrainingSet.openParts([part(1), part(2)]);
    expect(both.source).toBeUndefined(); // judges' worker threads reopen one run only
    expect(await both.all()).toEqual([...(await (await one(1)).all()), ...(await (await one(2)).all())]);
    const rows = async (set: TrainingSet): Promise<string[]> => {
      const out: string[] = [];
      for await (const b of set.epoch({ filter: trainableExample, batchSize: 16, seed: 3, epoch: 0 })) {
        const size = b.frames.length / b.clipIds.length;
        for (const [i, id] of b.clipIds.entries()) {
          const frames = createHash('sha256').update(b.frames.subarray(i * size, (i + 1) * size));
          out.push(`${id} ${b.captions[i]} ${frames.digest('hex')}`);
        }
      }
      return out.sort();
    };
    expect(await rows(both)).toEqual([...(await rows(await one(1))), ...(await rows(await one(2)))].sort());
    // its frames runs share one memory budget, however many there are
    const parts = [part(1), part(2)];
    await rows(await TrainingSet.openParts(parts, { frameCacheBytes: 3001 }));
    for (const p of parts) expect((await sharedFrameStore(p.framesRun, 1)).cacheBytes).toBe(1500);
  });

  it("device's cache sizes reach the training set and, through its source, a worker's reopened set; batches are the same", async () => {
    const l = jobLayout(join(dir, 'job'));
    const caches = trainingCaches({ frame_cache_mb: 3, row_cache_mb: 2 });
    expect(caches).toEqual({ cacheBytes: 2 * 2 ** 20, frameCacheBytes: 3 * 2 ** 20 });
    const open = (o: object = {}): Promise<TrainingSet> =>
      TrainingSet.open({ roundRun: new LocalStorage(l.roundRun(2)), framesRun: new LocalStorage(l.framesRun), ...o });
    const epoch = async (set: TrainingSet): Promise<TrainBatch[]> => {
      const out: TrainBatch[] = [];
      for await (const b of set.epoch({ filter: trainableExample, batchSize: 16, seed: 3, epoch: 1 })) out.push(b);
      return out;
    };
    const sized = await open(caches);
    expect(sized.source).toMatchObject(caches);
    const reopened = await TrainingSet.reopen(sized.source as TrainingSetSource);
    expect(reopened.source).toEqual(sized.source);
    const plain = await open();
    expect(plain.source).toMatchObject({ cacheBytes: EXAMPLE_CACHE_BYTES, frameCacheBytes: FRAME_CACHE_BYTES });
    expect(await epoch(reopened)).toEqual(await epoch(plain));
    await expect(open({ frameCacheBytes: 0 })).rejects.toThrow(/frameCacheBytes must be an integer >= 1, got 0/);
    expect(parseRefineConfig(configFor(dataDir, join(dir, 'job'))).device).toMatchObject({
      frame_cache_mb: 256,
      row_cache_mb: 64,
    });
  });

  it("a training set read again fails, naming the shard or file, when the round's tables changed or broke under it", async () => {
    const l = jobLayout(join(dir, 'job'));
    const copy = join(await tempDir(), 'round-2');
    await cp(l.roundRun(2), copy, { recursive: true });
    const open = (): Promise<TrainingSet> =>
      TrainingSet.open({ roundRun: new LocalStorage(copy), framesRun: new LocalStorage(l.framesRun), cacheBytes: 1 });
    const epoch = async (set: TrainingSet): Promise<number> => {
      let n = 0;
      for await (const b of set.epoch({ filter: trainableExample, batchSize: 16, seed: 3, epoch: 0 }))
        n += b.clipIds.length;
      return n;
    };
    const scores = (await readdir(join(copy, 'adatailr'))).filter((f) => f.endsWith('.parquet')).sort();
    expect(scores.length).toBeGreaterThan(1);
    const [first, second] = scores.map((f) => join(copy, 'adatailr', f));
    const changed = await open();
    expect(await epoch(changed)).toBeGreaterThan(0);
    // the same clips, one caption changed: a re-read must not train on it
    const rows = await readStoredRows<ScoreRow>(new LocalStorage(join(copy, 'adatailr')), scores[0]);
    rows[0] = { ...rows[0], caption: `${rows[0].caption} changed` };
    await writeFile(first, parquetBytes(scoresTable.schema, [scoresTable.toBatch(rows)]));
    await expect(epoch(changed)).rejects.toThrow(/shard shard-00000 changed since the set was opened/);
    const broken = await open().catch((e: unknown) => e); // opened on the changed tables: they are what it holds
    expect(broken).toBeInstanceOf(TrainingSet);
    await writeFile(second, 'not parquet');
    await expect(epoch(broken as TrainingSet)).rejects.toThrow(
      /adatailr\/shard-00001\.parquet: cannot read it as Parquet/,
    );
  });

  it("judges trained in worker threads are the job thread's, byte for byte; a worker's failure names its judge; an abort stops them", async () => {
    const l = jobLayout(join(dir, 'job'));
    const set = await TrainingSet.open({
      roundRun: new LocalStorage(l.roundRun(1)),
      framesRun: new LocalStorage(l.framesRun),
    });
    const base = parseRefineConfig(configFor(dataDir, join(dir, 'job')));
    const out = await tempDir();
    const logged: string[] = [];
    const log = pino(
      { level: 'info' },
      { write: (line: string) => logged.push((JSON.parse(line) as { msg: string }).msg) },
    );
    const train = async (workers: number, judge: object = {}, signal?: AbortSignal): Promise<string[]> =>
      trainJudges({
        config: {
          ...base,
          device: { ...base.device, workers },
          judge: { ...base.judge, ensemble: 2, epochs: 3, ...judge },
        },
        set,
        folds: 2,
        outDir: (f, m) => join(out, `workers-${workers}`, `fold-${f}-member-${m}`),
        frameSpec: { count: 4, width: 32 },
        tokenizer: (await loadVersion(l.roundModel(0))).tokenizer,
        seed: 9,
        trainingDataId: 'test',
        device: new Device({ providers: ['cpu'], intraOpThreads: 1 }),
        log,
        ...(signal ? { signal } : {}),
      });
    const here = await train(1);
    const there = await train(3);
    expect(there).toHaveLength(4);
    for (const [i, d] of here.entries()) {
      expect(readFileSync(join(there[i], 'weights.bin')).equals(readFileSync(join(d, 'weights.bin'))), d).toBe(true);
      expect(readJudge(there[i]).manifest.trainingDataId).toBe(readJudge(d).manifest.trainingDataId);
    }
    expect(logged.filter((m) => /^judge fold \d:member-\d saved$/.test(m))).toHaveLength(8);
    // a judge that cannot start fails in its worker, and the error says which judge
    await expect(train(2, { init: join(out, 'missing') })).rejects.toThrow(
      /judge fold \d member \d \(.*workers-2.*\): judge\.init: .*missing/,
    );
    // an aborted round stops its workers with the abort's reason and leaves no judge behind
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('stopped by the test')), 200);
    await expect(train(4, { epochs: 400 }, stop.signal)).rejects.toThrow(/stopped by the test/);
    expect(existsSync(join(out, 'workers-4'))).toBe(false);
  });

  it('max_steps stops a captioner phase and each judge at that many steps, mid-epoch; absent, every epoch runs', async () => {
    const l = jobLayout(join(dir, 'job'));
    const set = await TrainingSet.open({
      roundRun: new LocalStorage(l.roundRun(1)),
      framesRun: new LocalStorage(l.framesRun),
    });
    const device = new Device({ providers: ['cpu'], intraOpThreads: 1 });
    const version = await loadVersion(l.roundModel(0));
    const perEpoch = Math.ceil((await set.count(trainableExample)) / 16);
    expect(perEpoch).toBeGreaterThan(2);
    const plans: { examples: number; steps: number; epochSteps: number }[] = [];
    const phase = async (max?: number) =>
      trainPhase({
        onStart: (p) => plans.push(p),
        model: version.model(),
        device,
        set,
        filter: trainableExample,
        phase: { epochs: 3, batch_size: 16, lr: 1e-3, warmup_steps: 0, weight_decay: 0, max_steps: max },
        loss: { kind: 'mle' },
        seed: 1,
      });
    const cut = await phase(perEpoch + 2);
    expect(cut.steps).toBe(perEpoch + 2);
    expect(cut.lossCurve).toHaveLength(2); // the second epoch, begun and stopped
    expect((await phase()).steps).toBe(3 * perEpoch);
    // each phase says up front how many steps it will take
    expect(plans.map((p) => [p.steps, p.epochSteps])).toEqual([
      [perEpoch + 2, perEpoch],
      [3 * perEpoch, perEpoch],
    ]);

    const base = parseRefineConfig(configFor(dataDir, join(dir, 'job')));
    const out = await tempDir();
    const judge = async (name: string, over: object): Promise<number> => {
      const [d] = await trainJudges({
        config: { ...base, device: { ...base.device, workers: 1 }, judge: { ...base.judge, epochs: 2, ...over } },
        set,
        folds: 2,
        outDir: (f) => join(out, name, `fold-${f}`),
        frameSpec: { count: 4, width: 32 },
        tokenizer: version.tokenizer,
        seed: 9,
        trainingDataId: 'test',
        device,
        log: quiet,
      });
      return Number(readJudge(d).manifest.metrics.steps);
    };
    expect(await judge('budget', { max_steps: 3 })).toBe(3);
    expect(await judge('epochs', {})).toBeGreaterThan(3);
  });

  it("a round's checks: the captioner's failure is thrown only once the probe beside it has finished; the rows are read once, and only with truth", async () => {
    const l = jobLayout(join(dir, 'job'));
    const config = parseRefineConfig(configFor(dataDir, join(dir, 'job')));
    const set = await TrainingSet.open({
      roundRun: new LocalStorage(l.roundRun(2)),
      framesRun: new LocalStorage(l.framesRun),
    });
    let probeFinished = false;
    let reads = 0;
    const input = {
      config,
      manifest: config.manifest,
      round: 2,
      roundRun: new LocalStorage(l.roundRun(2)),
      framesRun: new LocalStorage(l.framesRun),
      framesRunDir: l.framesRun,
      device: new Device({ providers: ['cpu'], intraOpThreads: 1 }),
      rows: () => (reads++, set.all()),
      tokenizer: (await loadVersion(l.roundModel(2))).tokenizer,
      truth: new Map(truth.map((t) => [t.clip_id, t])),
      // a fake probe (the fault is the captioner's): slow, and saying when it is done
      probe: async (): Promise<RoundDownstream> => {
        await new Promise((r) => setTimeout(r, 300));
        probeFinished = true;
        return { settings: { seeds: [1], steps: 1, batch: 2 }, heldoutClips: 0, datasets: [] };
      },
    };
    await expect(evaluateRound({ ...input, modelDir: join(dir, 'no-such-model') })).rejects.toThrow(/no-such-model/);
    expect(probeFinished).toBe(true);
    reads = 0;
    const ok = await evaluateRound({ ...input, modelDir: l.roundModel(2) });
    expect(ok.downstream?.settings.steps).toBe(1);
    expect(ok.evalResult.clips).toBeGreaterThan(0);
    expect(reads).toBe(1); // the fit and the probe share one read of the round's rows
    // without truth neither check needs the rows: they are not read at all
    const { truth: _truth, probe: _probe, ...noTruth } = input;
    reads = 0;
    const plain = await evaluateRound({ ...noTruth, modelDir: l.roundModel(2) });
    expect(plain.fit).toBeUndefined();
    expect(plain.downstream).toBeUndefined();
    expect(reads).toBe(0);
  });

  it("the probe started beside the captioner's training: its workers, its scores in the round's checks, its failure thrown after theirs", async () => {
    const l = jobLayout(join(dir, 'job'));
    const config = parseRefineConfig(configFor(dataDir, join(dir, 'job')));
    const set = await TrainingSet.open({
      roundRun: new LocalStorage(l.roundRun(2)),
      framesRun: new LocalStorage(l.framesRun),
    });
    const asked: (number | undefined)[] = [];
    let finished: boolean | undefined;
    const tokenizer = (await loadVersion(l.roundModel(2))).tokenizer;
    const input = (fail: boolean) => ({
      config,
      manifest: config.manifest,
      round: 2,
      roundRun: new LocalStorage(l.roundRun(2)),
      framesRun: new LocalStorage(l.framesRun),
      framesRunDir: l.framesRun,
      modelDir: l.roundModel(2),
      device: new Device({ providers: ['cpu'], intraOpThreads: 1 }),
      rows: () => set.all(),
      tokenizer,
      truth: new Map(truth.map((t) => [t.clip_id, t])),
      // a fake probe: it records the workers it was given, and fails when told to (the fault)
      probe: async (o: { workers?: number }): Promise<RoundDownstream> => {
        asked.push(o.workers);
        await new Promise((r) => setTimeout(r, 200));
        finished = true;
        if (fail) throw new Error('the probe failed');
        return { settings: { seeds: [1], steps: 7, batch: 2 }, heldoutClips: 0, datasets: [] };
      },
    });
    expect(startDownstream(input(false), 0)).toBeUndefined(); // no worker to spare: it runs after training
    const ok = input(false);
    const started = startDownstream(ok, 1);
    const r = await evaluateRound({ ...ok, downstream: started });
    expect(r.downstream?.settings.steps).toBe(7);
    expect(asked).toEqual([1]); // the started probe was used, not a second one
    expect(r.evalResult.clips).toBeGreaterThan(0);
    const bad = input(true);
    const failing = startDownstream(bad, 1) as Promise<RoundDownstream | undefined>;
    await expect(evaluateRound({ ...bad, downstream: failing })).rejects.toThrow(/the probe failed/);
    // a training that fails lets the probe beside it finish before its error is thrown
    finished = false;
    const beside = startDownstream(input(false), 1);
    await expect(letFinish(Promise.reject(new Error('training failed')), beside)).rejects.toThrow(/training failed/);
    expect(finished).toBe(true);
  });

  it("the fit's frames-alone captions ignore the clips' text (the captions with text do not)", async () => {
    const l = jobLayout(join(dir, 'job'));
    const heldout = await sampleEvalClips({
      run: new LocalStorage(l.roundRun(2)),
      framesRun: new LocalStorage(l.framesRun),
      max: 500,
      seed: 5,
    });
    const hostile = heldout.map((c) => ({
      ...c,
      clip: { ...c.clip, asr_text: 'zzz purple octagon spins away', title: 'qqq' },
    }));
    const captioner = await Captioner.load(l.roundModel(2), new Device({ providers: ['cpu'], intraOpThreads: 1 }));
    try {
      const opts = { batch: 16, beams: 1 };
      const framesOnly = await captionClips(captioner, heldout, { ...opts, framesOnly: true });
      expect(await captionClips(captioner, hostile, { ...opts, framesOnly: true })).toEqual(framesOnly);
      expect(await captionClips(captioner, hostile, opts)).not.toEqual(await captionClips(captioner, heldout, opts));
    } finally {
      await captioner.release();
    }
  });

  it('judges that learnt from 39 clips each drop no clip: every round keeps every train clip', () => {
    // too few to tell a wrong caption from a right one (`judgesMayDrop`); the ordering final ≥ round
    // 0 > raw is tested on the demo's configuration, whose judges start pre-trained
    // (test/research/demo/run-demo.test.ts)
    for (const r of rounds) expect(r.adatailr.dropped, `round ${r.round}`).toBe(0);
  });

  it("choice-replay: the job's own rule, replayed on its stored candidates and judges, decides every clip as the run did", async () => {
    const jobDir = join(dir, 'job');
    const same = await replayChoice({ jobDir, rounds: [0, 2], change: {} });
    expect(same.map((r) => r.round)).toEqual([0, 2]);
    for (const r of same) {
      expect(r.mismatches, `round ${r.round}`).toBe(0);
      expect(r.changed).toBe(0);
      expect(r.newRule).toEqual(r.jobRule);
      expect(r.jobRule.clips).toBeGreaterThan(0);
      expect(r.jobRule.keptRight).toBeCloseTo(r.jobRule.kept * r.jobRule.contentAccuracy, 12);
      // its diversity is the stored kept train captions' (the run decided every clip the same)
      const d = diversity((await loadAuditRound(jobDir, r.round)).kept);
      expect({ vocabulary: r.jobRule.vocabulary, distinct2: r.jobRule.distinct2 }).toEqual({
        vocabulary: d.vocabulary,
        distinct2: d.distinct2,
      });
    }
    // a bar nothing reaches drops no clip here, as the round would not: its judges learnt from 39
    // train clips each, too few to tell (`judgesMayDrop`), so each clip keeps its best candidate
    const none = await replayChoice({ jobDir, rounds: [2], change: { min_evidence: 1e9, model_min_evidence: 1e9 } });
    expect(none[0].newRule.kept).toBe(1);
    expect(none[0].newRule.vocabulary).toBeGreaterThan(0);
    expect(none[0].jobRule.kept).toBe(1);
    expect(formatChoiceReplay(none, { min_evidence: 1e9 })).toMatch(/decides every clip as the stored run did/);
    // the job stored no candidate weights: a weight bonus cannot be replayed on it
    await expect(replayChoice({ jobDir, rounds: [2], change: { weight_bonus: 8 } })).rejects.toThrow(
      /ran without weight_bonus, so its rounds stored no candidate weights to replay weight_bonus=8 with/,
    );
    const unknown: Record<string, unknown> = { no_such_setting: 1 };
    await expect(replayChoice({ jobDir, rounds: [2], change: unknown })).rejects.toThrow(/no_such_setting/);
    await expect(replayChoice({ jobDir: join(dir, 'no-job'), rounds: [0], change: {} })).rejects.toThrow(
      /no-job: not a refine job \(cannot read job\.json: ENOENT\)/,
    );
  });

  it('eval.downstream trains the probe on each round (raw and the upper bound beside round 0) and the export carries it', () => {
    expect(rounds[0].downstream?.datasets.map((d) => d.name)).toEqual(['raw', 'round-0', 'upper-bound']);
    expect(rounds[2].downstream?.datasets.map((d) => d.name)).toEqual(['round-2']);
    for (const r of rounds) {
      expect(r.downstream?.heldoutClips).toBe(30);
      for (const d of r.downstream?.datasets ?? []) expect(d.mean.t2v_r1).toBeGreaterThanOrEqual(0);
    }
    expect(exported.metadata.rounds[2]?.downstream?.datasets[0]?.name).toBe('round-2');
  });

  it('the export records per row the chosen source, its weight and the margin over the runner-up', async () => {
    const rows: RefinedRow[] = [];
    for (const f of exported.metadata.files)
      rows.push(...(await readParquetRows<RefinedRow>(join(exported.dir, f.name))));
    expect(rows.length).toBe(exported.metadata.rows);
    const sources = new Set(rows.map((r) => r.caption_source));
    for (const s of sources)
      expect(['asr', 'title', 'title-lead', 'previous', 'synthetic', 'synthetic-frames', 'human']).toContain(s);
    expect(sources.has('human')).toBe(true);
    for (const r of rows) {
      expect(Number.isFinite(r.choice_margin)).toBe(true);
      expect(r.quality_weight).toBeGreaterThan(0);
      if (r.caption_source !== 'human') expect(r.runner_up === '' || r.runner_up !== r.caption_source).toBe(true);
    }
    // a caption chosen this round is this round's (carried-over ones: test/jobs/export/export-round.test.ts)
    for (const r of rows.filter((x) => x.caption_source !== 'previous'))
      expect([r.origin_source, r.origin_round]).toEqual([r.caption_source, 2]);
    // the exported train rows are the round's dataset, as its metrics measured it
    const train = new Set(truth.filter((t) => t.split === 'train').map((t) => t.clip_id));
    expect(rows.filter((r) => train.has(r.clip_id))).toHaveLength(rounds[2].dataset.quantity.rows);
  });

  it('DuckDB reads the export with its lineage columns and key-value metadata', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();
      const glob = `${exported.dir}/*.parquet`;
      const [c] = await q(
        `select count(*) as n, count(distinct clip_id) as ids, min(quality_weight) as wmin, max(round) as r from read_parquet('${glob}')`,
      );
      expect(c).toEqual({
        n: BigInt(exported.metadata.rows),
        ids: BigInt(exported.metadata.rows),
        wmin: expect.any(Number) as unknown,
        r: 2,
      });
      expect(c.wmin as number).toBeGreaterThan(0);
      const kv = await q(
        `select decode(key) as k, decode(value) as v from parquet_kv_metadata('${glob}') where decode(key) = 'flywheel.schema_version' limit 1`,
      );
      expect(kv[0]?.v).toBe('flywheel-refined/4');
      // the metadata records the rule the rows were chosen by: the job's
      expect(exported.metadata.choice_rule).toEqual(parseRefineConfig(configFor(dataDir, 'j')).adatailr.choice);
      const heldout = await q(
        `select count(*) as n from read_parquet('${glob}') where clip_id in (${truth
          .filter((t) => t.split === 'heldout')
          .map((t) => `'${t.clip_id}'`)
          .join(',')})`,
      );
      expect(heldout[0].n).toBe(0n);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it("choice-replay on a job that ran with the captioner's weight bonus: its stored weights reproduce every choice", async () => {
    // a short variant with the demo's choice rule: model.init = the main job's round-1 model, which also
    // captions round 0 (model.init_captions) and starts every round's training (warm_start 'init');
    // 2 rounds of 1 epoch each
    const jobDir = join(dir, 'job-wb');
    const base = configFor(dataDir, jobDir);
    const init = join(dir, 'job', 'models', 'round-1');
    const config = parseRefineConfig({
      ...base,
      rounds: 2,
      model: { ...(base.model as object), init, init_captions: true },
      train: {
        loss: { kind: 'adatailr' },
        pretrain: { epochs: 1, lr: 1e-3, batch_size: 16 },
        finetune: { epochs: 1, lr: 1e-3, batch_size: 8 },
        warm_start: 'init',
      },
      judge: { epochs: 10, batch_size: 16 },
      adatailr: { choice: { people_margin: 1, clip_side: 0.5, model_min_evidence: 7, weight_bonus: 8 } },
      eval: { max_clips: 4 },
    });
    await runRefine(config, { log: quiet, reporter: () => new JsonReporter(quiet) });
    // round 0's candidates include the init model's captions, written by it
    const round0 = join(jobDir, 'round-0', 'caption');
    const initHash = (await loadVersion(init)).manifest.contentHash;
    let modelCandidates = 0;
    for (const f of (await readdir(round0)).filter((x) => x.endsWith('.parquet')))
      for (const c of await readParquetRows<CaptionRow>(join(round0, f))) {
        expect(c.model_version, c.clip_id).toBe(hashValue([initHash]));
        modelCandidates += c.candidate_sources.filter((x) => x === 'synthetic').length;
      }
    expect(modelCandidates).toBeGreaterThan(0);
    // with warm_start 'init' both rounds' models start from the init model, not round 1 from round 0's
    for (const k of [0, 1])
      expect((await loadVersion(jobLayout(jobDir).roundModel(k))).metrics.started_from, `round ${k}`).toBe(initHash);
    // every candidate a rule ranks has its weight stored beside its evidence (a human caption is not ranked)
    let ranked = 0;
    for (const round of [0, 1])
      for (const f of (await readdir(join(jobDir, `round-${round}`, 'adatailr'))).filter((x) => x.endsWith('.parquet')))
        for (const s of await readParquetRows<ScoreRow>(join(jobDir, `round-${round}`, 'adatailr', f))) {
          if (s.candidate_sources.includes('human')) continue;
          ranked++;
          expect(s.candidate_weights, s.clip_id).toHaveLength(s.candidate_sources.length);
          for (const w of s.candidate_weights) expect(w >= 0 && w <= 1, `${s.clip_id}: weight ${w}`).toBe(true);
        }
    expect(ranked).toBeGreaterThan(100);
    // the job's own rule, bonus included, replayed from the stored weights decides every clip as the run did
    const same = await replayChoice({ jobDir, rounds: [0, 1], change: {} });
    for (const r of same) {
      expect(r.mismatches, `round ${r.round}`).toBe(0);
      expect(r.changed).toBe(0);
    }
    // without the bonus the margins compare evidence alone; plausibility, and so the kept share, is the evidence's either way
    const noBonus = await replayChoice({ jobDir, rounds: [0, 1], change: { weight_bonus: 0 } });
    for (const r of noBonus) {
      expect(r.mismatches, `round ${r.round}`).toBe(0);
      expect(r.newRule.kept).toBe(r.jobRule.kept);
    }
    // the bonus decided some clips (so a replay that ignored the stored weights would have mismatched)
    expect(noBonus.reduce((n, r) => n + r.changed, 0)).toBeGreaterThan(0);
  }, 600_000);

  it("with adatailr.scorer = 'bootstrap', rounds ≥ 1 are scored by round 0's scorer, not by the model that wrote the captions", async () => {
    // a short variant: model.init = the main job's round-1 model, 2 rounds of 1 epoch each
    const init = join(dir, 'job', 'models', 'round-1');
    const base = configFor(dataDir, join(dir, 'job-bs'));
    const config = parseRefineConfig({
      ...base,
      rounds: 2,
      model: { ...(base.model as object), init },
      train: {
        loss: { kind: 'adatailr' },
        // the budgets reach the job's phases and judges from its config (each below its epochs' steps)
        pretrain: { epochs: 1, lr: 1e-3, batch_size: 16, max_steps: 2 },
        finetune: { epochs: 1, lr: 1e-3, batch_size: 8 },
      },
      judge: { epochs: 2, batch_size: 16, hard_negatives: true, ensemble: 2, max_steps: 3 },
      adatailr: { scorer: 'bootstrap' },
      eval: { max_clips: 4 },
    });
    const r = (await runRefine(config, { log: quiet, reporter: () => new JsonReporter(quiet) })).rounds;
    const initHash = (await loadVersion(init)).manifest.contentHash;
    expect(r.map((x) => x.scorerVersions)).toEqual([[initHash], [initHash]]);
    // one epoch would take more than 2 steps: the budget stopped it
    expect(r.map((x) => [x.pretrain.steps, x.pretrain.examples > 2 * 16])).toEqual([
      [2, true],
      [2, true],
    ]);
    expect(r[0].modelVersion).not.toBe(initHash);
    // round 0 trains on from model.init's weights, not from fresh ones
    expect((await loadVersion(join(dir, 'job-bs', 'models', 'round-0'))).metrics.started_from).toBe(initHash);
    const dirs = join(dir, 'job-bs', 'round-1', 'caption');
    const writers = new Set<string>();
    for (const f of (await readdir(dirs)).filter((x) => x.endsWith('.parquet')))
      for (const c of await readParquetRows<CaptionRow>(join(dirs, f))) writers.add(c.model_version);
    // round 1's candidates are written by round 0's captioner, not by the scorer
    expect([...writers]).toEqual([hashValue(r[0].modelVersions)]);
    // without model.init_captions, round 0 chooses among the clips' own text: no model wrote its candidates
    const round0 = join(dir, 'job-bs', 'round-0', 'caption');
    for (const f of (await readdir(round0)).filter((x) => x.endsWith('.parquet')))
      for (const c of await readParquetRows<CaptionRow>(join(round0, f))) {
        expect(c.model_version, c.clip_id).toBe('text');
        expect(c.candidate_sources, c.clip_id).not.toContain('synthetic');
      }
    // this variant's judges trained against word-swapped hard negatives (the main job's did not), two
    // per fold from different seeds
    const judgeManifest = async (job: string, fold: number, member = 0): Promise<JudgeManifest> =>
      JSON.parse(await readFile(join(jobLayout(job).judge(1, fold, member), 'judge.json'), 'utf8')) as JudgeManifest;
    const bs = join(dir, 'job-bs');
    expect((await judgeManifest(bs, 0)).metrics).toMatchObject({ hard_negatives: 'word-swap', steps: 3 });
    expect((await judgeManifest(join(dir, 'job'), 0)).metrics).not.toHaveProperty('hard_negatives');
    // each judge records the train clips outside its fold (78 train clips, 2 folds), which decides
    // whether its round may drop a clip: under 300 it may not, and this round dropped none
    const main = join(dir, 'job');
    const [f0, f1] = [await judgeManifest(main, 0), await judgeManifest(main, 1)];
    expect(Number(f0.metrics.train_clips) + Number(f1.metrics.train_clips)).toBe(78);
    expect(judgesMayDrop([f0.metrics, f1.metrics])).toBe(false);
    expect(rounds[1].adatailr.dropped).toBe(0);
    for (const fold of [0, 1]) {
      const [a, b] = [await judgeManifest(bs, fold, 0), await judgeManifest(bs, fold, 1)];
      expect(b.trainingDataId).toMatch(new RegExp(`:fold-${fold}/2:member-1$`));
      expect(b.contentHash).not.toBe(a.contentHash);
    }
    await expect(readFile(join(jobLayout(bs).judge(1, 0, 2), 'judge.json'))).rejects.toThrow(/ENOENT/);
  }, 600_000);

  const noChromium = chromiumUnavailableReason();
  if (noChromium) console.warn(noChromium);
  it.skipIf(noChromium !== null)(
    'the report page loads in headless Chromium with no console errors and draws its charts',
    async () => {
      const path = await writeReport(join(dir, 'job'));
      const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        page.on('pageerror', (e) => problems.push(String(e)));
        await page.goto(pathToFileURL(path).href);
        expect(problems).toEqual([]);
        expect(await page.evaluate('window.__flywheelCharts')).toBe(7); // the trinity and wording, AdaTaiLr, the model, downstream
        expect(await page.locator('.sample').count()).toBeGreaterThan(0);
        expect(await page.evaluate('Array.from(document.images).every((i) => i.naturalWidth > 0)')).toBe(true);
      } finally {
        await browser.close();
      }
    },
  );

  it('killed with SIGKILL mid-round, a resumed refine ends with the same tables as the uninterrupted run', async () => {
    const jobDir = join(dir, 'job-killed');
    const cfgPath = await writeConfig(dir, configFor(dataDir, jobDir), 'killed.json');
    let killed = false;
    const first = startCli(['refine', cfgPath], {
      onStderr: (chunk, child) => {
        if (!killed && /"round":1,[^\n]*"msg":"round started"/.test(chunk)) {
          killed = true;
          setTimeout(() => child.kill('SIGKILL'), 1500);
        }
      },
    });
    const r1 = await first.done;
    expect(killed).toBe(true);
    expect(r1.signal).toBe('SIGKILL');
    const r2 = await startCli(['refine', cfgPath]).done;
    expect(r2.stderr).not.toMatch(/flywheel: /);
    expect(r2.code).toBe(0);
    // the rounds' table, then where the model is and what to run next
    expect(r2.stdout).toContain(`final model: ${join(jobDir, 'models', 'round-2')}\n`);
    expect(r2.stdout).toContain(
      `next: flywheel export ${jobDir} (the refined dataset as Parquet), flywheel report ${jobDir}\n`,
    );
    // each round's shards are the last round's: last round's captions are read a shard at a time
    expect(r2.stderr).not.toMatch(/reading the whole run/);
    // 78 train clips in 2 folds: the job warns that its judges learn from too few, and what would help
    expect(r2.stderr).toMatch(
      /each judge learns from about 39 of the 78 train clips \(folds 2;[^"]*folds = 8 gives each 68/,
    );
    for (const table of ['round-2/caption', 'round-2/adatailr', 'round-1/caption', 'round-1/adatailr']) {
      expect(await sortedTable(join(jobDir, table)), table).toEqual(await sortedTable(join(dir, 'job', table)));
    }
    const a = JSON.parse(await readFile(join(jobDir, 'metrics', 'round-2.json'), 'utf8')) as RoundRecord;
    expect(a.modelVersion).toBe(rounds[2].modelVersion);
    const again = await exportRound({ jobDir });
    expect(await sortedTable(again.dir, ['run_id'])).toEqual(await sortedTable(exported.dir, ['run_id']));
    // run again once its manifest has grown: nothing to do, and the job says under its table which manifest it read
    const manifest = join(dataDir, 'clips.parquet');
    const original = await readFile(manifest);
    await writeFile(manifest, Buffer.concat([original, Buffer.from('\n')]));
    try {
      const r3 = await startCli(['refine', cfgPath]).done;
      expect(r3.code, r3.stderr.slice(-2000)).toBe(0);
      expect(r3.stdout).toMatch(
        new RegExp(
          `\nmanifest: \\S+clips\\.parquet changed since the job copied it on \\S+ \\(sha256 \\w{12} → \\w{12}\\): the job read its own copy, ${join(jobDir, 'manifest', 'clips.parquet')}; new clips are for flywheel schedule ticks\n`,
        ),
      );
    } finally {
      await writeFile(manifest, original);
    }
  }, 900_000);

  it('a finished 2-round job given 3 rounds runs round 2 alone, as the 3-round job ran it, and keeps its identity, though its manifest grew and its frames were deleted', async () => {
    const jobDir = join(dir, 'job-extended');
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const run = (rounds: number) =>
      runRefine(parseRefineConfig({ ...configFor(dataDir, jobDir), rounds }), {
        log,
        reporter: () => new JsonReporter(quiet),
        ...benchmarkRefineOptions,
      });
    expect((await run(2)).rounds.map((r) => r.round)).toEqual([0, 1]);
    const started = await readFile(join(jobDir, 'job.json'), 'utf8');
    const finished = await readFile(join(jobDir, 'metrics', 'round-1.json'), 'utf8');
    // a nightly ingest appends 8 clips to the manifest before the job is given its third round
    const manifest = join(dataDir, 'clips.parquet');
    const original = await readFile(manifest);
    const clips = await readParquetRows<ClipRow>(manifest);
    const grown = clips.slice(0, 8).map((c, i) => ({ ...c, clip_id: `grown-${i}` }));
    await writeParquetManifest(manifest, [...clips, ...grown]);
    warnings.length = 0;
    // and the job's frames were deleted to free disk: the round extracts them again from the job's copy
    await rm(join(jobDir, 'frames'), { recursive: true });
    let extended: Awaited<ReturnType<typeof run>>;
    try {
      extended = await run(3);
    } finally {
      await writeFile(manifest, original);
    }
    expect(extended.rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    // the job went on with the clips it started with, from its own copy, and said so
    expect(warnings.join('')).toMatch(
      /clips\.parquet changed since the job copied it on [^"]+: the job goes on with the clips it started with, in [^"]+job-extended\/manifest\/clips\.parquet/,
    );
    expect(await readFile(join(jobDir, 'manifest', 'clips.parquet'))).toEqual(original);
    expect(extended.manifest.path).toBe(join(jobDir, 'manifest', 'clips.parquet'));
    expect(extended.manifest.sourceDiffers).toMatch(/^\S+clips\.parquet changed since the job copied it on /);
    // the finished rounds were not run again, and the job's record and identity are the ones it started with
    expect(await readFile(join(jobDir, 'metrics', 'round-1.json'), 'utf8')).toBe(finished);
    expect(await readFile(join(jobDir, 'job.json'), 'utf8')).toBe(started);
    for (const table of ['round-2/caption', 'round-2/adatailr'])
      expect(await sortedTable(join(jobDir, table)), table).toEqual(await sortedTable(join(dir, 'job', table)));
    expect(extended.rounds[2].modelVersion).toBe(rounds[2].modelVersion);
    // another change beside the rounds is still refused
    await expect(
      runRefine(parseRefineConfig({ ...configFor(dataDir, jobDir), rounds: 3, seed: 6 }), {
        log: quiet,
        reporter: () => new JsonReporter(quiet),
      }),
    ).rejects.toThrow(
      /refusing to resume .*job-extended: it was started with another config \(hash \w+, now \w+\): seed 5 → 6\. /,
    );
    // a job started before jobs kept a copy (none here) takes one only of the manifest its frames run read
    await rm(join(jobDir, 'manifest'), { recursive: true });
    await rm(join(jobDir, 'manifest-pin.json'));
    await writeParquetManifest(manifest, [...clips, ...grown]);
    try {
      await expect(run(3)).rejects.toThrow(
        /clips\.parquet: it changed since this job read it \(sha256 \w{12}, now \w{12}\)/,
      );
    } finally {
      await writeFile(manifest, original);
    }
    expect((await run(3)).rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    expect(await readFile(join(jobDir, 'manifest', 'clips.parquet'))).toEqual(original);
  }, 900_000);
});
