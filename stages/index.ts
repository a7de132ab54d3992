/**
 * The stages a config turns on, built explicitly in pipeline order (no registry, no import side
 * effects). A new stage adds its config object under `stages` in `config/run.ts` and one line here.
 */
import type { AnyStage } from '../pipeline/stage.js';
import type { Config } from '../config/run.js';
import { framesStage } from './frames/index.js';

/** Builds the stage list for a config, in pipeline order. */
export function stagesFromConfig(config: Config): AnyStage[] {
  const stages: AnyStage[] = [];
  if (config.stages.frames) stages.push(framesStage({ config: config.stages.frames, mediaRoot: config.media_root }));
  if (stages.length === 0) throw new Error('config turns on no stage: add e.g. "stages": { "frames": {} }');
  return stages;
}
