/**
 * WebVid-style CSV: `videoid, contentUrl, duration, page_dir, name` — one whole video per row,
 * its alt-text caption in `name`, its length in `duration` (ISO-8601 `PT00H00M11S` as WebVid
 * ships it, or plain seconds). Each row becomes one clip spanning the whole video.
 */
import { readCsvRows } from '../../pipeline/manifest/csv.js';
import { isUnparsable, type RawRow } from '../../pipeline/manifest/raw.js';
import { ABSENT_OPTIONAL, fillTemplate, type ImportSource, requireColumns, templateColumns } from './source.js';

/** Options of the WebVid layout. */
export interface WebVidOptions {
  /** The CSV file. */
  readonly path: string;
  /** A column holding each video's path (relative to the media root); wins over `videoTemplate`. */
  readonly pathColumn?: string;
  /** `video_uri` built from columns; default `{page_dir}/{videoid}.mp4` (the layout the WebVid download scripts write). */
  readonly videoTemplate?: string;
}

/** Seconds of an ISO-8601 duration (`PT1H2M3.5S`) or a plain number; undefined when neither. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text === 'number') return text;
  if (typeof text !== 'string') return undefined;
  const s = text.trim();
  const iso = /^P(?:(\d+(?:\.\d+)?)D)?T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(s);
  if (iso && s !== 'PT') {
    const [, d, h, m, sec] = iso.map((x) => Number(x ?? 0));
    return d * 86400 + h * 3600 + m * 60 + sec;
  }
  return s !== '' && Number.isFinite(Number(s)) ? Number(s) : undefined;
}

/** Opens a WebVid-style CSV as an import source. */
export function webVidSource(opts: WebVidOptions): ImportSource {
  const template = opts.videoTemplate ?? '{page_dir}/{videoid}.mp4';
  const uriFrom = opts.pathColumn ?? template;
  return {
    layout: 'webvid',
    options: opts.pathColumn ? { path_column: opts.pathColumn } : { video_template: template },
    sourceFields: { clip_id: 'videoid', video_uri: uriFrom, end_s: 'duration', asr_text: 'name' },
    async *rows(): AsyncIterable<RawRow> {
      const needed = [
        'videoid',
        'duration',
        'name',
        ...(opts.pathColumn ? [opts.pathColumn] : templateColumns(template)),
      ];
      let checked = false;
      for await (const raw of readCsvRows(opts.path)) {
        if (isUnparsable(raw.values)) {
          yield raw;
          continue;
        }
        const v = raw.values;
        if (!checked) requireColumns(opts.path, v, needed);
        checked = true;
        const video_uri = opts.pathColumn ? v[opts.pathColumn] : fillTemplate(template, v);
        yield {
          row: raw.row,
          values: {
            ...ABSENT_OPTIONAL,
            clip_id: v.videoid,
            video_uri,
            start_s: 0,
            // an unreadable duration is passed on as written, so the error quotes it
            end_s: parseDuration(v.duration) ?? v.duration,
            asr_text: v.name ?? '',
          },
        };
      }
    },
  };
}
