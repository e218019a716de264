// `kmipkit inventory`: every object on one or more KMIP servers, their attributes and what is wrong
// with them (expiring, compromised or deactivated but in use, not rotated), as a table, CSV, JSON or
// HTML report. Servers are read concurrently; one that fails is reported and the others still are.
// Exit codes: 0 report complete; 1 usage or configuration (nothing contacted); 2 a server failed (the
// report is still written, with that server's error); 5 findings, with --fail-on-findings. See docs/inventory.md.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { KmipClientOptions } from '../client/index.js';
import type { InventoryTarget } from '../inventory/collect.js';
import { render, FORMATS, type ReportFormat } from '../inventory/render.js';
import { DEFAULT_EXPIRING_DAYS, DEFAULT_MAX_AGE_DAYS, runInventory } from '../inventory/run.js';
import { CliError, DEFAULT_DATA_DIR, resolveConnection, usage, writePrivateFile, type ConnectionFlags } from './client/options.js';

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_SERVER_FAILED = 2;
export const EXIT_FINDINGS = 5;

interface Flags extends ConnectionFlags {
  targets?: string;
  format?: string;
  out?: string;
  expiringDays?: string;
  maxAgeDays?: string;
  concurrency?: string;
  pageSize?: string;
  destroyed?: boolean;
  failOnFindings?: boolean;
  progress?: boolean;
}

/** One server's settings before its files are read. */
interface TargetSpec {
  name: string;
  servers: string[];
  ca: string;
  cert: string;
  key: string;
  kmipVersion?: string;
  timeoutMs?: number;
  /** Where the settings came from, for error messages: '--server 1.2.3.4:5696' or 'targets.json entry 2'. */
  origin: string;
}

const SERVER_RE = /^\[?([^\]]+?)\]?:(\d+)$/;
const checkServer = (s: string, where: string): void => {
  const m = SERVER_RE.exec(s);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw usage(`${where}: server "${s}" is not HOST:PORT (e.g. 127.0.0.1:5696)`);
};

function int(text: string | undefined, flag: string, min: number, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min) throw usage(`${flag} ${text}: expected an integer >= ${min}`);
  return Number(text);
}

const TARGET_KEYS = ['name', 'server', 'ca', 'cert', 'key', 'dataDir', 'kmipVersion', 'timeoutMs'] as const;

/** The --targets file: a JSON array of { name, server, ca, cert, key, dataDir?, kmipVersion?, timeoutMs? }; paths relative to the file. */
function readTargets(path: string, shared: { ca: string; cert: string; key: string; timeoutMs?: number }): TargetSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usage(code ? `cannot read --targets ${path}: ${code}` : `--targets ${path} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw) || raw.length === 0) throw usage(`--targets ${path} must hold a non-empty JSON array of {"name", "server", "ca", "cert", "key"} objects`);
  const base = dirname(resolve(path));
  return raw.map((entry, i): TargetSpec => {
    const where = `--targets ${path} entry ${i + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw usage(`${where} must be an object`);
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!(TARGET_KEYS as readonly string[]).includes(k)) throw usage(`${where}: unknown key "${k}" (known: ${TARGET_KEYS.join(', ')})`);
    const servers = typeof e.server === 'string' ? [e.server] : Array.isArray(e.server) && e.server.length && e.server.every((s) => typeof s === 'string') ? (e.server as string[]) : undefined;
    if (!servers) throw usage(`${where}: "server" must be "HOST:PORT" (or an array of them, tried in order)`);
    for (const s of servers) checkServer(s, where);
    for (const k of ['name', 'ca', 'cert', 'key', 'dataDir', 'kmipVersion'] as const) {
      if (e[k] !== undefined && (typeof e[k] !== 'string' || e[k] === '')) throw usage(`${where}: "${k}" must be a non-empty string`);
    }
    if (e.timeoutMs !== undefined && (typeof e.timeoutMs !== 'number' || !Number.isInteger(e.timeoutMs) || e.timeoutMs < 1)) throw usage(`${where}: "timeoutMs" must be a positive integer`);
    const kmipVersion = e.kmipVersion as string | undefined;
    if (kmipVersion !== undefined && !/^(1\.[0-4]|2\.[01])$/.test(kmipVersion)) throw usage(`${where}: kmipVersion ${kmipVersion}: expected one of 1.0-1.4, 2.0, 2.1`);
    const rel = (p: unknown) => resolve(base, p as string);
    const dataDir = e.dataDir !== undefined ? rel(e.dataDir) : undefined;
    const file = (k: 'ca' | 'cert' | 'key', name: string) => (e[k] !== undefined ? rel(e[k]) : dataDir ? join(dataDir, 'certs', name) : shared[k]);
    return {
      name: (e.name as string | undefined) ?? servers.join(','),
      servers,
      ca: file('ca', 'ca.crt'),
      cert: file('cert', 'client.crt'),
      key: file('key', 'client.key'),
      ...(kmipVersion ? { kmipVersion } : {}),
      ...((e.timeoutMs ?? shared.timeoutMs) !== undefined ? { timeoutMs: (e.timeoutMs as number | undefined) ?? shared.timeoutMs } : {}),
      origin: where,
    };
  });
}

