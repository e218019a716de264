// runBench's options: defaults (warm-up, the Destroy pool from the seeded sequence) and refusals, all
// before any connection is made.
import { describe, expect, it } from 'vitest';
import { benchConfig, type BenchOptions } from '../../src/harness/index.js';
import { drawSequence, parseMix } from '../../src/harness/workload.js';

const base: BenchOptions = { servers: ['127.0.0.1:5696'], tls: { ca: '', cert: '', key: '' } };

describe('benchConfig', () => {
  it('defaults: closed loop, 10 s after 1 s, 4 x 1, the default mix and its four targets', () => {
    const { config, mix, targets } = benchConfig({ ...base, seed: 1 });
    expect(config).toMatchObject({ mode: 'closed', durationMs: 10_000, warmupMs: 1000, warmupCount: 0, connections: 4, concurrency: 1, keys: 16, cipher: 'aes-cbc', maxErrorRate: 0 });
    expect(config.count).toBeUndefined();
    expect(mix.map((m) => m.name)).toEqual(['get', 'create', 'locate', 'destroy']);
    expect(targets.map((t) => `${t.operation}.${t.metric}<=${t.limit}`)).toEqual(['create.p99<=50', 'get.p99<=5', 'locate.p99<=100', 'destroy.p99<=20']);
    // Closed-loop duration runs cannot know how many Destroys they will send.
    expect(config.destroyPool).toBe(400);
    expect(benchConfig({ ...base, durationMs: 2000 }).config.warmupMs).toBe(400);
  });

  it('count runs: a tenth as warm-up, and a Destroy pool of exactly the Destroy items the seeded sequence holds', () => {
    const mix = 'get=5,destroy=3,destroy-batch:4=1';
    const { config } = benchConfig({ ...base, mix, count: 500, seed: 99 });
    expect(config).toMatchObject({ count: 500, warmupCount: 50, warmupMs: 0 });
    const items = parseMix(mix);
    const want = [...drawSequence(items, 550, 99)].reduce((s, i) => s + (items[i].operation === 'destroy' ? items[i].batch : 0), 0);
    expect(want).toBeGreaterThan(0);
    expect(config.destroyPool).toBe(want);
    expect(benchConfig({ ...base, mix, count: 50_000 }).config.warmupCount).toBe(1000);
    expect(benchConfig({ ...base, mix: 'get', count: 10 }).config.destroyPool).toBe(0);
  });

  it('open loop: a rate makes it; the pool follows the schedule', () => {
    const { config } = benchConfig({ ...base, rate: 100, durationMs: 5000, warmupMs: 0, mix: 'destroy', connections: 2, concurrency: 3 });
    expect(config).toMatchObject({ mode: 'open', rate: 100, arrival: 'uniform' });
    expect(config.destroyPool).toBe(Math.ceil(500 * 1.1) + 6);
  });

  it('refuses what cannot run, naming the option', () => {
    const bad: [Partial<BenchOptions>, RegExp][] = [
      [{ servers: [] }, /at least one/],
      [{ count: 10, durationMs: 10 }, /not both/],
      [{ mode: 'open' }, /needs a rate/],
      [{ rate: 10, mode: 'closed' }, /open loop only/],
      [{ connections: 0 }, /connections 0/],
      [{ concurrency: 1.5 }, /concurrency/],
      [{ keys: 0 }, /keys/],
      [{ seed: -1 }, /seed/],
      [{ maxErrorRate: 2 }, /maxErrorRate/],
      [{ cipher: 'rot13' as never }, /cipher/],
      [{ mix: 'get', targets: ['destroy.p99=1ms'] }, /destroy is not in the mix/],
      [{ mix: 'bogus' }, /not an operation/],
      [{ rate: 1e9, durationMs: 60_000, mix: 'destroy' }, /destroyPool/],
    ];
    for (const [o, re] of bad) expect(() => benchConfig({ ...base, ...o } as BenchOptions), re.source).toThrow(re);
  });
});
