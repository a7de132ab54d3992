/**
 * `flywheel inspect` on a folder: an export shows its own summary (dataset id, round, rows, what was
 * left out, rows by source), then every file's row count from its footer, then the first file; a
 * folder without Parquet, or with a file that is not Parquet, fails naming it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectDir } from '../../cli/inspect-dir.js';
import { exportRound } from '../../jobs/export/export-round.js';
import { tempDir } from '../helpers/tmp.js';
import { writeRoundFixture } from '../jobs/export/round-fixture.js';

describe('inspectDir', () => {
  it("summarises an export from its metadata, counts each file's rows and shows the first file", async () => {
    const root = await tempDir('flywheel-inspect-');
    const e = await exportRound({
      jobDir: await writeRoundFixture(join(root, 'job'), root),
      outDir: join(root, 'out'),
    });
    const text = await inspectDir(e.dir, 1);
    const m = e.metadata;
    expect(text).toContain(`export flywheel-refined/4, round 0, dataset ${m.dataset_id}\n`);
    expect(text).toContain(
      `rows: ${m.rows} (${m.dropped} dropped, with their reasons in dropped/clips.parquet; 2 clips with errors, with their causes in errors/clips.parquet; ${m.heldout_excluded} held-out excluded)\n`,
    );
    expect(text).toMatch(/by source: (\w+ \d+(, )?)+\n/);
    expect(text).toMatch(/by origin: ([\w-]+ round \d+ \d+(, )?)+\n/);
    expect(text).toContain(`files: ${m.files.length}, ${m.rows} rows in all\n`);
    for (const f of m.files) expect(text).toContain(`  ${f.name}  ${f.rows}\n`);
    expect(text).toContain(`${join(e.dir, m.files[0].name)}\nrows: ${m.files[0].rows}\nschema:\n  clip_id: Utf8`);
    expect(text).toMatch(/first 1 rows:/);
  });

  it('summarises an export written before exports listed their errors without an errors count', async () => {
    const root = await tempDir('flywheel-inspect-old-');
    const e = await exportRound({ jobDir: await writeRoundFixture(join(root, 'job'), root) });
    const { errors: _errors, errors_file: _file, ...older } = e.metadata;
    await writeFile(join(e.dir, 'metadata.json'), JSON.stringify(older));
    expect(await inspectDir(e.dir, 1)).toContain(
      `rows: ${older.rows} (${older.dropped} dropped, with their reasons in dropped/clips.parquet; ${older.heldout_excluded} held-out excluded)\n`,
    );
  });

  it('fails naming a folder without Parquet, or a file in it that is not Parquet', async () => {
    const dir = await tempDir('flywheel-inspect-bad-');
    await expect(inspectDir(dir, 1)).rejects.toThrow(`${dir} holds no .parquet file`);
    await writeFile(join(dir, 'part-0.parquet'), 'not parquet');
    await expect(inspectDir(dir, 1)).rejects.toThrow(`${join(dir, 'part-0.parquet')} is not a readable Parquet file`);
  });
});
