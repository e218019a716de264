// The load loops on a virtual clock against simulated servers, so every latency is known exactly:
// open-loop scheduling (latency from the scheduled start, queueing included), closed-loop counting,
// warm-up exclusion, duration windows, error accounting; the arrival schedules; the mix.
import { describe, expect, it } from 'vitest';
import { arrivals, countBefore } from '../../src/harness/schedule.js';
import { run, type Clock, type Driver, type OpOutcome, type RunPlan, type RunStats } from '../../src/harness/runner.js';
import { DEFAULT_MIX, drawSequence, parseMix, picker, rng, type MixItem } from '../../src/harness/workload.js';

/** Time moves only when every task waits on it: then the earliest timer fires. */
class VirtualClock implements Clock {
  t = 0;
  private timers: { t: number; seq: number; fire: () => void }[] = [];
  private seq = 0;
  now(): number {
    return this.t;
  }
  sleepUntil(t: number): Promise<void> {
    if (t <= this.t) return Promise.resolve();
    return new Promise((fire) => this.timers.push({ t, seq: this.seq++, fire }));
  }
  /** Runs `p` to completion, advancing time whenever nothing else can happen. */
  async drive<T>(p: Promise<T>): Promise<T> {
    let settled = false;
    void p.finally(() => (settled = true)).catch(() => undefined);
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (settled) return p;
      if (!this.timers.length) throw new Error('deadlock: the run waits on nothing the clock knows');
      this.timers.sort((a, b) => a.t - b.t || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.t = next.t;
      next.fire();
    }
  }
}

/** A server that handles one request at a time, in arrival order; `service(n)` is the n-th request's time. */
class FifoServer implements Driver {
  private freeAt = 0;
  n = 0;
  constructor(private readonly clock: VirtualClock, private readonly service: (n: number) => number) {}
  async run(): Promise<OpOutcome> {
    const start = Math.max(this.clock.now(), this.freeAt);
    this.freeAt = start + this.service(this.n++);
    await this.clock.sleepUntil(this.freeAt);
    return { ok: true, items: 1 };
  }
}

/** A server with unlimited parallelism; `outcome` decides success per mix index. */
class ParallelServer implements Driver {
  started: number[] = [];
  constructor(private readonly clock: VirtualClock, private readonly ms: number, private readonly outcome: (i: number) => OpOutcome = () => ({ ok: true, items: 1 })) {}
  async run(i: number): Promise<OpOutcome> {
    this.started.push(this.clock.now());
    await this.clock.sleepUntil(this.clock.now() + this.ms);
    return this.outcome(i);
  }
}

const ONE: MixItem[] = parseMix('get');

function plan(clock: VirtualClock, p: Partial<RunPlan>): RunPlan {
  return { mix: ONE, mode: 'closed', workers: 1, next: () => 0, clock, ...p };
}

/** Nearest-rank percentile of exact values. */
function nearestRank(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil((p / 100) * s.length - 1e-9)) - 1];
}

function expectNear(actual: number, exact: number): void {
  // The histogram reports within 0.1 % above the exact value (histogram.test.ts).
  expect(actual).toBeGreaterThanOrEqual(exact - 1e-9);
  expect(actual).toBeLessThanOrEqual(exact * 1.001 + 1e-6);
}

