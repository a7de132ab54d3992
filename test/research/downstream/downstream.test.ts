/**
 * `flywheel downstream` from files: a raw manifest and an export-like Parquet (read by column
 * name, extra columns ignored) compared with the upper bound, the JSON written atomically, the
 * table printed by the CLI; and every kind of bad input refused before anything trains or is
 * written, with a message naming the dataset and the problem.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Field, Float64, Schema, Utf8 } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { writeParquetRows } from '../../../pipeline/parquet-file.js';
import { evaluateDownstream } from '../../../research/downstream/evaluate.js';
import { contentCorrect } from '../../../research/benchmark/content.js';
import { truthAttrs } from '../../../research/benchmark/truth.js';
import {
  narratedBoundDataset,
  rawDataset,
  upperBoundDataset,
  withWrongRows,
} from '../../../research/downstream/datasets.js';
import type { FrameSource } from '../../../research/downstream/frames.js';
import { runDownstream } from '../../../research/downstream/run-downstream.js';
import type { DownstreamResult } from '../../../research/downstream/types.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { type DownstreamFixture, downstreamFixture } from './fixture.js';

/** An export with the columns we read plus ones another engineer may add. */
const exportSchema = new Schema([
  new Field('clip_id', new Utf8(), false),
  new Field('future_column', new Utf8(), false),
  new Field('caption', new Utf8(), false),
  new Field('caption_source', new Utf8(), false),
  new Field('quality_weight', new Float64(), false),
]);

async function writeExport(
  dir: string,
  rows: { clip_id: string; caption: string; quality_weight: number }[],
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeParquetRows(
    join(dir, 'part-00000.parquet'),
    exportSchema,
    rows.map((r) => ({ ...r, future_column: 'x', caption_source: 'synthetic' })),
  );
  return dir;
}

