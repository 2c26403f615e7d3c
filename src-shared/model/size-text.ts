/** Sizes as people read them, one way everywhere (show, the app, reports); bytes exact below 1 KiB. */
export function formatSize(n: number | bigint): string {
  const b = typeof n === 'bigint' ? Number(n) : n;
  if (b < 1024) return `${b} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = b / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
