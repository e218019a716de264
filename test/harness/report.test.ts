// The report renderers on a made-up result whose strings try to break out: CSV quoting and formula
// guards, HTML escaping and self-containment, the JSON shape, the text table.
import { describe, expect, it } from 'vitest';
import { Histogram } from '../../src/harness/histogram.js';
import { renderCsv, csvCell, CSV_COLUMNS } from '../../src/harness/report/csv.js';
import { esc, renderHtml } from '../../src/harness/report/html.js';
import { renderJson } from '../../src/harness/report/json.js';
import { renderTable } from '../../src/harness/report/table.js';
import { RESULT_SCHEMA, type BenchResult, type OperationResult } from '../../src/harness/result.js';
import { checkTargets } from '../../src/harness/targets.js';

const EVIL = '<img src=x onerror=alert(1)>';
const QUOTED = 'say "hi", then\nleave';

function op(name: string, values: number[], errors: Record<string, number> = {}): OperationResult {
  const h = new Histogram();
  for (const v of values) h.record(v);
  const s = h.snapshot();
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  return {
    operation: name, kmipOperation: name[0].toUpperCase() + name.slice(1).replace(/-batch:\d+$/, ''), batch: /batch:(\d+)/.exec(name) ? Number(/batch:(\d+)/.exec(name)![1]) : 1,
    weight: 1, count: s.count, errors: errorCount, errorsByReason: errors, items: s.count, opsPerSec: s.count * 2, itemsPerSec: s.count * 2,
    minMs: s.minMs, meanMs: s.meanMs, p50Ms: s.p50Ms, p90Ms: s.p90Ms, p99Ms: s.p99Ms, p999Ms: s.p999Ms, maxMs: s.maxMs,
    distribution: h.distribution(), hints: Object.keys(errors).map((r) => `${r}: ${QUOTED}`),
  };
}

function sample(): BenchResult {
  const operations = [
    op('get', Array.from({ length: 200 }, (_, i) => 0.5 + (i % 20) * 0.1)),
    op('create', [3, 4, 5, 80]),
    op('encrypt', [], { OperationNotSupported: 7, [EVIL]: 1 }),
  ];
  const targets = checkTargets([
    { operation: 'get', metric: 'p99', limit: 5 },
    { operation: 'create', metric: 'p99', limit: 50 },
    { operation: 'encrypt', metric: 'p99', limit: 10 },
  ], operations);
  return {
    schema: RESULT_SCHEMA,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    servers: [`"><script>alert(1)</script>:5696`, '=HYPERLINK("x"):1'],
    kmipVersion: '2.1',
    config: {
      mode: 'closed', mix: operations.map((o) => ({ name: o.operation, weight: 1, batch: 1 })), connections: 2, concurrency: 1, count: 212,
      warmupCount: 21, warmupMs: 0, seed: 7, keys: 4, destroyPool: 0, cipher: 'aes-cbc', dataSize: 64, maxErrorRate: 0, timeoutMs: 30_000,
    },
    operations,
    totals: { count: 204, errors: 8, items: 204, warmupOps: 21, windowMs: 500, opsPerSec: 408, itemsPerSec: 408 },
    targets,
    passed: false,
    interrupted: false,
    setup: { ms: 12, keys: 4, destroyPool: 0, refills: 0, notes: [`Encrypt failed in setup (${EVIL})`] },
    cleanup: { kept: false, destroyed: 4, failed: 1, reasons: { [QUOTED]: 1 } },
  };
}

