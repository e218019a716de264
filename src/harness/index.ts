// runBench: the latency and throughput harness behind `kmipkit bench`, for programs (the project's own
// benchmarks) as much as for the command. Connects, sets up, runs the mix, cleans up, checks targets.
// docs/bench-harness.md describes the modes, the figures and how they are computed.
import { KmipClient, type KmipClientOptions } from '../client/index.js';
import { CIPHERS, KmipWorkload, hintFor, type Cipher } from './kmip.js';
import { RESULT_SCHEMA, type BenchConfig, type BenchResult, type OperationResult } from './result.js';
import { realClock, run, type LiveStatus, type RunStats } from './runner.js';
import { ARRIVALS, type Arrival } from './schedule.js';
import { checkTargets, resolveTargets, type Target } from './targets.js';
import { KMIP_NAME, MAX_BATCH, drawSequence, parseMix, picker, rng, type MixInput, type MixItem } from './workload.js';

export { Histogram, RELATIVE_ERROR } from './histogram.js';
export { BenchSetupError, hintFor, reasonOf, CIPHERS, type Cipher } from './kmip.js';
export { RESULT_SCHEMA, type BenchResult, type BenchConfig, type OperationResult } from './result.js';
export { run, realClock, MAX_BACKLOG, type Clock, type Driver, type OpOutcome, type RunPlan, type RunStats } from './runner.js';
export { arrivals, ARRIVALS, type Arrival } from './schedule.js';
export { DEFAULT_TARGETS, METRICS, checkTargets, parseDuration, parseTarget, resolveTargets, type Target, type TargetResult } from './targets.js';
export { DEFAULT_MIX, OPERATIONS, parseMix, type MixInput, type MixItem, type OperationName } from './workload.js';
export { renderTable } from './report/table.js';
export { renderJson } from './report/json.js';
export { renderCsv } from './report/csv.js';
export { renderHtml } from './report/html.js';

type Pem = string | Buffer;

export const DEFAULT_CONNECTIONS = 4;
export const DEFAULT_CONCURRENCY = 1;
export const DEFAULT_DURATION_MS = 10_000;
export const DEFAULT_WARMUP_MS = 1_000;
export const DEFAULT_KEYS = 16;
export const DEFAULT_DATA_SIZE = 64;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Bounds that stop a typo from opening thousands of sockets or creating millions of objects in setup. */
export const MAX_CONNECTIONS = 1_024;
export const MAX_CONCURRENCY = 1_024;
export const MAX_KEYS = 100_000;
export const MAX_DESTROY_POOL = 1_000_000;
export const MAX_DATA_SIZE = 1 << 20;

export interface BenchProgress {
  phase: 'connect' | 'setup' | 'warmup' | 'run' | 'cleanup' | 'done';
  /** Measured requests answered so far, and how many the run will make (count runs). */
  done: number;
  total?: number;
  /** Time into the measured window, and its length (duration runs). */
  elapsedMs: number;
  durationMs?: number;
  errors: number;
  /** Warm-up requests answered so far. */
  warmupDone: number;
}

export interface BenchOptions {
  /** 'host:port', in order of preference; connection i prefers server i mod n (the others are its failover). */
  servers: readonly string[];
  tls: { ca: Pem; cert: Pem; key: Pem };
  /** Pin the protocol version ('1.4'); default: negotiated. */
  kmipVersion?: string;
  credentials?: { username: string; password: string };
  /** Per request; a request that takes longer fails as transport:TIMEOUT. */
  timeoutMs?: number;
  /** Default 'get=70,create=10,locate=10,destroy=10'. */
  mix?: MixInput;
  /** Default: 'open' when a rate is given, else 'closed'. */
  mode?: 'closed' | 'open';
  /** TLS connections (one KmipClient each). */
  connections?: number;
  /** Requests in flight per connection (pipelined). */
  concurrency?: number;
  /** Measured requests; or durationMs (default 10 s). */
  count?: number;
  durationMs?: number;
  /** Default: a tenth of count (at most 1,000) for count runs, 1 s for duration runs. */
  warmupCount?: number;
  warmupMs?: number;
  /** Open loop: requests per second, all connections together. */
  rate?: number;
  arrival?: Arrival;
  /** Seeds the operation sequence; default random (reported). */
  seed?: number;
  /** Keys Get, Locate, Encrypt and Decrypt use. */
  keys?: number;
  /** Objects made in setup for Destroy; default: what the run will need (count runs and open loop), else 100 per connection. */
  destroyPool?: number;
  cipher?: Cipher;
  /** Bytes encrypted per Encrypt. */
  dataSize?: number;
  /** 'get.p99=5ms' or Target objects, over the defaults. */
  targets?: readonly (string | Target)[];
  /** Use the practitioner-table defaults (true). */
  defaultTargets?: boolean;
  /** Fraction of an operation's requests that may fail before its targets are missed (0). */
  maxErrorRate?: number;
  /** Leave the objects the run made on the server. */
  keep?: boolean;
  namePrefix?: string;
  signal?: AbortSignal;
  onProgress?: (p: BenchProgress) => void;
  progressIntervalMs?: number;
  /** Setup findings (an operation the server refused, ...), as they happen. */
  onNote?: (line: string) => void;
  /** More client options (connectTimeoutMs, ...). maxConnectionsPerServer and retries are the harness's. */
  client?: Partial<Omit<KmipClientOptions, 'servers' | 'tls'>>;
}

