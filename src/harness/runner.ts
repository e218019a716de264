// The two load loops. Closed loop (latency mode): W workers, each sends its next operation when the
// previous one has answered; latency is send to answer. Open loop (throughput mode): operations start on a
// schedule fixed in advance (schedule.ts) and W workers take them in order; latency is scheduled start to
// answer, so waiting for a free worker and the harness's own lateness both count (no coordinated omission).
// Warm-up operations run like the others and are left out of every figure. The loops know nothing of
// KMIP: a Driver runs one operation and says how it went; a Clock tells time (tests use a virtual one).
import { Histogram } from './histogram.js';
import { arrivals, type Arrival } from './schedule.js';
import type { MixItem } from './workload.js';

export interface Clock {
  now(): number;
  /** Resolves at `t` (in now()'s milliseconds), at once when t has passed. */
  sleepUntil(t: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  // Node truncates fractional timeouts and libuv measures them from a cached loop time, so a timer can
  // fire up to a millisecond early: sleep again until the time has really come (late is measured; early is not).
  sleepUntil: async (t) => {
    for (let wait = t - performance.now(); wait > 0; wait = t - performance.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
    }
  },
};

export interface OpOutcome {
  ok: boolean;
  /** Why it failed: a KMIP Result Reason name ('OperationNotSupported'), or 'transport:TIMEOUT', ... */
  reason?: string;
  /** Batch items the request carried. */
  items: number;
}

export interface Driver<P = unknown> {
  /** Untimed work before an operation (e.g. making an object for a Destroy); closed loop only leaves it out. */
  prepare?(mixIndex: number, worker: number): Promise<P> | P;
  /** Runs one operation; never rejects (a failure is an outcome). */
  run(mixIndex: number, worker: number, prepared: P): Promise<OpOutcome>;
}

/** An open-loop run stops when it falls this far behind its schedule: its latencies only grow from there. */
export const MAX_BACKLOG = 100_000;

export interface RunPlan {
  mix: readonly MixItem[];
  mode: 'closed' | 'open';
  /** Operations in flight at most: connections x concurrency. */
  workers: number;
  /** Measured operations (one of count and durationMs). */
  count?: number;
  durationMs?: number;
  /** Warm-up: the first warmupCount operations, and those that start in the first warmupMs. */
  warmupCount?: number;
  warmupMs?: number;
  /** Open loop: operations per second, all workers together, and how they arrive. */
  rate?: number;
  arrival?: Arrival;
  /** The mix index of operation k (warm-up included). */
  next(k: number): number;
  /** For Poisson arrivals. */
  random?: () => number;
  clock?: Clock;
  signal?: AbortSignal;
  /** Updated as the run goes, for a progress display. */
  live?: LiveStatus;
}

export interface LiveStatus {
  phase: 'warmup' | 'run' | 'done';
  warmupDone: number;
  measuredDone: number;
  errors: number;
  /** Clock time the measured window opened. */
  windowStart?: number;
}

export interface OpStats {
  /** Latency of the operations that succeeded. */
  histogram: Histogram;
  /** Failed operations by reason. */
  errors: Map<string, number>;
  /** Batch items of the operations that succeeded. */
  items: number;
}

export interface RunStats {
  /** By mix index; measured operations only. */
  ops: OpStats[];
  warmupOps: number;
  /** From the first measured operation's start (open loop: scheduled start) to the last measured answer. */
  windowMs: number;
  interrupted: boolean;
  open?: {
    targetRate: number;
    arrival: Arrival;
    /** Measured operations the schedule held. */
    scheduled: number;
    /** Harness lateness: when the operation was queued minus when it was due. */
    dispatchLag: Histogram;
    /** When a worker took the operation minus when it was due: the harness's lateness plus waiting for a worker. */
    queueWait: Histogram;
    maxBacklog: number;
    /** The run stopped early: more than MAX_BACKLOG operations were waiting. */
    overloaded: boolean;
  };
}

function emptyStats(mix: readonly MixItem[]): OpStats[] {
  return mix.map(() => ({ histogram: new Histogram(), errors: new Map(), items: 0 }));
}

function checkPlan(p: RunPlan): void {
  if ((p.count === undefined) === (p.durationMs === undefined)) throw new TypeError('give one of count and durationMs');
  if (p.count !== undefined && !(Number.isInteger(p.count) && p.count >= 1)) throw new RangeError(`count ${p.count}: expected an integer >= 1`);
  if (p.durationMs !== undefined && !(p.durationMs > 0)) throw new RangeError(`durationMs ${p.durationMs}: expected > 0`);
  if (!(Number.isInteger(p.workers) && p.workers >= 1)) throw new RangeError(`workers ${p.workers}: expected an integer >= 1`);
  if (p.mode === 'open' && !(p.rate! > 0)) throw new RangeError('an open-loop run needs a rate > 0');
}

async function runOne<P>(driver: Driver<P>, i: number, w: number, prepared: P): Promise<OpOutcome> {
  try {
    return await driver.run(i, w, prepared);
  } catch (e) {
    // A driver bug must not end the run silently: it shows as its own reason.
    return { ok: false, reason: `harness:${(e as Error)?.name ?? 'Error'}`, items: 0 };
  }
}

function record(stats: OpStats, outcome: OpOutcome, ms: number, live: LiveStatus | undefined): void {
  if (outcome.ok) {
    stats.histogram.record(ms);
    stats.items += outcome.items;
  } else {
    const reason = outcome.reason ?? 'unknown';
    stats.errors.set(reason, (stats.errors.get(reason) ?? 0) + 1);
    if (live) live.errors++;
  }
  if (live) live.measuredDone++;
}

export async function run<P>(plan: RunPlan, driver: Driver<P>): Promise<RunStats> {
  checkPlan(plan);
  return plan.mode === 'open' ? openLoop(plan, driver) : closedLoop(plan, driver);
}

async function closedLoop<P>(plan: RunPlan, driver: Driver<P>): Promise<RunStats> {
  const clock = plan.clock ?? realClock;
  const live = plan.live;
  const ops = emptyStats(plan.mix);
  const warmCount = plan.warmupCount ?? 0;
  const warmMs = plan.warmupMs ?? 0;
  const t0 = clock.now();
  let issued = 0;
  let measuredIssued = 0;
  let warmupOps = 0;
  let windowStart: number | undefined;
  let windowEnd: number | undefined;
  if (live) live.phase = warmCount || warmMs ? 'warmup' : 'run';

  const finished = (now: number): boolean => {
    if (plan.signal?.aborted) return true;
    if (plan.count !== undefined) return measuredIssued >= plan.count;
    return windowStart !== undefined && now >= windowStart + plan.durationMs!;
  };

  const worker = async (w: number): Promise<void> => {
    for (;;) {
      let now = clock.now();
      if (finished(now)) return;
      const k = issued++;
      const i = plan.next(k);
      // Decided before any await, so concurrent workers never measure more than `count`.
      const measured = k >= warmCount && now - t0 >= warmMs;
      if (measured) {
        measuredIssued++;
        if (windowStart === undefined) {
          windowStart = now;
          if (live) {
            live.phase = 'run';
            live.windowStart = now;
          }
        }
      }
      const prepared = driver.prepare ? await driver.prepare(i, w) : (undefined as P);
      const start = clock.now();
      const outcome = await runOne(driver, i, w, prepared);
      now = clock.now();
      if (measured) {
        record(ops[i], outcome, now - start, live);
        windowEnd = Math.max(windowEnd ?? now, now);
      } else {
        warmupOps++;
        if (live) live.warmupDone++;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.workers }, (_, w) => worker(w)));
  if (live) live.phase = 'done';
  return {
    ops,
    warmupOps,
    windowMs: windowStart !== undefined && windowEnd !== undefined ? windowEnd - windowStart : 0,
    interrupted: plan.signal?.aborted ?? false,
  };
}

interface Job {
  i: number;
  due: number;
  measured: boolean;
}

async function openLoop<P>(plan: RunPlan, driver: Driver<P>): Promise<RunStats> {
  const clock = plan.clock ?? realClock;
  const live = plan.live;
  const ops = emptyStats(plan.mix);
  const warmCount = plan.warmupCount ?? 0;
  const warmMs = plan.warmupMs ?? 0;
  const arrival = plan.arrival ?? 'uniform';
  const nextOffset = arrivals(plan.rate!, arrival, plan.random ?? Math.random);
  const dispatchLag = new Histogram();
  const queueWait = new Histogram();
  const queue: Job[] = [];
  let head = 0;
  let dispatching = true;
  let overloaded = false;
  let maxBacklog = 0;
  let scheduled = 0;
  let warmupOps = 0;
  let windowStart: number | undefined;
  let windowEnd: number | undefined;
  const idle: (() => void)[] = [];
  if (live) live.phase = warmCount || warmMs ? 'warmup' : 'run';
  const t0 = clock.now();

  const dispatcher = async (): Promise<void> => {
    let windowOffset: number | undefined;
    for (let k = 0; ; k++) {
      if (plan.signal?.aborted) break;
      const offset = nextOffset();
      const measured = k >= warmCount && offset >= warmMs;
      if (measured) {
        windowOffset ??= offset;
        if (plan.count !== undefined ? scheduled >= plan.count : offset >= windowOffset + plan.durationMs!) break;
        scheduled++;
      }
      const due = t0 + offset;
      if (due > clock.now()) await clock.sleepUntil(due);
      if (plan.signal?.aborted) break;
      if (measured && windowStart === undefined) {
        windowStart = due;
        if (live) {
          live.phase = 'run';
          live.windowStart = due;
        }
      }
      const now = clock.now();
      if (measured) dispatchLag.record(now - due);
      queue.push({ i: plan.next(k), due, measured });
      const backlog = queue.length - head;
      maxBacklog = Math.max(maxBacklog, backlog);
      if (backlog > MAX_BACKLOG) {
        overloaded = true;
        break;
      }
      idle.shift()?.();
    }
    dispatching = false;
    for (const wake of idle.splice(0)) wake();
  };

  const worker = async (w: number): Promise<void> => {
    for (;;) {
      while (head >= queue.length) {
        if (!dispatching) return;
        await new Promise<void>((resolve) => idle.push(resolve));
      }
      if (plan.signal?.aborted || overloaded) return;
      const job = queue[head++];
      // Drop what was taken, now and then, so a long run does not keep every job.
      if (head > 4096 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
      if (job.measured) queueWait.record(clock.now() - job.due);
      const prepared = driver.prepare ? await driver.prepare(job.i, w) : (undefined as P);
      const outcome = await runOne(driver, job.i, w, prepared);
      const now = clock.now();
      if (job.measured) {
        record(ops[job.i], outcome, now - job.due, live);
        windowEnd = Math.max(windowEnd ?? now, now);
      } else {
        warmupOps++;
        if (live) live.warmupDone++;
      }
    }
  };

  await Promise.all([dispatcher(), ...Array.from({ length: plan.workers }, (_, w) => worker(w))]);
  if (live) live.phase = 'done';
  return {
    ops,
    warmupOps,
    windowMs: windowStart !== undefined && windowEnd !== undefined ? windowEnd - windowStart : 0,
    interrupted: plan.signal?.aborted ?? false,
    open: { targetRate: plan.rate!, arrival, scheduled, dispatchLag, queueWait, maxBacklog, overloaded },
  };
}
