// The CSV report (RFC 4180: CRLF line ends, a field with a comma, quote or line break is quoted and its
// quotes doubled): one row per operation and a total row. Text cells that a spreadsheet would run as a
// formula (=, +, -, @, tab, CR first) get a leading apostrophe; numbers are written as numbers.
import type { BenchResult } from '../result.js';
import { limitText } from './format.js';

export const CSV_COLUMNS = [
  'operation', 'kmip_operation', 'batch', 'weight', 'count', 'errors', 'errors_by_reason', 'items', 'ops_per_sec', 'items_per_sec',
  'min_ms', 'mean_ms', 'p50_ms', 'p90_ms', 'p99_ms', 'p999_ms', 'max_ms', 'targets', 'targets_met',
] as const;

type Cell = string | number | boolean | undefined;

export function csvCell(v: Cell): string {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  if (typeof v === 'number') return String(Math.round(v * 1e6) / 1e6);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(r: BenchResult): string {
  const rows: Cell[][] = [[...CSV_COLUMNS]];
  for (const o of r.operations) {
    const targets = r.targets.filter((t) => t.operation === o.operation);
    rows.push([
      o.operation, o.kmipOperation, o.batch, o.weight, o.count, o.errors,
      Object.entries(o.errorsByReason).map(([k, n]) => `${k}:${n}`).join(';'),
      o.items, o.opsPerSec, o.itemsPerSec, o.minMs, o.meanMs, o.p50Ms, o.p90Ms, o.p99Ms, o.p999Ms, o.maxMs,
      targets.map((t) => `${t.metric} ${limitText(t)}`).join(';'),
      targets.length ? targets.every((t) => t.pass) : undefined,
    ]);
  }
  const t = r.totals;
  rows.push(['total', '', '', '', t.count, t.errors, '', t.items, t.opsPerSec, t.itemsPerSec, undefined, undefined, undefined, undefined, undefined, undefined, undefined, '', r.passed]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
