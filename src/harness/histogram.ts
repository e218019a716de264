// A latency histogram with bounded memory and a known error: log-linear buckets over integer
// nanoseconds (the HdrHistogram layout). Values below 2^SUB_BITS ns (2 µs) get a bucket each; above,
// every power of two is cut into 2^(SUB_BITS-1) equal buckets, so a bucket is never wider than
// 1/2^(SUB_BITS-1) of its lower bound (0.1 %). A percentile is the nearest-rank value's bucket, reported as
// its highest value and clamped to the exact min and max: exact <= reported <= exact * (1 + 2^-(SUB_BITS-1)).
// Count, min, max and mean are exact. Memory: counters up to the highest bucket used (~29,000 for 100 s).

/** Buckets per power of two are 2^(SUB_BITS-1); bucket width <= 2^-(SUB_BITS-1) of the value (0.098 %). */
export const SUB_BITS = 11;
const SUB = 2 ** SUB_BITS; // values below this have a bucket each
const HALF = SUB / 2;
/** The relative error bound of a reported percentile. */
export const RELATIVE_ERROR = 1 / HALF;

/** Bits needed to write v (v >= 1), for values beyond 32 bits too. */
function bitLength(v: number): number {
  if (v < 2 ** 32) return 32 - Math.clz32(v);
  return 32 + (32 - Math.clz32(Math.floor(v / 2 ** 32)));
}

/** Bucket index of an integer value in nanoseconds. */
export function bucketOf(ns: number): number {
  if (ns < SUB) return ns;
  const shift = bitLength(ns) - SUB_BITS;
  const sub = Math.floor(ns / 2 ** shift); // in [HALF, SUB)
  return SUB + (shift - 1) * HALF + (sub - HALF);
}

/** [lowest, highest] nanoseconds of a bucket (inclusive). */
export function bucketRange(index: number): [number, number] {
  if (index < SUB) return [index, index];
  const shift = Math.floor((index - SUB) / HALF) + 1;
  const sub = ((index - SUB) % HALF) + HALF;
  const low = sub * 2 ** shift;
  return [low, low + 2 ** shift - 1];
}

export interface HistogramSnapshot {
  count: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
}

export class Histogram {
  private counts = new Float64Array(64);
  /** One past the highest bucket used. */
  private used = 0;
  private n = 0;
  private sumNs = 0;
  private minNs = Infinity;
  private maxNs = 0;

  /** Records one latency in milliseconds (a float, e.g. from performance.now()). */
  record(ms: number): void {
    if (!(ms >= 0)) ms = 0; // NaN or a clock step backwards: count it, as zero
    const ns = Math.min(Math.round(ms * 1e6), Number.MAX_SAFE_INTEGER);
    const i = bucketOf(ns);
    this.grow(i + 1);
    this.counts[i]++;
    this.n++;
    this.sumNs += ns;
    if (ns < this.minNs) this.minNs = ns;
    if (ns > this.maxNs) this.maxNs = ns;
  }

  private grow(used: number): void {
    if (used > this.counts.length) {
      const bigger = new Float64Array(Math.max(used, this.counts.length * 2));
      bigger.set(this.counts);
      this.counts = bigger;
    }
    this.used = Math.max(this.used, used);
  }

  /** Adds another histogram's values to this one. */
  merge(other: Histogram): this {
    this.grow(other.used);
    for (let i = 0; i < other.used; i++) this.counts[i] += other.counts[i];
    this.n += other.n;
    this.sumNs += other.sumNs;
    this.minNs = Math.min(this.minNs, other.minNs);
    this.maxNs = Math.max(this.maxNs, other.maxNs);
    return this;
  }

  get count(): number {
    return this.n;
  }
  get minMs(): number {
    return this.n ? this.minNs / 1e6 : NaN;
  }
  get maxMs(): number {
    return this.n ? this.maxNs / 1e6 : NaN;
  }
  get meanMs(): number {
    return this.n ? this.sumNs / this.n / 1e6 : NaN;
  }

  /**
   * Latency at percentile p (0 < p <= 100), nearest rank: the smallest recorded value with at least p % of
   * the values at or below it, to within one bucket (never below it). NaN when empty.
   */
  percentile(p: number): number {
    return this.percentiles([p])[0];
  }

  /** Several percentiles in one pass over the buckets; `ps` in ascending order is fastest but not required. */
  percentiles(ps: readonly number[]): number[] {
    for (const p of ps) if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p}: expected 0 < p <= 100`);
    if (this.n === 0) return ps.map(() => NaN);
    // The 1e-9 keeps p = 99.9 of 1000 values at rank 999 despite 99.9/100*1000 = 999.0000000000001.
    const ranks = ps.map((p) => Math.max(1, Math.ceil((p / 100) * this.n - 1e-9)));
    const order = ranks.map((_, i) => i).sort((a, b) => ranks[a] - ranks[b]);
    const out = new Array<number>(ps.length).fill(this.maxNs / 1e6);
    let seen = 0;
    let k = 0;
    for (let i = 0; i < this.used && k < order.length; i++) {
      seen += this.counts[i];
      while (k < order.length && seen >= ranks[order[k]]) {
        out[order[k++]] = Math.min(Math.max(bucketRange(i)[1], this.minNs), this.maxNs) / 1e6;
      }
    }
    return out;
  }

  snapshot(): HistogramSnapshot {
    const [p50Ms, p90Ms, p99Ms, p999Ms] = this.percentiles([50, 90, 99, 99.9]);
    return { count: this.n, minMs: this.minMs, maxMs: this.maxMs, meanMs: this.meanMs, p50Ms, p90Ms, p99Ms, p999Ms };
  }

  /**
   * The distribution in coarser bins for charts and reports: `perOctave` bins per power of two of the
   * latency, each [upper bound in ms, count], empty bins left out.
   */
  distribution(perOctave = 8): [number, number][] {
    const bins = new Map<number, number>();
    for (let i = 0; i < this.used; i++) {
      const c = this.counts[i];
      if (!c) continue;
      const [, high] = bucketRange(i);
      // The bin is the one whose upper bound, on a log scale of perOctave steps per octave, covers high.
      const k = high < 1 ? 0 : Math.ceil(Math.log2(high + 1) * perOctave - 1e-9);
      bins.set(k, (bins.get(k) ?? 0) + c);
    }
    return [...bins.entries()].sort((a, b) => a[0] - b[0]).map(([k, c]) => [Number((2 ** (k / perOctave) / 1e6).toPrecision(6)), c]);
  }
}
