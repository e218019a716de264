// Open-loop arrival schedules. The start time of every operation is fixed before the run from the rate
// alone, never from how fast the server answers, so a slow answer cannot delay the requests behind it
// out of the measurement (coordinated omission): an operation's latency is measured from its scheduled
// start, and time spent waiting for a free connection is part of it.

export type Arrival = 'uniform' | 'poisson';
export const ARRIVALS: readonly Arrival[] = ['uniform', 'poisson'];

/**
 * Offsets in ms from the schedule's start of operation 0, 1, 2, ...: uniform puts operation k at
 * k * 1000 / rate; poisson draws exponential gaps of mean 1000 / rate (a Poisson process of that rate).
 */
export function arrivals(rate: number, arrival: Arrival, random: () => number): () => number {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate ${rate}: expected a positive number of operations per second`);
  const gap = 1000 / rate;
  let k = 0;
  let t = 0;
  if (arrival === 'uniform') return () => k++ * gap;
  if (arrival !== 'poisson') throw new RangeError(`arrival ${String(arrival)}: expected ${ARRIVALS.join(' or ')}`);
  return () => {
    const now = t;
    // 1 - random() is in (0, 1]: the log is finite.
    t += -Math.log(1 - random()) * gap;
    return now;
  };
}

/** How many operations a schedule puts before `ms` (the length of a duration-based open-loop run). */
export function countBefore(next: () => number, ms: number): number {
  let n = 0;
  while (next() < ms) n++;
  return n;
}
