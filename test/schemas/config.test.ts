import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, outputAffectingConfig, parseConfig } from '../../schemas/config.js';
import { tempDir } from '../helpers/tmp.js';

const base = { run_dir: 'runs/a', manifest: 'clips.jsonl', media_root: 'media' };

describe('config schema', () => {
  it('fills defaults, with the frames stage on by default', () => {
    const c = parseConfig(base);
    expect(c.shard_size).toBe(256);
    expect(c.stages.frames).toMatchObject({ count: 8, width: 224, height: 224, method: 'auto', timeout_s: 60 });
  });
  it('names every bad field path and quotes the value it got', () => {
    let err: unknown;
    try {
      parseConfig(
        { ...base, manifest: 5, shard_size: -3, stages: { frames: { count: 'a', method: 'fast', widht: 3 } } },
        'job.json',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^manifest: .* \(got 5\)$/),
        expect.stringMatching(/^shard_size: .* \(got -3\)$/),
        expect.stringMatching(/^stages\.frames\.count: .* \(got "a"\)$/),
        expect.stringMatching(/^stages\.frames\.method: .*"auto"\|"seek"\|"decode".* \(got "fast"\)$/),
        'stages.frames: unknown field(s) "widht"',
      ]),
    );
    expect((err as Error).message).toMatch(/^invalid config job\.json:/);
  });
  it('resolves paths against the config file directory and reports unreadable or non-JSON files', async () => {
    const dir = await tempDir();
    const p = join(dir, 'job.json');
    await writeFile(p, JSON.stringify({ ...base, stages: { frames: { ffmpeg_path: 'bin/ffmpeg' } } }));
    const c = await loadConfig(p);
    expect(c.run_dir).toBe(join(dir, 'runs/a'));
    expect(c.stages.frames?.ffmpeg_path).toBe(join(dir, 'bin/ffmpeg'));
    await writeFile(p, '{ nope');
    await expect(loadConfig(p)).rejects.toThrow(/job\.json:\n {2}\(file\): not valid JSON/);
    await expect(loadConfig(join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
  });
  it('leaves concurrency and binary paths out of the output-affecting config', () => {
    const a = outputAffectingConfig(parseConfig({ ...base, stages: { frames: { concurrency: 2 } } }));
    const b = outputAffectingConfig(
      parseConfig({ ...base, stages: { frames: { concurrency: 7, ffmpeg_path: '/x' } } }),
    );
    expect(a).toEqual(b);
    expect(outputAffectingConfig(parseConfig({ ...base, stages: { frames: { count: 4 } } }))).not.toEqual(a);
  });
});