function readPem(path: string, what: string, origin: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw usage(`${origin}: cannot read the ${what} ${path} (${code}): fix the path, or point --data-dir (or "dataDir" in --targets) at the server's data directory`);
  }
}

/** Every target, its PEM files read: any problem here is a usage error before anything is contacted. */
function targetsOf(flags: Flags): InventoryTarget[] {
  const servers = flags.server ?? [];
  // Shared settings: flags > environment > --config > defaults (as for the other client commands).
  const shared = resolveConnection({ ...flags, server: servers.length ? servers : undefined, username: undefined, passwordStdin: undefined });
  const specs: TargetSpec[] = [];
  if (servers.length) {
    for (const s of servers) specs.push({ name: s, servers: [s], ca: shared.ca, cert: shared.cert, key: shared.key, kmipVersion: shared.kmipVersion, timeoutMs: shared.timeoutMs, origin: `--server ${s}` });
  }
  if (flags.targets !== undefined) specs.push(...readTargets(flags.targets, shared).map((t) => ({ ...t, kmipVersion: t.kmipVersion ?? flags.kmipVersion })));
  if (!specs.length) {
    // Neither --server nor --targets: the one server the other commands would use (its failover list included).
    specs.push({ name: shared.servers.join(','), servers: shared.servers, ca: shared.ca, cert: shared.cert, key: shared.key, kmipVersion: shared.kmipVersion, timeoutMs: shared.timeoutMs, origin: 'the default server' });
  }
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw usage(`two targets are named "${s.name}": give each --targets entry its own "name" (and each --server once)`);
    names.add(s.name);
  }
  return specs.map((s): InventoryTarget => {
    const client: KmipClientOptions = {
      servers: s.servers,
      tls: { ca: readPem(s.ca, 'CA certificate', s.origin), cert: readPem(s.cert, 'client certificate', s.origin), key: readPem(s.key, 'client key', s.origin) },
      ...(s.kmipVersion ? { version: s.kmipVersion } : {}),
      ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs, connectTimeoutMs: Math.min(s.timeoutMs, 5_000) } : {}),
    };
    return { name: s.name, client };
  });
}

const writeReport = (path: string, text: string): void => writePrivateFile(path, text, `--out ${path}`);