const positiveInt = (v: number | undefined, name: string, max: number): void => {
  if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= max)) throw new RangeError(`${name} ${v}: expected an integer from 1 to ${max}`);
};
const nonNegativeInt = (v: number | undefined, name: string, max: number): void => {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= max)) throw new RangeError(`${name} ${v}: expected an integer from 0 to ${max}`);
};

/** How many Destroy items a mix sends in its first n requests, drawn with this seed. */
function destroyItems(mix: readonly MixItem[], n: number, seed: number): number {
  if (!mix.some((m) => m.operation === 'destroy')) return 0;
  let items = 0;
  for (const i of drawSequence(mix, n, seed)) if (mix[i].operation === 'destroy') items += mix[i].batch;
  return items;
}

/** Checks and completes the options; TypeError or RangeError (the CLI's usage errors) before any connection. */
export function benchConfig(o: BenchOptions): { config: BenchConfig; mix: MixItem[]; targets: Target[] } {
  if (!o.servers?.length) throw new TypeError('servers: give at least one host:port');
  const mix = parseMix(o.mix);
  const targets = resolveTargets(mix.map((m) => m.name), o.targets ?? [], o.defaultTargets ?? true);
  const mode = o.mode ?? (o.rate !== undefined ? 'open' : 'closed');
  if (mode === 'open' && !(o.rate !== undefined && o.rate > 0 && Number.isFinite(o.rate))) throw new RangeError('the open loop needs a rate: requests per second > 0');
  if (mode === 'closed' && o.rate !== undefined) throw new RangeError('a rate applies to the open loop only (mode open)');
  if (o.count !== undefined && o.durationMs !== undefined) throw new RangeError('give a count or a duration, not both');
  positiveInt(o.connections, 'connections', MAX_CONNECTIONS);
  positiveInt(o.concurrency, 'concurrency', MAX_CONCURRENCY);
  positiveInt(o.count, 'count', 1e9);
  positiveInt(o.keys, 'keys', MAX_KEYS);
  nonNegativeInt(o.warmupCount, 'warmupCount', 1e9);
  nonNegativeInt(o.destroyPool, 'destroyPool', MAX_DESTROY_POOL);
  nonNegativeInt(o.dataSize, 'dataSize', MAX_DATA_SIZE);
  positiveInt(o.timeoutMs, 'timeoutMs', 3_600_000);
  if (o.durationMs !== undefined && !(o.durationMs > 0 && Number.isFinite(o.durationMs))) throw new RangeError(`durationMs ${o.durationMs}: expected > 0`);
  if (o.warmupMs !== undefined && !(o.warmupMs >= 0 && Number.isFinite(o.warmupMs))) throw new RangeError(`warmupMs ${o.warmupMs}: expected >= 0`);
  if (o.arrival !== undefined && !ARRIVALS.includes(o.arrival)) throw new RangeError(`arrival ${o.arrival}: expected ${ARRIVALS.join(' or ')}`);
  if (o.cipher !== undefined && !CIPHERS.includes(o.cipher)) throw new RangeError(`cipher ${o.cipher}: expected ${CIPHERS.join(' or ')}`);
  if (o.maxErrorRate !== undefined && !(o.maxErrorRate >= 0 && o.maxErrorRate <= 1)) throw new RangeError(`maxErrorRate ${o.maxErrorRate}: expected a fraction from 0 to 1`);
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed < 2 ** 32)) throw new RangeError(`seed ${o.seed}: expected an integer from 0 to 2^32-1`);
  const count = o.count;
  const durationMs = count === undefined ? (o.durationMs ?? DEFAULT_DURATION_MS) : undefined;
  const warmupCount = o.warmupCount ?? (count !== undefined && o.warmupMs === undefined ? Math.min(1000, Math.floor(count / 10)) : 0);
  const warmupMs = o.warmupMs ?? (count === undefined && o.warmupCount === undefined ? Math.min(DEFAULT_WARMUP_MS, durationMs! / 5) : 0);
  const connections = o.connections ?? DEFAULT_CONNECTIONS;
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
  let destroyPool = o.destroyPool;
  if (destroyPool === undefined) {
    if (count !== undefined) destroyPool = destroyItems(mix, warmupCount + count, seed);
    else if (mode === 'open') {
      const requests = Math.ceil((o.rate! * (warmupMs + durationMs!)) / 1000);
      destroyPool = Math.ceil(destroyItems(mix, Math.min(requests, 1_000_000), seed) * 1.1) + connections * concurrency;
    } else destroyPool = mix.some((m) => m.operation === 'destroy') ? 100 * connections : 0;
    if (destroyPool > MAX_DESTROY_POOL) throw new RangeError(`the run would need ${destroyPool} objects for Destroy: set destroyPool (refills make the rest)`);
  }
  const config: BenchConfig = {
    mode,
    mix: mix.map((m) => ({ name: m.name, weight: m.weight, batch: m.batch })),
    connections,
    concurrency,
    ...(count !== undefined ? { count } : { durationMs }),
    warmupCount,
    warmupMs,
    ...(mode === 'open' ? { rate: o.rate, arrival: o.arrival ?? 'uniform' } : {}),
    seed,
    keys: o.keys ?? DEFAULT_KEYS,
    destroyPool,
    cipher: o.cipher ?? 'aes-cbc',
    dataSize: o.dataSize ?? DEFAULT_DATA_SIZE,
    maxErrorRate: o.maxErrorRate ?? 0,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  if (mix.some((m) => m.batch > MAX_BATCH)) throw new RangeError(`a batch holds at most ${MAX_BATCH} items`);
  return { config, mix, targets };
}

