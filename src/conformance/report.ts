// The run's output: a table per file with the first difference, totals, and the --json summary.
import type { FileResult } from './replay.js';

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  notSupported: number;
  files: { file: string; status: FileResult['status']; reason: string; step: number | null }[];
}

export function summarize(results: FileResult[]): Summary {
  return {
    total: results.length,
    pass: results.filter((r) => r.status === 'PASS').length,
    fail: results.filter((r) => r.status === 'FAIL').length,
    notSupported: results.filter((r) => r.status === 'NOT-SUPPORTED').length,
    files: results.map((r) => ({ file: r.file, status: r.status, reason: r.reason, step: r.step ?? null })),
  };
}

export function formatTable(results: FileResult[], target: string): string {
  const s = summarize(results);
  const width = Math.max(4, ...results.map((r) => r.file.length));
  const lines = [`KMIP conformance against ${target}`, '', `${'FILE'.padEnd(width)}  STATUS         STEP  REASON`];
  for (const r of results) {
    const step = r.step === undefined ? '' : String(r.step);
    lines.push(`${r.file.padEnd(width)}  ${r.status.padEnd(13)}  ${step.padStart(4)}  ${r.reason}`);
    if (r.difference) {
      lines.push(`${''.padEnd(width)}    at       ${r.difference.path}`);
      lines.push(`${''.padEnd(width)}    expected ${r.difference.expected}`);
      lines.push(`${''.padEnd(width)}    actual   ${r.difference.actual}`);
    }
  }
  lines.push('', `total ${s.total}: ${s.pass} pass, ${s.fail} fail, ${s.notSupported} not supported`);
  return lines.join('\n');
}
