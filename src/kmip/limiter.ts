// A bound on slow work that runs on the libuv pool (SLH-DSA key generation and signing: up to
// seconds each). The pool has UV_THREADPOOL_SIZE threads (4 by default) shared with file I/O, DNS
// and the rest of node:crypto's async work, so slow jobs may hold only some of them; beyond the
// queue's length a request is refused at once rather than waiting behind minutes of work.

export class LimiterBusy extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimiterBusy';
  }
}

export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxQueued: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError('maxQueued must be a non-negative integer');
  }

  /** Jobs running now and waiting now. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  /** Runs `job` when a slot is free; throws LimiterBusy when the queue is full. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) throw new LimiterBusy(`${this.running} slow jobs running and ${this.waiting.length} waiting`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter (running stays the same), else it is freed.
      if (next) next();
      else this.running--;
    }
  }
}

/** Pool threads slow jobs may hold: all but two of them (one at least). */
export function slowJobConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const pool = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  const size = Number.isInteger(pool) && pool > 0 ? Math.min(pool, 1024) : 4;
  return Math.max(1, size - 2);
}
