/**
 * A job's whole dataset (`flywheel export --with-ticks`): the last round's export and every finished
 * tick's, joined, in a folder named by both; a tick exported by an earlier release (no `tick` column)
 * is written again from its run, with the round it followed; an unfinished tick is left out; a job
 * with nothing finished is refused. (The walk-through's test runs it on a real refine job and tick.)
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRun } from '../../../jobs/export/export-round.js';
import type { ExportMetadata } from '../../../jobs/export/export-metadata.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { scheduleLayout } from '../../../jobs/schedule/tick-state.js';
import { exportWholeDataset } from '../../../jobs/schedule/whole-dataset.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import type { RefinedRow } from '../../../schemas/refined.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { writeRoundFixture } from '../export/round-fixture.js';

/** A finished tick `n` whose run is a copy of round 0's, planned at `at`, with its export as an earlier release wrote it. */
async function oldTick(job: string, n: number, at: string): Promise<void> {
  const s = scheduleLayout(job);
  await cp(jobLayout(job).roundRun(0), s.tickRun(n), { recursive: true });
  const runJson = join(s.tickRun(n), 'run.json');
  await writeFile(runJson, JSON.stringify({ ...JSON.parse(await readFile(runJson, 'utf8')), created_at: at }));
  await cp(jobLayout(job).framesRun, s.tickFrames(n), { recursive: true });
  // written as before exports told ticks apart: `round` was the tick's number, no `tick`
  await exportRun({
    run: new LocalStorage(s.tickRun(n)),
    round: n,
    configHash: 'h'.repeat(64),
    rounds: [],
    outDir: s.tickExport(n),
  });
  const metaPath = join(s.tickExport(n), 'metadata.json');
  const { tick: _tick, ...meta } = JSON.parse(await readFile(metaPath, 'utf8')) as ExportMetadata;
  await writeFile(metaPath, JSON.stringify({ ...meta, schema_version: 'flywheel-refined/3' }));
  await writeFile(s.tickDone(n), JSON.stringify({ status: 'done', tick: n }));
}

describe('exportWholeDataset', () => {
  it("joins the last round's export with every finished tick's, writing an older tick export again first", async () => {
    const root = await tempDir('flywheel-whole-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    await oldTick(job, 0, '2026-02-01T00:00:00Z');
    // a tick that died before finishing is not part of the dataset yet
    await mkdir(scheduleLayout(job).tickRun(1), { recursive: true });

    const whole = await exportWholeDataset({ jobDir: job });
    expect(whole.dir).toBe(join(job, 'exports', 'dataset-round-0-tick-00000'));
    expect(whole.metadata.parts?.map((p) => [p.export, p.round, p.tick])).toEqual([
      ['round-0', 0, null],
      ['tick-00000', 0, 0],
    ]);
    // the tick's export, written again: this release's layout, the round the tick followed, its own hash kept
    const tickMeta = JSON.parse(
      await readFile(join(scheduleLayout(job).tickExport(0), 'metadata.json'), 'utf8'),
    ) as ExportMetadata;
    expect(tickMeta).toMatchObject({
      schema_version: 'flywheel-refined/4',
      round: 0,
      tick: 0,
      config_hash: 'h'.repeat(64),
    });
    const rows: RefinedRow[] = [];
    for (const f of whole.metadata.files) rows.push(...(await readParquetRows<RefinedRow>(join(whole.dir, f.name))));
    // the tick took the round's clips again (a copy of its run), so every row is the tick's
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.tick === 0 && r.round === 0 && r.origin_round === null)).toBe(true);
    expect(whole.replaced).toBe(rows.length);

    // a tick planned before any round's run followed none: -1
    await rm(scheduleLayout(job).tickExport(0), { recursive: true });
    await oldTick(job, 2, '2025-01-01T00:00:00Z');
    const next = await exportWholeDataset({ jobDir: job, outDir: join(root, 'next') });
    expect(next.metadata.parts?.map((p) => [p.export, p.round, p.tick])).toEqual([
      ['round-0', 0, null],
      ['tick-00000', 0, 0],
      ['tick-00002', -1, 2],
    ]);
  });

  it('refuses a job with nothing finished, and --round beside --with-ticks', async () => {
    const root = await tempDir('flywheel-whole-none-');
    await mkdir(join(root, 'job'), { recursive: true });
    await expect(exportWholeDataset({ jobDir: join(root, 'job') })).rejects.toThrow(
      `export: ${join(root, 'job')} has no finished round and no finished tick; run \`flywheel refine\` first`,
    );
    const r = await runCli(['export', join(root, 'job'), '--with-ticks', '--round', '0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--with-ticks exports the latest round with the ticks since: leave out --round');
  });
});
