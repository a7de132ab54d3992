import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Device, PROVIDER_NAMES, type SessionFactory } from '../../models/device.js';
import { Graph } from '../../models/graph/graph.js';
import * as o from '../../models/graph/ops.js';
import { serialize } from '../../models/graph/serialize.js';

function tinyModel(): Uint8Array {
  const g = new Graph('t');
  const x = g.input('x', 'float32', [2]);
  g.output(o.add(x, o.scalar(g, 1, 'float32')), 'y');
  return serialize(g);
}

describe('Device', () => {
  it('falls back to CPU with one warning when the CUDA provider cannot load (this machine: CPU-only build)', async () => {
    const warnings: string[] = [];
    const dev = new Device({ providers: ['cuda', 'cpu'], intraOpThreads: 1, warn: (m) => warnings.push(m) });
    const a = await dev.session(tinyModel());
    const b = await dev.session(tinyModel());
    // onnxruntime-node's bundled build has no CUDA provider, so creating with ['cuda','cpu'] throws and we fall back.
    expect(a.provider).toBe('cpu');
    expect(b.provider).toBe('cpu');
    expect(dev.provider).toBe('cpu');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/CUDA.*falling back to CPU/);
    const out = await a.session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2]), [2]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([2, 3]);
  });

  it('recreates with exactly ["cpu"] after a CUDA failure (injected factory)', async () => {
    const calls: string[][] = [];
    const factory: SessionFactory = async (m, opts) => {
      const eps = (opts.executionProviders ?? []) as string[];
      calls.push(eps);
      if (eps.includes('cuda')) throw new Error('libcudart.so.12: cannot open shared object file');
      return ort.InferenceSession.create(m as Uint8Array, opts);
    };
    const warnings: string[] = [];
    const dev = new Device({ providers: ['cuda', 'cpu'], warn: (m) => warnings.push(m) }, factory);
    const s = await dev.session(tinyModel());
    expect(s.provider).toBe('cpu');
    expect(calls).toEqual([['cuda', 'cpu'], ['cpu']]);
    expect(warnings[0]).toContain('libcudart.so.12');
  });

  it('webgpu is a device choice: it runs when an adapter exists, else falls back to CPU with one warning (this machine: no Vulkan driver)', async () => {
    expect(PROVIDER_NAMES).toEqual(['cuda', 'webgpu', 'cpu']);
    const warnings: string[] = [];
    const dev = new Device({ providers: ['webgpu', 'cpu'], intraOpThreads: 1, warn: (m) => warnings.push(m) });
    const s = await dev.session(tinyModel());
    expect(['webgpu', 'cpu']).toContain(s.provider);
    if (s.provider === 'cpu')
      expect(warnings).toEqual([
        expect.stringMatching(/^device: WebGPU execution provider unavailable \(.*\); falling back to CPU/),
      ]);
    const out = await s.session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2]), [2]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([2, 3]);
  });

  it('walks cuda → webgpu → cpu, one warning per provider that failed, then stays on the one that worked', async () => {
    const calls: string[][] = [];
    const factory: SessionFactory = async (m, opts) => {
      const eps = (opts.executionProviders ?? []) as string[];
      calls.push(eps);
      if (eps[0] !== 'cpu') throw new Error(`no ${eps[0]}`);
      return ort.InferenceSession.create(m as Uint8Array, opts);
    };
    const warnings: string[] = [];
    const dev = new Device({ providers: ['cuda', 'webgpu', 'cpu'], warn: (m) => warnings.push(m) }, factory);
    expect((await dev.session(tinyModel())).provider).toBe('cpu');
    await dev.session(tinyModel());
    expect(calls).toEqual([['cuda', 'webgpu', 'cpu'], ['webgpu', 'cpu'], ['cpu'], ['cpu']]);
    expect(warnings).toEqual([
      expect.stringMatching(/CUDA .*\(no cuda\); falling back to WebGPU/),
      expect.stringMatching(/WebGPU .*\(no webgpu\); falling back to CPU/),
    ]);
  });

  it('does not hide errors when CPU was not allowed, nor when the CPU session itself fails', async () => {
    const failing: SessionFactory = () => Promise.reject(new Error('no CUDA'));
    await expect(new Device({ providers: ['cuda'], warn: () => {} }, failing).session(tinyModel())).rejects.toThrow(
      'no CUDA',
    );
    await expect(new Device({ providers: ['cpu'] }).session(Uint8Array.from([1, 2, 3]))).rejects.toThrow();
  });

  it('uses CPU without warnings when configured so', async () => {
    const warnings: string[] = [];
    const s = await new Device({ warn: (m) => warnings.push(m) }).session(tinyModel());
    expect(s.provider).toBe('cpu');
    expect(warnings).toEqual([]);
  });

  it('validates its config and quotes the bad value', () => {
    expect(() => new Device({ providers: ['tpu' as 'cpu'] })).toThrow('"tpu"');
    expect(() => new Device({ providers: [] })).toThrow('providers must not be empty');
    expect(() => new Device({ intraOpThreads: -1 })).toThrow('intraOpThreads must be a non-negative integer, got -1');
  });
});
