/** Picks the import layout named on the command line and checks its flags at the door. */
import { howTo100mSource } from './howto100m.js';
import { mappedSource, parseColumnMap } from './mapped.js';
import type { ImportSource } from './source.js';
import { webVidSource } from './webvid.js';

/** Flags of `flywheel import` that choose and configure a layout. */
export interface LayoutFlags {
  readonly layout: string;
  readonly map?: string | undefined;
  readonly videoTemplate?: string | undefined;
  readonly pathColumn?: string | undefined;
}

/** Opens `path` with the named layout; throws when a flag does not belong to that layout. */
export function openSource(path: string, flags: LayoutFlags): ImportSource {
  const refuse = (flag: string): never => {
    throw new Error(`${flag} does not apply to --layout ${flags.layout}`);
  };
  switch (flags.layout) {
    case 'howto100m':
      if (flags.map !== undefined) refuse('--map');
      if (flags.pathColumn !== undefined) refuse('--path-column');
      return howTo100mSource({ path, ...(flags.videoTemplate ? { videoTemplate: flags.videoTemplate } : {}) });
    case 'webvid':
      if (flags.map !== undefined) refuse('--map');
      if (flags.pathColumn !== undefined && flags.videoTemplate !== undefined)
        throw new Error('give --path-column or --video-template, not both');
      return webVidSource({
        path,
        ...(flags.videoTemplate ? { videoTemplate: flags.videoTemplate } : {}),
        ...(flags.pathColumn ? { pathColumn: flags.pathColumn } : {}),
      });
    case 'mapped':
      if (flags.videoTemplate !== undefined) refuse('--video-template');
      if (flags.pathColumn !== undefined) refuse('--path-column');
      return mappedSource({ path, map: parseColumnMap(flags.map ?? '') });
    default:
      throw new Error(`unknown layout ${JSON.stringify(flags.layout)} (have: howto100m, webvid, mapped)`);
  }
}
