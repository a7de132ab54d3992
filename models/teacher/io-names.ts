/**
 * Checks the two ONNX graphs' input and output names against what transformers.js feeds and reads
 * for a vision-encoder-decoder, right after the sessions are created and before anything runs. A
 * graph exported for another task (no cache, another input name) would otherwise fail on its first
 * frame or — worse, for a cache-less decoder — generate from the last token only.
 */
import { type TeacherLayout, teacherError } from './layout.js';

/** The names one ONNX session declares. */
export interface SessionNames {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** Decoder inputs transformers.js fills itself when a graph declares them. */
const OPTIONAL_DECODER_INPUTS = ['use_cache_branch', 'attention_mask', 'position_ids', 'num_logits_to_keep'];

/** Encoder inputs transformers.js fills itself when a graph declares them. */
const OPTIONAL_ENCODER_INPUTS = ['pixel_mask'];

function checkGraph(
  layout: TeacherLayout,
  file: string,
  s: SessionNames,
  want: { inputs: readonly string[]; optional: readonly string[]; outputs: readonly string[] },
): void {
  const list = (xs: readonly string[]): string => xs.map((x) => JSON.stringify(x)).join(', ');
  const missing = want.inputs.filter((n) => !s.inputNames.includes(n));
  if (missing.length > 0)
    throw teacherError(
      layout.dir,
      `${file} has no input ${list(missing)} (its inputs: ${list(s.inputNames)}); export it with --task image-to-text-with-past`,
    );
  const extra = s.inputNames.filter((n) => !want.inputs.includes(n) && !want.optional.includes(n));
  if (extra.length > 0)
    throw teacherError(
      layout.dir,
      `${file} has input ${list(extra)} that transformers.js does not feed (expected ${list(want.inputs)}, optionally ${list(want.optional)})`,
    );
  const noOut = want.outputs.filter((n) => !s.outputNames.includes(n));
  if (noOut.length > 0)
    throw teacherError(layout.dir, `${file} has no output ${list(noOut)} (its outputs: ${list(s.outputNames)})`);
}

/** Throws a teacher error naming the graph and the wrong name; returns when both graphs fit. */
export function checkTeacherSessions(layout: TeacherLayout, encoder: SessionNames, decoder: SessionNames): void {
  checkGraph(layout, 'onnx/encoder_model.onnx', encoder, {
    inputs: ['pixel_values'],
    optional: OPTIONAL_ENCODER_INPUTS,
    outputs: ['last_hidden_state'],
  });
  checkGraph(layout, 'onnx/decoder_model_merged.onnx', decoder, {
    inputs: ['input_ids', 'encoder_hidden_states', ...layout.cacheInputs],
    optional: OPTIONAL_DECODER_INPUTS,
    outputs: ['logits', ...layout.cacheInputs.map((n) => n.replace(/^past_key_values/, 'present'))],
  });
}