/** A one-line progress display on stderr, redrawn at most every 100 ms; only on a terminal. */
function progressLine(enabled: boolean): { update: (server: string, read: number, located: number | undefined) => void; end: () => void } {
  if (!enabled) return { update: () => undefined, end: () => undefined };
  const state = new Map<string, string>();
  let last = 0;
  let shown = false;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const text = [...state].map(([s, p]) => `${s} ${p}`).join(', ');
    const width = process.stderr.columns ? process.stderr.columns - 1 : 120;
    process.stderr.write(`\r\x1b[K${`inventory: ${text}`.slice(0, width)}`);
    shown = true;
  };
  return {
    update: (server, read, located) => {
      state.set(server.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'), located === undefined ? 'locating...' : `${read}/${located}`);
      draw(read === located);
    },
    end: () => {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

function fail(err: CliError, json: boolean): never {
  if (json) process.stderr.write(`${JSON.stringify({ error: { exitCode: err.exitCode, kind: err.kind, message: err.message } })}\n`);
  else process.stderr.write(`kmipkit: ${err.message}\n`);
  process.exit(err.exitCode);
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function registerInventory(program: Command): void {
  program
    .command('inventory')
    .description('list every object on one or more KMIP servers with its attributes, and flag expiring, compromised, deactivated-in-use and unrotated keys')
    .option('--server <host:port>', 'a server to inventory; repeat for several (each is its own target, sharing --ca/--cert/--key/--data-dir)', collect)
    .option('--targets <file>', 'JSON array of {"name", "server", "ca", "cert", "key", "dataDir", "kmipVersion", "timeoutMs"}: per-server credentials (paths relative to the file)')
    .option('--data-dir <dir>', `use DIR/certs/{ca.crt,client.crt,client.key} (default ./${DEFAULT_DATA_DIR}; env KMIPKIT_DATA_DIR)`)
    .option('--ca <file>', 'CA certificate (PEM) for the --server targets (env KMIPKIT_CA)')
    .option('--cert <file>', 'client certificate (PEM) for the --server targets (env KMIPKIT_CERT)')
    .option('--key <file>', 'client private key (PEM) for the --server targets (env KMIPKIT_KEY)')
    .option('--kmip-version <x.y>', 'pin the protocol version (default: negotiated per server)')
    .option('--timeout <ms>', 'per-request timeout in milliseconds, retries included (default 30000)')
    .option('--config <file>', 'JSON file with servers, ca, cert, key, dataDir, kmipVersion, timeoutMs (as for the client commands)')
    .option('--format <format>', `report format: ${FORMATS.join(' | ')}`, 'table')
    .option('--json', 'same as --format json')
    .option('--out <file>', 'write the report to this file (mode 0600) instead of standard output')
    .option('--expiring-days <n>', `flag objects whose Deactivation or Protect Stop Date is within N days (default ${DEFAULT_EXPIRING_DAYS})`)
    .option('--max-age-days <n>', `flag Active keys older than N days that nothing replaced (default ${DEFAULT_MAX_AGE_DAYS})`)
    .option('--concurrency <n>', 'Get Attributes requests in flight per server (default 4)')
    .option('--page-size <n>', 'Locate page size (Maximum Items, default 100)')
    .option('--no-destroyed', 'leave out Destroyed and Destroyed Compromised objects')
    .option('--fail-on-findings', `exit ${EXIT_FINDINGS} when anything is flagged (for CI)`)
    .option('--no-progress', 'no progress line on standard error (it is shown only on a terminal anyway)')
    .addHelpText(
      'after',
      [
        '',
        'Without --server or --targets: the server the client commands use (KMIPKIT_SERVER, --config, or 127.0.0.1:5696).',
        `Exit codes: ${EXIT_OK} report complete; ${EXIT_USAGE} usage or configuration (nothing contacted); ${EXIT_SERVER_FAILED} a server failed or failed part way`,
        `(the report still lists it and every other server); ${EXIT_FINDINGS} findings flagged and --fail-on-findings (when no server failed).`,
        'Findings and their rules: docs/inventory.md.',
      ].join('\n'),
    )
    .action(async (_o, c: Command) => {
      const flags = c.optsWithGlobals() as Flags;
      const format = (flags.json ? 'json' : flags.format ?? 'table') as ReportFormat;
      const json = format === 'json';
      try {
        if (flags.json && flags.format !== undefined && flags.format !== 'table' && flags.format !== 'json') throw usage(`--json and --format ${flags.format} disagree: give one`);
        if (!FORMATS.includes(format)) throw usage(`--format ${String(flags.format)}: expected one of ${FORMATS.join(', ')}`);
        const expiringDays = int(flags.expiringDays, '--expiring-days', 0, DEFAULT_EXPIRING_DAYS);
        const maxAgeDays = int(flags.maxAgeDays, '--max-age-days', 1, DEFAULT_MAX_AGE_DAYS);
        const concurrency = int(flags.concurrency, '--concurrency', 1, 4);
        const pageSize = int(flags.pageSize, '--page-size', 1, 100);
        const targets = targetsOf(flags);
        const progress = progressLine(flags.progress !== false && process.stderr.isTTY === true);
        const report = await runInventory(targets, {
          now: new Date(),
          expiringDays,
          maxAgeDays,
          concurrency,
          pageSize,
          includeDestroyed: flags.destroyed !== false,
          onProgress: progress.update,
        });
        progress.end();
        const text = render(report, format);
        if (flags.out !== undefined) {
          writeReport(flags.out, text);
          const f = Object.values(report.summary.findings).reduce((a, b) => a + (b ?? 0), 0);
          process.stderr.write(`wrote ${flags.out}: ${report.summary.objects} objects, ${f} findings, ${report.summary.serversFailed} of ${report.summary.servers} servers failed\n`);
        } else process.stdout.write(text);
        for (const s of report.servers) if (s.status === 'failed' && !json) process.stderr.write(`kmipkit: server ${s.name} failed: ${s.error?.message ?? 'unknown error'}\n`);
        const anyFindings = report.objects.some((o) => o.findings.length > 0);
        process.exitCode = report.summary.serversFailed > 0 ? EXIT_SERVER_FAILED : flags.failOnFindings && anyFindings ? EXIT_FINDINGS : EXIT_OK;
      } catch (e) {
        fail(e instanceof CliError ? e : usage((e as Error).message), json);
      }
    });
}
