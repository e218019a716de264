// The report renderers with hostile strings: names and identifiers with markup, commas, quotes,
// newlines, terminal escapes and spreadsheet formulas.
import { describe, expect, it } from 'vitest';
import {
  applyFindings, csvField, CSV_COLUMNS, htmlEscape, objectFromAttributes, renderCsv, renderHtml, renderJson, renderTable, summarize, terminalSafe,
  type InventoryReport, type ServerReport,
} from '../../src/inventory/index.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const HOSTILE = '<script>alert("x")</script>, "quoted"\nsecond line\r\x1b[31mred\u202e';

function report(): InventoryReport {
  const objects = applyFindings(
    [
      objectFromAttributes('ours', 'uid-1', {
        objectType: 'SymmetricKey', cryptographicAlgorithm: 'AES', cryptographicLength: 256, state: 'Compromised', name: [HOSTILE, 'plain'],
        initialDate: new Date('2026-01-01T00:00:00Z'), compromiseDate: new Date('2026-02-01T00:00:00Z'), cryptographicUsageMask: ['Encrypt', 'Decrypt'],
        link: [{ linkType: 'ReplacementObjectLink', linkedObjectIdentifier: 'uid-<2>' }],
      }),
      objectFromAttributes('ours', 'uid-<2>', { objectType: 'SymmetricKey', state: 'Active', name: ['=HYPERLINK("http://evil")'], activationDate: new Date('2026-06-01T00:00:00Z') }),
      { ...objectFromAttributes('py', '7', {}), error: 'Get Attributes refused: PermissionDenied' },
    ],
    { now: NOW, expiringDays: 30, maxAgeDays: 365 },
  );
  const servers: ServerReport[] = [
    { name: 'ours', address: '127.0.0.1:1', status: 'ok', version: '2.1', located: 2, objects: 2, complete: true, notes: [] },
    { name: 'py', address: '127.0.0.1:2', status: 'ok', version: '2.0', located: 1, objects: 1, complete: true, notes: [] },
    { name: 'dead<b>', address: '127.0.0.1:3', status: 'failed', located: 0, objects: 0, complete: false, notes: [], error: { kind: 'connection', message: 'cannot reach <b>, "x"' } },
  ];
  return { generatedAt: NOW.toISOString(), parameters: { expiringDays: 30, maxAgeDays: 365, includeDestroyed: true }, servers, objects, summary: summarize(servers, objects) };
}

/** A small RFC 4180 parser (quoted fields with doubled quotes, CRLF records) to read back what renderCsv wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i += 2; continue; }
    if (c === '"' || c === '\n' || c === '\r') throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
    field += c; i++;
  }
  if (field !== '' || row.length) throw new Error('no CRLF after the last record');
  return rows;
}

describe('escaping primitives', () => {
  it('csvField quotes, doubles quotes and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-2,3')).toBe(`"'-2,3"`);
    expect(csvField('2026-01-01T00:00:00.000Z')).toBe('2026-01-01T00:00:00.000Z');
  });
  it('htmlEscape and terminalSafe', () => {
    expect(htmlEscape(`<a href='x'>&"</a>`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;');
    expect(terminalSafe('a\nb\r\t\x1b[2J\x00\x9b\u202ez')).toBe('a\\nb\\r\\t\\x1b[2J\\x00\\x9b\\u202ez');
  });
});

describe('renderers', () => {
  it('CSV: every value reads back exactly (formulas prefixed), one record per object plus one per failed server', () => {
    const rows = parseCsv(renderCsv(report()));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    const col = (r: string[], name: (typeof CSV_COLUMNS)[number]) => r[CSV_COLUMNS.indexOf(name)];
    expect(rows.length).toBe(1 + 1 + 3);
    const [, serverRow, first, second, third] = rows;
    expect(col(serverRow, 'record')).toBe('server-error');
    expect(col(serverRow, 'server')).toBe('dead<b>');
    expect(col(serverRow, 'error')).toBe('127.0.0.1:3: cannot reach <b>, "x"');
    expect(col(first, 'names')).toBe(`${HOSTILE}; plain`);
    expect(col(first, 'state')).toBe('Compromised');
    expect(col(first, 'cryptographicLength')).toBe('256');
    expect(col(first, 'compromiseDate')).toBe('2026-02-01T00:00:00.000Z');
    expect(col(first, 'usageMask')).toBe('Encrypt; Decrypt');
    expect(col(first, 'links')).toBe('ReplacementObjectLink:uid-<2>');
    expect(col(first, 'findings')).toBe('compromised-in-use');
    expect(col(second, 'uniqueIdentifier')).toBe('uid-<2>');
    expect(col(second, 'names')).toBe(`'=HYPERLINK("http://evil")`);
    expect(col(third, 'error')).toBe('Get Attributes refused: PermissionDenied');
  });

  it('HTML: self-contained, no markup from the data survives, every value is there escaped', () => {
    const html = renderHtml(report());
    expect(html).toMatch(/^<!DOCTYPE html>/);
    // The only tags are the page's own: no script, no external reference of any kind.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<b>/);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/https?:\/\/(?!evil)/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).toContain(htmlEscape(HOSTILE));
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;, &quot;quoted&quot;');
    expect(html).toContain('uid-&lt;2&gt;');
    expect(html).toContain('dead&lt;b&gt;');
    expect(html).toContain('cannot reach &lt;b&gt;, &quot;x&quot;');
    expect(html).toContain('=HYPERLINK(&quot;http://evil&quot;)');
    expect(html).toContain('Compromise: 2026-02-01T00:00:00.000Z');
    // A tag count that would change if a value escaped into markup: one <tr> per row of each table.
    expect(html.match(/<tr/g)!.length).toBe(1 + 3 + 1 + 1 + 1 + 3);
  });

  it('table: aligned columns, control characters escaped, server errors and findings listed', () => {
    const text = renderTable(report());
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('SERVER  UID'))!;
    expect(header).toMatch(/^SERVER\s+UID\s+TYPE\s+ALGORITHM\s+STATE\s+NAMES\s+CREATED\s+ACTIVATED\s+DEACTIVATES\s+USAGE\s+LINKS\s+FLAGS$/);
    const row = lines.find((l) => l.startsWith('ours    uid-1'))!;
    expect(row).toBeDefined();
    expect(row.indexOf('Compromised')).toBe(header.indexOf('STATE'));
    expect(row.indexOf('AES-256')).toBe(header.indexOf('ALGORITHM'));
    // Escaped, then clipped to 48 characters (the other formats carry the whole name).
    expect(row).toContain('<script>alert("x")</script>, "quoted"\\nsecond...  2026-01-01');
    expect(row).toContain('ReplacementObject:uid-<2>');
    expect(text).toMatch(/^dead<b>\s+127\.0\.0\.1:3\s+FAILED\s+-\s+0\s+0\s+cannot reach <b>, "x"$/m);
    expect(text).toMatch(/^Findings \(1\):$/m);
    expect(text).toMatch(/^ours\s+uid-1\s+high\s+compromised-in-use\s+Compromised but still usable/m);
    expect(text).toMatch(/^py\s+7\s+Get Attributes refused: PermissionDenied$/m);
    expect(text.split('\n')[0]).toBe('Key inventory at 2026-06-15T12:00:00.000Z: 3 objects on 2 of 3 servers (expiring within 30 days, rotation after 365 days)');
  });

  it('JSON: the report as it is', () => {
    const r = report();
    const back = JSON.parse(renderJson(r));
    expect(back).toEqual(JSON.parse(JSON.stringify(r)));
    expect(back.summary).toEqual({ servers: 3, serversFailed: 1, objects: 3, byState: { Compromised: 1, Active: 1, unreadable: 1 }, findings: { 'compromised-in-use': 1 } });
    expect(back.objects[0].names[0]).toBe(HOSTILE);
  });
});
