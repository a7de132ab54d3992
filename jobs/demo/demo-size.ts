/**
 * How many clips the demo generates, apart from the demo itself so the CLI can show the default
 * without loading the job: the scale at which the tiny captioner learns enough to refine with
 * (docs/refine.md), within the demo's 5-minute budget on 2 cores.
 */
export const DEMO_CLIPS = 1000;
