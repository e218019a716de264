// The bound on slow pool work (src/kmip/limiter.ts): at most `concurrency` jobs at once, at most
// `maxQueued` waiting, slots handed straight to the next waiter, failures freeing their slot.
import { describe, expect, it } from 'vitest';
import { Limiter, LimiterBusy, slowJobConcurrency } from '../../src/kmip/limiter.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('Limiter', () => {
  it('runs at most `concurrency` jobs at once and queues the rest in order', async () => {
    const l = new Limiter(2, 10);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let peak = 0;
    const jobs = gates.map((g, i) =>
      l.run(async () => {
        started.push(i);
        peak = Math.max(peak, l.load.running);
        await g.opened;
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(l.load).toEqual({ running: 2, queued: 3 });
    gates[1].open();
    await jobs[1];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(l.load).toEqual({ running: 0, queued: 0 });
  });

  it('refuses at once when the queue is full, and a failed job frees its slot', async () => {
    const l = new Limiter(1, 1);
    const g = gate();
    const first = l.run(() => g.opened.then(() => 'first'));
    const second = l.run(async () => 'second');
    await expect(l.run(async () => 'third')).rejects.toBeInstanceOf(LimiterBusy);
    g.open();
    expect(await first).toBe('first');
    expect(await second).toBe('second');
    await expect(l.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await l.run(async () => 'after')).toBe('after');
    expect(l.load).toEqual({ running: 0, queued: 0 });
  });

  it('leaves two pool threads free (one slot at least) and rejects nonsense sizes', () => {
    expect(slowJobConcurrency({})).toBe(2);
    expect(slowJobConcurrency({ UV_THREADPOOL_SIZE: '16' })).toBe(14);
    expect(slowJobConcurrency({ UV_THREADPOOL_SIZE: '2' })).toBe(1);
    expect(slowJobConcurrency({ UV_THREADPOOL_SIZE: 'many' })).toBe(2);
    expect(() => new Limiter(0, 1)).toThrow(RangeError);
    expect(() => new Limiter(1, -1)).toThrow(RangeError);
  });
});
