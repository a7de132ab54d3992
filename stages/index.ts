/**
 * The one place stages are built, explicitly in pipeline order (no registry side effects): from a
 * `flywheel run` job config ({@link stagesFromConfig}), and from serializable stage specs
 * ({@link buildStages}) — what the refine round hands an executor, and what a queue worker rebuilds
 * on its own machine. Stages never reach into each other; only this module knows them all.
 */
import type { FramesConfig } from '../config/frames.js';
import { Device } from '../models/device.js';
import { loadTeacher } from '../models/teacher/load.js';
import { LocalStorage } from '../pipeline/storage.js';
import type { AnyStage } from '../pipeline/stage.js';
import { ChosenCaptionsReader } from './adatailr/chosen.js';
import { adatailrStage } from './adatailr/stage.js';
import { attachFramesStage } from './attach-frames/stage.js';
import { captionStage, type PreviousCaptions } from './caption/stage.js';
import { framesStage } from './frames/stage.js';
import { judgeFold } from './model/folds.js';
import { loadPinnedCaptioner, loadPinnedJudge } from './model/pinned.js';
import type { AnyStageSpec, StageSpecOf } from './specs.js';

export { parseStageSpecs, stageSpecSchema, type AnyStageSpec, type ModelRef, type StageSpecOf } from './specs.js';

/** The part of a `flywheel run` config that says which stages run, and on what media. */
export interface RunStages {
  readonly media_root: string;
  readonly stages: { readonly frames?: FramesConfig | undefined };
}

/** Builds the stage list for a config, in pipeline order. */
export function stagesFromConfig(config: RunStages): AnyStage[] {
  const stages: AnyStage[] = [];
  if (config.stages.frames) stages.push(framesStage({ config: config.stages.frames, mediaRoot: config.media_root }));
  if (stages.length === 0) throw new Error('config turns on no stage: add e.g. "stages": { "frames": {} }');
  return stages;
}

/** What the machine that builds the stages adds to the specs. */
export interface BuildContext {
  /**
   * Receives a device's GPU→CPU fallback warning, and the caption stage's when last round's captions
   * must be read whole (default `console.warn`).
   */
  readonly warn?: (message: string) => void;
}

/** Builds the stages specs describe, in order (not set up: models load in each stage's `setup`). */
export async function buildStages(specs: readonly AnyStageSpec[], ctx: BuildContext = {}): Promise<AnyStage[]> {
  const devices = new Map<string, Device>();
  // one device per setting, shared by the stages that use it (its fallback is remembered once)
  const device = (d: StageSpecOf<'caption'>['device']): Device => {
    const key = JSON.stringify(d);
    let dev = devices.get(key);
    if (!dev) {
      dev = new Device({
        providers: d.providers,
        intraOpThreads: d.threads,
        ...(ctx.warn ? { warn: ctx.warn } : {}),
      });
      devices.set(key, dev);
    }
    return dev;
  };
  const out: AnyStage[] = [];
  for (const s of specs) {
    switch (s.kind) {
      case 'frames':
        out.push(framesStage({ config: s.config, mediaRoot: s.media_root }));
        break;
      case 'attach-frames':
        out.push(attachFramesStage({ framesRun: new LocalStorage(s.frames_run), expect: s.expect }));
        break;
      case 'caption':
        out.push(await captionFromSpec(s, device(s.device), ctx.warn ?? console.warn));
        break;
      case 'adatailr':
        out.push(adatailrFromSpec(s, device(s.device)));
        break;
    }
  }
  return out;
}

/** Last round's chosen captions, read a shard at a time as the caption stage asks for them. */
async function previousCaptions(run: string, warn: (message: string) => void): Promise<PreviousCaptions> {
  const reader = await ChosenCaptionsReader.open(new LocalStorage(run), warn);
  return (shard, clipIds) => reader.forShard(shard, clipIds);
}

async function captionFromSpec(
  s: StageSpecOf<'caption'>,
  device: Device,
  warn: (message: string) => void,
): Promise<AnyStage> {
  const w = s.writer;
  const threads = s.device.threads;
  const teacher = s.teacher;
  return captionStage({
    round: s.round,
    modelVersion: s.model_version,
    ...(w
      ? {
          writer: {
            load: w.models.map((m) => () => loadPinnedCaptioner(m, device)),
            route: (clipId: string) => judgeFold(clipId, w.folds),
            beams: w.beams,
            framesOnly: w.frames_only,
            ...(w.samples !== undefined ? { samples: w.samples } : {}),
            ...(w.temperature !== undefined ? { temperature: w.temperature } : {}),
            ...(w.sample_seed !== undefined ? { sampleSeed: w.sample_seed } : {}),
          },
        }
      : {}),
    ...(s.previous_run !== undefined ? { previous: await previousCaptions(s.previous_run, warn) } : {}),
    // the teacher follows the device: CUDA when the device would use it (CPU, with a warning, where it fails)
    ...(teacher
      ? { teacher: () => loadTeacher(teacher, { threads, device: device.provider === 'cuda' ? 'cuda' : 'cpu' }) }
      : {}),
    modelBatch: s.model_batch,
  });
}

function adatailrFromSpec(s: StageSpecOf<'adatailr'>, device: Device): AnyStage {
  return adatailrStage({
    round: s.round,
    load: s.scorers.map((m) => () => loadPinnedCaptioner(m, device)),
    judges: s.judges.map((j) => () => loadPinnedJudge(j, device)),
    ensemble: s.judges.length / s.folds,
    route: (clipId: string) => judgeFold(clipId, s.folds),
    gamma: s.gamma,
    vocabSize: s.vocab_size,
    wMin: s.w_min,
    policy: s.policy,
    choice: s.choice,
    dropImplausible: s.drop_implausible,
    modelBatch: s.model_batch,
  });
}
