/**
 * `npm run bench -- workers [--clips 1000] [--seed 7] [--workers 0] [--data-dir DIR]`: the two kinds of
 * independent training a demo round runs — its judges (2 folds × 3) and the downstream probe's runs
 * (round 0's: raw, the round's rows and the upper bound, 3 seeds each) — timed one after another in
 * this thread (the baseline) and side by side in worker threads (`device.workers`), in the same run,
 * with a check that both ways give the same judges (weights byte for byte) and the same probe runs.
 * Setup (data, frames, the round's rows: a one-round demo job with one pre-training epoch) is not timed.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { trainJudges } from '../../jobs/refine/judges.js';
import { TrainingSet } from '../../jobs/refine/training-set.js';
import { Device } from '../../models/device.js';
import { loadVersion } from '../../models/version.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { workerCount } from '../../pipeline/thread-pool.js';
import { readManifestClips, readTruthFile } from '../downstream/datasets.js';
import {
  evaluateDownstream,
  frameRunSource,
  heldoutSet,
  rawDataset,
  upperBoundDataset,
  type DownstreamResult,
} from '../downstream/index.js';
import { parseRefineArgs } from './refine.js';
import { benchRoundJob } from './round-job.js';

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

/** `npm run bench -- workers …`. */
export async function run(args: readonly string[] = []): Promise<void> {
  // the refine bench's options (checked there): --clips, --seed, --workers (0 = one per core), --data-dir
  const o = parseRefineArgs(args);
  const { clips, seed } = o;
  const workers = workerCount(o.workers);
  const job = await benchRoundJob(o, 'workers');
  const quiet = pino({ level: 'silent' });
  try {
    const { config, layout: l, dir: jobDir } = job;
    const set = await TrainingSet.open({
      roundRun: new LocalStorage(l.roundRun(0)),
      framesRun: new LocalStorage(l.framesRun),
    });
    const version = await loadVersion(l.roundModel(0));
    const judges = (n: number): Promise<string[]> =>
      trainJudges({
        config: { ...config, device: { ...config.device, workers: n } },
        set,
        folds: config.folds,
        outDir: (f, m) => join(jobDir, `judges-${n}`, `fold-${f}-member-${m}`),
        frameSpec: { count: version.config.frames, width: version.config.frameSize },
        tokenizer: version.tokenizer,
        seed: 1,
        trainingDataId: 'bench',
        device: new Device({ providers: ['cpu'], intraOpThreads: config.device.threads }),
        log: quiet,
      });
    const [here, judgesHere] = await timed(() => judges(1));
    const [there, judgesThere] = await timed(() => judges(workers));
    const sameJudges = here.every((d, i) =>
      readFileSync(join(d, 'weights.bin')).equals(readFileSync(join(there[i], 'weights.bin'))),
    );

    const manifestClips = await readManifestClips(config.manifest);
    const truth = await readTruthFile(config.truth as string);
    const round = {
      name: 'round-0',
      rows: (await set.all())
        .filter((e) => e.split !== 'heldout' && e.keep && e.caption.trim() !== '')
        .map((e) => ({ clip_id: e.clipId, caption: e.caption, weight: e.weight })),
    };
    const probe = async (n: number): Promise<DownstreamResult> =>
      evaluateDownstream({
        datasets: [
          rawDataset(manifestClips, config.manifest).dataset,
          round,
          upperBoundDataset(manifestClips, truth, 'truth'),
        ],
        heldout: heldoutSet(manifestClips, truth, 'truth'),
        frames: await frameRunSource(l.framesRun),
        threads: 1,
        workers: n,
        tokenizer: version.tokenizer,
      });
    const [probeHere, probeHereS] = await timed(() => probe(1));
    const [probeThere, probeThereS] = await timed(() => probe(workers));
    const strip = (r: DownstreamResult): string => JSON.stringify(r.runs.map(({ seconds: _s, ...x }) => x));
    const sameRuns = strip(probeHere) === strip(probeThere);

    process.stdout.write(
      `workers bench: demo config, ${clips} clips (seed ${seed}), ${workers} workers, ${cpus().length} cores, ` +
        `load average at start ${loadavg()[0].toFixed(1)}\n\n` +
        `| what | one after another, s | ${workers} workers, s | speed-up | same results |\n` +
        `| --- | --- | --- | --- | --- |\n` +
        `| judges (${here.length}) | ${judgesHere.toFixed(1)} | ${judgesThere.toFixed(1)} | ` +
        `${(judgesHere / judgesThere).toFixed(2)}× | ${sameJudges ? 'yes (weights byte for byte)' : 'NO'} |\n` +
        `| probe runs (${probeHere.runs.length}) | ${probeHereS.toFixed(1)} | ${probeThereS.toFixed(1)} | ` +
        `${(probeHereS / probeThereS).toFixed(2)}× | ${sameRuns ? 'yes (every run)' : 'NO'} |\n`,
    );
  } finally {
    await job.remove();
  }
}
