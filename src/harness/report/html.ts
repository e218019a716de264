// The HTML report: one self-contained file (inline CSS and SVG, no script, nothing fetched) with the
// tables of the text report and two charts: each operation's latency histogram (log-scale latency axis)
// and the percentile spectrum of all operations (latency against 90 %, 99 %, 99.9 %, ...). Every string
// that reaches the page goes through esc(): server names, Result Reasons and Messages, option values.
import type { BenchResult, OperationResult } from '../result.js';
import { describeRun, limitText, ms, rate, verdict } from './format.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (v: unknown): string => String(v).replace(/[&<>"']/g, (c) => ENTITIES[c]);

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const W = 640;
const H = 220;
const M = { left: 56, right: 36, top: 14, bottom: 40 };
const plotW = W - M.left - M.right;
const plotH = H - M.top - M.bottom;
const f1 = (v: number) => v.toFixed(1);
/** Bins per power of two in OperationResult.distribution. */
const PER_OCTAVE = 8;

/** Powers of ten (and 2x, 5x when few) between lo and hi, for a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of hi / lo < 100 ? [1, 2, 5] : [1]) {
      const t = m * 10 ** e;
      if (t >= lo && t <= hi) ticks.push(t);
    }
  }
  return ticks;
}

const tickLabel = (t: number) => (t >= 1 ? String(Number(t.toPrecision(3))) : String(Number(t.toPrecision(2))));

function histogramSvg(o: OperationResult, color: string): string {
  const bins = o.distribution;
  if (!bins.length) return '<p class="none">no successful requests: nothing to chart</p>';
  const step = 2 ** (1 / PER_OCTAVE);
  const lo = bins[0][0] / step;
  const hi = bins[bins.length - 1][0];
  const span = Math.log10(hi / lo) || 1;
  const x = (v: number) => M.left + (Math.log10(v / lo) / span) * plotW;
  const top = Math.max(...bins.map((b) => b[1]));
  const y = (c: number) => M.top + plotH - (c / top) * plotH;
  const parts: string[] = [];
  for (const [upper, count] of bins) {
    const x0 = x(upper / step);
    const x1 = x(upper);
    parts.push(
      `<rect x="${f1(x0)}" y="${f1(y(count))}" width="${f1(Math.max(1, x1 - x0 - 0.5))}" height="${f1(M.top + plotH - y(count))}" fill="${color}">` +
        `<title>${esc(`${ms(upper / step)}-${ms(upper)} ms: ${count}`)}</title></rect>`,
    );
  }
  for (const t of logTicks(lo, hi)) {
    parts.push(`<line x1="${f1(x(t))}" y1="${M.top + plotH}" x2="${f1(x(t))}" y2="${M.top + plotH + 4}" class="axis"/>`);
    parts.push(`<text x="${f1(x(t))}" y="${M.top + plotH + 16}" text-anchor="middle">${esc(tickLabel(t))}</text>`);
  }
  const marks: [string, number][] = [['p50', o.p50Ms], ['p99', o.p99Ms], ['p99.9', o.p999Ms]];
  marks.forEach(([label, v], i) => {
    if (!Number.isFinite(v) || v < lo || v > hi) return;
    parts.push(`<line x1="${f1(x(v))}" y1="${M.top}" x2="${f1(x(v))}" y2="${M.top + plotH}" class="mark"/>`);
    // Labels right of their line, or left of it in the right third of the chart.
    const left = x(v) > M.left + (plotW * 2) / 3;
    parts.push(`<text x="${f1(x(v) + (left ? -3 : 3))}" y="${M.top + 10 + i * 12}" text-anchor="${left ? 'end' : 'start'}" class="marklabel">${esc(`${label} ${ms(v)}`)}</text>`);
  });
  parts.push(`<line x1="${M.left}" y1="${M.top + plotH}" x2="${M.left + plotW}" y2="${M.top + plotH}" class="axis"/>`);
  parts.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + plotH}" class="axis"/>`);
  parts.push(`<text x="${M.left - 6}" y="${M.top + 8}" text-anchor="end">${top}</text><text x="${M.left - 6}" y="${M.top + plotH}" text-anchor="end">0</text>`);
  parts.push(`<text x="${M.left + plotW / 2}" y="${H - 6}" text-anchor="middle">latency, ms (log scale)</text>`);
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(`${o.operation} latency histogram`)}">${parts.join('')}</svg>`;
}

/** Latency against percentile, the percentile axis in "nines" (0 = 0 %, 1 = 90 %, 2 = 99 %, ...). */
function spectrumSvg(ops: readonly OperationResult[]): string {
  const charted = ops.filter((o) => o.distribution.length);
  if (!charted.length) return '<p class="none">no successful requests: nothing to chart</p>';
  const nines = (q: number, n: number) => -Math.log10(Math.max(1 - q, 1 / n));
  const maxNines = Math.max(2, ...charted.map((o) => Math.ceil(Math.log10(o.count))));
  const lo = Math.min(...charted.map((o) => o.minMs > 0 ? o.minMs : o.distribution[0][0]));
  const hi = Math.max(...charted.map((o) => o.maxMs));
  const ylo = lo > 0 ? lo : 1e-3;
  const yspan = Math.log10(Math.max(hi, ylo * 1.01) / ylo);
  const x = (v: number) => M.left + (v / maxNines) * plotW;
  const y = (v: number) => M.top + plotH - (Math.log10(Math.max(v, ylo) / ylo) / yspan) * plotH;
  const parts: string[] = [];
  charted.forEach((o, k) => {
    let seen = 0;
    const pts: string[] = [`${f1(x(0))},${f1(y(o.minMs))}`];
    for (const [upper, count] of o.distribution) {
      const q0 = nines(seen / o.count, o.count);
      seen += count;
      const v = Math.min(upper, o.maxMs);
      pts.push(`${f1(x(q0))},${f1(y(v))}`, `${f1(x(nines(seen / o.count, o.count)))},${f1(y(v))}`);
    }
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${COLORS[ops.indexOf(o) % COLORS.length]}" stroke-width="2"><title>${esc(o.operation)}</title></polyline>`);
    // The legend goes bottom right: high percentiles at low latency, where no curve can be.
    const ly = M.top + plotH - 6 - (charted.length - k) * 14;
    parts.push(`<rect x="${M.left + plotW - 120}" y="${ly}" width="10" height="10" fill="${COLORS[ops.indexOf(o) % COLORS.length]}"/>`);
    parts.push(`<text x="${M.left + plotW - 106}" y="${ly + 9}">${esc(o.operation)}</text>`);
  });
  for (let i = 0; i <= maxNines; i++) {
    const label = i === 0 ? '0%' : `${(100 - 100 / 10 ** i).toFixed(Math.max(0, i - 2))}%`;
    parts.push(`<line x1="${f1(x(i))}" y1="${M.top + plotH}" x2="${f1(x(i))}" y2="${M.top + plotH + 4}" class="axis"/>`);
    parts.push(`<text x="${f1(x(i))}" y="${M.top + plotH + 16}" text-anchor="middle">${esc(label)}</text>`);
  }
  for (const t of logTicks(ylo, Math.max(hi, ylo * 1.01))) {
    parts.push(`<line x1="${M.left}" y1="${f1(y(t))}" x2="${M.left + plotW}" y2="${f1(y(t))}" class="grid"/>`);
    parts.push(`<text x="${M.left - 6}" y="${f1(y(t) + 4)}" text-anchor="end">${esc(tickLabel(t))}</text>`);
  }
  parts.push(`<line x1="${M.left}" y1="${M.top + plotH}" x2="${M.left + plotW}" y2="${M.top + plotH}" class="axis"/>`);
  parts.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + plotH}" class="axis"/>`);
  parts.push(`<text x="${M.left + plotW / 2}" y="${H - 6}" text-anchor="middle">percentile; latency in ms on a log scale</text>`);
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="latency by percentile">${parts.join('')}</svg>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child,td.text{text-align:left}th{background:#f6f6f6}
.badge{padding:.1rem .5rem;border-radius:.3rem;font-size:1rem;color:#fff}.pass{background:#2a7a2a}.fail{background:#b22}
td.met{color:#2a7a2a}td.missed{color:#b22;font-weight:600}
svg{max-width:100%;height:auto;font-size:11px;fill:#333}svg .axis{stroke:#444}svg .grid{stroke:#e4e4e4}
svg .mark{stroke:#000;stroke-dasharray:3 3}svg .marklabel{font-size:10px}
figure{margin:1rem 0}figcaption{font-weight:600}.none{color:#777}pre{background:#f6f6f6;padding:.5rem;overflow:auto}
`;

export function renderHtml(r: BenchResult): string {
  const rows = r.operations.map((o, i) => {
    const swatch = `<span style="color:${COLORS[i % COLORS.length]}">&#9632;</span> `;
    return `<tr><td>${swatch}${esc(o.operation)}</td><td>${o.count}</td><td>${o.errors}</td><td>${esc(rate(o.opsPerSec))}</td>` +
      `<td>${esc(ms(o.p50Ms))}</td><td>${esc(ms(o.p90Ms))}</td><td>${esc(ms(o.p99Ms))}</td><td>${esc(ms(o.p999Ms))}</td><td>${esc(ms(o.maxMs))}</td></tr>`;
  });
  const t = r.totals;
  rows.push(`<tr><th>total</th><th>${t.count}</th><th>${t.errors}</th><th>${esc(rate(t.opsPerSec))}</th><th colspan="5"></th></tr>`);
  const targets = r.targets.map((x) =>
    `<tr><td>${esc(x.operation)}</td><td class="text">${esc(x.metric)}</td><td>${esc(x.metric === 'ops' ? rate(x.actual) : ms(x.actual))}</td>` +
      `<td>${esc(limitText(x))}</td><td class="${x.pass ? 'met' : 'missed'}">${x.pass ? 'met' : 'MISSED'}</td><td class="text">${esc(x.note ?? '')}</td></tr>`,
  );
  const errors = r.operations.filter((o) => o.errors).map((o) =>
    `<li><b>${esc(o.operation)}</b>: ${Object.entries(o.errorsByReason).map(([k, n]) => `${esc(k)} &times;${n}`).join(', ')}` +
      (o.hints.length ? `<ul>${o.hints.map((h) => `<li>${esc(h)}</li>`).join('')}</ul>` : '') + '</li>',
  );
  const figures = r.operations.map((o, i) =>
    `<figure><figcaption>${esc(o.operation)}: ${o.count} requests, p50 ${esc(ms(o.p50Ms))} ms, p99 ${esc(ms(o.p99Ms))} ms, max ${esc(ms(o.maxMs))} ms</figcaption>${histogramSvg(o, COLORS[i % COLORS.length])}</figure>`,
  );
  const c = r.cleanup;
  const open = r.open
    ? `<p>Open loop: ${esc(rate(r.open.targetRate))}/s asked (${esc(r.open.arrival)} arrivals), ${esc(rate(r.open.achievedRate))}/s answered; waiting for a connection p99 ${esc(ms(r.open.queueWaitMs.p99))} ms, ` +
      `max ${esc(ms(r.open.queueWaitMs.max))} ms; harness lateness p99 ${esc(ms(r.open.dispatchLagMs.p99))} ms; max backlog ${r.open.maxBacklog}${r.open.overloaded ? ' &mdash; <b>stopped: too far behind the schedule</b>' : ''}.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(`kmipkit bench: ${r.servers.join(', ')}`)}</title><style>${CSS}</style></head>
<body>
<h1>kmipkit bench <span class="badge ${r.passed ? 'pass' : 'fail'}">${r.passed ? 'PASSED' : 'FAILED'}</span></h1>
<p>${esc(r.servers.join(', '))}, KMIP ${esc(r.kmipVersion || '?')}: ${esc(describeRun(r))}${r.interrupted ? ' &mdash; <b>interrupted</b>' : ''}.<br>
Started ${esc(r.startedAt)}, finished ${esc(r.finishedAt)}; measured window ${esc(ms(t.windowMs / 1000))} s, ${t.warmupOps} warm-up requests not counted. ${esc(verdict(r))}.</p>
${open}
<h2>Operations</h2>
<table><thead><tr><th>operation</th><th>ok</th><th>errors</th><th>ops/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
${targets.length ? `<h2>Targets</h2><table><thead><tr><th>operation</th><th>metric</th><th>measured</th><th>target</th><th>result</th><th>note</th></tr></thead><tbody>${targets.join('\n')}</tbody></table>` : ''}
<h2>Latency by percentile</h2>
<figure>${spectrumSvg(r.operations)}</figure>
<h2>Latency distribution</h2>
${figures.join('\n')}
${errors.length ? `<h2>Errors</h2><ul>${errors.join('')}</ul>` : ''}
<h2>Setup and cleanup</h2>
<ul><li>${r.setup.keys} keys, ${r.setup.destroyPool} objects for Destroy, ${r.setup.refills} made during the run; setup took ${esc(ms(r.setup.ms))} ms</li>
${r.setup.notes.map((n) => `<li>${esc(n)}</li>`).join('')}
<li>${c.kept ? `cleanup skipped (keep): ${c.failed} objects left` : `cleanup: ${c.destroyed} destroyed, ${c.failed} left`}${Object.keys(c.reasons).length ? ` (${esc(Object.entries(c.reasons).map(([k, v]) => `${k} x${v}`).join(', '))})` : ''}</li></ul>
<h2>Configuration</h2>
<pre>${esc(JSON.stringify(r.config, null, 2))}</pre>
</body></html>
`;
}
