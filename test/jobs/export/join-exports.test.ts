/**
 * Joining a job's exports into one dataset: each clip is one row, from the latest export that has it
 * as a row; a clip one export could not process that a later one could is a row, not an error; the
 * dropped clips and errors of every export stay, less the clips that are rows; the same parts give
 * the same dataset id; a part's untouched files are copied whole, with the rows of writing them anew
 * (no clip id is held: `join-owners.test.ts`); and an export of an older layout, or a part whose file
 * cannot be read or changed since it was exported, is refused, naming it.
 */
import { existsSync, statSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRound, exportRun } from '../../../jobs/export/export-round.js';
import { type ExportMetadata, exportName } from '../../../jobs/export/export-metadata.js';
import { type JoinedExport, joinExports } from '../../../jobs/export/join-exports.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { hashFile } from '../../../pipeline/hash.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import { rowsToBatch } from '../../../schemas/arrow.js';
import type { DroppedRow, FailedRow } from '../../../schemas/dropped.js';
import { type RefinedRow, refinedSchema } from '../../../schemas/refined.js';
import { duckRows } from '../import/duckdb.js';
import { tempDir } from '../../helpers/tmp.js';
import { FIXTURE_FAILED, recoveredTick, writeRoundFixture } from './round-fixture.js';

/** A memory filesystem, where a hard link from the temp folder's fails with EXDEV. */
const OTHER_FILESYSTEM = '/dev/shm';
const noOtherFilesystem = ((): string | null => {
  if (!existsSync(OTHER_FILESYSTEM)) return `${OTHER_FILESYSTEM} is absent`;
  if (statSync(OTHER_FILESYSTEM).dev === statSync(tmpdir()).dev)
    return `${OTHER_FILESYSTEM} is on the temp folder's filesystem`;
  return null;
})();
if (noOtherFilesystem !== null)
  console.warn(`join-exports: the join across filesystems is skipped: ${noOtherFilesystem}`);

/** Every data row of an export, in file order. */
async function dataRows(dir: string): Promise<RefinedRow[]> {
  const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as ExportMetadata;
  const rows: RefinedRow[] = [];
  for (const f of meta.files) rows.push(...(await readParquetRows<RefinedRow>(join(dir, f.name))));
  return rows;
}

/** The fixture job's round exported in files of 2 rows (2, 2, 1), and a tick that recovered its failed clip. */
async function roundInTwosAndTick(
  root: string,
): Promise<{ job: string; round: { dir: string; metadata: ExportMetadata }; tick1: string }> {
  const job = await writeRoundFixture(join(root, 'job'), root);
  const round = await exportRound({ jobDir: job, rowsPerFile: 2 });
  const tick1 = join(root, 'exports', 'tick-00001');
  await recoveredTick(tick1, (await dataRows(round.dir))[0], round.metadata);
  return { job, round, tick1 };
}

