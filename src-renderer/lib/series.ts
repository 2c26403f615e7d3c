/**
 * Series of images: captures of the same program (the store's `program`,
 * the first process's command line), else of the same non-empty label. The
 * image before one in its series is what "compare with previous" diffs it
 * against.
 */
import type { ImageSummary } from '../../src-shared/store-types.js';

export function previousInSeries(images: readonly ImageSummary[], img: ImageSummary): ImageSummary | null {
  let best: ImageSummary | null = null;
  const same = (s: ImageSummary) => (img.program ? s.program === img.program : img.label !== '' && s.label === img.label);
  for (const s of images) {
    if (s.id === img.id || !same(s)) continue;
    if (s.captureTime > img.captureTime || (s.captureTime === img.captureTime && s.id > img.id)) continue;
    if (!best || s.captureTime > best.captureTime || (s.captureTime === best.captureTime && s.id > best.id)) best = s;
  }
  return best;
}