describe('open loop', () => {
  it('latency is measured from the scheduled start: a stall shows in every request behind it', async () => {
    // 100/s uniform: request k is due at 10k ms. Each takes 1 ms, except request 10, which stalls 1000 ms.
    const clock = new VirtualClock();
    const server = new FifoServer(clock, (n) => (n === 10 ? 1000 : 1));
    const open: RunStats = await clock.drive(run(plan(clock, { mode: 'open', rate: 100, count: 100, workers: 1 }), server));
    // Requests 0-9: 1 ms. 10: 1000 ms. 11-99 queue behind it: k ends at 1100 + (k - 10), due at 10k.
    const want = Array.from({ length: 100 }, (_, k) => (k < 10 ? 1 : k === 10 ? 1000 : 1100 + (k - 10) - 10 * k));
    expect(want[99]).toBe(199);
    const h = open.ops[0].histogram;
    expect(h.count).toBe(100);
    expect(h.maxMs).toBe(1000);
    expect(h.minMs).toBe(1);
    for (const p of [50, 90, 99, 99.9]) expectNear(h.percentile(p), nearestRank(want, p));
    expect(h.meanMs).toBeCloseTo(want.reduce((a, b) => a + b, 0) / 100, 9);
    // The window runs from request 0's due time to the last answer (request 99 at 1189 ms).
    expect(open.windowMs).toBe(1189);
    expect(open.open).toMatchObject({ targetRate: 100, arrival: 'uniform', scheduled: 100, overloaded: false });
    // Request 11 waited from 110 to 1100 for the only worker; the harness itself was never late.
    expect(open.open!.queueWait.maxMs).toBe(990);
    expect(open.open!.dispatchLag.maxMs).toBe(0);
    expect(open.open!.maxBacklog).toBeGreaterThan(80);

    // The same server in the closed loop hides the stall in one sample: the reason for the open loop.
    const clock2 = new VirtualClock();
    const closed = await clock2.drive(run(plan(clock2, { count: 100 }), new FifoServer(clock2, (n) => (n === 10 ? 1000 : 1))));
    expectNear(closed.ops[0].histogram.percentile(99), 1);
    expect(closed.ops[0].histogram.maxMs).toBe(1000);
    expect(h.percentile(50)).toBeGreaterThan(500);
  });

  it('a server that keeps up: every latency is the service time; warm-up requests are run but not counted', async () => {
    const clock = new VirtualClock();
    const server = new FifoServer(clock, () => 2);
    const stats = await clock.drive(run(plan(clock, { mode: 'open', rate: 250, count: 40, warmupCount: 10, workers: 3 }), server));
    expect(server.n).toBe(50);
    expect(stats.warmupOps).toBe(10);
    const h = stats.ops[0].histogram;
    expect(h.count).toBe(40);
    expect([h.minMs, h.maxMs]).toEqual([2, 2]);
    // Gap 4 ms: measured requests are 10..49, due at 40..196 ms; the last answers at 198 ms.
    expect(stats.windowMs).toBe(198 - 40);
    expect(stats.open!.queueWait.maxMs).toBe(0);
  });

  it('duration runs schedule the requests due inside the window; a time warm-up skips those due before it', async () => {
    const clock = new VirtualClock();
    const server = new ParallelServer(clock, 5);
    const stats = await clock.drive(run(plan(clock, { mode: 'open', rate: 100, durationMs: 500, warmupMs: 200, workers: 8 }), server));
    // Due at 0, 10, ..., 190 (warm-up: 20), then 200..690 (50 measured).
    expect(stats.warmupOps).toBe(20);
    expect(stats.ops[0].histogram.count).toBe(50);
    expect(stats.open!.scheduled).toBe(50);
    expect(stats.windowMs).toBe(690 + 5 - 200);
    expect(server.started.slice(0, 3)).toEqual([0, 10, 20]);
  });
});

describe('closed loop', () => {
  it('count: exactly `count` measured requests over all workers; throughput follows from the window', async () => {
    const clock = new VirtualClock();
    const server = new ParallelServer(clock, 2);
    const stats = await clock.drive(run(plan(clock, { count: 30, workers: 3, warmupCount: 6 }), server));
    expect(server.started.length).toBe(36);
    expect(stats.warmupOps).toBe(6);
    expect(stats.ops[0].histogram.count).toBe(30);
    // Three workers, 2 ms each: the 6 warm-up requests take 4 ms, the 30 measured 20 ms.
    expect(stats.windowMs).toBe(20);
    expect([stats.ops[0].histogram.minMs, stats.ops[0].histogram.maxMs]).toEqual([2, 2]);
  });

  it('duration: requests that start inside the window count, and finish after it', async () => {
    const clock = new VirtualClock();
    const server = new ParallelServer(clock, 10);
    const stats = await clock.drive(run(plan(clock, { durationMs: 100, warmupMs: 30, workers: 2 }), server));
    // Each worker starts at 0, 10, 20 (warm-up), then 30..120: 10 each, the last ending at 130.
    expect(stats.warmupOps).toBe(6);
    expect(stats.ops[0].histogram.count).toBe(20);
    expect(stats.windowMs).toBe(100);
  });

  it('failures are counted by reason per operation and kept out of the latency figures', async () => {
    const clock = new VirtualClock();
    const mix = parseMix('get=1,encrypt=1');
    const server = new ParallelServer(clock, 1, (i) => (i === 1 ? { ok: false, reason: 'OperationNotSupported', items: 0 } : { ok: true, items: 1 }));
    let k = 0;
    const stats = await clock.drive(run(plan(clock, { mix, count: 10, workers: 2, next: () => k++ % 2 }), server));
    expect(stats.ops[0].histogram.count).toBe(5);
    expect(stats.ops[1].histogram.count).toBe(0);
    expect([...stats.ops[1].errors]).toEqual([['OperationNotSupported', 5]]);
    expect(stats.ops[1].items).toBe(0);
  });

  it('a driver that throws is an error outcome, not a crash; an aborted run stops and says so', async () => {
    const clock = new VirtualClock();
    const boom: Driver = { run: async () => { await clock.sleepUntil(clock.now() + 1); throw new Error('bug'); } };
    const stats = await clock.drive(run(plan(clock, { count: 3 }), boom));
    expect([...stats.ops[0].errors]).toEqual([['harness:Error', 3]]);

    const ac = new AbortController();
    const clock2 = new VirtualClock();
    const server = new ParallelServer(clock2, 1);
    const stopping: Driver = { run: async (i) => { if (server.started.length === 5) ac.abort(); return server.run(i); } };
    const cut = await clock2.drive(run(plan(clock2, { count: 100, signal: ac.signal }), stopping));
    expect(cut.interrupted).toBe(true);
    expect(cut.ops[0].histogram.count).toBe(6);
  });

  it('rejects plans that cannot run', async () => {
    const clock = new VirtualClock();
    const d = new ParallelServer(clock, 1);
    await expect(run(plan(clock, {}), d)).rejects.toThrow(/one of count and durationMs/);
    await expect(run(plan(clock, { count: 1, durationMs: 5 }), d)).rejects.toThrow(TypeError);
    await expect(run(plan(clock, { count: 0 }), d)).rejects.toThrow(RangeError);
    await expect(run(plan(clock, { count: 1, mode: 'open' }), d)).rejects.toThrow(/rate/);
  });
});

