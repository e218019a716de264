// Connection settings for the client subcommands: flags over environment over a JSON file over
// defaults (127.0.0.1:5696, ./kmipkit-data/certs/*), and the errors they raise (exit 1).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { KmipClientOptions, KmipTransportError } from '../../client/index.js';

export const DEFAULT_SERVER = '127.0.0.1:5696';
export const DEFAULT_DATA_DIR = 'kmipkit-data';

/** A failure with the exit code the CLI ends with: 1 usage/config, 2 connection/TLS, 3 server refused. */
export class CliError extends Error {
  readonly exitCode: 1 | 2 | 3;
  readonly kind: string;
  readonly reason?: string;
  constructor(exitCode: 1 | 2 | 3, kind: string, message: string, reason?: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.kind = kind;
    this.reason = reason;
  }
}

export const usage = (message: string): CliError => new CliError(1, 'usage', message);

export interface ConnectionFlags {
  server?: string[];
  ca?: string;
  cert?: string;
  key?: string;
  dataDir?: string;
  kmipVersion?: string;
  username?: string;
  passwordStdin?: boolean;
  timeout?: string;
  config?: string;
  json?: boolean;
}

interface FileConfig {
  servers?: string[];
  ca?: string;
  cert?: string;
  key?: string;
  dataDir?: string;
  kmipVersion?: string;
  username?: string;
  timeoutMs?: number;
}

const FILE_KEYS: Record<keyof FileConfig, 'string' | 'number' | 'strings'> = {
  servers: 'strings', ca: 'string', cert: 'string', key: 'string', dataDir: 'string', kmipVersion: 'string', username: 'string', timeoutMs: 'number',
};

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Adds the shared connection flags to a subcommand. */
export function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--server <host:port>', `KMIP server; repeat for failover, tried in order (default ${DEFAULT_SERVER}; env KMIPKIT_SERVER, comma-separated)`, collect)
    .option('--data-dir <dir>', `use DIR/certs/{ca.crt,client.crt,client.key} as written by \`kmipkit serve\` (default ./${DEFAULT_DATA_DIR}; env KMIPKIT_DATA_DIR)`)
    .option('--ca <file>', 'CA certificate (PEM) the server must chain to (env KMIPKIT_CA)')
    .option('--cert <file>', 'client certificate (PEM) (env KMIPKIT_CERT)')
    .option('--key <file>', 'client private key (PEM) (env KMIPKIT_KEY)')
    .option('--kmip-version <x.y>', 'pin the protocol version (default: negotiated with Discover Versions)')
    .option('--username <name>', 'send a Username and Password credential (password from --password-stdin)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--timeout <ms>', 'per-command timeout in milliseconds, retries included (default 30000)')
    .option('--config <file>', 'JSON file with servers, ca, cert, key, dataDir, kmipVersion, username, timeoutMs (flags > env > file)')
    .option('--json', 'machine-readable output (shapes in docs/cli.md)')
    .addHelpText(
      'after',
      [
        '',
        'Environment: KMIPKIT_SERVER (comma-separated), KMIPKIT_DATA_DIR, KMIPKIT_CA, KMIPKIT_CERT, KMIPKIT_KEY.',
        'Precedence: defaults < --config file < environment < flags.',
        'Exit codes: 0 ok; 1 usage or configuration; 2 connection or TLS failure; 3 the server refused (KMIP Result Reason printed).',
      ].join('\n'),
    );
}

function readConfigFile(path: string): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw usage(`cannot read --config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw usage(`--config ${path} is not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw usage(`--config ${path} must hold a JSON object`);
  const out: FileConfig = {};
  const base = dirname(resolve(path));
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const kind = FILE_KEYS[k as keyof FileConfig];
    if (!kind) throw usage(`--config ${path}: unknown key "${k}" (known: ${Object.keys(FILE_KEYS).join(', ')})`);
    const ok = kind === 'strings' ? Array.isArray(v) && v.every((s) => typeof s === 'string') : typeof v === kind;
    if (!ok) throw usage(`--config ${path}: "${k}" must be ${kind === 'strings' ? 'an array of "host:port" strings' : `a ${kind}`}`);
    // Paths in the file are relative to the file.
    (out as Record<string, unknown>)[k] = ['ca', 'cert', 'key', 'dataDir'].includes(k) ? resolve(base, v as string) : v;
  }
  return out;
}

export interface ResolvedConnection {
  servers: string[];
  ca: string;
  cert: string;
  key: string;
  kmipVersion?: string;
  username?: string;
  timeoutMs?: number;
}

const env = (name: string): string | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
};

