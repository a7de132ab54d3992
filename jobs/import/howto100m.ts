/**
 * HowTo100M-style caption JSON: one object keyed by video id, each value
 * `{ "start": [s…], "end": [s…], "text": [t…] }` with aligned arrays, one entry per ASR segment.
 * The file is one JSON object (HowTo100M's is several GB), so it is parsed with `stream-json`'s
 * object streamer: one video's entry is in memory at a time, never the whole file.
 */
import { createReadStream } from 'node:fs';
import streamObject from 'stream-json/streamers/stream-object.js';
import type { RawRow } from '../../pipeline/manifest/index.js';
import { ABSENT_OPTIONAL, fillTemplate, type ImportSource } from './source.js';

/** Options of the HowTo100M layout. */
export interface HowTo100mOptions {
  /** The caption JSON file. */
  readonly path: string;
  /** `video_uri` template; `{video_id}` is the JSON key. Default `{video_id}.mp4`. */
  readonly videoTemplate?: string;
}

/** Why one video's entry cannot be split into segments, or undefined when it can. */
function entryProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return 'is not an object with start/end/text arrays';
  const v = value as Record<string, unknown>;
  for (const k of ['start', 'end', 'text'])
    if (!Array.isArray(v[k])) return `field ${k} is not an array (got ${JSON.stringify(v[k]) ?? 'nothing'})`;
  const [s, e, t] = [v.start, v.end, v.text] as unknown[][];
  if (s.length !== e.length || s.length !== t.length)
    return `start, end and text are not aligned (${s.length}, ${e.length} and ${t.length} entries); the whole video is skipped`;
  return undefined;
}

/** Opens a HowTo100M caption JSON as an import source: one manifest row per segment, id `<video_id>_<i>`. */
export function howTo100mSource(opts: HowTo100mOptions): ImportSource {
  const template = opts.videoTemplate ?? '{video_id}.mp4';
  return {
    layout: 'howto100m',
    options: { video_template: template },
    sourceFields: { start_s: 'start[i]', end_s: 'end[i]', asr_text: 'text[i]' },
    async *rows(): AsyncIterable<RawRow> {
      const items = createReadStream(opts.path).pipe(streamObject.withParserAsStream()) as AsyncIterable<{
        key: string;
        value: unknown;
      }>;
      let row = 0;
      for await (const { key, value } of items) {
        const problem = entryProblem(value);
        if (problem) {
          yield { row: ++row, values: { unparsable: `video ${JSON.stringify(key)}: ${problem}` } };
          continue;
        }
        const v = value as { start: unknown[]; end: unknown[]; text: unknown[] };
        const video_uri = fillTemplate(template, { video_id: key });
        for (let i = 0; i < v.start.length; i++) {
          yield {
            row: ++row,
            values: {
              ...ABSENT_OPTIONAL,
              clip_id: `${key}_${i}`,
              video_uri,
              start_s: v.start[i],
              end_s: v.end[i],
              asr_text: typeof v.text[i] === 'string' ? v.text[i] : '',
            },
          };
        }
      }
    },
  };
}
