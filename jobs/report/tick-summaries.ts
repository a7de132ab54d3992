/**
 * The report's nights: what each finished `schedule` tick of a job did, from its `tick.json` and its
 * export's `metadata.json` (clips, rows, drops, errors, sources, time), so the report shows the
 * dataset's growth after the refine rounds as well as the rounds.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportMetadata } from '../export/export-metadata.js';
import { scheduleLayout, tickNumbers } from '../schedule/tick-state.js';
import type { TickResult } from '../schedule/tick.js';
import type { TickSummary } from '../../report/report-data.js';

/** The finished ticks of the job in `jobDir`, in order (none when it never ticked). */
export async function tickSummaries(jobDir: string): Promise<TickSummary[]> {
  const s = scheduleLayout(jobDir);
  const out: TickSummary[] = [];
  for (const n of await tickNumbers(s.dir)) {
    if (!existsSync(s.tickDone(n))) continue;
    const done = JSON.parse(await readFile(s.tickDone(n), 'utf8')) as Partial<Extract<TickResult, { status: 'done' }>>;
    const metaPath = join(s.tickExport(n), 'metadata.json');
    const meta = existsSync(metaPath) ? (JSON.parse(await readFile(metaPath, 'utf8')) as ExportMetadata) : undefined;
    out.push({
      tick: n,
      // the round it followed, where its export says (an export written before exports told ticks apart does not)
      round: meta && meta.tick === n ? meta.round : null,
      clips: done.clips ?? null,
      rows: meta?.rows ?? done.exported ?? null,
      dropped: meta?.dropped ?? done.dropped ?? null,
      errors: meta?.errors ?? done.errors ?? null,
      bySource: meta?.by_source ?? {},
      retrained: done.retrained ?? false,
      seconds: done.seconds ?? null,
    });
  }
  return out;
}