describe('arrival schedules', () => {
  it('uniform: request k at k * 1000 / rate', () => {
    const next = arrivals(400, 'uniform', Math.random);
    expect(Array.from({ length: 5 }, next)).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(countBefore(arrivals(400, 'uniform', Math.random), 1000)).toBe(400);
  });

  it('poisson: exponential gaps of mean 1000 / rate (seeded: the same schedule every time)', () => {
    const a = arrivals(200, 'poisson', rng(42));
    const times = Array.from({ length: 20_001 }, a);
    expect(times[0]).toBe(0);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(mean).toBeGreaterThan(5 * 0.97);
    expect(mean).toBeLessThan(5 * 1.03);
    // Exponential: the standard deviation equals the mean, and about e^-1 of the gaps exceed it.
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
    expect(gaps.filter((g) => g > mean).length / gaps.length).toBeCloseTo(Math.exp(-1), 1);
    expect(Array.from({ length: 5 }, arrivals(200, 'poisson', rng(42)))).toEqual(times.slice(0, 5));
  });

  it('rejects a rate that is not a positive number', () => {
    expect(() => arrivals(0, 'uniform', Math.random)).toThrow(RangeError);
    expect(() => arrivals(Infinity, 'uniform', Math.random)).toThrow(RangeError);
    expect(() => arrivals(10, 'bursty' as never, Math.random)).toThrow(RangeError);
  });
});

describe('mix', () => {
  it('parses weights, defaults and batches', () => {
    expect(parseMix(DEFAULT_MIX).map((m) => [m.name, m.weight])).toEqual([['get', 70], ['create', 10], ['locate', 10], ['destroy', 10]]);
    expect(parseMix('get, create-batch:100=2.5, destroy=0')).toEqual([
      { name: 'get', operation: 'get', batch: 1, weight: 1 },
      { name: 'create-batch:100', operation: 'create', batch: 100, weight: 2.5 },
    ]);
    expect(parseMix({ get: 3, 'Encrypt-Batch:5': 1 }).map((m) => m.name)).toEqual(['get', 'encrypt-batch:5']);
  });

  it('refuses unknown operations, bad weights, duplicates, empty batches and all-zero mixes', () => {
    for (const bad of ['', 'frobnicate', 'get=x', 'get=-1', 'get,get=2', 'create-batch:0', 'create-batch:10001', 'get=0', 'rekey']) {
      expect(() => parseMix(bad), bad).toThrow(TypeError);
    }
  });

  it('draws by weight from a seed: the same sequence for the same seed, proportions close to the weights', () => {
    const mix = parseMix('get=70,create=10,locate=10,destroy=10');
    const a = drawSequence(mix, 20_000, 7);
    expect(drawSequence(mix, 20_000, 7)).toEqual(a);
    expect(drawSequence(mix, 100, 8)).not.toEqual(a.slice(0, 100));
    const pick = picker(mix, rng(7));
    expect(Array.from({ length: 100 }, pick)).toEqual([...a.slice(0, 100)]);
    const share = (i: number) => a.filter((x) => x === i).length / a.length;
    expect(share(0)).toBeCloseTo(0.7, 1);
    for (const i of [1, 2, 3]) expect(share(i)).toBeCloseTo(0.1, 1);
  });
});
