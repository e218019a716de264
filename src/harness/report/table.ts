// The plain-text report `kmipkit bench` prints by default: one row per operation, then the targets,
// the errors with what to do about them, and setup findings.
import type { BenchResult } from '../result.js';
import { clean, describeRun, ms, rate, targetLine, verdict } from './format.js';

function grid(rows: string[][], rightAligned: (i: number) => boolean): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

export function renderTable(r: BenchResult): string {
  const out: string[] = [];
  out.push(`kmipkit bench: ${r.servers.map(clean).join(', ')} (KMIP ${r.kmipVersion || '?'})`);
  out.push(`  ${describeRun(r)}${r.interrupted ? ' - INTERRUPTED, figures cover what ran' : ''}`);
  out.push('');
  const head = ['operation', 'ok', 'errors', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'];
  const rows = r.operations.map((o) => [
    o.operation, String(o.count), String(o.errors), rate(o.opsPerSec), ms(o.p50Ms), ms(o.p90Ms), ms(o.p99Ms), ms(o.p999Ms), ms(o.maxMs),
  ]);
  const t = r.totals;
  rows.push(['total', String(t.count), String(t.errors), rate(t.opsPerSec), '', '', '', '', '']);
  out.push(...grid([head, ...rows], (i) => i > 0));
  if (r.operations.some((o) => o.batch > 1)) out.push(`  (a batch is one request: ops/s counts requests; items/s: ${r.operations.filter((o) => o.batch > 1).map((o) => `${o.operation} ${rate(o.itemsPerSec)}`).join(', ')})`);
  out.push(`  window ${ms(t.windowMs / 1000)} s; ${t.warmupOps} warm-up requests not counted`);
  if (r.open) {
    const o = r.open;
    out.push(
      `  open loop: ${rate(o.targetRate)}/s asked, ${rate(o.achievedRate)}/s answered; waiting for a connection p50 ${ms(o.queueWaitMs.p50)} ms, ` +
        `p99 ${ms(o.queueWaitMs.p99)} ms, max ${ms(o.queueWaitMs.max)} ms; harness lateness p99 ${ms(o.dispatchLagMs.p99)} ms; max backlog ${o.maxBacklog}` +
        (o.overloaded ? ' - STOPPED: too far behind the schedule' : ''),
    );
  }
  if (r.targets.length) {
    out.push('', 'targets:');
    for (const target of r.targets) out.push(`  ${targetLine(target)}`);
  }
  const failing = r.operations.filter((o) => o.errors > 0);
  if (failing.length) {
    out.push('', 'errors:');
    for (const o of failing) {
      out.push(`  ${o.operation}: ${Object.entries(o.errorsByReason).map(([reason, n]) => `${clean(reason)} x${n}`).join(', ')}`);
      for (const h of o.hints) out.push(`    ${clean(h)}`);
    }
  }
  if (r.setup.notes.length || r.setup.refills) {
    out.push('', 'setup:');
    for (const n of r.setup.notes) out.push(`  ${clean(n)}`);
    if (r.setup.refills) out.push(`  ${r.setup.refills} Destroy objects were created during the run (pool of ${r.setup.destroyPool} ran out): raise --destroy-pool`);
  }
  const c = r.cleanup;
  out.push('', c.kept ? `cleanup: skipped (--keep): ${c.failed} objects left on the server` : `cleanup: ${c.destroyed} objects destroyed${c.failed ? `, ${c.failed} left (${Object.entries(c.reasons).map(([k, v]) => `${clean(k)} x${v}`).join(', ')})` : ''}`);
  out.push(verdict(r));
  return `${out.join('\n')}\n`;
}