function figures(item: MixItem, stats: RunStats, i: number): OperationResult {
  const s = stats.ops[i];
  const h = s.histogram;
  const errors = [...s.errors.values()].reduce((a, b) => a + b, 0);
  const errorsByReason = Object.fromEntries([...s.errors.entries()].sort((a, b) => b[1] - a[1]));
  const perSec = (n: number) => (stats.windowMs > 0 ? (n * 1000) / stats.windowMs : 0);
  const snap = h.snapshot();
  const hints = Object.keys(errorsByReason).map((r) => {
    const hint = hintFor(r, item.name);
    return hint ? `${r}: ${hint}` : undefined;
  }).filter((x): x is string => x !== undefined);
  return {
    operation: item.name,
    kmipOperation: KMIP_NAME[item.operation],
    batch: item.batch,
    weight: item.weight,
    count: h.count,
    errors,
    errorsByReason,
    items: s.items,
    opsPerSec: perSec(h.count),
    itemsPerSec: perSec(s.items),
    minMs: snap.minMs,
    meanMs: snap.meanMs,
    p50Ms: snap.p50Ms,
    p90Ms: snap.p90Ms,
    p99Ms: snap.p99Ms,
    p999Ms: snap.p999Ms,
    maxMs: snap.maxMs,
    distribution: h.distribution(),
    hints,
  };
}

