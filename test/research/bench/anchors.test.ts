import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp.js';
import { classifyBlas, gemmPeak, probeTorch, refuseBlas, trainStepFlops } from '../../../research/bench/anchors.js';
import { makeConfig } from '../../../models/captioner/config.js';

const REF = '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3';
const OPEN = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3';

describe('which BLAS the PyTorch anchor runs on', () => {
  it('tells OpenBLAS, MKL and the reference BLAS apart', () => {
    expect(classifyBlas([OPEN, '/usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3']).kind).toBe('openblas');
    expect(classifyBlas([REF, '/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3']).kind).toBe('reference');
    expect(classifyBlas([], 'mkl').kind).toBe('mkl');
    expect(classifyBlas([]).kind).toBe('unknown');
    expect(classifyBlas([REF], 'open').detail).toBe(`${REF}; torch BLAS_INFO=open`);
  });

  it('refuses the reference BLAS with how to install OpenBLAS, accepts the others', () => {
    expect(refuseBlas(classifyBlas([REF]))).toMatch(
      /refused: it would run on the reference BLAS .*apt-get install -y libopenblas0-pthread/,
    );
    expect(refuseBlas(classifyBlas([OPEN]))).toBeUndefined();
  });

  it('probes a python that has torch (faked here) and reports one that has not', async () => {
    const dir = await tempDir('flywheel-fakepy-');
    const fake = join(dir, 'python3');
    await writeFile(
      fake,
      `#!/bin/sh\n[ "$2" = "--probe" ] || exit 9\necho '{"torch":"9.9","threads":'$3',"libs":["${REF}"],"blas_info":"open"}'\n`,
    );
    await chmod(fake, 0o755);
    const p = probeTorch(fake, 'twin.py', 2);
    expect(p).toEqual({
      ok: true,
      torch: '9.9',
      threads: 2,
      blas: { kind: 'reference', detail: `${REF}; torch BLAS_INFO=open` },
    });
    const missing = probeTorch(join(dir, 'no-python'), 'twin.py', 2);
    expect(missing.ok === false && missing.reason).toMatch(
      /no-python with torch is not usable .*apt-get install -y python3-torch/,
    );
  });
});

describe('the distance to the machine limit', () => {
  it('counts a training step as 3× the forward matmul FLOPs', () => {
    const cfg = makeConfig(
      {
        dModel: 8,
        heads: 2,
        ffn: 16,
        encLayers: 1,
        decLayers: 1,
        frames: 1,
        frameSize: 8,
        patch: 8,
        maxTextLen: 4,
        maxCaptionLen: 4,
      },
      10,
    );
    // 1 visual token + 2 text tokens = 3 encoder tokens; 2 decoder positions
    const patch = 1 * (192 * 8 + 64);
    const enc = 4 * 3 * 64 + 2 * 9 * 8 + 2 * 3 * 8 * 16;
    const dec = 4 * 2 * 64 + 2 * 4 * 8 + (2 * 2 * 64 + 2 * 3 * 64 + 2 * 2 * 3 * 8) + 2 * 2 * 8 * 16;
    const logits = 2 * 8 * 10;
    expect(trainStepFlops(cfg, 1, 2, 3)).toBe(6 * (patch + enc + dec + logits));
  });
  it('measures a GEMM peak in the same runtime', async () => {
    const p = await gemmPeak(1, 64, 1);
    expect(p.n).toBe(64);
    expect(p.gflops).toBeGreaterThan(0);
  });
});