describe('joinExports', () => {
  it('keeps each clip once, from the latest export that has it, and drops an error that became a row', async () => {
    const root = await tempDir('flywheel-join-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    const round = await exportRound({ jobDir: job });
    // the same run exported as tick 0: every one of its rows replaces the round's row of that clip
    const tick0 = join(root, 'exports', 'tick-00000');
    await exportRun({
      run: new LocalStorage(jobLayout(job).roundRun(0)),
      frames: new LocalStorage(jobLayout(job).framesRun),
      round: 0,
      tick: 0,
      configHash: round.metadata.config_hash,
      rounds: [],
      outDir: tick0,
      rowsPerFile: 2,
    });
    const tick1 = join(root, 'exports', 'tick-00001');
    await recoveredTick(tick1, (await dataRows(round.dir))[0], round.metadata);

    const out = join(root, 'whole');
    const joined = await joinExports({ parts: [round.dir, tick0, tick1], outDir: out, rowsPerFile: 4 });
    const rows = await dataRows(out);
    expect(rows.map((r) => r.clip_id).sort()).toEqual(
      [...(await dataRows(round.dir)).map((r) => r.clip_id), FIXTURE_FAILED.clip_id].sort(),
    );
    expect(new Set(rows.map((r) => r.clip_id)).size).toBe(rows.length);
    expect(joined.replaced).toBe(round.metadata.rows);
    expect(rows.filter((r) => r.tick === 0)).toHaveLength(round.metadata.rows);
    expect(rows.filter((r) => r.tick === 1).map((r) => r.clip_id)).toEqual([FIXTURE_FAILED.clip_id]);
    expect(rows.some((r) => r.tick === null)).toBe(false);

    const m = joined.metadata;
    expect(m).toMatchObject({ rows: rows.length, round: 0, tick: null });
    // tick 0's two full files (2 rows, at least half of 4) are copied byte for byte; its last row and tick 1's are written anew
    const tick0Meta = JSON.parse(await readFile(join(tick0, 'metadata.json'), 'utf8')) as ExportMetadata;
    expect(tick0Meta.files.map((f) => f.rows)).toEqual([2, 2, 1]);
    expect(joined.copied).toBe(2);
    expect(m.files.map((f) => [f.rows, f.sha256])).toEqual([
      [2, tick0Meta.files[0].sha256],
      [2, tick0Meta.files[1].sha256],
      [2, expect.not.stringMatching(new RegExp(`${tick0Meta.files[2].sha256}|^$`))],
    ]);
    expect(m.parts?.map((p) => [p.export, p.round, p.tick, p.rows])).toEqual([
      ['round-0', 0, null, round.metadata.rows],
      ['tick-00000', 0, 0, round.metadata.rows],
      ['tick-00001', 0, 1, 1],
    ]);
    expect(exportName(m)).toBe('round 0 and ticks 0–1');
    expect(Object.values(m.by_source).reduce((a, b) => a + b, 0)).toBe(rows.length);
    expect(Object.values(m.by_origin).reduce((a, b) => a + b, 0)).toBe(rows.length);
    expect(Object.keys(m.by_origin).some((k) => k.includes(' round '))).toBe(false);

    // the clip that turned up is a row, no longer an error; every other error and drop stays, from each export
    const failed = await readParquetRows<FailedRow>(join(out, m.errors_file));
    expect(failed.some((f) => f.clip_id === FIXTURE_FAILED.clip_id)).toBe(false);
    expect(failed.length).toBeGreaterThan(0);
    expect(m.errors).toBe(new Set(failed.map((f) => f.clip_id)).size);
    const roundFailed = await readParquetRows<FailedRow>(join(round.dir, round.metadata.errors_file));
    expect(failed).toHaveLength(2 * roundFailed.filter((f) => f.clip_id !== FIXTURE_FAILED.clip_id).length);
    const dropped = await readParquetRows<DroppedRow>(join(out, m.dropped_file));
    expect(dropped.map((d) => [d.clip_id, d.tick])).toEqual([
      ['dropped', null],
      ['dropped', 0],
    ]);
    expect(m.dropped).toBe(1);

    // one table to DuckDB, the card says what it is made of, and the same parts give the same id
    const byTick = await duckRows(
      `select tick, count(*) as n from read_parquet('${join(out, 'part-*.parquet')}') group by tick order by tick`,
    );
    expect(byTick).toEqual([
      { tick: 0, n: BigInt(round.metadata.rows) },
      { tick: 1, n: 1n },
    ]);
    const card = await readFile(join(out, 'README.md'), 'utf8');
    expect(card).toContain('# flywheel refined captions, round 0 and ticks 0–1');
    expect(card).toContain('- **Made of** 3 exports of one job: `round-0`');
    const again = await joinExports({ parts: [round.dir, tick0, tick1], outDir: join(root, 'again'), rowsPerFile: 4 });
    expect(again.metadata.dataset_id).toBe(m.dataset_id);
  });

  it("copies a big first part's untouched files whole, with the rows of writing every file anew", async () => {
    const root = await tempDir('flywheel-join-copy-');
    const { round, tick1 } = await roundInTwosAndTick(root);
    expect(round.metadata.files.map((f) => f.rows)).toEqual([2, 2, 1]);

    const copied = await joinExports({ parts: [round.dir, tick1], outDir: join(root, 'copied'), rowsPerFile: 4 });
    // files of at least half of 4 rows are copied; the round's last row and tick 1's are written into one new file
    expect(copied.copied).toBe(2);
    expect(copied.metadata.files.map((f) => f.rows)).toEqual([2, 2, 2]);
    expect(copied.metadata.files.map((f) => f.sha256).slice(0, 2)).toEqual(
      round.metadata.files.slice(0, 2).map((f) => f.sha256),
    );
    const rewritten = await joinExports({
      parts: [round.dir, tick1],
      outDir: join(root, 'rewritten'),
      rowsPerFile: 4,
      copyWhole: false,
    });
    expect(rewritten.copied).toBe(0);
    const key = (r: RefinedRow): string => JSON.stringify(r);
    expect((await dataRows(copied.dir)).map(key).sort()).toEqual((await dataRows(rewritten.dir)).map(key).sort());
    expect(copied.metadata).toMatchObject({
      rows: round.metadata.rows + 1,
      by_source: rewritten.metadata.by_source,
      by_origin: rewritten.metadata.by_origin,
      errors: rewritten.metadata.errors,
      dropped: rewritten.metadata.dropped,
    });
    const sorted = (q: string): Promise<Record<string, unknown>[]> =>
      duckRows(`select clip_id, tick from read_parquet('${q}') order by clip_id`);
    expect(await sorted(join(copied.dir, 'part-*.parquet'))).toEqual(
      await sorted(join(rewritten.dir, 'part-*.parquet')),
    );

    // a file that changed since its export recorded it is refused, naming it, and nothing is published
    const changed = join(root, 'changed');
    await cp(round.dir, changed, { recursive: true });
    const first = join(changed, round.metadata.files[0].name);
    await writeFile(
      first,
      parquetBytes(refinedSchema, [rowsToBatch(refinedSchema, await readParquetRows<RefinedRow>(first))]),
    );
    await expect(joinExports({ parts: [changed, tick1], outDir: join(root, 'out'), rowsPerFile: 4 })).rejects.toThrow(
      `join: ${first}: its bytes are not those its export's metadata.json records (changed since?)`,
    );
    expect(existsSync(join(root, 'out'))).toBe(false);
  });

  it('hard-links the untouched files (no new bytes on disk), and a round exported again leaves them whole', async () => {
    const root = await tempDir('flywheel-join-link-');
    const { job, round, tick1 } = await roundInTwosAndTick(root);
    const inodes = (dir: string, names: readonly string[]): Promise<number[]> =>
      Promise.all(names.map(async (n) => (await stat(join(dir, n))).ino));
    const roundFiles = round.metadata.files.slice(0, 2).map((f) => f.name);

    const linked = await joinExports({ parts: [round.dir, tick1], outDir: join(root, 'linked'), rowsPerFile: 4 });
    expect(linked).toMatchObject({ copied: 2, linked: 2 });
    const linkedFiles = linked.metadata.files.slice(0, 2).map((f) => f.name);
    expect(await inodes(linked.dir, linkedFiles)).toEqual(await inodes(round.dir, roundFiles));
    const copied = await joinExports({
      parts: [round.dir, tick1],
      outDir: join(root, 'copied'),
      rowsPerFile: 4,
      share: 'copy',
    });
    expect(copied).toMatchObject({ copied: 2, linked: 0 });
    expect(await inodes(copied.dir, linkedFiles)).not.toContain((await inodes(round.dir, roundFiles))[0]);
    const sums = (r: JoinedExport): string[] =>
      r.metadata.files.map((f) => `${f.sha256.slice(0, 12)} ${f.content_sha256}`);
    expect(sums(copied).slice(0, 2)).toEqual(sums(linked).slice(0, 2));
    expect(copied.metadata.files.map((f) => f.content_sha256)).toEqual(
      linked.metadata.files.map((f) => f.content_sha256),
    );

    // the round exported again replaces its folder, never its files in place: the whole dataset keeps its bytes
    const before = await dataRows(linked.dir);
    await exportRound({ jobDir: job, rowsPerFile: 2 });
    expect(await inodes(round.dir, roundFiles)).not.toEqual(await inodes(linked.dir, linkedFiles));
    expect(await dataRows(linked.dir)).toEqual(before);
    for (const f of linked.metadata.files) expect(await hashFile(join(linked.dir, f.name))).toBe(f.sha256);
  });

  it.skipIf(noOtherFilesystem !== null)(
    'copies the files it cannot link: the whole dataset on another filesystem',
    async () => {
      const root = await tempDir('flywheel-join-across-');
      const { round, tick1 } = await roundInTwosAndTick(root);
      const other = await mkdtemp(join(OTHER_FILESYSTEM, 'flywheel-join-'));
      try {
        const r = await joinExports({ parts: [round.dir, tick1], outDir: join(other, 'whole'), rowsPerFile: 4 });
        expect(r).toMatchObject({ copied: 2, linked: 0, metadata: { rows: round.metadata.rows + 1 } });
        expect(r.metadata.files.slice(0, 2).map((f) => f.sha256)).toEqual(
          round.metadata.files.slice(0, 2).map((f) => f.sha256),
        );
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    },
  );

  it('refuses an export of an older layout, naming it, an empty list, and a part whose data file is cut short or swapped', async () => {
    const root = await tempDir('flywheel-join-old-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    const round = await exportRound({ jobDir: job });
    const old = join(root, 'old');
    await cp(round.dir, old, { recursive: true });
    const meta = JSON.parse(await readFile(join(old, 'metadata.json'), 'utf8')) as ExportMetadata;
    await writeFile(join(old, 'metadata.json'), JSON.stringify({ ...meta, schema_version: 'flywheel-refined/3' }));
    await expect(joinExports({ parts: [round.dir, old], outDir: join(root, 'out') })).rejects.toThrow(
      `join: ${old} is a flywheel-refined/3 export, not flywheel-refined/4: export it again with this release first`,
    );
    await expect(joinExports({ parts: [join(root, 'nothing')], outDir: join(root, 'out') })).rejects.toThrow(
      `join: ${join(root, 'nothing')} is not an export (no metadata.json)`,
    );
    await expect(joinExports({ parts: [], outDir: join(root, 'out') })).rejects.toThrow('join: no export to join');
    // a part's data file cut short: refused naming the file, and no half export is left
    const cut = join(root, 'cut');
    await cp(round.dir, cut, { recursive: true });
    await writeFile(join(cut, 'part-00000.parquet'), 'not parquet');
    await expect(joinExports({ parts: [round.dir, cut], outDir: join(root, 'out') })).rejects.toThrow(
      `join: ${join(cut, 'part-00000.parquet')}: cannot read it as Parquet`,
    );
    expect(existsSync(join(root, 'out'))).toBe(false);
    // a part's data file replaced by another valid export file, one the join reads row by row: refused, naming it
    const swapped = join(root, 'swapped');
    await cp(round.dir, swapped, { recursive: true });
    const { tick1 } = await roundInTwosAndTick(join(root, 'tick-source'));
    await cp(join(tick1, 'part-00000.parquet'), join(swapped, 'part-00000.parquet'));
    await expect(joinExports({ parts: [swapped], outDir: join(root, 'out'), rowsPerFile: 1_000_000 })).rejects.toThrow(
      `join: ${join(swapped, 'part-00000.parquet')}: its bytes are not those its export's metadata.json records (changed since?)`,
    );
    expect(existsSync(join(root, 'out'))).toBe(false);
  });
});
