/**
 * A job without a truth table whose held-out clips a person captioned, as a user's own dataset may
 * have: each round scores its captioner against those captions, and the raw ASR text beside it, and
 * says so; and scores its own choice for those clips the same way, having chosen for them as for
 * train clips (their human captions are references, never candidates). The truth the benchmark generator writes is read here only to make the data (the human
 * captions of the held-out clips); the job is given none.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { formatRounds } from '../../../cli/format-rounds.js';
import { exportRound } from '../../../jobs/export/export-round.js';
import { buildReportData } from '../../../jobs/report/build-report.js';
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
  it("scores each round's captioner, and its own choice for those clips, against them, beside the raw text, and labels it so", async () => {
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
    // the round chose for those clips as for train clips, their human captions kept out of its candidates
    const heldoutScores = await duckRows(
      `select clip_id, caption_source, candidate_sources from read_parquet('${join(config.run_dir, 'round-0', 'adatailr', '*.parquet')}')`,
    ).then((rows) => rows.filter((x) => ids.has(String(x.clip_id))));
    expect(heldoutScores).toHaveLength(6);
    for (const x of heldoutScores) expect(String(x.candidate_sources)).not.toContain('human');
    // and the record scores that choice against the human captions, beside the same clips' raw text
    const check = r.heldoutRows!;
    expect(check).toMatchObject({ clips: 10, chosen: { against: 'human' }, rawAsr: { against: 'human' } });
    expect(check.chosen!.n).toBe(check.rawAsr!.n);
    expect(check.chosen!.n).toBeGreaterThan(0);
    expect(check.chosen!.n).toBeLessThanOrEqual(Math.min(6, check.kept));
    // the report draws it, and the export's card states it as the rows' estimate
    const report = await buildReportData(config.run_dir);
    expect(report.rounds[0].heldoutRows).toEqual({
      clips: 10,
      kept: check.kept,
      against: 'human',
      ciderD: check.chosen!.ciderD,
      rawCiderD: check.rawAsr!.ciderD,
    });
    expect(await readFile(join(exported.dir, 'README.md'), 'utf8')).toContain(
      `**Quality, estimated on held-out clips**: the round chose for 10 held-out clips`,
    );
    expect(formatRounds(rounds)).toContain(
      `held-out rows: the round's choice for 10 held-out clips no round trained on (kept ${check.kept}), CIDEr-D against the human captions of ${check.chosen!.n} of them: raw ASR `,
    );
  }, 300_000);
});
