// Targets: parsing `--target`, the defaults from the practitioner table, and the verdict.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGETS, checkTargets, parseDuration, parseTarget, resolveTargets, type OpFigures } from '../../src/harness/targets.js';

const op = (o: Partial<OpFigures> & { operation: string }): OpFigures => ({
  count: 100, errors: 0, errorsByReason: {}, opsPerSec: 500, p50Ms: 1, p90Ms: 2, p99Ms: 4, p999Ms: 6, maxMs: 7, meanMs: 1.5, ...o,
});

describe('targets', () => {
  it('durations: units, bare numbers in the unit asked for, and refusals', () => {
    expect(parseDuration('250ms', 'x')).toBe(250);
    expect(parseDuration('1.5s', 'x')).toBe(1500);
    expect(parseDuration('2m', 'x')).toBe(120_000);
    expect(parseDuration('100us', 'x')).toBeCloseTo(0.1);
    expect(parseDuration('0.001ms', 'x')).toBeCloseTo(0.000001);
    expect(parseDuration('10', 'x', 's')).toBe(10_000);
    expect(parseDuration('10', 'x')).toBe(10);
    for (const bad of ['', 'ms', '-5ms', '5 parsecs', '1e3ms']) expect(() => parseDuration(bad, '--duration'), bad).toThrow(TypeError);
  });

  it('parses OP.METRIC=VALUE, p99.9 and p999 alike, ops as a rate, off', () => {
    expect(parseTarget('get.p99=5ms')).toEqual({ operation: 'get', metric: 'p99', limit: 5 });
    expect(parseTarget('Create.P99.9=0.2s')).toEqual({ operation: 'create', metric: 'p99.9', limit: 200 });
    expect(parseTarget('create.p999=200')).toEqual({ operation: 'create', metric: 'p99.9', limit: 200 });
    expect(parseTarget('create-batch:100.max=2s')).toEqual({ operation: 'create-batch:100', metric: 'max', limit: 2000 });
    expect(parseTarget('get.ops=1500')).toEqual({ operation: 'get', metric: 'ops', limit: 1500 });
    expect(parseTarget('get.p99=off')).toEqual({ operation: 'get', metric: 'p99', off: true });
    for (const bad of ['get', 'get.p98=5ms', 'get.p99=', 'get.p99=fast', 'get.ops=5ms', '.p99=5ms']) expect(() => parseTarget(bad), bad).toThrow(TypeError);
  });

  it('defaults are the practitioner table at p99, for the operations in the mix only; given ones override or drop them', () => {
    expect(DEFAULT_TARGETS.map((t) => [t.operation, t.limit])).toEqual([
      ['create', 50], ['get', 5], ['locate', 100], ['encrypt', 10], ['decrypt', 10], ['destroy', 20],
    ]);
    expect(DEFAULT_TARGETS.every((t) => t.metric === 'p99')).toBe(true);
    expect(resolveTargets(['get', 'create-batch:10'])).toEqual([{ operation: 'get', metric: 'p99', limit: 5 }]);
    expect(resolveTargets(['get', 'locate'], ['get.p99=2ms', 'locate.p99=off', 'get.p50=1ms'])).toEqual([
      { operation: 'get', metric: 'p99', limit: 2 }, { operation: 'get', metric: 'p50', limit: 1 },
    ]);
    expect(resolveTargets(['get'], ['get.max=9ms'], false)).toEqual([{ operation: 'get', metric: 'max', limit: 9 }]);
    expect(() => resolveTargets(['get'], ['create.p99=5ms'])).toThrow(/create is not in the mix/);
  });

  it('verdicts: latency at most the limit, ops at least; errors and zero successes miss whatever the figures', () => {
    const ops = [
      op({ operation: 'get' }),
      op({ operation: 'create', p99Ms: 60 }),
      op({ operation: 'encrypt', count: 0, errors: 12, errorsByReason: { OperationNotSupported: 12 }, p99Ms: NaN }),
      op({ operation: 'locate', errors: 1, errorsByReason: { 'transport:TIMEOUT': 1 } }),
    ];
    const targets = [
      { operation: 'get', metric: 'p99' as const, limit: 4 },
      { operation: 'get', metric: 'ops' as const, limit: 600 },
      { operation: 'create', metric: 'p99' as const, limit: 50 },
      { operation: 'encrypt', metric: 'p99' as const, limit: 10 },
      { operation: 'locate', metric: 'p99' as const, limit: 100 },
      { operation: 'destroy', metric: 'p99' as const, limit: 20 },
    ];
    const r = checkTargets(targets, ops);
    expect(r.map((t) => t.pass)).toEqual([true, false, false, false, false, false]);
    expect(r[0].actual).toBe(4);
    expect(r[3].note).toBe('every request failed: OperationNotSupported x12');
    expect(r[4].note).toMatch(/1 of 101 requests failed \(transport:TIMEOUT x1\)/);
    expect(r[5].note).toMatch(/not measured/);
    // One failure in 101 is within a 1 % error allowance.
    expect(checkTargets([targets[4]], ops, 0.01)[0].pass).toBe(true);
  });
});
