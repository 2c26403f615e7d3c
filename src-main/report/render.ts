/** Doc -> HTML (self-contained, inline SVG, no network), Markdown, CSV. */
import type { Chart, Doc, Section, Table } from './doc.js';
import { csv, html, md, mdCode } from './escape.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function barsSvg(c: Chart): string {
  const labels = c.labels ?? [];
  const values = c.values ?? [];
  const max = Math.max(1, ...values);
  const rowH = 20;
  const w = 640;
  const lw = 200;
  const h = labels.length * rowH + 10;
  const bars = labels
    .map((l, i) => {
      const bw = Math.round(((w - lw - 80) * (values[i] ?? 0)) / max);
      const y = 5 + i * rowH;
      return `<text x="${lw - 6}" y="${y + 14}" text-anchor="end">${html(l.length > 32 ? l.slice(0, 31) + '…' : l)}</text><rect x="${lw}" y="${y + 3}" width="${bw}" height="${rowH - 6}" fill="${PALETTE[0]}"/><text x="${lw + bw + 4}" y="${y + 14}">${values[i] ?? 0}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${html(c.title)}" font-size="12" font-family="sans-serif">${bars}</svg>`;
}

function linesSvg(c: Chart): string {
  const xs = c.x ?? [];
  const series = c.series ?? [];
  const w = 720;
  const h = 300;
  const pad = { l: 50, r: 150, t: 10, b: 40 };
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const ymax = Math.max(1, ...series.flatMap((s) => s.values));
  const px = (t: number) => pad.l + (x1 > x0 ? ((t - x0) / (x1 - x0)) * (w - pad.l - pad.r) : (w - pad.l - pad.r) / 2);
  const py = (v: number) => h - pad.b - (v / ymax) * (h - pad.t - pad.b);
  const axes = `<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" stroke="#444"/><line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${h - pad.b}" stroke="#444"/><text x="${pad.l - 4}" y="${pad.t + 10}" text-anchor="end">${ymax}</text><text x="${pad.l - 4}" y="${h - pad.b}" text-anchor="end">0</text>${xs.length ? `<text x="${pad.l}" y="${h - pad.b + 16}">${html(new Date(x0).toISOString().slice(0, 16))}</text><text x="${w - pad.r}" y="${h - pad.b + 16}" text-anchor="end">${html(new Date(x1).toISOString().slice(0, 16))}</text>` : ''}`;
  const lines = series
    .map((s, i) => {
      const col = PALETTE[i % PALETTE.length];
      const pts = s.values.map((v, k) => `${px(xs[k]!).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${col}" stroke-width="${i === 0 ? 2.5 : 1.5}" points="${pts}"/><rect x="${w - pad.r + 10}" y="${pad.t + i * 16}" width="10" height="10" fill="${col}"/><text x="${w - pad.r + 24}" y="${pad.t + i * 16 + 9}">${html(s.name)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${html(c.title)}" font-size="11" font-family="sans-serif">${axes}${lines}</svg>`;
}

function sectionHtml(s: Section): string {
  const facts = `<dl>${s.facts.map(([k, v]) => `<dt>${html(k)}</dt><dd>${html(v)}</dd>`).join('')}</dl>`;
  const warnings = s.warnings.length
    ? `<ul class="warnings">${s.warnings.map((w) => `<li>${html(w)}</li>`).join('')}</ul>`
    : '<p>Warnings: none.</p>';
  return `<section><h2>${html(s.title)}</h2>${facts}<h3>Warnings</h3>${warnings}</section>`;
}

/*
 * Tables: every cell stays on one line (white-space: pre) except those of a
 * table's wrap columns (paths, places, command lines), which wrap, at any
 * character where a name has no better place, and take the width the others
 * leave: a 2 KB path must not squeeze a pid into "306/61", nor a PDF print
 * pos 6000 as "600/0". A table wider than the window scrolls on screen; in
 * print the page is A4 landscape with a smaller type, where a 1-process
 * image's fds are one line each.
 */
const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111;background:#fff}\
.tw{overflow-x:auto}\
table{border-collapse:collapse;margin:1em 0;font-size:12px}\
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top;white-space:pre}\
th{background:#f0f0f0}td{font-family:ui-monospace,monospace}\
th.w,td.w{white-space:pre-wrap;overflow-wrap:anywhere;min-width:24ch}\
dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em}dt{font-weight:600}\
dd{margin:0;font-family:ui-monospace,monospace;overflow-wrap:anywhere;min-width:0}\
.warnings li{color:#8a1c00;font-weight:600}\
@page{size:A4 landscape;margin:10mm}\
@media print{body{margin:0;font-size:11px}.tw{overflow:visible}table{font-size:9px}th,td{padding:1px 4px}svg{max-width:100%}tr{break-inside:avoid}}`;

function tableHtml(t: Table): string {
  const wrap = new Set(t.wrap ?? []);
  const cell = (tag: 'th' | 'td', v: string, i: number) => `<${tag}${wrap.has(i) ? ' class="w"' : ''}>${html(v)}</${tag}>`;
  return `<h2>${html(t.title)}</h2><div class="tw"><table><thead><tr>${t.headers.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}</tbody></table></div>${t.omitted ? `<p>${t.omitted} more rows omitted.</p>` : ''}`;
}

export function renderHtml(d: Doc): string {
  const facts = `<dl>${d.facts.map(([k, v]) => `<dt>${html(k)}</dt><dd>${html(v)}</dd>`).join('')}</dl>`;
  const sections = (d.sections ?? []).map(sectionHtml).join('\n');
  const charts = d.charts
    .map((c) => `<figure><figcaption>${html(c.title)}</figcaption>${c.kind === 'bars' ? barsSvg(c) : linesSvg(c)}</figure>`)
    .join('');
  const tables = d.tables.map(tableHtml).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(d.title)}</title><style>${CSS}</style></head>
<body><h1>${html(d.title)}</h1>
${facts}
${sections}
${charts}
${tables}
<footer><p>Generated by Checkpoint Studio at ${new Date().toISOString()}.</p></footer>
</body></html>
`;
}

export function renderMarkdown(d: Doc): string {
  const out: string[] = [`# ${md(d.title)}`, ''];
  for (const [k, v] of d.facts) out.push(`- **${md(k)}**: ${md(v)}`);
  for (const s of d.sections ?? []) {
    out.push('', `## ${md(s.title)}`, '');
    for (const [k, v] of s.facts) out.push(`- **${md(k)}**: ${md(v)}`);
    out.push('', `### Warnings`, '');
    if (!s.warnings.length) out.push('none');
    for (const w of s.warnings) out.push(`- ${md(w, true)}`);
  }
  for (const c of d.charts) {
    if (c.kind !== 'bars' || !c.labels?.length) continue;
    out.push('', `## ${md(c.title)}`, '', '| | count |', '|---|---:|');
    c.labels.forEach((l, i) => out.push(`| ${md(l)} | ${c.values?.[i] ?? 0} |`));
  }
  for (const t of d.tables) {
    out.push('', `## ${md(t.title)}`, '');
    if (!t.rows.length) {
      out.push('(none)');
      continue;
    }
    const code = new Set(t.code ?? []);
    out.push(`| ${t.headers.map((h) => md(h)).join(' | ')} |`, `|${t.headers.map(() => '---').join('|')}|`);
    for (const r of t.rows) out.push(`| ${r.map((c, i) => (code.has(i) ? mdCode(c, true) : md(c))).join(' | ')} |`);
    if (t.omitted) out.push('', `${t.omitted} more rows omitted.`);
  }
  return out.join('\n') + '\n';
}

export function renderCsv(d: Doc): string {
  const t = d.csv ?? d.tables[0]!;
  return [t.headers, ...t.rows].map((r) => r.map(csv).join(',')).join('\r\n') + '\r\n';
}
