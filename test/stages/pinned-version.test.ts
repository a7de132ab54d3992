/**
 * Model stages built from specs load model versions by content hash: a worker whose copy of the
 * shared storage holds another version at the pinned directory (an older one, say) refuses to
 * caption or score with it, before any clip is processed; the pinned version itself loads.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../models/model.js';
import { CaptionTokenizer } from '../../models/tokenizer.js';
import { saveVersion } from '../../models/version.js';
import { type AnyStageSpec, buildStages } from '../../stages/index.js';
import { VersionMismatchError } from '../../stages/model/pinned.js';
import { tempDir } from '../helpers/tmp.js';

const device = { providers: ['cpu' as const], threads: 1 };

describe('model versions pinned by content hash', () => {
  let dir: string;
  let older: string;
  let newer: string;
  beforeAll(async () => {
    dir = await tempDir('flywheel-pinned-');
    const tok = CaptionTokenizer.train(['a red ball rolls', 'a blue cube spins', 'the cat sleeps'], { vocabSize: 64 });
    older = saveVersion(join(dir, 'v-old'), createModel('tiny', tok, 1), { trainingDataId: 'old' }).contentHash;
    newer = saveVersion(join(dir, 'v-new'), createModel('tiny', tok, 2), { trainingDataId: 'new' }).contentHash;
    expect(older).not.toBe(newer);
    // the shared "round model" directory, as a stale worker sees it: it still holds the older version
    cpSync(join(dir, 'v-old'), join(dir, 'round-0'), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const caption = (contentHash: string): AnyStageSpec => ({
    kind: 'caption',
    round: 1,
    model_version: contentHash,
    writer: {
      models: [{ dir: join(dir, 'round-0'), content_hash: contentHash }],
      folds: 1,
      beams: 1,
      frames_only: true,
    },
    model_batch: 4,
    device,
  });

  it('the caption stage refuses a directory whose version is not the one the task names', async () => {
    const [stage] = await buildStages([caption(newer)]);
    const err = await stage.setup().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VersionMismatchError);
    expect((err as Error).message).toContain(`needs ${newer.slice(0, 12)}`);
    expect((err as Error).message).toContain(`content hash ${older.slice(0, 12)}`);
  });

  it('the adatailr stage refuses a stale scorer too', async () => {
    const [stage] = await buildStages([
      {
        kind: 'adatailr',
        round: 1,
        scorers: [{ dir: join(dir, 'round-0'), content_hash: newer }],
        judges: [{ dir: join(dir, 'no-judge'), content_hash: 'x' }],
        folds: 1,
        gamma: 0.5,
        vocab_size: 64,
        w_min: 0.1,
        policy: { kind: 'keep-all' },
        choice: { margin: 8, min_evidence: 0, model_min_evidence: 9, contrast: 15 },
        drop_implausible: true,
        model_batch: 4,
        device,
      },
    ]);
    await expect(stage.setup()).rejects.toThrow(/refusing to use another version/);
  });

  it('once the directory holds the pinned version, it loads', async () => {
    rmSync(join(dir, 'round-0'), { recursive: true });
    cpSync(join(dir, 'v-new'), join(dir, 'round-0'), { recursive: true });
    const [stage] = await buildStages([caption(newer)]);
    await stage.setup();
    await stage.teardown();
  });
});
