/**
 * `flywheel --help` lists the sub-commands as a user meets them: their own dataset's first, then
 * many machines, the demo, and the research commands fenced apart last; every sub-command under
 * exactly one heading.
 */
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.js';

describe('flywheel --help', () => {
  it('groups every sub-command under one heading, the research ones last', () => {
    const program = buildProgram();
    const help = program.helpInformation();
    const headings = [
      'Your dataset:',
      'Many machines (a queue on Redis):',
      'The demo:',
      'Research (on a generated benchmark, measured against its truth):',
    ];
    const at = headings.map((h) => help.indexOf(`\n${h}\n`));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // the section a command's help line falls in
    const sectionOf = (name: string): string | undefined => {
      const line = help.indexOf(`\n  ${name} `);
      expect(line, `${name} is not listed`).toBeGreaterThan(0);
      return headings.filter((_, i) => at[i] < line).at(-1);
    };
    const groups: Record<string, string[]> = {};
    for (const c of program.commands) (groups[sectionOf(c.name()) ?? 'none'] ??= []).push(c.name());
    expect(groups).toEqual({
      'Your dataset:': ['import', 'run', 'refine', 'schedule', 'export', 'report', 'inspect'],
      'Many machines (a queue on Redis):': ['worker', 'status', 'prune'],
      'The demo:': ['demo', 'demo-model'],
      'Research (on a generated benchmark, measured against its truth):': [
        'gen-bench',
        'refine-exp',
        'tick-exp',
        'downstream',
        'noise-exp',
        'choice-audit',
        'choice-replay',
      ],
    });
  });
});
