// The report as text: an aligned table for people, CSV (RFC 4180), JSON (the model as it is) and one
// self-contained HTML page. Every string that came from a server (names, identifiers, messages) is
// escaped for its format: control characters in the table, quotes in CSV, markup in HTML.
import { DATE_KEYS, type DateKey, type InventoryObject, type InventoryReport } from './model.js';

export type ReportFormat = 'table' | 'csv' | 'json' | 'html';
export const FORMATS: readonly ReportFormat[] = ['table', 'csv', 'json', 'html'];

const DATE_LABELS: Record<DateKey, string> = {
  initialDate: 'Initial',
  activationDate: 'Activation',
  deactivationDate: 'Deactivation',
  protectStopDate: 'Protect Stop',
  processStartDate: 'Process Start',
  compromiseDate: 'Compromise',
  compromiseOccurrenceDate: 'Compromise Occurrence',
  destroyDate: 'Destroy',
  lastChangeDate: 'Last Change',
};

const algorithm = (o: InventoryObject): string =>
  o.cryptographicAlgorithm ? `${o.cryptographicAlgorithm}${o.cryptographicLength !== undefined ? `-${o.cryptographicLength}` : ''}` : o.cryptographicLength !== undefined ? String(o.cryptographicLength) : '';
/** 'ReplacementObjectLink:uid' (short: 'ReplacementObject:uid', for the table). */
const linkText = (o: InventoryObject, short = false): string[] => o.links.map((l) => `${short ? l.type.replace(/Link$/, '') : l.type}:${l.uniqueIdentifier}`);
const flags = (o: InventoryObject): string[] => o.findings.map((f) => f.code);

// ---- table ----

/**
 * Control characters (C0, DEL, C1), line separators and bidirectional controls shown as escapes: a
 * name cannot move the cursor, recolour the terminal or reorder the text around it.
 */
export function terminalSafe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    const code = c.charCodeAt(0);
    return named[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

const MAX_CELL = 48;
const cell = (s: string): string => {
  const safe = terminalSafe(s);
  return safe.length > MAX_CELL ? `${safe.slice(0, MAX_CELL - 3)}...` : safe;
};

function grid(header: string[], rows: string[][], { clip = true } = {}): string {
  const body = rows.map((r) => r.map((c) => (clip ? cell(c) : terminalSafe(c))));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].map((l) => `${l}\n`).join('');
}

const shortDate = (iso: string | undefined): string => (iso ? iso.slice(0, 10) : '-');

export function renderTable(r: InventoryReport): string {
  const out: string[] = [];
  out.push(
    `Key inventory at ${r.generatedAt}: ${r.summary.objects} object${r.summary.objects === 1 ? '' : 's'} on ${r.summary.servers - r.summary.serversFailed} of ${r.summary.servers} server${r.summary.servers === 1 ? '' : 's'}` +
      ` (expiring within ${r.parameters.expiringDays} days, rotation after ${r.parameters.maxAgeDays} days)\n\n`,
  );
  out.push(
    grid(
      ['SERVER', 'ADDRESS', 'STATUS', 'VERSION', 'LOCATED', 'READ', 'NOTE'],
      r.servers.map((s) => [s.name, s.address, s.status === 'ok' ? 'ok' : 'FAILED', s.version ?? '-', String(s.located), String(s.objects), [s.error?.message, ...s.notes].filter(Boolean).join('; ') || '-']),
      { clip: false },
    ),
  );
  out.push('\n');
  if (r.objects.length) {
    out.push(
      grid(
        ['SERVER', 'UID', 'TYPE', 'ALGORITHM', 'STATE', 'NAMES', 'CREATED', 'ACTIVATED', 'DEACTIVATES', 'USAGE', 'LINKS', 'FLAGS'],
        r.objects.map((o) => [
          o.server,
          o.uniqueIdentifier,
          o.objectType ?? '-',
          algorithm(o) || '-',
          o.state ?? (o.error ? 'unreadable' : '-'),
          o.names.join(', ') || '-',
          shortDate(o.dates.initialDate),
          shortDate(o.dates.activationDate),
          shortDate(o.dates.deactivationDate ?? o.dates.protectStopDate),
          o.usageMask.join(',') || '-',
          linkText(o, true).join(', ') || '-',
          flags(o).join(',') || '-',
        ]),
      ),
    );
  } else out.push('No objects.\n');
  const findings = r.objects.flatMap((o) => o.findings.map((f) => [o.server, o.uniqueIdentifier, f.severity, f.code, f.message]));
  const unreadable = r.objects.filter((o) => o.error).map((o) => [o.server, o.uniqueIdentifier, o.error!]);
  if (findings.length) out.push(`\nFindings (${findings.length}):\n`, grid(['SERVER', 'UID', 'SEVERITY', 'FINDING', 'DETAIL'], findings, { clip: false }));
  else out.push('\nNo findings.\n');
  if (unreadable.length) out.push(`\nUnreadable objects (${unreadable.length}):\n`, grid(['SERVER', 'UID', 'WHY'], unreadable, { clip: false }));
  return out.join('');
}