describe('flywheel downstream', () => {
  let dir: string;
  let fx: DownstreamFixture;
  let train: { clip_id: string; caption: string; quality_weight: number }[];

  beforeAll(async () => {
    dir = await tempDir('flywheel-downstream-');
    fx = await downstreamFixture(dir, 120, 4);
    train = fx.clips
      .filter((c) => c.split !== 'heldout')
      .map((c, i) => ({
        clip_id: c.clip_id,
        caption: fx.truth.get(c.clip_id)!.gt_caption,
        quality_weight: i % 2 ? 1 : 0.5,
      }));
  });

  it('compares a raw manifest, an export and the upper bound; writes the JSON atomically', async () => {
    const exp = await writeExport(join(dir, 'exp'), train.slice(0, 60));
    const out = join(dir, 'out', 'result.json');
    await mkdir(join(dir, 'out'));
    const r = await runDownstream({
      datasets: [{ path: fx.manifest }, { name: 'refined', path: exp }],
      truth: fx.truthPath,
      frames: fx.framesRun,
      seeds: [4],
      steps: 20,
      batch: 16,
      wrongBound: [0.5],
      out,
    });
    expect(r.result.datasets.map((d) => d.name)).toEqual(['raw', 'refined', 'upper-bound', 'upper-bound-wrong-0.5']);
    expect(r.result.datasets[1].rows).toBe(60);
    expect(r.result.datasets[1].weightSum).toBe(45);
    expect(r.result.heldout.clips).toBe(24);
    expect(r.result.settings.queries).toBe('both');
    expect(r.result.settings.probe.maxTextLen).toBe(40);
    expect(r.result.datasets[0].gapClosed.mean_r).toBe(0);
    expect(r.result.datasets[2].gapClosed.mean_r).toBe(1);
    const saved = JSON.parse(await readFile(out, 'utf8')) as DownstreamResult & { notes: string[] };
    expect(saved.format).toBe('flywheel-downstream/1');
    expect(saved.runs).toHaveLength(4);
    expect(saved.notes.join('\n')).toMatch(/upper-bound-wrong-0.5: the upper bound with 48 rows \(50 %\) made wrong/);
    expect(saved.notes.join('\n')).toMatch(
      /refined: 60 rows \(\d+ distinct captions, mean weight 0.75\) .*60 synthetic/,
    );
  });

  it("the narrated bound: the upper bound's clips and content in the people's words", () => {
    const upper = upperBoundDataset(fx.clips, fx.truth, fx.truthPath);
    const narrated = narratedBoundDataset(fx.clips, fx.truth, fx.truthPath);
    expect(narrated.name).toBe('narrated-bound');
    expect(narrated.rows.map((r) => r.clip_id)).toEqual(upper.rows.map((r) => r.clip_id));
    const byId = new Map(fx.clips.map((c) => [c.clip_id, c]));
    let kept = 0;
    let narratedRows = 0;
    for (const [i, r] of narrated.rows.entries()) {
      const t = fx.truth.get(r.clip_id)!;
      expect(contentCorrect(r.caption, truthAttrs(t)), r.caption).toBe(true);
      expect(r.caption).not.toBe(upper.rows[i].caption);
      if (t.corrupted) narratedRows++;
      else {
        expect(r.caption).toBe(byId.get(r.clip_id)!.asr_text);
        kept++;
      }
    }
    expect(kept).toBeGreaterThan(20);
    expect(narratedRows).toBeGreaterThan(20);
    // seeded by clip: the same rows every time
    expect(narratedBoundDataset(fx.clips, fx.truth, fx.truthPath).rows).toEqual(narrated.rows);
  });

  it("the upper bound speaks the queries' wording: captions, narration, or half the clips each way", () => {
    const bound = (w: 'canonical' | 'narrated' | 'both') =>
      upperBoundDataset(fx.clips, fx.truth, fx.truthPath, 'ub', w);
    const [canonical, narrated, both] = [bound('canonical'), bound('narrated'), bound('both')];
    expect(canonical.rows.map((r) => r.caption)).toEqual(
      canonical.rows.map((r) => fx.truth.get(r.clip_id)!.gt_caption),
    );
    expect(narrated.rows).toEqual(narratedBoundDataset(fx.clips, fx.truth, fx.truthPath).rows);
    expect(both.rows.map((r) => r.clip_id)).toEqual(canonical.rows.map((r) => r.clip_id));
    const fromCanonical = both.rows.filter((r, i) => r.caption === canonical.rows[i].caption).length;
    const fromNarrated = both.rows.filter((r, i) => r.caption === narrated.rows[i].caption).length;
    expect(fromCanonical + fromNarrated).toBe(both.rows.length);
    expect(fromCanonical / both.rows.length).toBeGreaterThan(0.3);
    expect(fromNarrated / both.rows.length).toBeGreaterThan(0.3);
  });

  it('wrong rows: a seeded share of the bound said again with wrong attributes, in its own wording', () => {
    const ub = upperBoundDataset(fx.clips, fx.truth, fx.truthPath, 'upper-bound', 'both');
    const wrong = withWrongRows(ub, fx.truth, 0.2);
    expect(wrong.name).toBe('upper-bound-wrong-0.2');
    expect(wrong.rows.map((r) => r.clip_id)).toEqual(ub.rows.map((r) => r.clip_id));
    const changed = wrong.rows.filter((r, i) => r.caption !== ub.rows[i].caption);
    expect(changed).toHaveLength(Math.round(0.2 * ub.rows.length));
    for (const r of changed) {
      const t = fx.truth.get(r.clip_id)!;
      expect(contentCorrect(r.caption, truthAttrs(t)), r.caption).toBe(false);
      // a truth caption stays a caption ("a …"), a narration stays a narration
      const wasCaption = ub.rows.find((x) => x.clip_id === r.clip_id)!.caption === t.gt_caption;
      expect(/^an? /.test(r.caption), r.caption).toBe(wasCaption);
    }
    expect(withWrongRows(ub, fx.truth, 0.2).rows).toEqual(wrong.rows);
    expect(() => withWrongRows(ub, fx.truth, 0)).toThrow(/fraction in \(0, 1\]/);
  });

  it('the CLI prints the tables (and --json the machine form)', async () => {
    const exp = await writeExport(join(dir, 'exp-cli'), train.slice(0, 40));
    const args = [
      'downstream',
      fx.manifest,
      `r1=${exp}`,
      '--truth',
      fx.truthPath,
      '--frames',
      fx.framesRun,
      '--seeds',
      '1',
      '--steps',
      '5',
      '--batch',
      '8',
      '--no-upper-bound',
      '--narrated-bound',
    ];
    const table = await runCli(args);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/\| chance \|/);
    expect(table.stdout).toMatch(/\| r1 \| 40 \|/);
    // by default every probe is scored on the truth in both wordings, averaged
    expect(table.stdout).toMatch(/queries: truth captions and the truth in the people's words, averaged/);
    expect(table.stdout).toMatch(/By query wording/);
    // the settings of reports made before the narrated queries, for reproducing them
    const json = await runCli([...args, '--json', '--queries', 'canonical', '--text-len', '24']);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as DownstreamResult;
    expect(parsed.datasets.map((d) => d.name)).toEqual(['raw', 'r1', 'narrated-bound']);
    expect(parsed.settings.queries).toBe('canonical');
    expect(parsed.settings.probe.maxTextLen).toBe(24);
    expect(parsed.runs.every((r) => r.byWording === undefined)).toBe(true);
    const noBound = await runCli([...args, '--wrong-bound', '0.1']);
    expect(noBound.code).not.toBe(0);
    expect(noBound.stderr).toMatch(/--wrong-bound needs the upper bound/);
    const badFraction = await runCli([...args, '--wrong-bound', '0.1,2']);
    expect(badFraction.code).not.toBe(0);
    expect(badFraction.stderr).toMatch(/--wrong-bound takes fractions/);
    const bad = await runCli([...args, '--queries', 'fancy']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--queries.*fancy.*canonical, narrated, both/s);
  });

  it('--tokenizer fixes the vocabulary: the raw rows score the same whatever is compared beside them', async () => {
    const tokFile = join(dir, 'tokenizer.json');
    await writeFile(
      tokFile,
      CaptionTokenizer.train(
        train.map((r) => r.caption),
        { vocabSize: 200 },
      ).toJSON(),
    );
    const a = await writeExport(join(dir, 'exp-tok-a'), train.slice(0, 40));
    // a dataset of other words: trained per command, the tokenizer would change with it
    const b = await writeExport(
      join(dir, 'exp-tok-b'),
      train.slice(40, 80).map((r) => ({ ...r, caption: `zebra quokka ${r.caption} narwhal` })),
    );
    const raw = async (exp: string, fixed: boolean): Promise<unknown> => {
      const args = ['downstream', fx.manifest, `x=${exp}`, '--truth', fx.truthPath, '--frames', fx.framesRun];
      const r = await runCli([
        ...args,
        ...['--seeds', '1', '--steps', '5', '--batch', '8', '--no-upper-bound', '--json'],
        ...(fixed ? ['--tokenizer', tokFile] : []),
      ]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as DownstreamResult).datasets[0].mean;
    };
    expect(await raw(a, true)).toEqual(await raw(b, true));
    expect(await raw(a, false)).not.toEqual(await raw(b, false));
    const bad = await runCli([
      'downstream',
      fx.manifest,
      '--truth',
      fx.truthPath,
      '--tokenizer',
      join(dir, 'none.json'),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--tokenizer .*none\.json: cannot read \(ENOENT\)/);
    const junk = join(dir, 'junk.json');
    await writeFile(junk, '{"not": "a tokenizer"}');
    const notOne = await runCli(['downstream', fx.manifest, '--truth', fx.truthPath, '--tokenizer', junk]);
    expect(notOne.code).not.toBe(0);
    expect(notOne.stderr).toMatch(/--tokenizer .*junk\.json: not a tokenizer\.json/);
  });

  it('runs trained in worker threads are the ones trained one after another here, in the same order', async () => {
    const raw = rawDataset(fx.clips, fx.manifest).dataset;
    const upper = upperBoundDataset(fx.clips, fx.truth, fx.truthPath);
    const tokenizer = CaptionTokenizer.train(
      raw.rows.map((r) => r.caption),
      { vocabSize: 200 },
    );
    const opts = {
      datasets: [raw, upper],
      heldout: fx.heldout,
      frames: fx.frames,
      seeds: 2,
      steps: 8,
      batch: 8,
      tokenizer,
    };
    const order: string[] = [];
    const here = await evaluateDownstream(opts);
    const there = await evaluateDownstream({ ...opts, workers: 3, onRun: (r) => order.push(`${r.dataset}/${r.seed}`) });
    const strip = (r: DownstreamResult): unknown => r.runs.map(({ seconds: _s, ...run }) => run);
    expect(strip(there)).toEqual(strip(here));
    expect(there.datasets).toEqual(here.datasets);
    expect(there.runs.map((r) => `${r.dataset}/${r.seed}`)).toEqual([
      'raw/1',
      'upper-bound/1',
      'raw/2',
      'upper-bound/2',
    ]);
    expect([...order].sort()).toEqual(there.runs.map((r) => `${r.dataset}/${r.seed}`).sort());
    expect(there.provider).toBe('cpu');
    // one worker thread, leaving the calling thread free (a refine round's probe beside its captioner)
    expect(strip(await evaluateDownstream({ ...opts, workers: 1, inWorkers: true }))).toEqual(strip(here));
  });

  describe('bad input: a clear error, nothing written', () => {
    const refused = async (
      datasets: { name?: string; path: string }[],
      pattern: RegExp,
      extra: { manifest?: string } = {},
    ): Promise<void> => {
      const out = join(dir, `never-${Math.random().toString(36).slice(2)}.json`);
      await expect(
        runDownstream({ datasets, truth: fx.truthPath, frames: fx.framesRun, steps: 1, out, ...extra }),
      ).rejects.toThrow(pattern);
      expect(existsSync(out)).toBe(false);
    };

    it('a dataset with no rows', async () => {
      const exp = await writeExport(join(dir, 'empty'), []);
      await refused([{ path: fx.manifest }, { name: 'empty', path: exp }], /dataset "empty" \(.*empty\): no rows/);
    });

    it('clip ids that are not in the manifest', async () => {
      const exp = await writeExport(join(dir, 'foreign'), [
        ...train.slice(0, 5),
        { clip_id: 'other-000001', caption: 'a red square', quality_weight: 1 },
      ]);
      await refused(
        [{ path: fx.manifest }, { name: 'foreign', path: exp }],
        /dataset "foreign" .*1 of 6 clip ids are not in the manifest \(other-000001\)/,
      );
    });

    it('held-out clips in a training dataset', async () => {
      const held = fx.heldout[0].clip_id;
      const exp = await writeExport(join(dir, 'leak'), [
        ...train.slice(0, 5),
        { clip_id: held, caption: 'a red square', quality_weight: 1 },
      ]);
      await refused(
        [{ path: fx.manifest }, { name: 'leak', path: exp }],
        new RegExp(`dataset "leak" .*1 rows are held-out clips \\(${held}\\)`),
      );
    });

    it('an export without a quality_weight column, and a path that does not exist', async () => {
      const d = join(dir, 'nocol');
      await mkdir(d);
      await writeParquetRows(
        join(d, 'part-0.parquet'),
        new Schema([new Field('clip_id', new Utf8(), false), new Field('caption', new Utf8(), false)]),
        [{ clip_id: train[0].clip_id, caption: 'x' }],
      );
      await refused([{ path: d }], /part-0\.parquet: no column quality_weight/, { manifest: fx.manifest });
      await refused([{ path: join(dir, 'nope') }], /dataset .*nope does not exist/);
    });

    it('exports alone, without a manifest for the held-out clips', async () => {
      const exp = await writeExport(join(dir, 'alone'), train.slice(0, 5));
      await refused([{ path: exp }], /give --manifest/);
    });

    it('missing frames, naming the dataset and the clips', async () => {
      const hidden = new Set(train.slice(0, 2).map((r) => r.clip_id));
      const frames: FrameSource = {
        description: 'test frames',
        get: (id) => (hidden.has(id) ? Promise.resolve(undefined) : fx.frames.get(id)),
      };
      const raw = rawDataset(fx.clips, fx.manifest).dataset;
      await expect(evaluateDownstream({ datasets: [raw], heldout: fx.heldout, frames, steps: 1 })).rejects.toThrow(
        /missing frames in test frames for dataset "raw" .*: \d clips \(/,
      );
    });

    it('a held-out set smaller than 20 clips', async () => {
      const raw = rawDataset(fx.clips, fx.manifest).dataset;
      await expect(
        evaluateDownstream({ datasets: [raw], heldout: fx.heldout.slice(0, 19), frames: fx.frames, steps: 1 }),
      ).rejects.toThrow(/held-out set has 19 clips .*need at least 20/);
    });
  });
});
