/**
 * A teacher folder's identity: a SHA-256 over the contents of every file the teacher loads, in a
 * fixed order. Lineage (which teacher wrote a caption) and resume checks (a job refuses a teacher
 * whose files changed) use it; the folder's path alone would not notice a re-export in place.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { TEACHER_FILES } from './layout.js';

/** Hex SHA-256 of the teacher files' names and contents (files hashed in {@link TEACHER_FILES} order). */
export async function teacherId(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of TEACHER_FILES) {
    h.update(`${f}\0`);
    for await (const chunk of createReadStream(join(dir, f))) h.update(chunk as Buffer);
    h.update('\0');
  }
  return h.digest('hex');
}
