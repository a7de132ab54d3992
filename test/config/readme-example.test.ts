/**
 * The README's example refine config is a valid config, and its choice rule, judges, training and
 * starting models are the demo's (the measured configuration), so a user who starts from it gets what the
 * docs measured.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../config/marks.js';
import { parseRefineConfig, refineConfigSchema } from '../../config/refine.js';
import { demoConfig } from '../../jobs/demo/demo-config.js';

/** The first ```json block after `marker` in the README. */
function jsonBlockAfter(marker: string): unknown {
  const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const at = text.indexOf(marker);
  expect(at, `README has no "${marker}"`).toBeGreaterThanOrEqual(0);
  const block = /```json\n([\s\S]*?)```/.exec(text.slice(at));
  expect(block, `no json block after "${marker}"`).not.toBeNull();
  return JSON.parse(block![1]) as unknown;
}

describe("README's example refine config", () => {
  it('parses, and chooses, judges and trains as the demo does', () => {
    // its paths resolved as the loader would for a config file at the repository's root
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const parsed = parseRefineConfig(jsonBlockAfter('`flywheel refine job.json`'), 'README.md');
    const example = resolvePaths(refineConfigSchema, parsed, root);
    const demo = demoConfig('d', 'j');
    expect(example.adatailr.choice).toEqual(demo.adatailr.choice);
    expect(example.judge).toEqual(demo.judge);
    expect(example.folds).toBe(demo.folds);
    // and trains as the demo does (epochs, warm start, loss), so its rounds are the measured ones
    expect(example.train).toEqual(demo.train);
    // and starts from the demo's pre-trained captioner and judge, whose tokenizers must agree
    expect(example.model.init).toBe(demo.model.init);
    expect(example.model.init_captions).toBe(demo.model.init_captions);
  });
});
