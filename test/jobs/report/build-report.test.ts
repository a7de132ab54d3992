/**
 * The error summaries the report, `refine`'s footer and `inspect` print: the same errors give the
 * same summary whatever order a stage's concurrent work wrote them in; the examples are the first
 * clips by id (`row:9` before `row:12`), and kinds of equal count come in the order of their first clip.
 * And the report of a job whose frames are gone from disk.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorSummaries, writeReport } from '../../../jobs/report/build-report.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { layout } from '../../../pipeline/layout.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { rowsToBatch } from '../../../schemas/arrow.js';
import { type ErrorKind, type ErrorRow, errorsSchema } from '../../../schemas/errors.js';
import { tempDir } from '../../helpers/tmp.js';
import { FIXTURE_CLIPS, writeRoundFixture } from '../export/round-fixture.js';

const error = (clip_id: string, error_kind: ErrorKind): ErrorRow => ({
  clip_id,
  stage: 'frames',
  round: 0,
  error_kind,
  message: `${clip_id} failed`,
  at: '2026-12-07T00:00:00.000Z',
});

const ROWS = [
  error('notes', 'not_a_video'),
  error('long', 'bad_time_range'),
  error('row:12', 'manifest_row'),
  error('gone', 'missing_file'),
  error('broken', 'not_a_video'),
  error('row:9', 'manifest_row'),
];

async function summaries(rows: readonly ErrorRow[]): Promise<Awaited<ReturnType<typeof errorSummaries>>> {
  const run = await tempDir('flywheel-error-summaries-');
  await mkdir(join(run, 'errors'));
  // two shards' errors tables, as a run has them
  await writeFile(
    join(run, 'errors', 'frames-shard-00000.parquet'),
    parquetBytes(errorsSchema, [rowsToBatch(errorsSchema, rows.slice(0, 3))]),
  );
  await writeFile(
    join(run, 'errors', 'frames-shard-00001.parquet'),
    parquetBytes(errorsSchema, [rowsToBatch(errorsSchema, rows.slice(3))]),
  );
  return errorSummaries(run);
}

describe('errorSummaries', () => {
  it('gives the same summary whatever order the rows were written in, first clips by id as examples', async () => {
    const s = await summaries(ROWS);
    expect(s.map((g) => [g.kind, g.count, g.examples.map((e) => e.clipId)])).toEqual([
      ['not_a_video', 2, ['broken', 'notes']],
      ['manifest_row', 2, ['row:9', 'row:12']],
      ['missing_file', 1, ['gone']],
      ['bad_time_range', 1, ['long']],
    ]);
    expect(await summaries([...ROWS].reverse())).toEqual(s);
    expect(await summaries([...ROWS.slice(3), ...ROWS.slice(0, 3)])).toEqual(s);
  });
});

describe('writeReport', () => {
  it('writes the report of a job whose frames are gone, or partly extracted again: the sample clips with their captions, no thumbnails', async () => {
    const root = await tempDir('flywheel-report-no-frames-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    // frames grow with the clips: a user short of disk may remove them once the job is done
    await rm(jobLayout(job).framesRun, { recursive: true, force: true });
    const html = await readFile(await writeReport(job), 'utf8');
    expect(html).toContain('Sample clips');
    expect(FIXTURE_CLIPS.some((c) => html.includes(c.clip.clip_id))).toBe(true);
    expect(html).not.toContain('class="thumb"');
    // and while they are extracted again (a retraining tick's first step): one shard of two committed
    const frames = jobLayout(job).framesRun;
    await mkdir(join(frames, layout.ledgerDir), { recursive: true });
    await writeFile(join(frames, layout.runMeta), JSON.stringify({ shards: ['shard-00000', 'shard-00001'] }));
    await writeFile(join(frames, layout.ledger('shard-00000')), '{}');
    const again = await readFile(await writeReport(job), 'utf8');
    expect(again).toContain('Sample clips');
    expect(again).not.toContain('class="thumb"');
  });
});
