import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clipsSchema, type ClipRow } from '../../../schemas/clips.js';
import { readParquetRows, readParquetTable } from '../../../pipeline/parquet-file.js';
import { typeName } from '../../../schemas/arrow.js';
import {
  COLOURS,
  BACKGROUNDS,
  bundledFfmpegPath,
  generateBenchmark,
  readTruth,
  truthAttrs,
  type BenchmarkInfo,
} from '../../../research/benchmark/index.js';

const ffprobe = (createRequire(import.meta.url)('@ffprobe-installer/ffprobe') as { path: string }).path;
const ffmpeg = bundledFfmpegPath();
const root = mkdtempSync(join(tmpdir(), 'flywheel-datagen-'));
const opts = { clips: 40, seed: 5, clipsPerVideo: 16, concurrency: 2 };
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

/** Decodes one RGB24 frame at time t of a video. */
function frameAt(video: string, t: number, w: number, h: number): Buffer {
  const buf = execFileSync(ffmpeg, [
    '-v',
    'error',
    '-ss',
    String(t),
    '-i',
    video,
    '-frames:v',
    '1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ]);
  expect(buf.length).toBe(w * h * 3);
  return buf;
}
const near = (buf: Buffer, i: number, rgb: number, tol = 70): boolean =>
  Math.abs(buf[i] - ((rgb >> 16) & 255)) +
    Math.abs(buf[i + 1] - ((rgb >> 8) & 255)) +
    Math.abs(buf[i + 2] - (rgb & 255)) <
  tol;

let info: BenchmarkInfo;
let clips: ClipRow[];

beforeAll(async () => {
  info = await generateBenchmark({ ...opts, outDir: join(root, 'a') });
  clips = await readParquetRows<ClipRow>(info.manifestPath);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('generateBenchmark (40 clips, real ffmpeg)', () => {
  it('writes the manifest with exactly the clips schema and the documented files', async () => {
    expect(readdirSync(info.dir).sort()).toEqual(['clips.parquet', 'dataset.json', 'truth.parquet', 'videos']);
    expect(readdirSync(info.videosDir).sort()).toEqual(['v00000.mp4', 'v00001.mp4', 'v00002.mp4']);
    const table = await readParquetTable(info.manifestPath);
    expect(table.schema.fields.map((f) => `${f.name}:${typeName(f.type)}:${f.nullable}`)).toEqual(
      clipsSchema.fields.map((f) => `${f.name}:${typeName(f.type)}:${f.nullable}`),
    );
    expect(clips).toHaveLength(40);
    expect(new Set(clips.map((c) => c.clip_id)).size).toBe(40);
    expect(info.counts).toMatchObject({ clips: 40, corrupted: 16, human: 1, heldout: 4, videos: 3 });
    const ds = JSON.parse(readFileSync(join(info.dir, 'dataset.json'), 'utf8')) as {
      params: { seed: number };
      counts: { clips: number };
    };
    expect(ds.params.seed).toBe(5);
    expect(ds.counts.clips).toBe(40);
  });

  it("passes the pipeline's manifest validation row for row", async () => {
    const { readManifest } = await import('../../../pipeline/manifest/index.js');
    let ok = 0;
    for await (const item of readManifest(info.manifestPath)) {
      expect('clip' in item ? null : item.error).toBeNull();
      ok++;
    }
    expect(ok).toBe(40);
  });

  it('writes H.264 videos that decode with the expected size, frame count and duration', () => {
    for (const v of readdirSync(info.videosDir)) {
      const path = join(info.videosDir, v);
      const expectedS = Math.max(...clips.filter((c) => c.video_uri === path).map((c) => c.end_s));
      const out = JSON.parse(
        execFileSync(ffprobe, [
          '-v',
          'error',
          '-count_frames',
          '-show_entries',
          'stream=codec_name,width,height,nb_read_frames:format=duration',
          '-of',
          'json',
          path,
        ]).toString(),
      ) as {
        streams: Array<{ codec_name: string; width: number; height: number; nb_read_frames: string }>;
        format: { duration: string };
      };
      const s = out.streams[0];
      expect(s).toMatchObject({ codec_name: 'h264', width: 64, height: 64 });
      expect(Number(s.nb_read_frames)).toBe(Math.round(expectedS * 8));
      expect(Number(out.format.duration)).toBeCloseTo(expectedS, 1);
    }
  });

  it('draws what the truth says: object colour present, background dominant', async () => {
    const truth = await readTruth(info.dir);
    let checked = 0;
    for (const [i, c] of clips.entries()) {
      const attrs = truthAttrs(truth[i]);
      if (attrs.objects.some((o) => o.motion === 'appears')) continue;
      const f = frameAt(c.video_uri, (c.start_s + c.end_s) / 2, 64, 64);
      let bg = 0;
      for (let p = 0; p < 64 * 64 * 3; p += 3) if (near(f, p, BACKGROUNDS[attrs.background])) bg++;
      expect(bg, `${c.clip_id} background`).toBeGreaterThan(64 * 64 * 0.35);
      for (const o of attrs.objects) {
        let n = 0;
        for (let p = 0; p < 64 * 64 * 3; p += 3) if (near(f, p, COLOURS[o.colour])) n++;
        expect(n, `${c.clip_id} ${o.colour} ${o.shape}`).toBeGreaterThan(40);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(25);
  });

  it('moves, grows and shrinks objects the way the caption says', async () => {
    const truth = await readTruth(info.dir);
    const stats = (f: Buffer, rgb: number): { n: number; x: number; y: number } => {
      let n = 0;
      let x = 0;
      let y = 0;
      for (let p = 0; p < 64 * 64; p++) {
        if (!near(f, p * 3, rgb)) continue;
        n++;
        x += p % 64;
        y += Math.floor(p / 64);
      }
      return { n, x: x / n, y: y / n };
    };
    let checked = 0;
    for (const [i, c] of clips.entries()) {
      const attrs = truthAttrs(truth[i]);
      if (attrs.objects.length !== 1) continue;
      const o = attrs.objects[0];
      const d = c.end_s - c.start_s;
      const a = stats(frameAt(c.video_uri, c.start_s + d * 0.2, 64, 64), COLOURS[o.colour]);
      const b = stats(frameAt(c.video_uri, c.start_s + d * 0.8, 64, 64), COLOURS[o.colour]);
      const why = `${c.clip_id}: ${truth[i].gt_caption}`;
      if (o.motion === 'left') expect(b.x, why).toBeLessThan(a.x - 10);
      if (o.motion === 'right') expect(b.x, why).toBeGreaterThan(a.x + 10);
      if (o.motion === 'up') expect(b.y, why).toBeLessThan(a.y - 10);
      if (o.motion === 'down') expect(b.y, why).toBeGreaterThan(a.y + 10);
      if (o.motion === 'grows') expect(b.n, why).toBeGreaterThan(a.n * 1.5);
      if (o.motion === 'shrinks') expect(b.n, why).toBeLessThan(a.n / 1.5);
      if (o.motion === 'appears') expect(a.n, why).toBeLessThan(b.n / 4);
      if (o.motion === 'still') expect(Math.abs(b.x - a.x) + Math.abs(b.y - a.y), why).toBeLessThan(1);
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('keeps ground truth in the sidecar, human captions only on the human split', async () => {
    const truth = await readTruth(info.dir);
    expect(truth.map((t) => t.clip_id)).toEqual(clips.map((c) => c.clip_id));
    expect(truth.filter((t) => t.corrupted)).toHaveLength(16);
    for (const [i, t] of truth.entries()) {
      expect(t.corrupted).toBe(t.noise_kinds.length > 0);
      expect(clips[i].split).toBe(t.split);
      expect(clips[i].human_caption).toBe(t.split === 'human' ? t.gt_caption : null);
    }
  });

  it('is deterministic: the same seed gives identical bytes in another directory', async () => {
    const b = await generateBenchmark({ ...opts, outDir: join(root, 'b'), uriStyle: 'relative' });
    const c = await generateBenchmark({ ...opts, outDir: join(root, 'c') });
    for (const v of readdirSync(info.videosDir)) expect(sha(join(b.videosDir, v))).toBe(sha(join(info.videosDir, v)));
    expect(sha(c.truthPath)).toBe(sha(info.truthPath));
    const cClips = await readParquetRows<ClipRow>(c.manifestPath);
    expect(cClips.map((r) => ({ ...r, video_uri: '' }))).toEqual(clips.map((r) => ({ ...r, video_uri: '' })));
    expect((await readParquetRows<ClipRow>(b.manifestPath))[0].video_uri).toBe('videos/v00000.mp4');
  });

  it('re-running with the same options is a no-op; other options rebuild cleanly', async () => {
    const before = statSync(join(info.videosDir, 'v00000.mp4')).mtimeMs;
    const again = await generateBenchmark({ ...opts, outDir: info.dir });
    expect(again.reused).toBe(true);
    expect(statSync(join(info.videosDir, 'v00000.mp4')).mtimeMs).toBe(before);
    const fewer = await generateBenchmark({ ...opts, clips: 10, noise: 0.2, outDir: info.dir });
    expect(fewer.reused).toBe(false);
    expect(readdirSync(info.videosDir)).toEqual(['v00000.mp4']);
    expect((await readTruth(info.dir)).filter((t) => t.corrupted)).toHaveLength(2);
  });

  it('refuses to rebuild into a directory holding foreign files', async () => {
    const dir = join(root, 'foreign');
    mkdirSync(join(dir, 'videos'), { recursive: true });
    writeFileSync(join(dir, 'videos', 'holiday.mp4'), 'x');
    await expect(generateBenchmark({ ...opts, clips: 3, outDir: dir })).rejects.toThrow(
      /did not write \(videos\/holiday\.mp4\)/,
    );
    expect(readFileSync(join(dir, 'videos', 'holiday.mp4'), 'utf8')).toBe('x');
  });

  it('stops on abort without marking the dataset complete', async () => {
    const dir = join(root, 'aborted');
    const ac = new AbortController();
    const run = generateBenchmark(
      { ...opts, clips: 64, clipsPerVideo: 4, outDir: dir },
      { signal: ac.signal, onProgress: () => ac.abort() },
    );
    await expect(run).rejects.toThrow(/abort/i);
    expect(readdirSync(dir)).not.toContain('dataset.json');
    expect(readdirSync(join(dir, 'videos')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // the next run rebuilds cleanly
    expect((await generateBenchmark({ ...opts, clips: 8, outDir: dir })).counts.videos).toBe(1);
  });

  it('runs as `flywheel gen-bench`', async () => {
    const { buildProgram } = await import('../../../cli/main.js');
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const out = join(root, 'cli');
    await buildProgram().parseAsync([
      'node',
      'flywheel',
      'gen-bench',
      '--clips',
      '6',
      '--out',
      out,
      '--seed',
      '2',
      '--fps',
      '4',
    ]);
    const printed = JSON.parse(String(log.mock.calls[0]?.[0])) as { clips: number; reused: boolean };
    log.mockRestore();
    expect(printed).toMatchObject({ clips: 6, reused: false });
    expect((await readTruth(out)).length).toBe(6);
  });
});
