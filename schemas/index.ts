/** Every table that flows between stages, with its Arrow schema and row type. */
export * from './clips.js';
export * from './frames.js';
export * from './errors.js';
export * from './clip-frames.js';
export * from './captions.js';
export * from './captioned.js';
export * from './scores.js';
export * from './refined.js';
export * from './dropped.js';
