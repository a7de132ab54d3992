/**
 * WebDataset export of a round: shards of the chosen size, read back by two tar readers
 * (`tar-stream` and Python's `tarfile`), samples grouped by key with `.mp4`, frames, `.json` and
 * `.txt`; each clip is cut by stream copy only where a keyframe starts it, and decodes to its
 * length; shard sha256 in `metadata.json` match the files; a clip that cannot be cut is an error row.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { extract } from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExportMetadata } from '../../../jobs/export/export-metadata.js';
import { exportRound, exportRun } from '../../../jobs/export/export-round.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import { scheduleLayout } from '../../../jobs/schedule/tick-state.js';
import { LocalStorage } from '../../../pipeline/storage.js';
import type { SampleJson } from '../../../jobs/export/webdataset/sample.js';
import { type WebDatasetMetadata, writeWebDataset } from '../../../jobs/export/webdataset/write-webdataset.js';
import { resolveBinaries } from '../../../stages/frames/ffmpeg.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { videoFixtures } from '../../helpers/videos.js';
import { duckRows } from '../import/duckdb.js';
import { FIXTURE_CLIPS, writeRoundFixture } from './round-fixture.js';

const run = promisify(execFile);

/** Every member of a tar, in order, read with tar-stream. */
async function readTar(path: string): Promise<{ name: string; data: Buffer }[]> {
  const out: { name: string; data: Buffer }[] = [];
  const ex = extract();
  createReadStream(path).pipe(ex);
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ name: entry.header.name, data: Buffer.concat(chunks) });
  }
  return out;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Python's tarfile: member names and the sha256 of each member's bytes, per shard. */
const PY_READER = `
import hashlib, json, sys, tarfile
out = {}
for path in sys.argv[1:]:
    with tarfile.open(path) as tf:
        out[path] = [[m.name, hashlib.sha256(tf.extractfile(m).read()).hexdigest()] for m in tf.getmembers()]
print(json.dumps(out))
`;

async function python(): Promise<string | undefined> {
  try {
    await run('python3', ['-c', 'import tarfile']);
    return 'python3';
  } catch {
    return undefined;
  }
}

