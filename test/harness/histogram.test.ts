// The bench histogram against exact nearest-rank percentiles computed by sorting, on random data.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Histogram, RELATIVE_ERROR, SUB_BITS, bucketOf, bucketRange } from '../../src/harness/histogram.js';
import { RUNS } from '../helpers/arbitraries.js';

/** Percentiles in per mille, so the reference rank is integer arithmetic: ceil(pm * n / 1000). */
const PER_MILLE = [500, 900, 990, 999, 1000];

function exact(sortedNs: number[], perMille: number): number {
  const n = sortedNs.length;
  const rank = Math.max(1, Math.floor((perMille * n + 999) / 1000));
  return sortedNs[rank - 1];
}

// Latencies in ms: sub-2-µs values (exact buckets), typical ones, and long tails up to 100 s.
const latency = fc.oneof(
  fc.double({ min: 0, max: 0.002, noNaN: true }),
  fc.double({ min: 0, max: 50, noNaN: true }),
  fc.double({ min: 0, max: 100_000, noNaN: true }),
);
const samples = fc.array(latency, { minLength: 1, maxLength: 300 });

describe('Histogram', () => {
  it('percentiles are never below the exact nearest-rank value and at most RELATIVE_ERROR above it', () => {
    fc.assert(
      fc.property(samples, (values) => {
        const h = new Histogram();
        for (const v of values) h.record(v);
        const ns = values.map((v) => Math.round(v * 1e6)).sort((a, b) => a - b);
        const got = h.percentiles(PER_MILLE.map((pm) => pm / 10));
        PER_MILLE.forEach((pm, i) => {
          const want = exact(ns, pm);
          const reported = Math.round(got[i] * 1e6);
          expect(reported).toBeGreaterThanOrEqual(want);
          expect(reported).toBeLessThanOrEqual(Math.floor(want * (1 + RELATIVE_ERROR)) + 1);
        });
        // Count, min, max and mean are exact.
        expect(h.count).toBe(values.length);
        expect(Math.round(h.minMs * 1e6)).toBe(ns[0]);
        expect(Math.round(h.maxMs * 1e6)).toBe(ns[ns.length - 1]);
        expect(h.meanMs).toBeCloseTo(ns.reduce((a, b) => a + b, 0) / ns.length / 1e6, 9);
        expect(h.percentile(100)).toBe(h.maxMs);
      }),
      { numRuns: RUNS },
    );
  });

  it('a merge gives the histogram of all the values; the distribution bins count every value', () => {
    fc.assert(
      fc.property(samples, samples, (a, b) => {
        const ha = new Histogram();
        const hb = new Histogram();
        const all = new Histogram();
        a.forEach((v) => (ha.record(v), all.record(v)));
        b.forEach((v) => (hb.record(v), all.record(v)));
        ha.merge(hb);
        expect(ha.snapshot()).toEqual(all.snapshot());
        const bins = all.distribution();
        expect(bins.reduce((s, [, c]) => s + c, 0)).toBe(a.length + b.length);
        // Bins ascend, and the last one's upper bound covers the maximum.
        for (let i = 1; i < bins.length; i++) expect(bins[i][0]).toBeGreaterThan(bins[i - 1][0]);
        expect(bins[bins.length - 1][0]).toBeGreaterThanOrEqual(all.maxMs);
      }),
      { numRuns: Math.ceil(RUNS / 10) },
    );
  });

  it('buckets: each value falls in its bucket, whose width is at most RELATIVE_ERROR of its lower bound', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 5000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), (ns) => {
        const i = bucketOf(ns);
        const [low, high] = bucketRange(i);
        expect(low).toBeLessThanOrEqual(ns);
        expect(high).toBeGreaterThanOrEqual(ns);
        expect(high - low + 1).toBeLessThanOrEqual(Math.max(1, low * RELATIVE_ERROR));
        // Neighbouring buckets touch: no value has two buckets, none has none.
        if (i > 0) expect(bucketRange(i - 1)[1]).toBe(low - 1);
      }),
      { numRuns: RUNS },
    );
    expect(RELATIVE_ERROR).toBe(2 ** -(SUB_BITS - 1));
    expect(bucketRange(bucketOf(2 ** 40))[0]).toBe(2 ** 40);
  });

  it('empty: NaN figures; bad percentiles and negative or NaN latencies', () => {
    const h = new Histogram();
    expect(h.snapshot()).toEqual({ count: 0, minMs: NaN, maxMs: NaN, meanMs: NaN, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, p999Ms: NaN });
    expect(() => h.percentile(0)).toThrow(RangeError);
    expect(() => h.percentile(101)).toThrow(RangeError);
    h.record(-1);
    h.record(NaN);
    expect(h.count).toBe(2);
    expect(h.maxMs).toBe(0);
    // 1,000 values 1..1000 ms: p99.9 is the 999th, not the 1000th (no float rounding up of the rank).
    const k = new Histogram();
    for (let v = 1; v <= 1000; v++) k.record(v);
    expect(k.percentile(99.9)).toBeGreaterThanOrEqual(999);
    expect(k.percentile(99.9)).toBeLessThan(1000);
    expect(k.percentile(50)).toBeGreaterThanOrEqual(500);
    expect(k.percentile(50)).toBeLessThan(501);
  });
});
