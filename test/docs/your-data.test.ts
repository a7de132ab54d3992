/**
 * `docs/your-data.md` walked through as a user would: a folder of videos and a WebVid-style CSV with
 * six bad rows, imported, refined with the page's config, inspected, exported and reported, each
 * with the command line the page shows (the test fails when the page and the commands part). What
 * the page says each step prints is checked here: which rows the import refuses and why, that
 * `refine` names the clips whose video gave no frames, that the export accounts for every clip, and
 * that the next night's tick takes the new clips and the video that turned up, so that the page's
 * whole-dataset query has each clip once and `inspect` says the video that turned up gave frames.
 */
import { readFileSync } from 'node:fs';
import { appendFile, copyFile, mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { synthVideo } from '../helpers/videos.js';

const page = readFileSync(new URL('../../docs/your-data.md', import.meta.url), 'utf8');

/** The page's first ```json block: the config it tells a user to write. */
function pageConfig(): unknown {
  const block = /```json\n([\s\S]*?)```/.exec(page);
  expect(block, 'docs/your-data.md has no json block').not.toBeNull();
  return JSON.parse(block![1]) as unknown;
}

/** A command as the page writes it: arguments with shell characters in single quotes. */
const shellLine = (args: readonly string[]): string =>
  ['flywheel', ...args.map((a) => (/^[\w./=-]+$/.test(a) ? a : `'${a}'`))].join(' ');

const COLOURS = ['red', 'green', 'blue', 'yellow', 'white', 'orange', 'purple', 'gray'];

/**
 * The user's folder: 24 two-second videos of a plain colour, named by id, and a WebVid CSV whose
 * `name` says the colour in a narrator's words, or (one row in four) says nothing of it. Six rows
 * are bad: a video that is not there, one cut short, a text file named `.mp4`, a clip longer than
 * its video, an id used twice and a duration that is not one.
 */
async function userFolder(dir: string): Promise<void> {
  const videos = join(dir, 'videos');
  await mkdir(videos, { recursive: true });
  const rows = ['videoid,contentUrl,duration,page_dir,name'];
  const ids = COLOURS.flatMap((c, i) => [0, 1, 2].map((k) => ({ id: `c${String(i * 3 + k).padStart(2, '0')}`, c, k })));
  for (let i = 0; i < ids.length; i += 4)
    await Promise.all(
      ids
        .slice(i, i + 4)
        .map(({ id, c }) => synthVideo(join(videos, `${id}.mp4`), { source: `color=c=${c}:s=64x48:r=10:d=2` })),
    );
  ids.forEach(({ id, c, k }, i) => {
    const name =
      i % 4 === 3 ? 'subscribe for more videos like this one' : `okay so here the whole screen is ${c} take ${k}`;
    rows.push(`${id},https://example.com/${id}.mp4,PT00H00M02S,p,"${name}"`);
  });
  await copyFile(join(videos, 'c00.mp4'), join(videos, 'broken.mp4'));
  await truncate(join(videos, 'broken.mp4'), 600);
  await writeFile(join(videos, 'notes.mp4'), 'my notes about the videos, not a video\n');
  await copyFile(join(videos, 'c01.mp4'), join(videos, 'long.mp4'));
  rows.push(
    'gone,https://example.com/gone.mp4,PT00H00M02S,p,"a red screen"',
    'broken,https://example.com/broken.mp4,PT00H00M02S,p,"a green screen"',
    'notes,https://example.com/notes.mp4,PT00H00M02S,p,"a blue screen"',
    'long,https://example.com/long.mp4,PT00H01M39S,p,"a red screen for a long time"',
    'c00,https://example.com/again.mp4,PT00H00M02S,p,"the same id again"',
    'soon,https://example.com/soon.mp4,soon,p,"a duration that is not one"',
  );
  await writeFile(join(dir, 'videos.csv'), `${rows.join('\n')}\n`);
}

/** The next night's folder: four more videos and their CSV rows, and the missing video now there. */
async function grownFolder(dir: string): Promise<void> {
  const videos = join(dir, 'videos');
  const ids = ['n0', 'n1', 'n2', 'n3'];
  await Promise.all(
    ids.map((id, i) => synthVideo(join(videos, `${id}.mp4`), { source: `color=c=${COLOURS[i]}:s=64x48:r=10:d=2` })),
  );
  await copyFile(join(videos, 'c00.mp4'), join(videos, 'gone.mp4'));
  const rows = ids.map(
    (id, i) => `${id},https://example.com/${id}.mp4,PT00H00M02S,p,"okay so now the screen is ${COLOURS[i]}"`,
  );
  await appendFile(join(dir, 'videos.csv'), `${rows.join('\n')}\n`);
}

describe('docs/your-data.md, step by step', () => {
  it('imports, refines, inspects, exports and reports a folder of videos with the commands the page shows', async () => {
    const dir = await tempDir('flywheel-your-data-');
    await userFolder(dir);
    await writeFile(join(dir, 'job.json'), JSON.stringify(pageConfig(), null, 2));
    const run = async (args: string[]): Promise<string> => {
      expect(page, `docs/your-data.md shows "${shellLine(args)}"`).toContain(shellLine(args));
      const r = await runCli(args, { cwd: dir });
      expect(r.stderr).not.toMatch(/^flywheel: /m);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      return r.stdout;
    };

    const importArgs = [
      'import',
      'videos.csv',
      '--layout',
      'webvid',
      '--video-template',
      '{videoid}.mp4',
      '--out',
      'clips.parquet',
    ];
    const imported = await run(importArgs);
    expect(imported).toMatch(
      /^imported: 30 rows → 28 clips in \S*clips\.parquet, 2 error rows in \S*clips\.errors\.parquet$/m,
    );

    const refined = await run(['refine', 'job.json']);
    expect(refined).toMatch(/^data +rows +vocab +dist-2 \| dropped/m);
    expect(refined).toMatch(/^raw +28 /m);
    // judges that learnt from 24 clips each drop none: every clip that gave frames is a row
    expect(refined).toMatch(/^round 1 +24 +\d+ +[\d.]+ \| +0 /m);
    // the clips whose video gave no frames, each cause counted, under the table
    // (a file cut short before its index reads as no video at all, as the text file does)
    expect(refined).toMatch(
      /^frames: 4 clips gave no frames \(not_a_video 2, missing_file 1, bad_time_range 1; e\.g\. broken: not a readable video: /m,
    );
    expect(refined).toMatch(/^next: flywheel export \S*runs\/mine \(the refined dataset as Parquet\)/m);

    const inspected = await run(['inspect', 'runs/mine']);
    expect(inspected).toContain('rounds finished: 2');
    expect(inspected).toMatch(/^disk: \S+ \S+ in all: .*\bframes \S+ \S+/m);
    // the job reads its own copy of the manifest, which the next night's import will not change
    expect(inspected).toMatch(
      /^manifest: the job's copy of \S*clips\.parquet \(\d+ bytes, sha256 \w{12}, copied [^)]+\)$/m,
    );
    expect(inspected).toMatch(/^frames: 4 clips gave no frames/m);
    expect(inspected).toContain('next: flywheel export runs/mine (round 1, the latest, is not exported yet)');

    const exported = await run(['export', 'runs/mine']);
    expect(exported).toMatch(/runs\/mine\/exports\/round-1/);
    await run(['report', 'runs/mine']);
    expect(readFileSync(join(dir, 'runs/mine/report.html'), 'utf8')).toContain('<html');

    // the page's DuckDB reading: every clip is a row, a dropped clip or an error
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();
      const out = join(dir, 'runs/mine/exports/round-1');
      const [rows] = await q(`select count(*) as n from read_parquet('${out}/*.parquet')`);
      const [dropped] = await q(`select count(*) as n from read_parquet('${out}/dropped/*.parquet')`);
      const errors = await q(
        `select clip_id, error_kind from read_parquet('${out}/errors/*.parquet') order by clip_id`,
      );
      expect(errors.map((e) => e.clip_id)).toEqual(['broken', 'gone', 'long', 'notes']);
      expect(Number(rows.n) + Number(dropped.n) + errors.length).toBe(28);

      // the next night: four new videos in the CSV, and the missing one put in its place
      await grownFolder(dir);
      const reimported = await run(importArgs);
      expect(reimported).toMatch(/^imported: 34 rows → 32 clips in /m);
      const tick = JSON.parse(await run(['schedule', '--once', 'job.json'])) as Record<string, unknown>;
      expect(tick).toMatchObject({ status: 'done', tick: 0, clips: 5, exported: 5, dropped: 0, errors: 0 });
      // the page's whole dataset: the last round's rows and the tick's, each clip once, in one export
      const whole = await run(['export', 'runs/mine', '--with-ticks']);
      const shown = page.split('\n').find((l) => l.startsWith('exported round 1 and tick 0: '));
      expect(shown, 'docs/your-data.md shows what the whole-dataset export prints').toBeDefined();
      expect(whole).toContain(shown!.split(' (')[0]);
      expect(whole).toMatch(
        /^exported round 1 and tick 0: \d+ rows \(0 dropped, .*; 3 clips with errors, .*\) in 1 file → /m,
      );
      expect(whole).toContain(shown!.split('→ ')[1]);
      expect(whole).toContain(`${Number(rows.n) + 5} rows`);
      const wholeDir = join(dir, 'runs/mine/exports/dataset-round-1-tick-00000');
      const ids = (await q(`select clip_id from read_parquet('${wholeDir}/*.parquet')`)).map(
        (r) => r.clip_id as string,
      );
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(['gone', 'n0', 'n1', 'n2', 'n3']));
      expect(ids.length).toBe(Number(rows.n) + 5);
      // `gone` is a row now, not an error: the page names the clips still in error
      const still = await q(`select distinct clip_id from read_parquet('${wholeDir}/errors/*.parquet') order by 1`);
      expect(still.map((r) => r.clip_id)).toEqual(['broken', 'long', 'notes']);
      expect(page).toContain('the clips still\nin error are `broken`, `long` and `notes`');
      // the page's query: the round's rows have no tick, the tick's say tick 0 and the round it followed
      const query = page.split('\n').find((l) => l.includes('dataset-round-1-tick-00000/*.parquet'));
      expect(query, 'docs/your-data.md has the whole-dataset query').toBeDefined();
      const byPart = await q(query!.replace(/;$/, '').replaceAll("'runs/", `'${dir}/runs/`));
      const count = (tick: number | null): number =>
        byPart.filter((r) => r.round === 1 && r.tick === tick).reduce((s, r) => s + Number(r['count_star()']), 0);
      expect([count(null), count(0)]).toEqual([Number(rows.n), 5]);
      // and `inspect` says so under its schedule line, in the words the page quotes
      const after = await run(['inspect', 'runs/mine']);
      expect(after).toMatch(
        /^manifest: the job's copy of \S*clips\.parquet \([^)]+\); \S*clips\.parquet has been modified since/m,
      );
      const taken = "  of the job's clips that gave no frames, 1 gave frames in a tick since (e.g. gone)";
      expect(page).toContain(taken);
      expect(after).toContain(`schedule: 1 tick finished\n${taken}\n`);
      const wholeLine =
        "  whole dataset (the round's rows and the ticks'): runs/mine/exports/dataset-round-1-tick-00000";
      expect(page).toContain(`${taken}\n${wholeLine}\n`);
      expect(after).toContain(`${taken}\n${wholeLine}\n`);
      // the report shows the night beside the rounds: the tick, the round it followed, its clips and rows
      await run(['report', 'runs/mine']);
      const report = readFileSync(join(dir, 'runs/mine/report.html'), 'utf8');
      expect(report).toContain('The nights after: schedule ticks');
      expect(report.replace(/\s+/g, ' ')).toMatch(
        /<td>0<\/td> <td>1<\/td> <td>5<\/td> <td>5<\/td> <td>0<\/td> <td>0<\/td>/,
      );
      expect(after).not.toMatch(/^ {2}ticks: /m);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }, 600_000);
});
