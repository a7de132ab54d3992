/**
 * A job without a truth table whose held-out clips a person captioned, as a user's own dataset may
 * have: each round scores its captioner against those captions, and the raw ASR text beside it, and
 * says so. The truth the benchmark generator writes is read here only to make the data (the human
 * captions of the held-out clips); the job is given none.
 */
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { formatRounds } from '../../../cli/format-rounds.js';
import { exportRound } from '../../../jobs/export/export-round.js';
import { parseRefineConfig } from '../../../config/refine.js';
import { runRefine } from '../../../jobs/refine/run-refine.js';
import { readTruthMap } from '../../../jobs/refine/truth-file.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { generateBenchmark } from '../../../research/benchmark/generate.js';
import type { ClipRow } from '../../../schemas/clips.js';
import { writeParquetManifest } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';
import { tinyRefineSettings } from '../../helpers/tiny-refine.js';
import { duckRows } from '../import/duckdb.js';

const quiet = pino({ level: 'silent' });

describe('a job without truth, with held-out human captions', () => {
  it("scores each round's captioner against them, beside the raw text, and labels it so", async () => {
    const dir = await tempDir('flywheel-heldout-human-');
    const data = join(dir, 'data');
    await generateBenchmark({ outDir: data, clips: 40, seed: 17, noise: 0.4, humanFrac: 0.1, heldoutFrac: 0.25 });
    const truth = await readTruthMap(join(data, 'truth.parquet'));
    const clips = await readParquetRows<ClipRow>(join(data, 'clips.parquet'));
    // a person captioned 6 of the 10 held-out clips
    const captioned = clips.filter((c) => c.split === 'heldout').slice(0, 6);
    const ids = new Set(captioned.map((c) => c.clip_id));
    const manifest = await writeParquetManifest(
      join(dir, 'clips.parquet'),
      clips.map((c) => (ids.has(c.clip_id) ? { ...c, human_caption: truth.get(c.clip_id)!.gt_caption } : c)),
    );
    const config = parseRefineConfig({
      run_dir: join(dir, 'job'),
      manifest,
      media_root: data,
      shard_size: 16,
      rounds: 1,
      ...tinyRefineSettings(256),
    });
    const { rounds } = await runRefine(config, { log: quiet, reporter: () => new JsonReporter(quiet) });
    const [r] = rounds;
    expect(r.evalClips).toBe(10);
    expect(r.modelQuality).toMatchObject({ n: 6, against: 'human' });
    expect(r.rawAsrQuality).toMatchObject({ n: 6, against: 'human' });
    expect(r.dataset.quality).toBeUndefined();
    // the export's metadata says what its model_cider_d was measured against
    const exported = await exportRound({ jobDir: config.run_dir });
    expect(exported.metadata.rounds[0].modelQuality?.against).toBe('human');
    const [meta] = await duckRows(
      `select decode(value) as v from parquet_kv_metadata('${join(exported.dir, 'part-00000.parquet')}') where decode(key) = 'flywheel.rounds'`,
    );
    const kv = JSON.parse(String(meta.v)) as { model_scored_against?: string; model_cider_d: number }[];
    expect(kv[0]).toMatchObject({ model_scored_against: 'human captions', model_cider_d: r.modelQuality!.ciderD });
    expect(formatRounds(rounds)).toContain(
      "model: the round's captioner on 10 held-out clips, against the human captions of 6 of them (raw ASR text there: CIDEr-D ",
    );
  }, 300_000);
});