/** Flags win over the environment, which wins over the --config file, which wins over the defaults. */
export function resolveConnection(flags: ConnectionFlags): ResolvedConnection {
  const file = flags.config ? readConfigFile(flags.config) : {};
  const envServers = env('KMIPKIT_SERVER')?.split(',').map((s) => s.trim()).filter(Boolean);
  const servers = flags.server?.length ? flags.server : envServers?.length ? envServers : file.servers?.length ? file.servers : [DEFAULT_SERVER];
  for (const s of servers) {
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw usage(`server "${s}" is not HOST:PORT (e.g. --server 127.0.0.1:5696)`);
  }
  const dataDir = flags.dataDir ?? env('KMIPKIT_DATA_DIR') ?? file.dataDir ?? DEFAULT_DATA_DIR;
  const pick = (flag: string | undefined, envName: string, fromFile: string | undefined, file_: string) =>
    flag ?? env(envName) ?? fromFile ?? join(dataDir, 'certs', file_);
  const kmipVersion = flags.kmipVersion ?? file.kmipVersion;
  if (kmipVersion !== undefined && !/^(1\.[0-4]|2\.[01])$/.test(kmipVersion)) throw usage(`--kmip-version ${kmipVersion}: expected one of 1.0-1.4, 2.0, 2.1`);
  let timeoutMs = file.timeoutMs;
  if (flags.timeout !== undefined) {
    timeoutMs = Number(flags.timeout);
    if (!/^\d+$/.test(flags.timeout) || timeoutMs < 1) throw usage(`--timeout ${flags.timeout}: expected a positive number of milliseconds`);
  }
  const username = flags.username ?? file.username;
  if (flags.passwordStdin && username === undefined) throw usage('--password-stdin needs --username');
  if (username !== undefined && !flags.passwordStdin) throw usage('--username needs --password-stdin (the password is read from standard input, never from a flag)');
  return {
    servers,
    ca: pick(flags.ca, 'KMIPKIT_CA', file.ca, 'ca.crt'),
    cert: pick(flags.cert, 'KMIPKIT_CERT', file.cert, 'client.crt'),
    key: pick(flags.key, 'KMIPKIT_KEY', file.key, 'client.key'),
    kmipVersion,
    username,
    timeoutMs,
  };
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  const text = all.toString('utf8').split(/\r?\n/)[0];
  all.fill(0);
  chunks.forEach((c) => c.fill(0));
  return text;
}

function readPem(path: string, what: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw usage(
      `cannot read the ${what} ${path} (${code}): start \`kmipkit serve\` once to create DATA_DIR/certs, ` +
        `or point --data-dir at the server's data directory, or give ${flag}`,
    );
  }
}

/** Client options from the resolved settings: reads the PEM files and, when asked, the password. */
export async function clientOptions(r: ResolvedConnection): Promise<KmipClientOptions> {
  const tls = { ca: readPem(r.ca, 'CA certificate', '--ca'), cert: readPem(r.cert, 'client certificate', '--cert'), key: readPem(r.key, 'client key', '--key') };
  let credentials: KmipClientOptions['credentials'];
  if (r.username !== undefined) {
    const password = await readStdinLine();
    if (!password) throw usage('--password-stdin: no password on standard input');
    credentials = { username: r.username, password };
  }
  return {
    servers: r.servers,
    tls,
    ...(r.kmipVersion ? { version: r.kmipVersion } : {}),
    ...(r.timeoutMs !== undefined ? { timeoutMs: r.timeoutMs, connectTimeoutMs: Math.min(r.timeoutMs, 5_000) } : {}),
    ...(credentials ? { credentials } : {}),
    // One command, one request at a time: no need for more than one connection or health-check waits.
    maxConnectionsPerServer: 1,
  };
}

const TLS_RE = /certificate|ssl|tls|handshake|alert|self[- ]signed|verify|unable to get|wrong version number|EPROTO/i;

/** A transport failure as every command that talks to a server reports it (exit 2), with what to do. */
export function transportFailure(e: KmipTransportError, servers: readonly string[]): CliError {
  const where = servers.join(', ');
  if (e.code === 'TIMEOUT') return new CliError(2, 'timeout', `no answer from ${where} in time (${e.message}); raise --timeout or check the server`);
  if (TLS_RE.test(e.message)) {
    return new CliError(2, 'tls', `TLS failure with ${where}: ${e.message}. Check --ca/--cert/--key (or --data-dir): the CA must be the one that issued the server's certificate, and the client certificate must be one the server trusts`);
  }
  if (/closed the connection|ECONNRESET|socket hang up/i.test(e.message)) {
    return new CliError(2, 'tls', `${where} closed the connection during the TLS handshake or right after it: ${e.message}. The server probably does not trust the client certificate: check --cert/--key (or --data-dir), and that this is a KMIP server`);
  }
  return new CliError(2, 'connection', `cannot reach a KMIP server at ${where}: ${e.message}. Is \`kmipkit serve\` running? Pass --server HOST:PORT (and --data-dir for its certificates)`);
}

/** Writes `data` to `path` whole or not at all, mode 0600: a temporary file in the same directory,
 *  fsync, rename. `what` names the file in the error (a path, or the flag that gave it). */
export function writePrivateFile(path: string, data: Uint8Array | string, what: string = path): void {
  const tmp = join(dirname(resolve(path)), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw usage(`cannot write ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
