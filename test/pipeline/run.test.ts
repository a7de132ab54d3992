import { readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchToRows } from '../../schemas/arrow.js';
import { layout } from '../../pipeline/layout.js';
import { readRunMeta, runProgress, type RunSummary } from '../../pipeline/ledger.js';
import { readParquetTable } from '../../pipeline/parquet.js';
import { planRun, RunMismatchError } from '../../pipeline/plan.js';
import { JsonReporter } from '../../pipeline/reporter.js';
import { runLocal } from '../../pipeline/runner.js';
import { runShardTask } from '../../pipeline/shard-task.js';
import { LocalStorage } from '../../pipeline/storage.js';
import { manyClips, writeJsonl } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';
import { doubleStage, lengthStage, newCalls } from '../helpers/toy-stages.js';
import pino from 'pino';

const quiet = (): JsonReporter => new JsonReporter(pino({ level: 'silent' }));
let root: string;
let manifest: string;

beforeAll(async () => {
  root = await tempDir();
  const rows: unknown[] = manyClips(23, ['a.mp4']);
  rows.push({ clip_id: 'c0003', video_uri: 'dup.mp4', start_s: 0, end_s: 1, asr_text: '' });
  rows.push({ video_uri: 'x.mp4', start_s: 0, end_s: 1 });
  manifest = await writeJsonl(join(root, 'clips.jsonl'), rows);
});

async function tableRows(dir: string, sub: string, file: string): Promise<Record<string, unknown>[]> {
  return batchToRows(
    readParquetTable(await readFile(join(dir, sub, file))).batches[0] ??
      readParquetTable(await readFile(join(dir, sub, file))).batches[0],
  );
}

async function allRows(dir: string, stage: string): Promise<string[]> {
  const files = (await readdir(join(dir, stage))).filter((f) => f.endsWith('.parquet')).sort();
  const out: string[] = [];
  for (const f of files) {
    const t = readParquetTable(await readFile(join(dir, stage, f)));
    for (const b of t.batches) for (const r of batchToRows(b)) out.push(JSON.stringify(r));
  }
  return out.sort();
}

const opts = (runDir: string, extra: object = {}) => ({
  runDir,
  manifestPath: manifest,
  shardSize: 5,
  round: 0,
  stages: [lengthStage({ badIds: ['c0007'] }), doubleStage()],
  config: { k: 1 },
  reporter: quiet(),
  ...extra,
});

