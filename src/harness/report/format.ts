// Number and text formatting shared by the renderers.
import type { BenchResult } from '../result.js';
import type { TargetResult } from '../targets.js';

/** Milliseconds with three significant figures at most two decimals: 0.153, 2.31, 48.2, 1250. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (v < 10) return v.toFixed(v < 1 ? 3 : 2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

export function rate(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** Text from the server (Result Messages, reasons) with control characters made harmless for a terminal. */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, '\uFFFD');
}

export function limitText(t: { metric: string; limit: number }): string {
  return t.metric === 'ops' ? `>= ${rate(t.limit)}/s` : `<= ${ms(t.limit)} ms`;
}

export function targetLine(t: TargetResult): string {
  const figure = t.metric === 'ops' ? `${rate(t.actual)}/s` : `${ms(t.actual)} ms`;
  const verdict = t.pass ? 'met' : 'MISSED';
  return `${verdict.padEnd(6)} ${t.operation} ${t.metric} ${Number.isNaN(t.actual) ? '-' : figure} (target ${limitText(t)})${t.note ? `: ${clean(t.note)}` : ''}`;
}

/** 'closed loop, 4 connections x 1 in flight, 300 requests after 30 warm-up, seed 7'. */
export function describeRun(r: BenchResult): string {
  const c = r.config;
  const loop = c.mode === 'open' ? `open loop at ${rate(c.rate!)}/s (${c.arrival})` : 'closed loop';
  const size = c.count !== undefined ? `${c.count} requests` : `${ms(c.durationMs! / 1000)} s`;
  const warm = c.warmupCount ? `${c.warmupCount} warm-up requests` : c.warmupMs ? `${ms(c.warmupMs / 1000)} s warm-up` : 'no warm-up';
  return `${loop}, ${c.connections} connection${c.connections === 1 ? '' : 's'} x ${c.concurrency} in flight, ${size} after ${warm}, seed ${c.seed}`;
}

export function verdict(r: BenchResult): string {
  const missed = r.targets.filter((t) => !t.pass).length;
  const partial = r.interrupted ? ' (INTERRUPTED: a partial run)' : '';
  if (r.open?.overloaded) return `FAILED: the server fell more than the backlog limit behind the schedule (lower --rate)${partial}`;
  if (r.targets.length === 0) return `no targets to check${partial}`;
  return (missed === 0 ? `PASSED: all ${r.targets.length} targets met` : `FAILED: ${missed} of ${r.targets.length} targets missed`) + partial;
}
