import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CaptionTokenizer, SPECIAL_TOKENS } from '../../models/tokenizer.js';

const corpus = [
  'A red circle on the left',
  'a blue square moves right',
  'the green triangle',
  'a purple circle and a red square',
  'welcome back everyone',
];

describe('CaptionTokenizer', () => {
  it('trains BPE with fixed special ids and round-trips text', async () => {
    const tok = CaptionTokenizer.train(corpus, { vocabSize: 60 });
    expect(tok.vocabSize).toBeLessThanOrEqual(60);
    const ids = await tok.encode('a red square');
    expect(ids.every((i) => i >= SPECIAL_TOKENS.length)).toBe(true);
    expect(await tok.decode([1, ...ids, 2, 0, 0])).toBe('a red square');
    expect(await tok.decodeBatch([ids, []])).toEqual(['a red square', '']);
    expect(await tok.encodeBatch(['a red square', 'A RED SQUARE'])).toEqual([ids, ids]);
  });

  it('caps the vocabulary by keeping the first merges', async () => {
    const small = CaptionTokenizer.train(corpus, { vocabSize: 30 });
    const big = CaptionTokenizer.train(corpus, { vocabSize: 500 });
    expect(small.vocabSize).toBeLessThanOrEqual(30);
    expect(big.vocabSize).toBeGreaterThan(small.vocabSize);
    // More merges → fewer tokens for the same text; both decode identically.
    const s = await small.encode('a purple circle');
    const b = await big.encode('a purple circle');
    expect(b.length).toBeLessThan(s.length);
    expect(await small.decode(s)).toBe(await big.decode(b));
  });

  it('saves as tokenizer.json text and loads back identically', async () => {
    const tok = CaptionTokenizer.train(corpus, { vocabSize: 80 });
    const again = CaptionTokenizer.fromJSON(tok.toJSON());
    expect(again.vocabSize).toBe(tok.vocabSize);
    expect(await again.encode('the green circle')).toEqual(await tok.encode('the green circle'));
    expect(
      (JSON.parse(tok.toJSON()) as { added_tokens: { content: string }[] }).added_tokens.map((t) => t.content),
    ).toEqual([...SPECIAL_TOKENS]);
  });

  it('trains on a stream of texts to the same tokenizer as on the list, pulling the stream once', async () => {
    let pulled = 0;
    async function* stream(): AsyncGenerator<string> {
      for (const t of [...corpus, '   ', 'a  red\tsquare again']) {
        pulled++;
        yield await Promise.resolve(t);
      }
    }
    const streamed = await CaptionTokenizer.trainStream(stream(), { vocabSize: 80 });
    expect(pulled).toBe(corpus.length + 2);
    expect(streamed.toJSON()).toBe(
      CaptionTokenizer.train([...corpus, '   ', 'a  red\tsquare again'], { vocabSize: 80 }).toJSON(),
    );
    expect(streamed.toJSON()).not.toBe(CaptionTokenizer.train(corpus, { vocabSize: 80 }).toJSON());
    await expect(CaptionTokenizer.trainStream(['', ' '])).rejects.toThrow('no non-empty training text');
    await expect(CaptionTokenizer.trainStream(corpus, { vocabSize: 3 })).rejects.toThrow('got 3');
  });

  it('rejects bad options and empty corpora', () => {
    expect(() => CaptionTokenizer.train(corpus, { vocabSize: 3 })).toThrow('got 3');
    expect(() => CaptionTokenizer.train(['', '  '])).toThrow('no non-empty training text');
  });

  it('writes nothing to standard output while training, where a command prints its results', () => {
    const lib = fileURLToPath(new URL('../../models/tokenizer.ts', import.meta.url));
    const script = `import { CaptionTokenizer } from ${JSON.stringify(lib)};
const t = CaptionTokenizer.train(${JSON.stringify(corpus)}, { vocabSize: 40 });
process.stderr.write('vocab ' + t.vocabSize);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.stderr).toContain('vocab 40');
    expect(child.stdout).toBe('');
  });
});
