/**
 * A part's file that changes while the join reads it: between the pass that sorts its clip ids and
 * the passes that count and copy its rows. The join refuses, naming the file and both row counts,
 * and publishes nothing. The change is real (the file is rewritten with a row fewer); only its
 * moment is staged, by rewriting the file as the join opens it for the chosen time.
 */
import * as fs from 'node:fs';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Schema } from 'apache-arrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportRound } from '../../../jobs/export/export-round.js';
import { ERRORS_FILE } from '../../../jobs/export/export-errors.js';
import type { ExportMetadata } from '../../../jobs/export/export-metadata.js';
import { joinExports } from '../../../jobs/export/join-exports.js';
import { parquetBytes } from '../../../pipeline/parquet.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import { rowsToBatch } from '../../../schemas/arrow.js';
import { failedSchema } from '../../../schemas/dropped.js';
import { type RefinedRow, refinedSchema } from '../../../schemas/refined.js';
import { tempDir } from '../../helpers/tmp.js';
import { recoveredTick, writeRoundFixture } from './round-fixture.js';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  return { ...real, openAsBlob: vi.fn(real.openAsBlob) };
});

const { openAsBlob: realOpenAsBlob } = await vi.importActual<typeof fs>('node:fs');

/** Rewrites the Parquet file at `path` without its last row. */
async function dropLastRow(path: string, schema: Schema): Promise<void> {
  const rows = await readParquetRows<Record<string, unknown>>(path);
  await writeFile(path, parquetBytes(schema, [rowsToBatch(schema, rows.slice(0, -1))]));
}

/** Makes the `time`-th opening of `path` (1 = the first) find it a row shorter. */
function shortenOnOpening(path: string, time: number, schema: Schema): void {
  let opened = 0;
  vi.mocked(fs.openAsBlob).mockImplementation(async (p, options) => {
    if (p === path && ++opened === time) await dropLastRow(path, schema);
    return realOpenAsBlob(p, options);
  });
}

/**
 * The fixture round exported in files of 2 rows (each read row by row, so opened three times: ids,
 * counts, rows), and a tick with one row, for the clip the round failed on (so the round's errors
 * file, opened twice, has a row the join clears).
 */
async function roundAndTick(root: string): Promise<{ round: string; tick: string }> {
  const job = await writeRoundFixture(join(root, 'job'), root);
  const round = await exportRound({ jobDir: job, rowsPerFile: 2 });
  const [like] = await readParquetRows<RefinedRow>(join(round.dir, round.metadata.files[0].name));
  const tick = join(root, 'exports', 'tick-00001');
  await recoveredTick(tick, like, round.metadata);
  return { round: round.dir, tick };
}

describe('joinExports, a part that changes while it is joined', () => {
  afterEach(() => {
    vi.mocked(fs.openAsBlob).mockImplementation(realOpenAsBlob);
  });

  it.each([
    ['a data file that lost a row before its rows were counted', 'part-00000.parquet', 2],
    ['a data file that lost a row before its rows were copied', 'part-00001.parquet', 3],
    ['an errors file that lost a row before it was copied', ERRORS_FILE, 2],
  ] as const)('refuses %s, naming it', async (_what, name, time) => {
    const root = await tempDir('flywheel-join-changed-');
    const { round, tick } = await roundAndTick(root);
    const file = join(round, name);
    const rows = (await readParquetRows(file)).length;
    shortenOnOpening(file, time, name === ERRORS_FILE ? failedSchema : refinedSchema);
    await expect(joinExports({ parts: [round, tick], outDir: join(root, 'out') })).rejects.toThrow(
      `join: ${file} changed while it was joined (${rows} rows, then ${rows - 1})`,
    );
    expect(existsSync(join(root, 'out'))).toBe(false);
  });

  it('joins as usual when nothing changes (the staging alone refuses nothing)', async () => {
    const root = await tempDir('flywheel-join-changed-');
    const { round, tick } = await roundAndTick(root);
    // an opening that never comes: the round's first file is opened three times
    shortenOnOpening(join(round, 'part-00000.parquet'), 4, refinedSchema);
    const joined = await joinExports({ parts: [round, tick], outDir: join(root, 'out') });
    const meta = JSON.parse(await readFile(join(joined.dir, 'metadata.json'), 'utf8')) as ExportMetadata;
    const before = JSON.parse(await readFile(join(round, 'metadata.json'), 'utf8')) as ExportMetadata;
    // every row of both parts, and the round's errors less the clip the tick recovered
    expect([meta.rows, meta.errors]).toEqual([before.rows + 1, before.errors - 1]);
  });
});