// ---- CSV ----

/**
 * One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled, RFC 4180). A field
 * that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe.
 */
export function csvField(s: string): string {
  const v = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export const CSV_COLUMNS = [
  'record', 'server', 'uniqueIdentifier', 'objectType', 'cryptographicAlgorithm', 'cryptographicLength', 'state', 'names',
  ...DATE_KEYS, 'usageMask', 'links', 'revocationReason', 'findings', 'findingDetails', 'error',
] as const;

export function renderCsv(r: InventoryReport): string {
  const rows: string[][] = [[...CSV_COLUMNS]];
  const blank = (): Record<(typeof CSV_COLUMNS)[number], string> => Object.fromEntries(CSV_COLUMNS.map((c) => [c, ''])) as Record<(typeof CSV_COLUMNS)[number], string>;
  for (const s of r.servers) {
    if (s.status !== 'failed') continue;
    const row = blank();
    row.record = 'server-error';
    row.server = s.name;
    row.error = `${s.address}: ${s.error?.message ?? 'failed'}`;
    rows.push(CSV_COLUMNS.map((c) => row[c]));
  }
  for (const o of r.objects) {
    const row = blank();
    row.record = 'object';
    row.server = o.server;
    row.uniqueIdentifier = o.uniqueIdentifier;
    row.objectType = o.objectType ?? '';
    row.cryptographicAlgorithm = o.cryptographicAlgorithm ?? '';
    row.cryptographicLength = o.cryptographicLength !== undefined ? String(o.cryptographicLength) : '';
    row.state = o.state ?? '';
    row.names = o.names.join('; ');
    for (const k of DATE_KEYS) row[k] = o.dates[k] ?? '';
    row.usageMask = o.usageMask.join('; ');
    row.links = linkText(o).join('; ');
    row.revocationReason = o.revocationReason ?? '';
    row.findings = flags(o).join('; ');
    row.findingDetails = o.findings.map((f) => `${f.code}: ${f.message}`).join('; ');
    row.error = o.error ?? '';
    rows.push(CSV_COLUMNS.map((c) => row[c]));
  }
  return rows.map((r_) => `${r_.map(csvField).join(',')}\r\n`).join('');
}

// ---- JSON ----

export const renderJson = (r: InventoryReport): string => `${JSON.stringify(r, null, 2)}\n`;

// ---- HTML ----

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text for an HTML element or a quoted attribute value. */
export const htmlEscape = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.uid,td.mono{font-family:ui-monospace,monospace;white-space:nowrap}
tr.failed td{background:#fde2e2}
tr.high td{background:#fde2e2}
tr.medium td{background:#fff4d6}
tr.low td{background:#eef6ff}
.badge{display:inline-block;padding:0 4px;border-radius:3px;background:#555;color:#fff;font-size:11px;margin-right:2px}
.badge.high{background:#b00020}.badge.medium{background:#a15c00}.badge.low{background:#2b5fab}
pre{white-space:pre-wrap}
`;

const SEVERITY_RANK = { high: 3, medium: 2, low: 1 } as const;

export function renderHtml(r: InventoryReport): string {
  const e = htmlEscape;
  const td = (s: string, cls?: string) => `<td${cls ? ` class="${cls}"` : ''}>${e(s)}</td>`;
  const table = (head: string[], rows: string[]) => `<table><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
  const servers = r.servers.map(
    (s) =>
      `<tr class="${s.status === 'failed' ? 'failed' : 'ok'}">${td(s.name)}${td(s.address, 'mono')}${td(s.status)}${td(s.version ?? '')}${td(String(s.located))}${td(String(s.objects))}${td(s.complete ? 'yes' : 'no')}${td([s.error?.message, ...s.notes].filter(Boolean).join(' / '))}</tr>`,
  );
  const findings = r.objects.flatMap((o) =>
    o.findings.map((f) => `<tr class="${f.severity}">${td(o.server)}${td(o.uniqueIdentifier, 'uid')}${td(f.severity)}${td(f.code)}${td(f.message)}</tr>`),
  );
  const objects = r.objects.map((o) => {
    const worst = o.findings.reduce<keyof typeof SEVERITY_RANK | undefined>((w, f) => (!w || SEVERITY_RANK[f.severity] > SEVERITY_RANK[w] ? f.severity : w), undefined);
    const dates = DATE_KEYS.filter((k) => o.dates[k]).map((k) => `${e(DATE_LABELS[k])}: ${e(o.dates[k]!)}`).join('<br>');
    const badges = o.findings.map((f) => `<span class="badge ${f.severity}" title="${e(f.message)}">${e(f.code)}</span>`).join('');
    return (
      `<tr${worst ? ` class="${worst}"` : ''}>${td(o.server)}${td(o.uniqueIdentifier, 'uid')}${td(o.objectType ?? '')}${td(algorithm(o))}${td(o.state ?? (o.error ? 'unreadable' : ''))}` +
      `<td>${o.names.map(e).join('<br>')}</td><td class="mono">${dates}</td>${td(o.usageMask.join(', '))}<td class="mono">${linkText(o).map(e).join('<br>')}</td>` +
      `<td>${badges}</td>${td(o.error ?? '')}</tr>`
    );
  });
  const counts = Object.entries(r.summary.findings).map(([k, n]) => `${e(k)}: ${n}`).join(', ') || 'none';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Key inventory ${e(r.generatedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Key inventory</h1>
<p>Generated ${e(r.generatedAt)}. ${r.summary.objects} objects on ${r.summary.servers - r.summary.serversFailed} of ${r.summary.servers} servers.
Expiring within ${r.parameters.expiringDays} days; rotation expected within ${r.parameters.maxAgeDays} days${r.parameters.includeDestroyed ? '' : '; destroyed objects left out'}.
Findings: ${counts}.</p>
<h2>Servers</h2>
${table(['Server', 'Address', 'Status', 'Version', 'Located', 'Read', 'Complete', 'Note'], servers)}
<h2>Findings (${findings.length})</h2>
${findings.length ? table(['Server', 'Unique Identifier', 'Severity', 'Finding', 'Detail'], findings) : '<p>None.</p>'}
<h2>Objects (${objects.length})</h2>
${table(['Server', 'Unique Identifier', 'Type', 'Algorithm', 'State', 'Names', 'Dates', 'Usage', 'Links', 'Findings', 'Error'], objects)}
</body>
</html>
`;
}

export function render(r: InventoryReport, format: ReportFormat): string {
  switch (format) {
    case 'table':
      return renderTable(r);
    case 'csv':
      return renderCsv(r);
    case 'json':
      return renderJson(r);
    case 'html':
      return renderHtml(r);
  }
}
