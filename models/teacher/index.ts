/**
 * The pretrained teacher captioner: a local transformers.js / optimum image-to-text folder that
 * writes round 0's frame captions. See docs/formats/teacher.md.
 */
export { TEACHER_FRAME_MODES, checkTeacherConfig, type TeacherConfig, type TeacherFrameMode } from './config.js';
export { TEACHER_FILES, TEACHER_MODEL_TYPE, checkTeacherLayout, type TeacherLayout } from './layout.js';
export { teacherId } from './identity.js';
export { checkTeacherSessions, type SessionNames } from './io-names.js';
export { middleFrame, mergeFrameCaptions, teacherFrames, type TeacherClip, type TeacherFrame } from './frames.js';
export { loadTeacher, type Teacher, type TeacherLoader, type TeacherRunOptions } from './load.js';
