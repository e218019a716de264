// `kmipkit bench`: latency and throughput of any KMIP server (src/harness, docs/bench-harness.md).
// Connection flags are the client commands' (client/options.ts). Prints a table (or JSON, CSV, HTML)
// on standard output, writes --out files, shows progress on standard error when it is a terminal.
// Exit codes: 0 every target met; 4 a target missed (or an operation failed); 1 usage or configuration;
// 2 connection or TLS failure; 3 the server refused what setup needs; 130 interrupted (Ctrl-C).
import { extname } from 'node:path';
import type { Command } from 'commander';
import { KmipError, KmipProtocolError, KmipTransportError } from '../client/index.js';
import {
  ARRIVALS, BenchSetupError, CIPHERS, DEFAULT_MIX, METRICS, parseDuration, renderCsv, renderHtml, renderJson, renderTable, runBench,
  type Arrival, type BenchOptions, type BenchProgress, type BenchResult, type Cipher,
} from '../harness/index.js';
import { CliError, clientOptions, connectionOptions, resolveConnection, transportFailure, usage, writePrivateFile, type ConnectionFlags } from './client/options.js';

/** A run that missed a target (distinct from 1 usage, 2 connection, 3 refused). */
export const EXIT_TARGET_MISSED = 4;
/** Stopped by Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

type Format = 'table' | 'json' | 'csv' | 'html';
const FORMATS: readonly Format[] = ['table', 'json', 'csv', 'html'];
const BY_EXTENSION: Record<string, Format> = { '.json': 'json', '.csv': 'csv', '.html': 'html', '.htm': 'html', '.txt': 'table' };
const RENDER: Record<Format, (r: BenchResult) => string> = { table: renderTable, json: renderJson, csv: renderCsv, html: renderHtml };

type Flags = ConnectionFlags & {
  mix?: string;
  connections?: string;
  concurrency?: string;
  duration?: string;
  count?: string;
  warmup?: string;
  warmupCount?: string;
  rate?: string;
  arrival?: string;
  keys?: string;
  destroyPool?: string;
  cipher?: string;
  dataSize?: string;
  seed?: string;
  target?: string[];
  defaultTargets?: boolean;
  maxErrorRate?: string;
  format?: string;
  out?: string[];
  keep?: boolean;
  progress?: boolean;
  namePrefix?: string;
};

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function int(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw usage(`${flag} ${text}: expected an integer >= ${min}`);
  return Number(text);
}

function num(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text)) throw usage(`${flag} ${text}: expected a number`);
  return Number(text);
}

function duration(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text, flag, 's');
  } catch (e) {
    throw usage((e as Error).message);
  }
}

/** The harness options from the flags (connection and TLS settings come later). */
function benchFlags(f: Flags): Omit<BenchOptions, 'servers' | 'tls'> & { format: Format; outs: [string, Format][] } {
  const format = (f.json ? 'json' : (f.format ?? 'table')) as Format;
  if (!FORMATS.includes(format)) throw usage(`--format ${f.format}: expected one of ${FORMATS.join(', ')}`);
  const outs = (f.out ?? []).map((path): [string, Format] => {
    const fmt = BY_EXTENSION[extname(path).toLowerCase()];
    if (!fmt) throw usage(`--out ${path}: the extension says the format: .json, .csv, .html or .txt`);
    return [path, fmt];
  });
  if (f.count !== undefined && f.duration !== undefined) throw usage('give --count or --duration, not both');
  if (f.arrival !== undefined && f.rate === undefined) throw usage('--arrival applies to the open loop: give --rate too');
  if (f.arrival !== undefined && !ARRIVALS.includes(f.arrival as Arrival)) throw usage(`--arrival ${f.arrival}: expected ${ARRIVALS.join(' or ')}`);
  if (f.cipher !== undefined && !CIPHERS.includes(f.cipher as Cipher)) throw usage(`--cipher ${f.cipher}: expected ${CIPHERS.join(' or ')}`);
  const rate = num(f.rate, '--rate');
  if (rate !== undefined && rate <= 0) throw usage('--rate must be above 0 requests per second');
  const maxErrorRate = num(f.maxErrorRate, '--max-error-rate');
  if (maxErrorRate !== undefined && maxErrorRate > 1) throw usage(`--max-error-rate ${f.maxErrorRate}: a fraction from 0 to 1 (0.01 = 1 %)`);
  const seed = int(f.seed, '--seed', 0);
  if (seed !== undefined && seed >= 2 ** 32) throw usage('--seed must be below 2^32');
  return {
    format,
    outs,
    mix: f.mix ?? DEFAULT_MIX,
    connections: int(f.connections, '--connections', 1),
    concurrency: int(f.concurrency, '--concurrency', 1),
    count: int(f.count, '--count', 1),
    durationMs: duration(f.duration, '--duration'),
    warmupMs: duration(f.warmup, '--warmup'),
    warmupCount: int(f.warmupCount, '--warmup-count', 0),
    rate,
    arrival: f.arrival as Arrival | undefined,
    keys: int(f.keys, '--keys', 1),
    destroyPool: int(f.destroyPool, '--destroy-pool', 0),
    cipher: f.cipher as Cipher | undefined,
    dataSize: int(f.dataSize, '--data-size', 0),
    seed,
    targets: f.target ?? [],
    defaultTargets: f.defaultTargets !== false,
    maxErrorRate,
    keep: f.keep === true,
    namePrefix: f.namePrefix,
  };
}


