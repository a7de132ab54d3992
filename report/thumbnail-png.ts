import { encode } from 'fast-png';
import type { Thumbnail } from './report-data.js';

/** Encodes an RGB8 frame as a PNG data URL, so thumbnails live inside the self-contained page. */
export function thumbnailDataUrl(t: Thumbnail): string {
  if (t.pixels.length !== t.width * t.height * 3) {
    throw new Error(
      `thumbnail has ${t.pixels.length} bytes, expected ${t.width}x${t.height}x3 = ${t.width * t.height * 3}`,
    );
  }
  const png = encode({ width: t.width, height: t.height, data: t.pixels, channels: 3, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}