/**
 * Runs a benchmark against a KMIP server. Rejects with a TypeError or RangeError for bad options (before
 * connecting), with the client's KmipTransportError when no server can be reached, and with
 * BenchSetupError when the server refuses what setup needs. Failures during the run are counted, not thrown.
 */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { config, mix, targets } = benchConfig(options);
  const startedAt = new Date().toISOString();
  const live: LiveStatus = { phase: 'warmup', warmupDone: 0, measuredDone: 0, errors: 0 };
  let phase: BenchProgress['phase'] = 'connect';
  const report = () => {
    if (!options.onProgress) return;
    const p: BenchProgress['phase'] = phase === 'warmup' || phase === 'run' ? (live.phase === 'done' ? 'run' : live.phase) : phase;
    options.onProgress({
      phase: p,
      done: live.measuredDone,
      ...(config.count !== undefined ? { total: config.count } : {}),
      elapsedMs: live.windowStart !== undefined ? realClock.now() - live.windowStart : 0,
      ...(config.durationMs !== undefined ? { durationMs: config.durationMs } : {}),
      errors: live.errors,
      warmupDone: live.warmupDone,
    });
  };
  const ticker = options.onProgress ? setInterval(report, options.progressIntervalMs ?? 200) : undefined;
  ticker?.unref();

  const n = options.servers.length;
  const clients = Array.from({ length: config.connections }, (_, c) => {
    const servers = options.servers.map((_, j) => options.servers[(c + j) % n]);
    return new KmipClient({
      ...options.client,
      servers,
      tls: options.tls,
      ...(options.kmipVersion ? { version: options.kmipVersion } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      timeoutMs: config.timeoutMs,
      // One TLS connection per client, requests pipelined on it; no retries: a failure is a data point.
      maxConnectionsPerServer: 1,
      retries: 0,
    });
  });
  const workload = new KmipWorkload({
    clients,
    concurrency: config.concurrency,
    mix,
    keys: config.keys,
    namePrefix: options.namePrefix ?? 'kmipkit-bench',
    cipher: config.cipher as Cipher,
    dataSize: config.dataSize,
    random: rng(config.seed ^ 0x5bd1e995),
    note: (line) => options.onNote?.(line),
  });
  let stats: RunStats | undefined;
  let cleanup: BenchResult['cleanup'] = { kept: options.keep ?? false, destroyed: 0, failed: 0, reasons: {} };
  let kmipVersion = '';
  try {
    report();
    // One connection each before any load, so the pool never opens a second one under concurrency.
    await Promise.all(clients.map((c) => c.version()));
    kmipVersion = await clients[0].version();
    phase = 'setup';
    report();
    await workload.setup(config.destroyPool);
    phase = 'warmup';
    const pick = picker(mix, rng(config.seed));
    stats = await run(
      {
        mix,
        mode: config.mode,
        workers: config.connections * config.concurrency,
        ...(config.count !== undefined ? { count: config.count } : { durationMs: config.durationMs }),
        warmupCount: config.warmupCount,
        warmupMs: config.warmupMs,
        rate: config.rate,
        arrival: config.arrival,
        next: () => pick(),
        random: rng(config.seed ^ 0x27d4eb2f),
        signal: options.signal,
        live,
      },
      workload,
    );
  } finally {
    phase = 'cleanup';
    report();
    try {
      if (!options.keep && workload.live.size) cleanup = { kept: false, ...(await workload.cleanup()) };
      else cleanup = { kept: options.keep ?? false, destroyed: 0, failed: workload.live.size, reasons: {} };
    } catch (e) {
      // Cleanup never hides the run's own failure.
      cleanup.reasons[(e as Error).message] = workload.live.size;
      cleanup.failed = workload.live.size;
    }
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    if (ticker) clearInterval(ticker);
  }
  phase = 'done';
  report();

  const operations = mix.map((m, i) => figures(m, stats!, i));
  const count = operations.reduce((a, o) => a + o.count, 0);
  const errors = operations.reduce((a, o) => a + o.errors, 0);
  const items = operations.reduce((a, o) => a + o.items, 0);
  const perSec = (x: number) => (stats!.windowMs > 0 ? (x * 1000) / stats!.windowMs : 0);
  const checked = checkTargets(targets, operations, config.maxErrorRate);
  const open = stats.open;
  return {
    schema: RESULT_SCHEMA,
    startedAt,
    finishedAt: new Date().toISOString(),
    servers: [...options.servers],
    kmipVersion,
    config,
    operations,
    totals: { count, errors, items, warmupOps: stats.warmupOps, windowMs: stats.windowMs, opsPerSec: perSec(count), itemsPerSec: perSec(items) },
    ...(open
      ? {
          open: {
            targetRate: open.targetRate,
            arrival: open.arrival,
            scheduled: open.scheduled,
            achievedRate: perSec(count + errors),
            dispatchLagMs: { p99: open.dispatchLag.percentile(99), max: open.dispatchLag.maxMs },
            queueWaitMs: { p50: open.queueWait.percentile(50), p99: open.queueWait.percentile(99), max: open.queueWait.maxMs },
            maxBacklog: open.maxBacklog,
            overloaded: open.overloaded,
          },
        }
      : {}),
    targets: checked,
    passed: checked.every((t) => t.pass) && !open?.overloaded,
    interrupted: stats.interrupted,
    setup: { ms: workload.setupMs, keys: workload.keys.length, destroyPool: config.destroyPool, refills: workload.refills, notes: [...workload.notes] },
    cleanup,
  };
}