describe('WebDataset export', () => {
  let root: string;
  let job: string;
  let parquet: { dir: string; metadata: ExportMetadata };
  let out: string;
  let meta: WebDatasetMetadata;
  const members = new Map<string, { name: string; data: Buffer }[]>();

  beforeAll(async () => {
    root = await tempDir('flywheel-wds-');
    const videos = await videoFixtures();
    job = await writeRoundFixture(join(root, 'job'), videos.mediaRoot);
    parquet = await exportRound({ jobDir: job });
    out = join(root, 'wds');
    meta = await writeWebDataset({ from: parquet.dir, out, mediaRoot: videos.mediaRoot, shardSize: 2, frames: 2 });
    for (const s of meta.shards) members.set(s.name, await readTar(join(out, s.name)));
  });

  it('writes shards of the chosen size, and metadata.json holds each shard sha256', async () => {
    expect(meta).toMatchObject({ samples: 4, errors: 1, shard_size: 2, frames_per_sample: 2 });
    expect(meta.shards.map((s) => [s.name, s.samples])).toEqual([
      ['shard-000000.tar', 2],
      ['shard-000001.tar', 2],
    ]);
    for (const s of meta.shards) expect(sha(await readFile(join(out, s.name)))).toBe(s.sha256);
    expect(meta.source.dataset_id).toBe(parquet.metadata.dataset_id);
    const onDisk = JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8')) as WebDatasetMetadata;
    expect(onDisk.shards).toEqual(meta.shards);
  });

  it('tar-stream: each sample is one key with .mp4, two frames, .json and .txt; the json carries caption, source, weight, round, model and lineage', () => {
    const byKey = new Map<string, Map<string, Buffer>>();
    for (const list of members.values())
      for (const m of list) {
        const dot = m.name.indexOf('.');
        const key = m.name.slice(0, dot);
        if (!byKey.has(key)) byKey.set(key, new Map());
        byKey.get(key)!.set(m.name.slice(dot + 1), m.data);
      }
    expect([...byKey.keys()]).toEqual(['000000000', '000000001', '000000002', '000000003']);
    const expected = FIXTURE_CLIPS.filter((c) => c.keep && c.clip.split === 'train' && c.clip.video_uri !== 'nope.mp4');
    for (const [i, files] of [...byKey.values()].entries()) {
      expect([...files.keys()]).toEqual(['mp4', 'frame-000.jpg', 'frame-001.jpg', 'json', 'txt']);
      const j = JSON.parse(files.get('json')!.toString()) as SampleJson;
      const c = expected[i];
      expect(j).toMatchObject({
        clip_id: c.clip.clip_id,
        source: c.source,
        weight: 0.75,
        round: 0,
        frames: 2,
        lineage: {
          dataset_id: parquet.metadata.dataset_id,
          run_id: 'run-fixture',
          video_uri: 'basic.mp4',
          start_s: c.clip.start_s,
          end_s: c.clip.end_s,
          origin_source: c.source,
          origin_round: 0,
        },
      });
      expect(j.model_version).toBe(
        c.source === 'synthetic' ? 'm'.repeat(64) : c.source === 'teacher' ? `teacher:${'t'.repeat(64)}` : 'text',
      );
      expect(files.get('txt')!.toString()).toBe(j.caption);
      for (const f of ['frame-000.jpg', 'frame-001.jpg'])
        expect([...files.get(f)!.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    }
  });

  it('stream copy only where a keyframe starts the clip; every .mp4 decodes to the clip length', async () => {
    const { ffprobe, ffmpeg } = resolveBinaries();
    const cuts: Record<string, string> = {};
    for (const list of members.values())
      for (let k = 0; k < list.length; k++) {
        if (!list[k].name.endsWith('.mp4')) continue;
        const j = JSON.parse(
          list.find((m) => m.name === list[k].name.replace('.mp4', '.json'))!.data.toString(),
        ) as SampleJson;
        cuts[j.clip_id] = j.cut.method;
        const file = join(root, `${j.clip_id}.mp4`);
        await writeFile(file, list[k].data);
        const { stdout } = await run(ffprobe, [
          '-v',
          'error',
          '-show_entries',
          'format=duration',
          '-of',
          'csv=p=0',
          file,
        ]);
        expect(Math.abs(Number(stdout.trim()) - (j.lineage.end_s - j.lineage.start_s))).toBeLessThan(0.1);
        await run(ffmpeg, ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
      }
    expect(cuts).toEqual({ 'on-key-0': 'copy', 'on-key-1': 'copy', 'off-key': 'reencode', late: 'reencode' });
  });

  it("Python's tarfile reads the same members with the same bytes", async (ctx) => {
    const py = await python();
    if (!py) {
      console.log('skipped: python3 with tarfile is not installed');
      ctx.skip();
      return;
    }
    const paths = meta.shards.map((s) => join(out, s.name));
    const { stdout } = await run(py, ['-c', PY_READER, ...paths], { maxBuffer: 16 * 1024 * 1024 });
    const fromPython = JSON.parse(stdout) as Record<string, [string, string][]>;
    for (const s of meta.shards)
      expect(fromPython[join(out, s.name)]).toEqual(members.get(s.name)!.map((m) => [m.name, sha(m.data)]));
  });

  it('a clip whose video is missing is an error row, read back by DuckDB', async () => {
    const rows = await duckRows(
      `select clip_id, error_kind, message from read_parquet('${join(out, 'errors.parquet')}')`,
    );
    expect(rows.map((r) => [r.clip_id, r.error_kind])).toEqual([['missing', 'missing_file']]);
    expect(rows[0].message).toMatch(/nope\.mp4/);
  });

  it('the CLI writes the same samples (bit-exact cuts) with --shard-size and --frames', async () => {
    const r = await runCli(['export', job, '--format', 'webdataset', '--shard-size', '2', '--frames', '2']);
    expect(r.stderr).not.toMatch(/flywheel:/);
    expect(r.stdout).toMatch(/webdataset: 4 samples in 2 shards \(2 stream-copied, 2 re-encoded\), 1 error /);
    const dir = `${parquet.dir}-webdataset`;
    const again = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as WebDatasetMetadata;
    expect(again.shards.map((s) => [s.name, s.samples])).toEqual(meta.shards.map((s) => [s.name, s.samples]));
    // media bytes are identical; the .json differs only by the Parquet export's dataset id
    const media = (list: { name: string; data: Buffer }[]) =>
      list.filter((m) => !m.name.endsWith('.json')).map((m) => [m.name, sha(m.data)]);
    for (const s of again.shards) expect(media(await readTar(join(dir, s.name)))).toEqual(media(members.get(s.name)!));
  });

  it('the CLI writes the whole dataset (--with-ticks): each sample names the tick that added it, the metadata the parts', async () => {
    // a finished tick that took the round's clips again (its run a copy of the round's)
    const s = scheduleLayout(job);
    await cp(jobLayout(job).roundRun(0), s.tickRun(0), { recursive: true });
    await exportRun({
      run: new LocalStorage(s.tickRun(0)),
      round: 0,
      tick: 0,
      configHash: parquet.metadata.config_hash,
      rounds: [],
      outDir: s.tickExport(0),
    });
    await writeFile(s.tickDone(0), '{}');
    const r = await runCli(['export', job, '--with-ticks', '--format', 'webdataset', '--shard-size', '10']);
    expect(r.stderr).not.toMatch(/flywheel:/);
    expect(r.stdout).toMatch(/^exported round 0 and tick 0: 5 rows /m);
    expect(r.stdout).toMatch(/webdataset: 4 samples in 1 shard .*, 1 error /);
    const dir = join(job, 'exports', 'dataset-round-0-tick-00000-webdataset');
    const whole = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as WebDatasetMetadata;
    expect(whole.source.parts?.map((p) => [p.export, p.tick])).toEqual([
      ['round-0', null],
      ['tick-00000', 0],
    ]);
    const samples = (await readTar(join(dir, whole.shards[0].name))).filter((m) => m.name.endsWith('.json'));
    expect(samples).toHaveLength(4);
    for (const m of samples) expect(JSON.parse(m.data.toString()) as SampleJson).toMatchObject({ round: 0, tick: 0 });
  });
});
