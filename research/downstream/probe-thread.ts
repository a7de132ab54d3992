/**
 * What a downstream worker thread runs: one probe run (`probe-run.ts`) on the thread's own CPU
 * runtime, opened once per probe shape and kept for the thread's next runs.
 */
import { Device } from '../../models/device.js';
import type { ProbeConfig } from '../../models/probe/config.js';
import { ProbeRuntime } from '../../models/probe/runtime.js';
import { type ProbeRunResult, type ProbeRunTask, runProbe } from './probe-run.js';

/** A run handed to a worker thread: the run, the probe's shape and the thread's ONNX Runtime threads. */
export interface ProbeThreadTask extends ProbeRunTask {
  readonly config: ProbeConfig;
  readonly threads: number;
}

let opened: { key: string; runtime: Promise<ProbeRuntime> } | undefined;

/** Runs the task's probe. */
export default async function runProbeTask(task: ProbeThreadTask): Promise<ProbeRunResult> {
  const key = JSON.stringify([task.config, task.threads]);
  if (opened?.key !== key) {
    const previous = opened;
    const device = new Device({ providers: ['cpu'], intraOpThreads: task.threads, interOpThreads: 1 });
    opened = { key, runtime: ProbeRuntime.open(task.config, device) };
    if (previous) await (await previous.runtime).release();
  }
  return runProbe(await opened.runtime, task);
}
