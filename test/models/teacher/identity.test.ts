import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { teacherId } from '../../../models/teacher/identity.js';
import { tempDir } from '../../helpers/tmp.js';
import { writeTeacherFixture } from '../../helpers/teacher-fixture.js';

describe('teacher identity', () => {
  it('is the same for the same files wherever they lie, and changes when any file changes', async () => {
    const root = await tempDir('flywheel-teacher-id-');
    const a = join(root, 'a');
    const b = join(root, 'b');
    await writeTeacherFixture(a);
    await writeTeacherFixture(b);
    const id = await teacherId(a);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await teacherId(b)).toBe(id);
    await writeFile(join(b, 'generation_config.json'), JSON.stringify({ max_length: 8 }));
    expect(await teacherId(b)).not.toBe(id);
  });
});
