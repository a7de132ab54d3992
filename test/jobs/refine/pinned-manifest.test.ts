/**
 * The refine job's copy of its manifest: taken once, read ever after, the source's later changes
 * warned about and never read, a lost copy taken again only from the same bytes, a source that
 * changes while it is copied refused without leaving a copy behind, and a job started before jobs
 * kept a copy pinned only to the bytes it read.
 */
import { createHash } from 'node:crypto';
import { appendFile, copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { pinManifest } from '../../../jobs/refine/pinned-manifest.js';
import { tempDir } from '../../helpers/tmp.js';

const rows = (ids: readonly string[]): string =>
  ids.map((id) => JSON.stringify({ clip_id: id, video_uri: `${id}.mp4`, asr_text: `asr ${id}` })).join('\n') + '\n';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('pinManifest', () => {
  let dir: string;
  let source: string;
  let warnings: string[];
  const log = () => pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });

  beforeEach(async () => {
    dir = await tempDir('flywheel-pin-');
    source = join(dir, 'clips.jsonl');
    await writeFile(source, rows(['a', 'b', 'c']));
    warnings = [];
  });

  it('copies the manifest into the job once, with its source, sha256 and size; later calls read the copy quietly', async () => {
    const l = jobLayout(join(dir, 'job'));
    const first = await pinManifest(l, source, { log: log() });
    const bytes = await readFile(source);
    expect(first.path).toBe(join(dir, 'job', 'manifest', 'clips.jsonl'));
    expect(await readFile(first.path)).toEqual(bytes);
    expect(first.pin).toMatchObject({ source, file: 'clips.jsonl', sha256: sha(bytes), bytes: bytes.length });
    expect(JSON.parse(await readFile(l.manifestPin, 'utf8'))).toEqual(first.pin);
    expect(await readdir(l.manifestDir)).toEqual(['clips.jsonl']);

    const again = await pinManifest(l, source, { log: log() });
    expect(again).toEqual({ path: first.path, pin: first.pin });
    expect(warnings).toEqual([]);
  });

  it('a source grown or gone since is warned about, naming it and the copy, and the copy is what the job reads', async () => {
    const l = jobLayout(join(dir, 'job'));
    const first = await pinManifest(l, source);
    const pinned = await readFile(first.path);
    await appendFile(source, rows(['d']));

    const grown = await pinManifest(l, source, { log: log() });
    expect(grown.path).toBe(first.path);
    expect(grown.pin).toEqual(first.pin);
    expect(grown.sourceDiffers).toMatch(
      /clips\.jsonl changed since the job copied it on .* \(sha256 \w{12} → \w{12}\)/,
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`the job goes on with the clips it started with, in ${first.path}`);
    expect(await readFile(first.path)).toEqual(pinned);

    await rm(source);
    const gone = await pinManifest(l, source, { log: log() });
    expect(gone.sourceDiffers).toBe(`${source} is gone`);
    expect(await readFile(gone.path)).toEqual(pinned);
  });

  it("a lost copy is taken again while the source holds the job's bytes, and refused once it does not", async () => {
    const l = jobLayout(join(dir, 'job'));
    const first = await pinManifest(l, source);
    await rm(first.path);
    const again = await pinManifest(l, source, { log: log() });
    expect(await readFile(again.path)).toEqual(await readFile(source));
    expect(again.pin.sha256).toBe(first.pin.sha256);
    expect(warnings.join('')).toMatch(/the job's copy of its manifest is gone: copied again from .*clips\.jsonl/);

    await writeFile(again.path, rows(['x']));
    await appendFile(source, rows(['d']));
    await expect(pinManifest(l, source)).rejects.toThrow(
      /job\/manifest\/clips\.jsonl: the job's copy of its manifest changed \(sha256 \w{12}\), and .*clips\.jsonl no longer holds the bytes the job started with/,
    );
  });

  it("a source that changes while it is copied is refused, and leaves no copy and no record; the next call pins it, clearing a killed copy's temp", async () => {
    const l = jobLayout(join(dir, 'job'));
    // the fault: the ingest appends between the job's hash of the source and its copy
    const racing = async (from: string, to: string): Promise<void> => {
      await appendFile(from, rows(['d']));
      await copyFile(from, to);
    };
    await expect(pinManifest(l, source, { copy: racing })).rejects.toThrow(
      /manifest .*clips\.jsonl: it changed while the job copied it \(sha256 \w{12} before, \w{12} copied\); run the job again/,
    );
    expect(await readdir(l.manifestDir)).toEqual([]);
    await expect(readFile(l.manifestPin)).rejects.toThrow(/ENOENT/);

    // a copy killed half-way leaves its temp; the next pin clears it
    await writeFile(join(l.manifestDir, 'clips.jsonl.tmp-99999999-abcd0123'), 'half a cop');
    const pinned = await pinManifest(l, source);
    expect(await readFile(pinned.path, 'utf8')).toBe(rows(['a', 'b', 'c', 'd']));
    expect(await readdir(l.manifestDir)).toEqual(['clips.jsonl']);
  });

  it('a job started before jobs kept a copy is pinned only while its manifest holds the bytes its frames run read', async () => {
    const l = jobLayout(join(dir, 'job'));
    const read = sha(await readFile(source));
    await appendFile(source, rows(['d']));
    await expect(pinManifest(l, source, { started: read })).rejects.toThrow(
      new RegExp(
        `manifest .*clips\\.jsonl: it changed since this job read it \\(sha256 ${read.slice(0, 12)}, now \\w{12}\\), and the job has no copy of it \\(no .*manifest-pin\\.json: it was started before jobs kept one\\)\\. Put the manifest it started with back`,
      ),
    );
    await expect(readFile(l.manifestPin)).rejects.toThrow(/ENOENT/);
    await writeFile(source, rows(['a', 'b', 'c']));
    expect((await pinManifest(l, source, { started: read })).pin.sha256).toBe(read);
  });

  it('a broken record is refused, naming it and what to do', async () => {
    const l = jobLayout(join(dir, 'job'));
    await pinManifest(l, source);
    await writeFile(l.manifestPin, '{not json');
    await expect(pinManifest(l, source)).rejects.toThrow(
      /manifest-pin\.json: cannot read the job's manifest record \(.*\); delete it to copy the manifest again/,
    );
  });

  it('a missing manifest at the start is refused, naming it', async () => {
    await expect(pinManifest(jobLayout(join(dir, 'job')), join(dir, 'nope.jsonl'))).rejects.toThrow(
      /manifest .*nope\.jsonl: cannot read \(ENOENT\)/,
    );
  });
});
