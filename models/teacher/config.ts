/**
 * The teacher captioner's settings (`model.teacher` in a job config): which local folder holds the
 * pretrained model and which of a clip's frames it captions. Checked at the door, quoting the value.
 */

/** How a clip's frames become one teacher caption: the middle frame alone, or every frame merged. */
export const TEACHER_FRAME_MODES = ['middle', 'each'] as const;

/** One of {@link TEACHER_FRAME_MODES}. */
export type TeacherFrameMode = (typeof TEACHER_FRAME_MODES)[number];

/** `model.teacher`: a pretrained image-to-text model in the transformers.js / optimum folder layout. */
export interface TeacherConfig {
  /** The model folder (see docs/formats/teacher.md). Example: `models/vit-gpt2-image-captioning`. */
  readonly dir: string;
  /**
   * `middle`: caption the clip's middle frame. `each`: caption every frame and keep the caption
   * written for the most frames (ties: the one written nearest the middle frame). Default `middle`.
   */
  readonly frames?: TeacherFrameMode;
}

/** Validates a teacher config, throwing an error that names the bad field and quotes its value. */
export function checkTeacherConfig(cfg: TeacherConfig): Required<TeacherConfig> {
  if (typeof cfg.dir !== 'string' || cfg.dir.trim() === '')
    throw new Error(`model.teacher.dir: expected a folder path, got ${JSON.stringify(cfg.dir)}`);
  const frames = cfg.frames ?? 'middle';
  if (!(TEACHER_FRAME_MODES as readonly string[]).includes(frames))
    throw new Error(
      `model.teacher.frames: expected one of ${TEACHER_FRAME_MODES.map((m) => JSON.stringify(m)).join(', ')}, got ${JSON.stringify(frames)}`,
    );
  return { dir: cfg.dir, frames };
}
