/**
 * Which of a manifest's clips a tick takes, found by an external sort: the clips no earlier run
 * took, each from its first manifest row (a later row of the same id is a duplicate, and a clip
 * whose first row is invalid is not taken from a later one, as the manifest's validator says),
 * and the clips whose video failed and has changed since; the same answer whether the sort holds
 * everything in one chunk or spills to many run files, and no scratch left behind; and a manifest
 * rewritten between the two passes is refused, naming the row, rather than misread.
 */
import { existsSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newClips } from '../../../jobs/schedule/new-clips.js';
import { readManifest } from '../../../pipeline/manifest/index.js';
import { clip, writeJsonl } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';
import { writeFramesRun } from './frames-run-fixture.js';

describe('newClips', () => {
  it('takes the new clips from their first row and the failed ones whose video changed, in manifest order', async () => {
    const root = await tempDir('flywheel-new-clips-');
    const media = join(root, 'media');
    await mkdir(media);
    for (const v of ['gone.mp4', 'same.mp4']) await writeFile(join(media, v), 'a video, replaced since');
    const round = await writeFramesRun(join(root, 'round'), ['a', 'b', 'gone', 'same'], []);
    const tick = await writeFramesRun(join(root, 'tick'), ['c', 'a'], []);
    const manifest = await writeJsonl(join(root, 'clips.jsonl'), [
      clip('a', 'a.mp4', 0, 1),
      clip('d', 'd.mp4', 0, 1),
      clip('d', 'd-again.mp4', 0, 1),
      clip('e', 'e.mp4', 5, 1), // end before start: invalid, and so is the later row of e
      clip('e', 'e.mp4', 0, 1),
      clip('gone', 'gone.mp4', 0, 1),
      clip('same', 'same.mp4', 0, 1),
      { video_uri: 'no-id.mp4', start_s: 0, end_s: 1 },
      clip('f', 'f.mp4', 0, 1),
      clip('c', 'c.mp4', 0, 1),
      clip('g', 'not-there.mp4', 0, 1),
    ]);
    // gone failed before its file was replaced; same failed after (its file has not changed since)
    const failed = new Map([
      ['gone', Date.parse('2026-01-01T00:00:00Z')],
      ['same', Date.now() + 86_400_000],
    ]);
    const found = [];
    for (const limits of [undefined, { chunkRecords: 2, fanIn: 2 }]) {
      const scratchDir = join(root, 'scratch');
      const got = await newClips({
        manifest,
        processedRuns: [round, tick],
        failed,
        mediaRoot: media,
        scratchDir,
        ...(limits ? { limits } : {}),
      });
      expect(got.clips.map((c) => [c.clip_id, c.video_uri])).toEqual([
        ['d', 'd.mp4'],
        ['gone', 'gone.mp4'],
        ['f', 'f.mp4'],
        ['g', 'not-there.mp4'],
      ]);
      expect(got).toMatchObject({ retried: 1, processed: 5 });
      expect(existsSync(scratchDir)).toBe(false);
      found.push(got);
    }
    expect(found[1]).toEqual(found[0]);

    // the same clips as the in-memory way: every processed id in a set, the validator's own duplicates
    const seen = new Set(['a', 'b', 'gone', 'same', 'c']);
    const inMemory: string[] = [];
    for await (const item of readManifest(manifest))
      if ('clip' in item && (!seen.has(item.clip.clip_id) || item.clip.clip_id === 'gone'))
        inMemory.push(item.clip.clip_id);
    expect(found[0].clips.map((c) => c.clip_id)).toEqual(inMemory);
  });

  it('refuses a manifest rewritten between its two passes, naming the row, and leaves no scratch', async () => {
    const root = await tempDir('flywheel-new-clips-changed-');
    const run = await writeFramesRun(join(root, 'round'), ['a'], []);
    const rows = [clip('a', 'a.mp4', 0, 1), clip('d', 'd.mp4', 0, 1), clip('f', 'f.mp4', 0, 1)];
    const manifest = await writeJsonl(join(root, 'clips.jsonl'), rows);
    // a fault between the passes: the map of failed clips is asked about `a` while the sort is read,
    // and that is when another writer rewrites the manifest in another order
    class RewritingMap extends Map<string, number> {
      override has(id: string): boolean {
        writeFileSync(manifest, [rows[0], rows[2], rows[1]].map((r) => JSON.stringify(r)).join('\n') + '\n');
        return super.has(id);
      }
    }
    const scratchDir = join(root, 'scratch');
    await expect(
      newClips({ manifest, processedRuns: [run], failed: new RewritingMap(), mediaRoot: root, scratchDir }),
    ).rejects.toThrow(/clips\.jsonl changed while the tick read it \(row \d+ was "d", now "f"\); run the tick again/);
    expect(existsSync(scratchDir)).toBe(false);
  });
});
