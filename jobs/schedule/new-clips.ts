/**
 * Which of a manifest's clips a tick takes: those no earlier run took (the refine job's, every
 * finished tick's), and those whose video gave no frames and has changed since (`retry.ts`).
 *
 * Design: a nightly manifest grows with the job, and so do the clips processed. Held in memory, the
 * ids of both cost about 170 MB a million clips each night (`npm run bench -- new-clips`). Instead,
 * the ids every earlier run took (as row −1) and the manifest's rows (their row) go through one
 * external merge sort (`pipeline/external-sort.ts`): equal ids come out together, an earlier run's
 * first. An id no run took is new, and its first manifest row is taken when valid (a later row of
 * the same id is a duplicate, which the manifest's validator refuses). An id a run took is taken
 * again only when its video failed and has changed since. A second pass over the manifest validates
 * and reads only the rows picked, checking each one's id, so a manifest rewritten between the two
 * passes is refused rather than misread. Memory: one sort chunk, the merge buffers, and the clips
 * taken.
 */
import { rm } from 'node:fs/promises';
import { ExternalSorter, type IdAt, idAtCodec, type SortLimits } from '../../pipeline/external-sort.js';
import { ManifestValidator, readRawRows } from '../../pipeline/manifest/index.js';
import type { ClipRow } from '../../schemas/clips.js';
import { videoChangedSince } from './retry.js';
import { clipIdBatchesOfRun } from './tick-state.js';

/** The key an earlier run's id is sorted under: before every manifest row of the same id. */
const PROCESSED = -1;

/**
 * The sort key of a manifest row whose clip id parsed: twice its row, plus one when the row is not a
 * valid clip. So rows keep their order, and a clip whose first row is invalid is not taken from a
 * later row (that row is a duplicate, as the validator, which counts an id at its first row, says).
 */
const rowKey = (row: number, valid: boolean): number => 2 * row + (valid ? 0 : 1);

/** Adds to `sorter` every manifest row whose clip id parses, keyed by {@link rowKey}, holding no ids. */
async function sortManifestIds(manifest: string, sorter: ExternalSorter<IdAt>): Promise<void> {
  // the id the validator parsed from the row being checked (it asks the index only when one parses)
  const parsed: { at?: IdAt } = {};
  const validator = new ManifestValidator(manifest, 0, {
    firstRow: (id, row) => {
      parsed.at = { id, row };
      return undefined;
    },
  });
  for await (const raw of readRawRows(manifest)) {
    const item = validator.check(raw);
    const at = parsed.at;
    if (at?.row === raw.row) sorter.add({ id: at.id, row: rowKey(at.row, 'clip' in item) });
  }
}

/** What {@link newClips} found. */
export interface NewClips {
  /** The clips to take, in manifest order. */
  readonly clips: ClipRow[];
  /** How many of them an earlier run took, whose video failed and has changed since. */
  readonly retried: number;
  /** Distinct clips the earlier runs took. */
  readonly processed: number;
}

/** The clips of `manifest` a tick takes, found by the sort in the module comment; `scratchDir` holds its run files and is removed. */
export async function newClips(opts: {
  readonly manifest: string;
  /** Engine runs whose input clips are processed: the refine job's round 0 run and every finished tick's. */
  readonly processedRuns: readonly string[];
  /** Clips whose video gave no frames, with when (ms since the epoch): `failedVideos`. */
  readonly failed: ReadonlyMap<string, number>;
  readonly mediaRoot: string;
  readonly scratchDir: string;
  readonly limits?: SortLimits;
}): Promise<NewClips> {
  try {
    const sorter = new ExternalSorter(opts.scratchDir, 'ids', idAtCodec, opts.limits);
    for (const run of opts.processedRuns)
      for await (const ids of clipIdBatchesOfRun(run)) for (const id of ids) sorter.add({ id, row: PROCESSED });
    await sortManifestIds(opts.manifest, sorter);
    // the rows to take (new clips, and failed ones to check again), with their ids
    const picked: { row: number; id: string; retry: boolean }[] = [];
    let processed = 0;
    let group: { id: string; processed: boolean; first: boolean } | undefined;
    for (const r of sorter.sorted()) {
      if (group?.id !== r.id) {
        group = { id: r.id, processed: r.row === PROCESSED, first: true };
        if (group.processed) processed++;
      }
      // only the clip's first manifest row counts; later ones are duplicates
      if (r.row === PROCESSED || !group.first) continue;
      group.first = false;
      const row = Math.floor(r.row / 2);
      if (r.row % 2 === 1) continue;
      if (!group.processed) picked.push({ row, id: r.id, retry: false });
      else if (opts.failed.has(r.id)) picked.push({ row, id: r.id, retry: true });
    }
    picked.sort((a, b) => a.row - b.row);
    const clips: ClipRow[] = [];
    let retried = 0;
    let k = 0;
    // the second pass validates only the rows picked, each again without holding ids
    const validator = new ManifestValidator(opts.manifest, 0, { firstRow: () => undefined });
    for await (const raw of readRawRows(opts.manifest)) {
      if (k >= picked.length) break;
      if (raw.row !== picked[k].row) continue;
      const p = picked[k++];
      const item = validator.check(raw);
      const now = 'clip' in item ? item.clip.clip_id : `an invalid row (${item.error.message})`;
      if (!('clip' in item) || item.clip.clip_id !== p.id)
        throw new Error(
          `schedule: ${opts.manifest} changed while the tick read it (row ${raw.row} was ${JSON.stringify(p.id)}, now ${JSON.stringify(now)}); run the tick again`,
        );
      const clip = item.clip;
      if (!p.retry) clips.push(clip);
      else if (await videoChangedSince(opts.mediaRoot, clip.video_uri, opts.failed.get(p.id) as number)) {
        clips.push(clip);
        retried++;
      }
    }
    if (k < picked.length)
      throw new Error(
        `schedule: ${opts.manifest} changed while the tick read it (it ends before row ${picked[k].row}); run the tick again`,
      );
    return { clips, retried, processed };
  } finally {
    await rm(opts.scratchDir, { recursive: true, force: true });
  }
}
