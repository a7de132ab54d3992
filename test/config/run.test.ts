import { describe, expect, it } from 'vitest';
import { hashedPart } from '../../config/marks.js';
import { ConfigError } from '../../config/parse.js';
import { configSchema, parseConfig } from '../../config/run.js';
import { hashValue } from '../../pipeline/hash.js';

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
  it('leaves concurrency and binary paths out of the hashed config', () => {
    const project = (input: object): unknown => hashedPart(configSchema, parseConfig(input));
    const a = project({ ...base, stages: { frames: { concurrency: 2 } } });
    const b = project({ ...base, stages: { frames: { concurrency: 7, ffmpeg_path: '/x' } } });
    expect(a).toEqual(b);
    expect(project({ ...base, stages: { frames: { count: 4 } } })).not.toEqual(a);
  });
  // Runs started before the marks existed stored these hashes in run.json; equal hashes let them resume.
  it('hashes as the hand-written projection did before the marks (stored runs still resume)', () => {
    const abs = { run_dir: '/r', manifest: '/m/clips.jsonl', media_root: '/m' };
    const hash = (input: object): string => hashValue(hashedPart(configSchema, parseConfig(input)));
    expect(hash(abs)).toBe('10c193f32710bca9f5231fbfc0321c002f054e5a3caefc9f84c10097681283bf');
    expect(hash({ ...abs, stages: {} })).toBe('62b65a701ec3683234338ee5fef858114f48eeb4e1d7738bfac8437e3f8fbef6');
    const frames = { count: 4, width: 32, height: 16, method: 'seek', seek_min_clip_s: 3, timeout_s: 9 };
    expect(
      hash({ ...abs, shard_size: 4, round: 2, stages: { frames: { ...frames, concurrency: 2, ffmpeg_path: '/f' } } }),
    ).toBe('8358e430b488ec3fb074fbc19af8c97ee161ec5bcf8ad5a675c23e4e8215c4da');
  });
});
