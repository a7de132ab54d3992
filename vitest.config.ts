import { defineConfig } from 'vitest/config';

/** Test runner settings: real ffmpeg/ONNX work is slow on 2 CPU cores, so timeouts are generous and files run in forked processes. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