/** RFC 4180 reader: enough to read back what renderCsv wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  return rows;
}

describe('reports', () => {
  it('CSV: one row per operation plus total, quotes and doubled quotes where needed, formulas defused, NaN empty', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(QUOTED)).toBe('"say ""hi"", then\nleave"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell(-2)).toBe('-2');
    expect(csvCell(NaN)).toBe('');
    expect(csvCell(0.1234567891)).toBe('0.123457');

    const r = sample();
    const text = renderCsv(r);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows.map((x) => x[0])).toEqual(['operation', 'get', 'create', 'encrypt', 'total']);
    for (const row of rows) expect(row.length).toBe(CSV_COLUMNS.length);
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const get = rows[1];
    expect(Number(get[col('count')])).toBe(200);
    expect(Number(get[col('p99_ms')])).toBeCloseTo(r.operations[0].p99Ms, 5);
    expect(get[col('targets_met')]).toBe('true');
    const enc = rows[3];
    expect(enc[col('p50_ms')]).toBe('');
    expect(enc[col('errors_by_reason')]).toBe(`OperationNotSupported:7;${EVIL}:1`);
    expect(enc[col('targets_met')]).toBe('false');
    expect(rows[4][col('targets_met')]).toBe('false');
  });

  it('HTML: self-contained (no script, no external reference), every string escaped, a chart per operation that succeeded', () => {
    const html = renderHtml(sample());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<link|<iframe|<object|@import|url\(/i);
    // No tag loads anything or runs anything: no src, href or on* attribute (escaped text has no tags).
    const tags = html.match(/<[a-zA-Z][^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThan(50);
    expect(tags.filter((t) => /\s(src|href|on[a-z]+)\s*=/i.test(t))).toEqual([]);
    expect(html).toContain(esc(EVIL));
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;:5696');
    expect(html).toContain(esc(QUOTED));
    // The spectrum chart and one histogram for each of the two operations with successes.
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).toContain('no successful requests: nothing to chart');
    expect(html).toContain('FAILED');
    // The histogram has one bar per distribution bin.
    const getSvg = html.split('<figcaption>get:')[1].split('</svg>')[0];
    expect(getSvg.match(/<rect /g)?.length).toBe(sample().operations[0].distribution.length);
    expect(esc(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });

  it('JSON: the result as it is, NaN as null, distribution bins as pairs', () => {
    const r = sample();
    const parsed = JSON.parse(renderJson(r)) as Record<string, unknown> & { operations: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual([
      'schema', 'startedAt', 'finishedAt', 'servers', 'kmipVersion', 'config', 'operations', 'totals', 'targets', 'passed', 'interrupted', 'setup', 'cleanup',
    ]);
    expect(parsed.schema).toBe('kmipkit-bench/1');
    expect(parsed.operations[2].p99Ms).toBeNull();
    expect(parsed.operations[0].distribution).toEqual(r.operations[0].distribution);
    expect(Object.keys(parsed.operations[0]).sort()).toEqual([
      'batch', 'count', 'distribution', 'errors', 'errorsByReason', 'hints', 'items', 'itemsPerSec', 'kmipOperation', 'maxMs', 'meanMs', 'minMs',
      'operation', 'opsPerSec', 'p50Ms', 'p90Ms', 'p999Ms', 'p99Ms', 'weight',
    ]);
    expect((parsed.targets as { pass: boolean }[]).map((t) => t.pass)).toEqual([true, false, false]);
  });

  it('table: a row per operation, the targets, the errors with their hints, control characters defused', () => {
    const r = sample();
    r.setup.notes.push('bell\u0007 and escape\u001b[2J');
    const text = renderTable(r);
    const lines = text.split('\n');
    expect(lines.find((l) => l.startsWith('get '))).toMatch(/^get\s+200\s+0\s+400\s/);
    expect(lines.find((l) => l.startsWith('encrypt '))).toMatch(/^encrypt\s+0\s+8\s+0\.0\s+-\s+-/);
    expect(text).toMatch(/met\s+get p99 [\d.]+ ms \(target <= 5\.00 ms\)/);
    expect(text).toMatch(/MISSED create p99 80\.\d ms \(target <= 50\.0 ms\)/);
    expect(text).toContain(`MISSED encrypt p99 - (target <= 10.0 ms): every request failed: OperationNotSupported x7, ${EVIL} x1`);
    expect(text).toContain('FAILED: 2 of 3 targets missed');
    expect(text).not.toMatch(/[\u0007\u001b]/);
    expect(text).toContain('bell\uFFFD and escape\uFFFD[2J');
  });
});
