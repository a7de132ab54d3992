/**
 * The job's check of its tokenizer against its own text: characters the tokenizer reads as
 * `<unk>` are named, a `model.init` tokenizer that shreds the job's words is called out, texts cut
 * by the captioner's length limits are counted, and the demo's embedded model on the benchmark's
 * text draws no warning at all.
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseRefineConfig } from '../../../config/refine.js';
import { runRefine } from '../../../jobs/refine/run-refine.js';
import { JsonReporter } from '../../../pipeline/reporter.js';
import { clip, writeJsonl } from '../../helpers/manifests.js';
import { tempDir } from '../../helpers/tmp.js';
import { DEMO_MODEL_DIR } from '../../../jobs/demo/demo-config.js';
import { measureTokenizerFit, tokenizerFitWarnings, type TokenizerFit } from '../../../jobs/refine/tokenizer-fit.js';
import { CaptionTokenizer } from '../../../models/tokenizer.js';
import { loadVersion } from '../../../models/version.js';
import { parseBenchmarkOptions } from '../../../research/benchmark/options.js';
import { planBenchmark } from '../../../research/benchmark/generate.js';

const ENGLISH = [
  'so a red square is going left on a black background',
  'okay you can see a blue circle moving right',
  'the green triangle just sits there on gray',
  'a yellow square grows while a white circle shrinks',
];
const tok = CaptionTokenizer.train(Array.from({ length: 20 }, () => ENGLISH).flat(), { vocabSize: 200 });
const roomy = { maxTextLen: 64, maxCaptionLen: 64 };

describe('tokenizer fit', () => {
  it('counts the job text’s pieces, words and unknown characters, as captions are normalised', async () => {
    const fit = await measureTokenizerFit(tok, roomy, ['A red square, going LEFT!', 'un carré rouge', '  ']);
    expect(fit.texts).toBe(2); // the blank text is not a text
    expect(fit.words).toBe(8);
    expect(fit.unknown).toBeGreaterThan(0);
    expect(fit.unknownChars).toContain('é');
    // punctuation is gone from the caption, so it is not counted unknown
    expect(fit.unknownChars).not.toContain(',');
    expect(fit.unknownChars).not.toContain('!');
  });

  it('warns about <unk> pieces naming the characters, and says what to change for each tokenizer', async () => {
    const fit = await measureTokenizerFit(tok, roomy, ['un carré vert qui va à gauche', ...ENGLISH]);
    const [fromInit] = tokenizerFitWarnings(fit, roomy, 'model.init');
    expect(fromInit).toMatch(/^model\.init's tokenizer reads \d+\.\d % of the pieces of 5 train texts/);
    expect(fromInit).toContain('"é" "à"');
    expect(fromInit).toContain('leave model.init out');
    expect(tokenizerFitWarnings(fit, roomy, 'job')[0]).toContain('raise model.vocab_size');
  });

  it('calls a model.init tokenizer that splits the words into pieces out, and only a model.init one', async () => {
    const fit = await measureTokenizerFit(tok, roomy, ['brave coders write tiny rules']);
    expect(fit.unknown).toBe(0); // every letter is known, the words are not
    expect(fit.pieces / fit.words).toBeGreaterThan(1.5);
    expect(tokenizerFitWarnings(fit, roomy, 'model.init').join('\n')).toMatch(
      /splits 1 train texts \(transcripts, titles, human captions\) into \d\.\d\d pieces a word/,
    );
    expect(tokenizerFitWarnings(fit, roomy, 'job').join('\n')).not.toContain('pieces a word');
  });

  it('counts texts cut by the caption and text-input limits, and warns past 5 %', async () => {
    const long = 'so a red square is going left while a blue circle is going right on a black background';
    const tight = { maxTextLen: 12, maxCaptionLen: 14 };
    const fit = await measureTokenizerFit(tok, tight, [long, ENGLISH[1], ENGLISH[2]]);
    expect(fit.overCaptionLen).toBe(1);
    expect(fit.overTextLen).toBe(1);
    const w = tokenizerFitWarnings(fit, tight, 'job').join('\n');
    expect(w).toContain(
      '33.3 % of 3 train texts (transcripts, titles, human captions) are longer than a caption holds (12 pieces)',
    );
    expect(w).toContain('raise model.max_caption_len');
    expect(w).toContain("longer than the captioner's text input (12 pieces)");
    // a model started from model.init keeps its shape: no advice to change a field it cannot change
    expect(tokenizerFitWarnings(fit, tight, 'model.init').join('\n')).not.toContain('raise model.max_');
    const fits = await measureTokenizerFit(tok, roomy, [long, ENGLISH[1], ENGLISH[2]]);
    expect(tokenizerFitWarnings(fits, roomy, 'job')).toEqual([]);
  });

  it('stops at the sample size, and says nothing about no text', async () => {
    const fit = await measureTokenizerFit(
      tok,
      roomy,
      Array.from({ length: 30 }, () => ENGLISH[0]),
      10,
    );
    expect(fit.texts).toBe(10);
    const none: TokenizerFit = { ...fit, texts: 0 };
    expect(tokenizerFitWarnings(none, roomy, 'model.init')).toEqual([]);
  });

  it('the demo’s embedded captioner on the generated benchmark’s text draws no warning', async () => {
    const v = await loadVersion(DEMO_MODEL_DIR);
    const { clips } = planBenchmark(
      parseBenchmarkOptions({ outDir: '/nonexistent', clips: 400, seed: 5 }),
      '/nonexistent',
    );
    const texts = clips
      .filter((c) => c.split !== 'heldout')
      .flatMap((c) => [c.asr_text, c.title ?? '', c.human_caption ?? '']);
    const fit = await measureTokenizerFit(v.tokenizer, v.config, texts);
    expect(fit.texts).toBeGreaterThan(500);
    expect(tokenizerFitWarnings(fit, v.config, 'model.init')).toEqual([]);
  });
});

describe('a refine job whose captions are longer than its captioner holds', () => {
  it('warns before any frame is extracted', async () => {
    const dir = await tempDir();
    const long =
      'okay so you can see a red square going left while a blue circle is getting bigger on a gray background';
    const manifest = await writeJsonl(
      join(dir, 'clips.jsonl'),
      ['a', 'b', 'c'].map((id, i) => ({ ...clip(id, 'v.mp4', i, i + 1), asr_text: `${long} ${id}` })),
    );
    const config = parseRefineConfig({
      run_dir: join(dir, 'job'),
      manifest,
      media_root: dir,
      model: { preset: 'tiny', vocab_size: 64, max_caption_len: 8 },
      device: { providers: ['cpu'], threads: 1 },
    });
    // the job is stopped once it has warned: what follows is not this test's
    const stop = new AbortController();
    const warnings: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        const line = JSON.parse(chunk.toString()) as { level: number; msg: string };
        if (line.level === 40) warnings.push(line.msg);
        if (line.msg.includes('longer than a caption holds')) stop.abort();
        done();
      },
    });
    const log = pino({ level: 'warn' }, sink);
    const quiet = pino({ level: 'silent' });
    await expect(
      runRefine(config, { log, reporter: () => new JsonReporter(quiet), signal: stop.signal }),
    ).rejects.toThrow();
    expect(warnings).toContain(
      '100.0 % of 3 train texts (transcripts, titles, human captions) are longer than a caption holds (6 pieces): as captions they are cut there; raise model.max_caption_len',
    );
  });
});
