/**
 * Middle ellipsis: a long path or target shortened in its middle, so the
 * start (where it is) and the end (the file name, " (deleted)", the far end
 * of a socket) both stay in view. The caller measures; this picks what to
 * keep: the whole tail from the last '/' when it fits with a few characters
 * of the head, else about a third head and two thirds tail.
 */
const ELLIPSIS = '…';

/** `text` shortened to fit `width` as `measure` measures it; `text` itself when it fits (or nothing is known of the width). */
export function middleEllipsis(text: string, width: number, measure: (s: string) => number): string {
  if (!(width > 0) || measure(text) <= width) return text;
  // Code points, so a character outside the BMP is never split in two.
  const cps = Array.from(text);
  const n = cps.length;
  const join = (head: number, tail: number) => cps.slice(0, head).join('') + ELLIPSIS + cps.slice(n - tail).join('');
  const fits = (head: number, tail: number) => measure(join(head, tail)) <= width;
  /** The largest k in [lo, hi] with ok(k), given ok(lo); lo when none. */
  const largest = (lo: number, hi: number, ok: (k: number) => boolean) => {
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (ok(mid)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // The file name (with any " (deleted)"): the part after the last '/' that is not the last character.
  const slash = cps.lastIndexOf('/', n - 2);
  const MIN_HEAD = 4;
  if (slash >= 0) {
    const tail = n - slash; // keeps the '/' so the name reads as one
    if (slash >= MIN_HEAD && fits(MIN_HEAD, tail))
      return join(
        largest(MIN_HEAD, slash - 1, (h) => fits(h, tail)),
        tail,
      );
  }
  // Total characters kept, a third of them from the head.
  const split = (k: number): [number, number] => {
    const head = Math.min(Math.floor(k / 3), n);
    return [head, k - head];
  };
  const k = largest(0, n - 1, (k) => fits(...split(k)));
  return join(...split(k));
}

let ctx: CanvasRenderingContext2D | null | undefined;
/** Text width in pixels in a CSS font (canvas measureText); 0 when there is no canvas. */
export function textWidth(text: string, font: string): number {
  if (ctx === undefined) ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return 0;
  if (ctx.font !== font) ctx.font = font;
  return ctx.measureText(text).width;
}
