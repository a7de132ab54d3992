import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Device } from '../../models/device.js';
import { Captioner } from '../../models/inference.js';
import { loadVersion, saveVersion, VERSION_FILES } from '../../models/version.js';
import { toyBatch, untrainedTiny } from './fixtures.js';
import { toyClips } from './toy.js';

const root = mkdtempSync(join(tmpdir(), 'flywheel-version-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function saved(): string {
  const dir = join(root, `v${n++}`);
  saveVersion(dir, untrainedTiny(), { trainingDataId: 'refined-abc123', metrics: { loss: 1.5 } });
  return dir;
}

/** The manifest fields these tests edit. */
interface ManifestJson {
  trainingDataId: string;
  files: Record<string, string>;
  contentHash: string;
}

describe('model versions', () => {
  it('saves every file with a manifest and loads back the same model', async () => {
    const model = untrainedTiny();
    const dir = join(root, 'roundtrip');
    const manifest = saveVersion(dir, model, { trainingDataId: 'refined-abc123', metrics: { loss: 1.5 } });
    const v = await loadVersion(dir);
    expect(v.manifest.contentHash).toBe(manifest.contentHash);
    expect(v.manifest.trainingDataId).toBe('refined-abc123');
    expect(Object.keys(v.manifest.files).sort()).toEqual(
      Object.values(VERSION_FILES)
        .filter((f) => f !== 'manifest.json')
        .sort(),
    );
    expect(v.metrics).toEqual({ loss: 1.5 });
    expect(v.config).toEqual(model.config);
    const w = v.readWeights();
    for (const [k, data] of model.weights) expect(w.get(k)).toEqual(data);
    // Saved graphs run and agree with the in-memory model.
    const batch = toyBatch(toyClips(2, 4, 32, 3));
    const fromDisk = await Captioner.load(dir, new Device({ intraOpThreads: 1 }));
    const inMem = await Captioner.fromModel(model, new Device({ intraOpThreads: 1 }));
    expect((await fromDisk.score(batch, batch.captions)).tokenLogp).toEqual(
      (await inMem.score(batch, batch.captions)).tokenLogp,
    );
    expect(() => saveVersion(dir, model, { trainingDataId: 'x' })).toThrow('already exists');
  });

  it('names a corrupt file', async () => {
    const dir = saved();
    const p = join(dir, VERSION_FILES.encoder);
    const b = readFileSync(p);
    b[b.length >> 1] ^= 0xff;
    writeFileSync(p, b);
    await expect(loadVersion(dir)).rejects.toThrow(/encoder\.onnx is corrupt or was modified/);
  });

  it('names a missing file', async () => {
    const dir = saved();
    unlinkSync(join(dir, VERSION_FILES.tokenizer));
    await expect(loadVersion(dir)).rejects.toThrow(/tokenizer\.json is missing/);
    await expect(loadVersion(join(root, 'nope'))).rejects.toThrow(/manifest\.json is missing/);
  });

  it('detects an edited manifest', async () => {
    const dir = saved();
    const p = join(dir, VERSION_FILES.manifest);
    const m = JSON.parse(readFileSync(p, 'utf8')) as ManifestJson;
    m.trainingDataId = 'other';
    m.files['weights.bin'] = '0'.repeat(64);
    writeFileSync(p, JSON.stringify(m));
    await expect(loadVersion(dir)).rejects.toThrow(/manifest\.json content hash does not match/);
  });

  it('names the tokenizer when it does not match the config (hashes consistent)', async () => {
    const dir = saved();
    const cpath = join(dir, VERSION_FILES.config);
    const c = JSON.parse(readFileSync(cpath, 'utf8')) as { config: { vocabSize: number } };
    c.config.vocabSize += 1;
    writeFileSync(cpath, JSON.stringify(c));
    // Re-sign the manifest so only the mismatch remains.
    const { createHash } = await import('node:crypto');
    const mpath = join(dir, VERSION_FILES.manifest);
    const m = JSON.parse(readFileSync(mpath, 'utf8')) as ManifestJson;
    m.files[VERSION_FILES.config] = createHash('sha256').update(readFileSync(cpath)).digest('hex');
    m.contentHash = createHash('sha256')
      .update(
        Object.keys(m.files)
          .sort()
          .map((k) => `${k} ${m.files[k]}\n`)
          .join(''),
      )
      .digest('hex');
    writeFileSync(mpath, JSON.stringify(m));
    await expect(loadVersion(dir)).rejects.toThrow(/tokenizer\.json has \d+ tokens but config\.json says vocabSize/);
  });

  it('requires the training-data id', () => {
    expect(() => saveVersion(join(root, 'noid'), untrainedTiny(), { trainingDataId: '' })).toThrow(
      'trainingDataId is required',
    );
  });
});
