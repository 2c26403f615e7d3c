/**
 * Series of images: captures of the same program (the store's `program`,
 * the first process's command line), else of the same non-empty label. The
 * image before one in its series is what "compare with previous" diffs it
 * against: the newest earlier capture of the same program, else (none of
 * that program, as when a restart changed the command line, or no program
 * at all) the newest earlier capture with the same label.
 */
import type { ImageSummary } from '../../src-shared/store-types.js';

export function previousInSeries(images: readonly ImageSummary[], img: ImageSummary): ImageSummary | null {
  const newestEarlier = (same: (s: ImageSummary) => boolean): ImageSummary | null => {
    let best: ImageSummary | null = null;
    for (const s of images) {
      if (s.id === img.id || !same(s)) continue;
      if (s.captureTime > img.captureTime || (s.captureTime === img.captureTime && s.id > img.id)) continue;
      if (!best || s.captureTime > best.captureTime || (s.captureTime === best.captureTime && s.id > best.id)) best = s;
    }
    return best;
  };
  return (
    (img.program ? newestEarlier((s) => s.program === img.program) : null) ??
    (img.label !== '' ? newestEarlier((s) => s.label === img.label) : null)
  );
}
