/**
 * A refine job whose round 0 takes candidates from a pretrained teacher folder (`model.teacher`),
 * end to end: the tiny code-built teacher (test/helpers/teacher-fixture.ts) captions every
 * non-human clip's middle frame in round 0 (bootstrap and round-0 runs), the job finishes its
 * rounds and exports, and later rounds gather no teacher candidates.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateBenchmark } from '../../../research/benchmark/generate.js';
import { readParquetRows } from '../../../pipeline/parquet-file.js';
import { exportRound } from '../../../jobs/export/export-round.js';
import { parseRefineConfig } from '../../../config/refine.js';
import { jobLayout } from '../../../jobs/refine/layout.js';
import type { RoundRecord } from '../../../jobs/refine/round-metrics.js';
import { runRefine } from '../../../jobs/refine/run-refine.js';
import { teacherId } from '../../../models/teacher/identity.js';
import { loadTeacher } from '../../../models/teacher/load.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import type { CaptionRow } from '../../../schemas/captions.js';
import type { FrameRow } from '../../../schemas/frames.js';
import { writeTeacherFixture } from '../../helpers/teacher-fixture.js';
import { tempDir } from '../../helpers/tmp.js';

const quiet = pino({ level: 'silent' });

async function table<T>(dir: string): Promise<T[]> {
  const rows: T[] = [];
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.parquet')).sort())
    rows.push(...(await readParquetRows<T>(join(dir, f))));
  return rows;
}

/** What the teacher writes for each clip, computed here from the job's stored frames. */
async function expectedTeacherCaptions(teacherDir: string, framesDir: string): Promise<Map<string, string>> {
  const byClip = new Map<string, FrameRow[]>();
  for (const f of await table<FrameRow>(framesDir)) byClip.set(f.clip_id, [...(byClip.get(f.clip_id) ?? []), f]);
  const clips = [...byClip].map(([clip_id, fs]) => {
    fs.sort((a, b) => a.frame_index - b.frame_index);
    const frames = new Uint8Array(fs.reduce((n, f) => n + f.pixels.length, 0));
    fs.reduce((at, f) => (frames.set(f.pixels, at), at + f.pixels.length), 0);
    return { clip_id, frame_count: fs.length, frame_width: fs[0].width, frame_height: fs[0].height, frames };
  });
  const teacher = await loadTeacher({ dir: teacherDir, frames: 'middle' }, { threads: 1 });
  try {
    const texts = await teacher.caption(clips);
    return new Map(clips.map((c, i) => [c.clip_id, texts[i]]));
  } finally {
    await teacher.release();
  }
}

describe('refine job with a teacher captioner in round 0', () => {
  let dir: string;
  let teacherDir: string;
  let rounds: RoundRecord[];
  let layout: ReturnType<typeof jobLayout>;

  beforeAll(async () => {
    dir = await tempDir('flywheel-refine-teacher-');
    const dataDir = join(dir, 'data');
    teacherDir = join(dir, 'teacher');
    await writeTeacherFixture(teacherDir);
    await generateBenchmark({ outDir: dataDir, clips: 40, seed: 13, noise: 0.4, humanFrac: 0.1, heldoutFrac: 0.25 });
    const config = parseRefineConfig({
      run_dir: join(dir, 'job'),
      manifest: join(dataDir, 'clips.parquet'),
      media_root: dataDir,
      shard_size: 16,
      seed: 3,
      rounds: 2,
      model: {
        preset: 'tiny',
        vocab_size: 256,
        max_caption_len: 24,
        max_text_len: 24,
        teacher: { dir: teacherDir, frames: 'middle' },
      },
      device: { providers: ['cpu'], threads: 1 },
      train: {
        loss: { kind: 'adatailr' },
        pretrain: { epochs: 1, lr: 1e-3, batch_size: 16 },
        finetune: { epochs: 1, lr: 1e-3, batch_size: 8 },
      },
      judge: { epochs: 1, batch_size: 16 },
      eval: { max_clips: 4 },
    });
    layout = jobLayout(config.run_dir);
    rounds = (await runRefine(config, { log: quiet, reporter: () => new JsonReporter(quiet) })).rounds;
  }, 600_000);

  it('finishes every round and exports', async () => {
    expect(rounds.map((r) => r.round)).toEqual([0, 1]);
    const exported = await exportRound({ jobDir: layout.dir });
    expect(exported.metadata.rows).toBeGreaterThan(0);
  });

  it("round 0's candidates (bootstrap and round-0 runs) carry the teacher's caption of each clip's middle frame and its id", async () => {
    const want = await expectedTeacherCaptions(teacherDir, join(layout.framesRun, 'frames'));
    const id = await teacherId(teacherDir);
    for (const run of [layout.bootstrapRun, layout.roundRun(0)]) {
      const rows = await table<CaptionRow>(join(run, 'caption'));
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        // the lineage: no model of ours wrote in round 0, the teacher did
        expect(r.model_version).toBe(`teacher:${id}`);
        if (r.candidate_sources.includes('human')) {
          expect(r.candidate_sources).toEqual(['human']);
          continue;
        }
        const at = r.candidate_sources.indexOf('teacher');
        expect(at, `clip ${r.clip_id} in ${run}`).toBeGreaterThanOrEqual(0);
        expect(r.candidate_captions[at]).toBe(want.get(r.clip_id));
      }
    }
  });

  it('a broken teacher folder stops the job before any shard runs', async () => {
    const bad = join(dir, 'teacher-bad');
    await writeTeacherFixture(bad, { encoderInput: 'pixels' });
    const jobDir = join(dir, 'job-bad');
    const config = parseRefineConfig({
      run_dir: jobDir,
      manifest: join(dir, 'data', 'clips.parquet'),
      media_root: join(dir, 'data'),
      model: { preset: 'tiny', teacher: { dir: bad } },
      device: { providers: ['cpu'], threads: 1 },
    });
    await expect(runRefine(config, { log: quiet, reporter: () => new JsonReporter(quiet) })).rejects.toThrow(
      /teacher-bad: onnx\/encoder_model\.onnx has no input "pixel_values"/,
    );
    expect(existsSync(jobLayout(jobDir).framesRun)).toBe(false);
  });

  it('later rounds gather no teacher candidates', async () => {
    const rows = await table<CaptionRow>(join(layout.roundRun(1), 'caption'));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.candidate_sources).not.toContain('teacher');
  });
});
