import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = join(import.meta.dirname, '../../scripts/gpu-check.ts');

describe('scripts/gpu-check', () => {
  it('runs on a machine without a GPU and prints the provider it used and the CPU fallback', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', script, '--preset', 'tiny', '--batch', '2', '--threads', '1', '--json'],
      { maxBuffer: 1 << 22 },
    );
    // on this CI machine the GPU providers fall back; on a GPU machine the first line names the GPU
    expect(stdout).toMatch(/^webgpu: provider used: (webgpu|cpu \(webgpu unavailable, CPU fallback\))$/m);
    expect(stdout).toMatch(/^cuda: provider used: (cuda|cpu \(cuda unavailable, CPU fallback\))$/m);
    expect(stdout).toMatch(/^cpu: provider used: cpu$/m);
    expect(stdout).toMatch(/^(GPU ready: (cuda|webgpu)|no GPU provider loaded: flywheel will run on the CPU .*)$/m);
    const rows = JSON.parse(stdout.trim().split('\n').pop()!) as {
      requested: string;
      used: string;
      train_step_ms?: number;
      caption_batch_ms?: number;
    }[];
    expect(rows.map((r) => r.requested)).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(rows[2].used).toBe('cpu');
    expect(typeof rows[2].train_step_ms).toBe('number');
    expect(typeof rows[2].caption_batch_ms).toBe('number');
  });

  it('refuses an unknown provider, quoting it', async () => {
    await expect(run(process.execPath, ['--import', 'tsx', script, '--providers', 'tpu'])).rejects.toThrow(
      /unknown provider "tpu"/,
    );
  });
});
