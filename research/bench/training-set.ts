/**
 * `npm run bench -- training-set [--clips 1000] [--seed 7] [--data-dir DIR]`: what a round's training
 * set costs, holding every shard's rows (the default cache, which a demo-size round fits) against
 * holding none (a 1-byte cache: each shard read again whenever it is needed, as a large job's shards
 * past `EXAMPLE_CACHE_BYTES` are). It prints heap bytes a row for each open set (ten sets each way,
 * measured after a garbage collection), the time of five epochs of batches with frames (the input of
 * the judges and the captioner; frames decoded before timing), and checks both ways give the same
 * batches. Setup (data, frames, the round's rows: a one-round demo job) is not timed.
 */
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EXAMPLE_CACHE_BYTES, type TrainBatch, TrainingSet, trainableExample } from '../../jobs/refine/training-set.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { parseRefineArgs } from './refine.js';
import { benchRoundJob } from './round-job.js';

const SETS = 10;
const EPOCHS = 5;

/** A garbage collection on demand (the bench runs without `--expose-gc`). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** `npm run bench -- training-set …`. */
export async function run(args: readonly string[] = []): Promise<void> {
  const o = parseRefineArgs(args);
  const gc = collector();
  const job = await benchRoundJob(o, 'training-set');
  try {
    const l = job.layout;
    // one frames run object: both ways share its frame cache, so only the rows' reading differs
    const framesRun = new LocalStorage(l.framesRun);
    const open = (cacheBytes: number): Promise<TrainingSet> =>
      TrainingSet.open({ roundRun: new LocalStorage(l.roundRun(0)), framesRun, cacheBytes });
    const rows = (await (await open(EXAMPLE_CACHE_BYTES)).all()).length;
    const heapPerRow = async (cacheBytes: number): Promise<number> => {
      gc();
      const before = process.memoryUsage().heapUsed;
      const sets = [];
      for (let i = 0; i < SETS; i++) sets.push(await open(cacheBytes));
      gc();
      const bytes = (process.memoryUsage().heapUsed - before) / SETS / rows;
      sets.length = 0;
      return bytes;
    };
    const epochs = async (set: TrainingSet): Promise<[TrainBatch[], number]> => {
      const out: TrainBatch[] = [];
      const t0 = performance.now();
      for (let epoch = 0; epoch < EPOCHS; epoch++)
        for await (const b of set.epoch({ filter: trainableExample, batchSize: 32, seed: 1, epoch })) out.push(b);
      return [out, (performance.now() - t0) / 1000];
    };
    await heapPerRow(1); // the first sets' one-time costs (the Parquet reader's) fall on neither way
    const heapHeld = await heapPerRow(EXAMPLE_CACHE_BYTES);
    const heapNone = await heapPerRow(1);
    const held = await open(EXAMPLE_CACHE_BYTES);
    const none = await open(1);
    await epochs(held); // decodes every frame into the shared frame cache
    const [batchesHeld, sHeld] = await epochs(held);
    const [batchesNone, sNone] = await epochs(none);
    const same = JSON.stringify(batchesHeld) === JSON.stringify(batchesNone);
    const msRow = (s: number): string => ((1000 * s) / EPOCHS / rows).toFixed(3);
    process.stdout.write(
      `training-set bench: ${o.clips} clips (seed ${o.seed}), round 0's ${rows} rows, ${cpus().length} cores, ` +
        `load average at start ${loadavg()[0].toFixed(1)}\n\n` +
        `| cache | heap bytes a row, each open set | ${EPOCHS} epochs of batches, s | ms a row an epoch | × held | same batches |\n` +
        `| --- | --- | --- | --- | --- | --- |\n` +
        `| every shard held (${EXAMPLE_CACHE_BYTES / 2 ** 20} MiB) | ${heapHeld.toFixed(0)} | ${sHeld.toFixed(2)} | ` +
        `${msRow(sHeld)} | 1.00× | — |\n` +
        `| none (each shard read again) | ${heapNone.toFixed(0)} | ${sNone.toFixed(2)} | ${msRow(sNone)} | ` +
        `${(sNone / sHeld).toFixed(2)}× | ${same ? 'yes' : 'NO'} |\n\n` +
        `The epochs here only make batches (no training step): the difference between the rows is the cost of ` +
        `reading the shards again, to set against a training step's time a row.\n`,
    );
  } finally {
    await job.remove();
  }
}