/** A failure before or around the run, as the CLI reports it. */
function classify(e: unknown, servers: string[]): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof BenchSetupError) {
    const cause = e.cause;
    if (cause instanceof KmipError) {
      return new CliError(3, 'kmip', `${e.message}. The harness needs this to set up the run: check the server's policy for this client certificate, or drop the operation from --mix`, cause.reason);
    }
    if (!(cause instanceof KmipTransportError)) return new CliError(2, 'protocol', `${e.message}`);
    e = cause;
  }
  if (e instanceof KmipTransportError) return transportFailure(e, servers);
  if (e instanceof KmipError) return new CliError(3, 'kmip', `the server refused ${e.operation ?? 'the request'}: ${e.reason ?? e.status}${e.resultMessage ? `: ${e.resultMessage}` : ''}`, e.reason);
  if (e instanceof KmipProtocolError) return new CliError(2, 'protocol', `the server's answer is not a valid KMIP response: ${e.message}`);
  if (e instanceof TypeError || e instanceof RangeError) return usage(e.message);
  return new CliError(1, 'error', (e as Error)?.message ?? String(e));
}

const writeReport = (path: string, text: string): void => writePrivateFile(path, text, `--out ${path}`);

const BAR = 24;
function progressLine(p: BenchProgress): string {
  if (p.phase === 'connect' || p.phase === 'setup' || p.phase === 'cleanup' || p.phase === 'done') return `kmipkit bench: ${p.phase}...`;
  if (p.phase === 'warmup') return `kmipkit bench: warming up, ${p.warmupDone} requests (not measured)`;
  const fraction = p.total !== undefined ? p.done / p.total : p.durationMs ? p.elapsedMs / p.durationMs : 0;
  const f = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(f * BAR);
  const rate = p.elapsedMs > 0 ? ((p.done - p.errors) * 1000) / p.elapsedMs : 0;
  const amount = p.total !== undefined ? `${p.done}/${p.total}` : `${(p.elapsedMs / 1000).toFixed(1)}/${((p.durationMs ?? 0) / 1000).toFixed(0)} s`;
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${p.phase} ${amount}, ${rate.toFixed(0)}/s, ${p.errors} errors`;
}

/** The shared flags whose meaning differs for bench: said in its help. */
function benchHelp(cmd: Command): Command {
  const say = (long: string, description: string) => {
    const o = cmd.options.find((x) => x.long === long);
    if (o) o.description = description;
  };
  say('--timeout', 'per-request timeout in milliseconds; a slower request counts as a transport:TIMEOUT error (default 30000)');
  say('--server', 'KMIP server (default 127.0.0.1:5696; env KMIPKIT_SERVER, comma-separated); repeat to spread the connections: connection i prefers server i mod n');
  say('--json', 'the report as JSON on standard output (= --format json; shape in docs/bench-harness.md)');
  return cmd;
}

export function registerBench(program: Command): void {
  benchHelp(connectionOptions(program.command('bench').description('measure a KMIP server: latency percentiles and throughput per operation, checked against targets')))
    .option('--mix <spec>', `operations and weights: OP[=WEIGHT],... with OP one of create, get, locate, encrypt, decrypt, destroy, or OP-batch:N (N items in one request) (default ${DEFAULT_MIX})`)
    .option('--connections <n>', 'TLS connections (default 4)')
    .option('--concurrency <n>', 'requests in flight per connection (default 1)')
    .option('--duration <time>', 'measure for this long: 500ms, 10s, 2m (default 10s)')
    .option('--count <n>', 'measure this many requests instead of a duration')
    .option('--warmup <time>', 'warm up for this long first, not measured (default 1s for duration runs)')
    .option('--warmup-count <n>', 'warm up with this many requests (default a tenth of --count, at most 1000)')
    .option('--rate <n>', 'open loop: start this many requests per second on a fixed schedule (default: closed loop)')
    .option('--arrival <kind>', 'open loop arrivals: uniform | poisson (default uniform)')
    .option('--keys <n>', 'keys created for Get, Locate, Encrypt and Decrypt (default 16)')
    .option('--destroy-pool <n>', 'objects created in setup for Destroy (default: what the run needs, or 100 per connection for closed-loop duration runs)')
    .option('--cipher <cipher>', 'Encrypt and Decrypt parameters: aes-cbc (PKCS5 padding) | aes-gcm (default aes-cbc)')
    .option('--data-size <bytes>', 'bytes per Encrypt (default 64)')
    .option('--seed <n>', 'seed of the operation sequence (default random, printed in the JSON)')
    .option('--target <OP.METRIC=VALUE>', `latency or throughput target, repeatable: get.p99=5ms, create.p99.9=200ms, get.ops=500, get.p99=off (metrics: ${METRICS.join(', ')})`, collect)
    .option('--no-default-targets', 'check only the --target ones (defaults: p99 Create 50ms, Get 5ms, Locate 100ms, Encrypt/Decrypt 10ms, Destroy 20ms)')
    .option('--max-error-rate <fraction>', 'failed requests an operation may have before its targets are missed (default 0)')
    .option('--format <format>', 'standard output: table | json | csv | html (default table; --json = --format json)')
    .option('--out <file>', 'also write a report; the extension picks the format: .json .csv .html .txt (repeatable)', collect)
    .option('--keep', 'leave the objects the run made on the server (default: destroy them)')
    .option('--no-progress', 'no progress bar (it is shown only when standard error is a terminal)')
    .option('--name-prefix <text>', 'prefix of the Names of the objects the run makes (default kmipkit-bench)')
    .addHelpText('after', `\nBench exit codes: 0 every target met; ${EXIT_TARGET_MISSED} a target missed or an operation failed; 1, 2, 3 as above; ${EXIT_INTERRUPTED} interrupted. Details: docs/bench-harness.md`)
    .action(async (_o, c: Command) => {
      const f = c.optsWithGlobals() as Flags;
      const json = f.json === true || f.format === 'json';
      let servers: string[] = [];
      const controller = new AbortController();
      const tty = process.stderr.isTTY === true && f.progress !== false;
      let shown = false;
      const clearLine = () => {
        if (shown) process.stderr.write('\r\x1b[K');
        shown = false;
      };
      let interrupts = 0;
      const onSigint = () => {
        if (++interrupts > 1) process.exit(EXIT_INTERRUPTED);
        clearLine();
        process.stderr.write('kmipkit bench: stopping: waiting for the requests in flight, then cleaning up (Ctrl-C again to quit now and leave the objects)\n');
        controller.abort();
      };
      let result: BenchResult;
      let outs: [string, Format][] = [];
      let format: Format = 'table';
      try {
        const b = benchFlags(f);
        outs = b.outs;
        format = b.format;
        const resolved = resolveConnection(f);
        servers = resolved.servers;
        const client = await clientOptions(resolved);
        process.on('SIGINT', onSigint);
        const { format: _fmt, outs: _outs, ...harness } = b;
        result = await runBench({
          ...harness,
          servers: resolved.servers,
          tls: client.tls,
          ...(resolved.kmipVersion ? { kmipVersion: resolved.kmipVersion } : {}),
          ...(client.credentials ? { credentials: client.credentials } : {}),
          ...(resolved.timeoutMs !== undefined ? { timeoutMs: resolved.timeoutMs } : {}),
          client: { connectTimeoutMs: Math.min(resolved.timeoutMs ?? 5_000, 5_000) },
          signal: controller.signal,
          onNote: (line) => {
            clearLine();
            process.stderr.write(`kmipkit bench: ${line}\n`);
          },
          ...(tty
            ? {
                onProgress: (p: BenchProgress) => {
                  process.stderr.write(`\r\x1b[K${progressLine(p)}`);
                  shown = true;
                },
              }
            : {}),
        });
      } catch (e) {
        clearLine();
        process.off('SIGINT', onSigint);
        const err = classify(e, servers);
        if (json) process.stderr.write(`${JSON.stringify({ error: { exitCode: err.exitCode, kind: err.kind, ...(err.reason ? { reason: err.reason } : {}), message: err.message } })}\n`);
        else process.stderr.write(`kmipkit: ${err.message}\n`);
        process.exit(err.exitCode);
      }
      clearLine();
      process.off('SIGINT', onSigint);
      try {
        for (const [path, fmt] of outs) writeReport(path, RENDER[fmt](result));
      } catch (e) {
        process.stdout.write(RENDER[format](result));
        const err = classify(e, servers);
        process.stderr.write(`kmipkit: ${err.message}\n`);
        process.exit(err.exitCode);
      }
      process.stdout.write(RENDER[format](result));
      process.exitCode = result.interrupted ? EXIT_INTERRUPTED : result.passed ? 0 : EXIT_TARGET_MISSED;
    });
}
