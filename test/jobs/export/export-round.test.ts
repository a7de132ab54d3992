/**
 * Exporting the same round twice gives the same dataset id (the Parquet writer orders key-value
 * metadata at random, so the id hashes rows and sorted metadata, not file bytes), and every file's
 * `sha256` is the hash of its bytes on disk.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRound } from '../../../jobs/export/export-round.js';
import { tempDir } from '../../helpers/tmp.js';
import { writeRoundFixture } from './round-fixture.js';

describe('exportRound identity', () => {
  it('gives one dataset id for one round, and file hashes that match the bytes', async () => {
    const root = await tempDir('flywheel-export-id-');
    const job = await writeRoundFixture(join(root, 'job'), root);
    const a = await exportRound({ jobDir: job, outDir: join(root, 'a') });
    const b = await exportRound({ jobDir: job, outDir: join(root, 'b') });
    expect(a.metadata.files.length).toBeGreaterThan(1);
    expect(b.metadata.dataset_id).toBe(a.metadata.dataset_id);
    expect(b.metadata.files.map((f) => f.content_sha256)).toEqual(a.metadata.files.map((f) => f.content_sha256));
    for (const e of [a, b])
      for (const f of e.metadata.files) {
        const bytes = await readFile(join(e.dir, f.name));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      }
  });
});
