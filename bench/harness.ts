// What every bench suite shares: repetition of tiny operations, interleaved rounds, median ratios.
import { Bench } from 'tinybench';

export const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 400);
// Each message's tasks run in several short interleaved rounds, and every ratio is the median of the
// per-round ratios: a burst from a noisy neighbour then skews one round, not the figure.
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

/** Repeats `f` so one sample lasts about 20 us: the timer's own cost (two clock reads per sample)
 *  would otherwise weigh on sub-microsecond operations and pull every ratio towards 1. The count is
 *  calibrated by timing `f` itself (the input's size says little: a 4 KiB message of one byte string
 *  scans in a fraction of a microsecond); `sizeBytes` only bounds the calibration. */
function repeatFor(f: () => unknown, sizeBytes: number): { fn: () => void; reps: number } {
  const SAMPLE_NS = 20_000;
  let calls = 0;
  const started = process.hrtime.bigint();
  let elapsed = 0;
  // At least 10 calls and 200 us (more for large inputs), at most 50 ms.
  const minNs = Math.max(200_000, Math.min(sizeBytes, 1 << 20) * 2);
  while ((calls < 10 || elapsed < minNs) && elapsed < 50_000_000) {
    f();
    calls++;
    elapsed = Number(process.hrtime.bigint() - started);
  }
  const reps = Math.max(1, Math.min(100_000, Math.round(SAMPLE_NS / (elapsed / calls))));
  return {
    reps,
    fn: () => {
      for (let i = 0; i < reps; i++) f();
    },
  };
}

/** Operations per second of each task, one record per round. */
export type Rounds = Record<string, number>[];

export async function measure(tasks: Record<string, () => unknown>, sizeBytes: number): Promise<Rounds> {
  const rounds: Rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const bench = new Bench({ time: TIME_MS / ROUNDS, warmupTime: r === 0 ? 100 : 10 });
    const reps: Record<string, number> = {};
    // Alternate the task order between rounds so neither side always runs first.
    const entries = Object.entries(tasks);
    for (const [name, f] of r % 2 ? entries.reverse() : entries) {
      const rep = repeatFor(f, sizeBytes);
      reps[name] = rep.reps;
      bench.add(name, rep.fn);
    }
    await bench.run();
    const out: Record<string, number> = {};
    for (const task of bench.tasks) {
      const res = task.result as { state: string; latency?: { p50: number }; error?: Error };
      if (res.state !== 'completed' || !res.latency) throw new Error(`${task.name}: ${res.state} ${res.error?.message ?? ''}`);
      out[task.name] = (1000 / res.latency.p50) * reps[task.name];
    }
    rounds.push(out);
  }
  return rounds;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Median over rounds of a's rate divided by b's. */
export const ratio = (rounds: Rounds, a: string, b: string): number => median(rounds.map((r) => r[a] / r[b]));
/** Median rate of one task. */
export const ops = (rounds: Rounds, a: string): number => median(rounds.map((r) => r[a]));
/** Median rates of every task, rounded. */
export const allOps = (rounds: Rounds): Record<string, number> =>
  Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, Math.round(ops(rounds, k))]));

export const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
