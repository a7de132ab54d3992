import { describe, expect, it } from 'vitest';
import { exportRound } from '../../../jobs/export/export-round.js';
import { writeReport } from '../../../jobs/report/build-report.js';
import { tempDir } from '../../helpers/tmp.js';

describe('export and report on a directory without a finished job', () => {
  it('refuses a job directory with no finished round, saying what to do', async () => {
    const dir = await tempDir('flywheel-export-');
    await expect(exportRound({ jobDir: dir })).rejects.toThrow(/has no finished round .* run `flywheel refine` first/);
  });
  it('the report refuses a directory that is not a refine job, naming it', async () => {
    const dir = await tempDir('flywheel-report-');
    await expect(writeReport(dir)).rejects.toThrow(
      new RegExp(`report: ${dir} is not a refine job directory \\(no job\\.json\\)`),
    );
  });
});
