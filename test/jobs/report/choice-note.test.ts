/** The report's note beside a sample clip's caption: how far the chosen candidate stood from the runner-up. */
import { describe, expect, it } from 'vitest';
import { choiceNote } from '../../../jobs/report/choice-note.js';

describe('choiceNote', () => {
  it('says how far the chosen caption stood above the runner-up', () => {
    expect(choiceNote('asr', 0.84, 'synthetic')).toBe('[asr, 0.8 nats over synthetic]');
  });

  it('says "below" when the rule preferred a caption the runner-up outranked, with no sign glued to it', () => {
    expect(choiceNote('title', -4.51, 'synthetic')).toBe('[title, 4.5 nats below synthetic]');
  });

  it('prints a margin that rounds to zero as level, and the source alone without a runner-up', () => {
    expect(choiceNote('asr', -0.01, 'title')).toBe('[asr, 0.0 nats over title]');
    expect(choiceNote('synthetic', 0, '')).toBe('[synthetic]');
  });
});
