// The shape of a run's result: what runBench resolves with and what `kmipkit bench --format json` prints
// (docs/bench-harness.md, "JSON"). Latencies in milliseconds; NaN (null in JSON) where nothing succeeded.
import type { Arrival } from './schedule.js';
import type { OpFigures, TargetResult } from './targets.js';

export const RESULT_SCHEMA = 'kmipkit-bench/1';

export interface OperationResult extends OpFigures {
  /** KMIP operation name: 'Get'. */
  kmipOperation: string;
  /** Items per request (1 for a single operation). */
  batch: number;
  weight: number;
  /** Batch items of the successful requests. */
  items: number;
  itemsPerSec: number;
  minMs: number;
  /** [upper bound in ms, count] bins, 8 per power of two; empty bins left out. */
  distribution: [number, number][];
  /** What the errors mean and what to do, one line per reason that has a hint. */
  hints: string[];
}

export interface BenchConfig {
  mode: 'closed' | 'open';
  mix: { name: string; weight: number; batch: number }[];
  connections: number;
  concurrency: number;
  count?: number;
  durationMs?: number;
  warmupCount: number;
  warmupMs: number;
  rate?: number;
  arrival?: Arrival;
  seed: number;
  keys: number;
  destroyPool: number;
  cipher: string;
  dataSize: number;
  maxErrorRate: number;
  timeoutMs: number;
}

export interface BenchResult {
  schema: typeof RESULT_SCHEMA;
  startedAt: string;
  finishedAt: string;
  servers: string[];
  /** The protocol version the first connection negotiated (or was pinned to). */
  kmipVersion: string;
  config: BenchConfig;
  operations: OperationResult[];
  totals: {
    /** Successful measured requests. */
    count: number;
    errors: number;
    items: number;
    warmupOps: number;
    /** The measured window: first measured start (open loop: scheduled start) to last measured answer. */
    windowMs: number;
    opsPerSec: number;
    itemsPerSec: number;
  };
  /** Open loop only. */
  open?: {
    targetRate: number;
    arrival: Arrival;
    scheduled: number;
    /** Requests answered (successes and errors) per second over the window. */
    achievedRate: number;
    dispatchLagMs: { p99: number; max: number };
    queueWaitMs: { p50: number; p99: number; max: number };
    maxBacklog: number;
    overloaded: boolean;
  };
  targets: TargetResult[];
  /** Every target met (and none missed for errors). */
  passed: boolean;
  /** Stopped early (signal); the figures cover what ran. */
  interrupted: boolean;
  setup: { ms: number; keys: number; destroyPool: number; refills: number; notes: string[] };
  cleanup: { kept: boolean; destroyed: number; failed: number; reasons: Record<string, number> };
}
