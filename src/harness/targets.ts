// Latency targets and the pass/fail verdict. The defaults are the practitioner table of typical KMIP
// latencies (../shared/seed/kmip-overview.txt, "Typical Latency"), read at its upper end as a p99:
// Create 50 ms, Get 5 ms, Locate 100 ms, Encrypt and Decrypt 10 ms, Destroy 20 ms. `--target
// get.p99=5ms` overrides or adds one; `get.p99=off` drops one. An operation that failed at all (more than
// maxErrorRate of its requests) or never succeeded misses all its targets, whatever its latency.

export const METRICS = ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean', 'ops'] as const;
export type Metric = (typeof METRICS)[number];

export interface Target {
  /** Mix item name: 'get', 'create-batch:100'. */
  operation: string;
  metric: Metric;
  /** Milliseconds for latencies (at most); operations per second for 'ops' (at least). */
  limit: number;
}

export const DEFAULT_TARGETS: readonly Target[] = [
  { operation: 'create', metric: 'p99', limit: 50 },
  { operation: 'get', metric: 'p99', limit: 5 },
  { operation: 'locate', metric: 'p99', limit: 100 },
  { operation: 'encrypt', metric: 'p99', limit: 10 },
  { operation: 'decrypt', metric: 'p99', limit: 10 },
  { operation: 'destroy', metric: 'p99', limit: 20 },
];

const UNITS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** '250ms', '1.5s', '2m', '100us' to milliseconds; a bare number is `bareUnit`. TypeError when it is not one. */
export function parseDuration(text: string, what: string, bareUnit: 'ms' | 's' = 'ms'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|ms|s|m|min|h)?\s*$/.exec(text);
  if (!m) throw new TypeError(`${what} ${JSON.stringify(text)}: expected a duration such as 500ms, 10s or 2m`);
  return Number(m[1]) * UNITS[m[2] ?? bareUnit];
}

/** Parses `OP.METRIC=VALUE` (e.g. get.p99=5ms, locate.p99.9=200ms, get.ops=1000); 'off' removes a target. */
export function parseTarget(text: string): Target | { operation: string; metric: Metric; off: true } {
  const m = /^([a-z]+(?:-batch:\d+)?)\.(p50|p90|p99\.9|p999|p99|max|mean|ops)=(.+)$/i.exec(text.trim());
  if (!m) {
    throw new TypeError(`--target ${JSON.stringify(text)}: expected OP.METRIC=VALUE, e.g. get.p99=5ms, create.p99.9=200ms or get.ops=500 (metrics: ${METRICS.join(', ')})`);
  }
  const operation = m[1].toLowerCase();
  const metric = (m[2].toLowerCase() === 'p999' ? 'p99.9' : m[2].toLowerCase()) as Metric;
  const value = m[3].trim();
  if (value.toLowerCase() === 'off') return { operation, metric, off: true };
  if (metric === 'ops') {
    if (!/^\d+(\.\d+)?$/.test(value)) throw new TypeError(`--target ${text}: ops is operations per second, a number`);
    return { operation, metric, limit: Number(value) };
  }
  return { operation, metric, limit: parseDuration(value, `--target ${operation}.${metric}`) };
}

/**
 * The targets in force for the operations of a mix: the defaults (unless `defaults` is false) with the
 * given ones over them. A target for an operation that is not in the mix is a TypeError.
 */
export function resolveTargets(mixNames: readonly string[], given: readonly (string | Target)[] = [], defaults = true): Target[] {
  const byKey = new Map<string, Target>();
  const key = (t: { operation: string; metric: string }) => `${t.operation}\u0000${t.metric}`;
  if (defaults) for (const t of DEFAULT_TARGETS) if (mixNames.includes(t.operation)) byKey.set(key(t), { ...t });
  for (const g of given) {
    const t = typeof g === 'string' ? parseTarget(g) : g;
    if (!mixNames.includes(t.operation)) {
      throw new TypeError(`--target ${t.operation}.${t.metric}: ${t.operation} is not in the mix (${mixNames.join(', ')})`);
    }
    if ('off' in t) byKey.delete(key(t));
    else {
      if (!(t.limit >= 0) || !METRICS.includes(t.metric)) throw new TypeError(`target ${t.operation}.${t.metric}: bad limit or metric`);
      byKey.set(key(t), t);
    }
  }
  return [...byKey.values()];
}

/** What a target is checked against: one operation's measured figures. */
export interface OpFigures {
  operation: string;
  count: number;
  errors: number;
  errorsByReason: Record<string, number>;
  opsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface TargetResult extends Target {
  /** The measured figure (NaN when nothing succeeded). */
  actual: number;
  pass: boolean;
  /** Why it failed when the figure alone does not say: errors, or no successful operation. */
  note?: string;
}

const FIELD: Record<Metric, keyof OpFigures> = {
  p50: 'p50Ms', p90: 'p90Ms', p99: 'p99Ms', 'p99.9': 'p999Ms', max: 'maxMs', mean: 'meanMs', ops: 'opsPerSec',
};

/** Checks each target; an operation's errors above maxErrorRate (a fraction of its requests) fail it. */
export function checkTargets(targets: readonly Target[], ops: readonly OpFigures[], maxErrorRate = 0): TargetResult[] {
  return targets.map((t) => {
    const op = ops.find((o) => o.operation === t.operation);
    const actual = op ? (op[FIELD[t.metric]] as number) : NaN;
    const total = op ? op.count + op.errors : 0;
    const errorRate = total ? op!.errors / total : 0;
    const reasons = op ? Object.entries(op.errorsByReason).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} x${n}`).join(', ') : '';
    if (!op || total === 0) return { ...t, actual, pass: false, note: 'not measured: no operation of this kind completed' };
    if (op.count === 0) return { ...t, actual, pass: false, note: `every request failed: ${reasons}` };
    if (errorRate > maxErrorRate) {
      return { ...t, actual, pass: false, note: `${op.errors} of ${total} requests failed (${reasons}), above the allowed error rate ${maxErrorRate}` };
    }
    const pass = t.metric === 'ops' ? actual >= t.limit : actual <= t.limit;
    return { ...t, actual, pass };
  });
}
