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
  // Text of words (a socket, a timer): whole words from the middle rather than the ends of two words
  // ("timerfd … every 5s", not "timerfd CLOC…OTONIC every 5s"), when that keeps nearly as much.
  const words = slash < 0 ? wordCut(cps, k, fits) : null;
  return words ? join(...words) : join(...split(k));
}

/**
 * The best cut of whole words (head ending before a space, tail starting after one) that fits and keeps at
 * least 90% of the `k` characters a plain cut keeps, with at least a word at each end; null if none.
 */
function wordCut(cps: string[], k: number, fits: (head: number, tail: number) => boolean): [number, number] | null {
  const n = cps.length;
  const heads: number[] = [];
  const tails: number[] = [];
  for (let i = 1; i < n - 1; i++)
    if (cps[i] === ' ') {
      heads.push(i + 1); // keeps the space: "timerfd …"
      tails.push(n - i); // keeps the space: "… every"
    }
  tails.reverse(); // shortest first
  let best: [number, number] | null = null;
  // For each head, the longest tail that fits beside it (fits is monotone in the tail): words x log(words) measures.
  for (const h of heads) {
    let lo = 0,
      hi = tails.length - 1,
      found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = tails[mid]!;
      if (h + t < n && fits(h, t)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) continue;
    const t = tails[found]!;
    if (h + t >= 0.9 * k && (!best || h + t > best[0] + best[1])) best = [h, t];
  }
  return best;
}

let ctx: CanvasRenderingContext2D | null | undefined;
/** Text width in pixels in a CSS font (canvas measureText); 0 when there is no canvas. */
export function textWidth(text: string, font: string): number {
  if (ctx === undefined) ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return 0;
  if (ctx.font !== font) ctx.font = font;
  return ctx.measureText(text).width;
}

/**
 * `text` on at most two lines of `width` (a narrow window's Diff): one line when it fits; else broken where a
 * reader expects (after a space, before a '/') with the first line as full as it can be, or inside a word when
 * only that keeps the whole text; a text longer than two lines keeps its start whole on the first and is
 * shortened in the middle on the second (its end kept). The lines joined are the text (or its shortened form).
 */
export function twoLines(text: string, width: number, measure: (s: string) => number): [string] | [string, string] {
  if (!(width > 0) || measure(text) <= width) return [text];
  const cps = Array.from(text);
  const n = cps.length;
  const head = (i: number) => cps.slice(0, i).join('');
  const rest = (i: number) => cps.slice(i).join('');
  // A trailing space hangs at a line's end: it is not what must fit.
  const fitsHead = (i: number) => measure(head(i).trimEnd()) <= width;
  // The longest first line of whole characters that fits (at least one character).
  let lo = 1,
    hi = n - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fitsHead(mid)) lo = mid;
    else hi = mid - 1;
  }
  const chars = lo;
  // The longest first line ending at a word's end: after a space, or before a '/'.
  let word = 0;
  for (let i = chars; i > 0; i--)
    if (cps[i - 1] === ' ' || (cps[i] === '/' && i > 0)) {
      word = i;
      break;
    }
  if (word > 0 && measure(rest(word)) <= width) return [head(word), rest(word)];
  if (measure(rest(chars)) <= width) return [head(chars), rest(chars)];
  // Longer than two lines: the start whole (at a word's end when that keeps most of the line), the rest shortened.
  const cut = word >= 0.7 * chars ? word : chars;
  return [head(cut), middleEllipsis(rest(cut), width, measure)];
}