describe('local run: shards, ledger, resume', () => {
  it('writes one Parquet file per stage per shard plus errors, ledger and summary', async () => {
    const dir = join(root, 'run1');
    const r = await runLocal(opts(dir));
    expect(r.meta.shards).toEqual(['shard-00000', 'shard-00001', 'shard-00002', 'shard-00003', 'shard-00004']);
    expect(r.meta.manifest).toMatchObject({ rows: 25, clips: 23, errors: 2 });
    expect((await readdir(join(dir, 'length'))).sort()).toEqual(r.meta.shards.map((s) => `${s}.parquet`));
    expect(await allRows(dir, 'length')).toHaveLength(22);
    expect(await allRows(dir, 'double')).toHaveLength(22);
    const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as RunSummary;
    expect(summary.stages.length).toMatchObject({ rows_in: 23, rows_out: 22, errors: 1 });
    expect(summary.shards_done).toBe(5);
    const manifestErrors = await tableRows(dir, 'errors', 'manifest.parquet');
    expect(manifestErrors.map((e) => e.message)).toEqual([
      expect.stringMatching(/clips\.jsonl row 24: duplicate clip_id "c0003" \(first seen at row 4\)/),
      expect.stringMatching(/row 25: missing clip_id/),
    ]);
    const stageErrors = await tableRows(dir, 'errors', 'length-shard-00001.parquet');
    expect(stageErrors).toMatchObject([{ clip_id: 'c0007', stage: 'length', error_kind: 'decode_failed' }]);
    expect(await readdir(dir)).not.toContainEqual(expect.stringContaining('.tmp-'));
  });

  it('a re-run skips finished shards and redoes a partial one without duplicating rows; its progress counts committed shards', async () => {
    const dir = join(root, 'run2');
    const storage = new LocalStorage(dir);
    expect(await runProgress(storage)).toBeUndefined();
    await runLocal(opts(dir));
    const before = await allRows(dir, 'double');
    expect(await runProgress(storage)).toEqual({ shards: 5, done: 5 });
    // simulate a crash in shard 2 after its outputs were renamed but before its ledger record
    await storage.remove(layout.ledger('shard-00002'));
    expect(await runProgress(storage)).toEqual({ shards: 5, done: 4 });
    await writeFile(join(dir, 'length', 'shard-00003.parquet.tmp-1-dead'), 'partial');
    const r = await runLocal(opts(dir));
    expect(r.resumed).toBe(true);
    expect(r.processed).toBe(1);
    expect(await allRows(dir, 'double')).toEqual(before);
    expect(await readdir(join(dir, 'length'))).not.toContain('shard-00003.parquet.tmp-1-dead');
  });

  it('refuses to resume when the config or the stage list changed', async () => {
    const dir = join(root, 'run3');
    await runLocal(opts(dir));
    await expect(runLocal(opts(dir, { config: { k: 2 } }))).rejects.toThrow(RunMismatchError);
    await expect(runLocal(opts(dir, { config: { k: 2 } }))).rejects.toThrow(
      /refusing to resume run dir .*run3: config hash changed: was [0-9a-f]{12}, now [0-9a-f]{12} \(k 1 → 2\)\. Use a new run_dir/,
    );
    await expect(runLocal(opts(dir, { stages: [lengthStage()] }))).rejects.toThrow(
      /stage list changed: was \[length, double\], now \[length\]/,
    );
  });

  it('two workers running the same shard at once leave one committed copy and one ledger record', async () => {
    const dir = join(root, 'run4');
    const storage = new LocalStorage(dir);
    const stages = [lengthStage(), doubleStage()];
    const { meta } = await planRun({ storage, manifestPath: manifest, shardSize: 5, round: 0, stages, config: {} });
    const results = await Promise.all(
      [0, 1, 2].map(() =>
        runShardTask({ storage, stages: [lengthStage(), doubleStage()], shardId: 'shard-00001', meta }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['done', 'duplicate', 'duplicate']);
    expect(await readdir(join(dir, 'length'))).toEqual(['shard-00001.parquet']);
    expect(await allRows(dir, 'length')).toHaveLength(5);
    const again = await runShardTask({ storage, stages, shardId: 'shard-00001' });
    expect(again.status).toBe('skipped');
    expect((await readRunMeta(storage))?.stages.map((s) => s.name)).toEqual(['length', 'double']);
  });

  it('a failing stage stops the run with its message, commits nothing for that shard and tears stages down', async () => {
    const dir = join(root, 'run5');
    const calls = newCalls();
    await expect(
      runLocal(opts(dir, { stages: [lengthStage({ calls, throwOn: 'c0012' }), doubleStage({ calls })] })),
    ).rejects.toThrow('boom on c0012');
    expect(calls.teardown).toEqual(['double', 'length']);
    const ledger = (await readdir(join(dir, 'ledger'))).sort();
    expect(ledger).toEqual(['shard-00000.json', 'shard-00001.json']);
    expect((await readdir(join(dir, 'length'))).filter((f) => f.includes('shard-00002'))).toEqual([]);
  });

  it('a stage declared persist: false feeds the next stage but writes no output file (its errors are kept)', async () => {
    const dir = join(root, 'run6');
    const r = await runLocal(
      opts(dir, { stages: [{ ...lengthStage({ badIds: ['c0007'] }), persist: false }, doubleStage()] }),
    );
    expect(r.summary.stages.double.rows_out).toBe(22);
    expect(await readdir(dir)).not.toContain('length');
    expect(await tableRows(dir, 'errors', 'length-shard-00001.parquet')).toMatchObject([{ clip_id: 'c0007' }]);
  });

  it('a cancel (Ctrl-C) stops the run with its reason; re-running finishes it', async () => {
    const dir = join(root, 'run7');
    const abort = new AbortController();
    const reporter = quiet();
    const finished = reporter.shardFinished.bind(reporter);
    reporter.shardFinished = (record, status) => {
      finished(record, status);
      abort.abort(new Error('interrupted by the user'));
    };
    await expect(
      runLocal(opts(dir, { reporter, signal: abort.signal, stages: [lengthStage({ delayMs: 20 }), doubleStage()] })),
    ).rejects.toThrow('interrupted by the user');
    expect((await readdir(join(dir, 'ledger'))).length).toBeLessThan(5);
    const r = await runLocal(opts(dir, { stages: [lengthStage({ delayMs: 20 }), doubleStage()] }));
    expect(r.summary.shards_done).toBe(5);
    expect(await allRows(dir, 'double')).toHaveLength(23);
  });
});
