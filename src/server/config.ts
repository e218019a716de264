// `kmipkit serve` configuration. Lowest to highest precedence: defaults, a JSON file (--config FILE,
// KMIPKIT_CONFIG, or DIR/kmipkit.json when present), the environment (KMIPKIT_*), command-line flags.
// Every value is checked, and an error names where the bad value came from.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MAX_MESSAGE_SIZE as CODEC_MAX_MESSAGE_SIZE } from '../ttlv/limits.js';
import { parsePasswordHash } from './credentials.js';
import { MIN_MESSAGE_SIZE, type TransportLimits } from './limits.js';

export interface ServeConfig {
  /** '0.0.0.0' by default: a daemon is expected to be reachable on every interface; clients still need
   *  a certificate from our CA. Set '127.0.0.1' to keep it to this machine. */
  host: string;
  port: number;
  /** Absolute. Holds kmipkit.db, master.key and certs/. */
  dataDir: string;
  store: 'sqlite' | 'memory';
  /** Absolute paths; omitted: development certificates in dataDir/certs. */
  tls?: { ca: string; cert: string; key: string };
  limits: Partial<TransportLimits>;
  compatibility: { basicAuthenticationSuite: boolean; pykmip: boolean; kmip30Algorithms: boolean };
  /** Username and Password credentials required on every request (scrypt hashes; file only). */
  credentials: { username: string; passwordHash: string }[];
  /** The file that was read, if any. */
  configFile?: string;
}

export interface ConfigFlags {
  config?: string;
  dataDir?: string;
  port?: string | number;
  host?: string;
  memory?: boolean;
  /** --kmip30-algorithms: compatibility.kmip30Algorithms on. */
  kmip30Algorithms?: boolean;
}

export type ConfigErrorCode =
  | 'ERR_CONFIG_FILE'
  | 'ERR_CONFIG_PARSE'
  | 'ERR_CONFIG_UNKNOWN_KEY'
  | 'ERR_CONFIG_TYPE'
  | 'ERR_CONFIG_RANGE'
  | 'ERR_CONFIG_INCOMPLETE'
  | 'ERR_CONFIG_MISSING_FILE';

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  /** Where the value came from: a file path, an environment variable, a flag. */
  readonly source: string;
  constructor(code: ConfigErrorCode, source: string, message: string, options?: { cause?: unknown }) {
    super(`${source}: ${message}`, options);
    this.name = 'ConfigError';
    this.code = code;
    this.source = source;
  }
}

export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_PORT = 5696;
export const DEFAULT_DATA_DIR = 'kmipkit-data';
export const CONFIG_FILE_NAME = 'kmipkit.json';
/** A configuration file is a few hundred bytes: reading no more stops a path pointed at a device. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Longest timeout accepted: setTimeout fires at once past 2^31-1 ms, and no sane timeout nears a day. */
const MAX_TIMEOUT_MS = 86_400_000;
/** More sockets than this exceeds any file-descriptor limit worth configuring. */
const MAX_MAX_CONNECTIONS = 1_000_000;

const TOP_KEYS = ['host', 'port', 'dataDir', 'store', 'tls', 'limits', 'compatibility', 'credentials'] as const;
const TLS_KEYS = ['ca', 'cert', 'key'] as const;
const LIMIT_RANGES: Record<keyof TransportLimits, [number, number]> = {
  handshakeTimeoutMs: [1, MAX_TIMEOUT_MS],
  idleTimeoutMs: [1, MAX_TIMEOUT_MS],
  messageTimeoutMs: [1, MAX_TIMEOUT_MS],
  writeTimeoutMs: [1, MAX_TIMEOUT_MS],
  closeGraceMs: [1, MAX_TIMEOUT_MS],
  maxConnections: [1, MAX_MAX_CONNECTIONS],
  maxMessageSize: [MIN_MESSAGE_SIZE, CODEC_MAX_MESSAGE_SIZE],
};
const COMPAT_KEYS = ['basicAuthenticationSuite', 'pykmip', 'kmip30Algorithms'] as const;

/** One layer: what it sets, already validated and with paths made absolute. */
interface Layer {
  host?: string;
  port?: number;
  dataDir?: string;
  store?: 'sqlite' | 'memory';
  tls?: Partial<Record<(typeof TLS_KEYS)[number], string>>;
  limits?: Partial<TransportLimits>;
  compatibility?: { basicAuthenticationSuite?: boolean; pykmip?: boolean; kmip30Algorithms?: boolean };
  credentials?: { username: string; passwordHash: string }[];
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function unknownKeys(obj: Record<string, unknown>, known: readonly string[], source: string, prefix: string): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) {
      throw new ConfigError('ERR_CONFIG_UNKNOWN_KEY', source, `unknown key "${prefix}${k}" (known: ${known.map((n) => prefix + n).join(', ')})`);
    }
  }
}

function object(v: unknown, source: string, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError('ERR_CONFIG_TYPE', source, `${name} must be an object (got ${typeName(v)})`);
  return v as Record<string, unknown>;
}

function str(v: unknown, source: string, name: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError('ERR_CONFIG_TYPE', source, `${name} must be a non-empty string (got ${typeName(v)})`);
  return v;
}

/** Numbers from JSON are numbers; from the environment or flags they are decimal text. */
function int(v: unknown, source: string, name: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new ConfigError('ERR_CONFIG_TYPE', source, `${name} must be an integer (got ${typeof v === 'string' ? JSON.stringify(v) : typeName(v)})`);
  }
  if (n < min || n > max) throw new ConfigError('ERR_CONFIG_RANGE', source, `${name} must be from ${min} to ${max} (got ${n})`);
  return n;
}

function bool(v: unknown, source: string, name: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|1|yes)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(false|0|no)$/i.test(v)) return false;
  throw new ConfigError('ERR_CONFIG_TYPE', source, `${name} must be true or false (got ${typeof v === 'string' ? JSON.stringify(v) : typeName(v)})`);
}

function storeKind(v: unknown, source: string, name: string): 'sqlite' | 'memory' {
  if (v === 'sqlite' || v === 'memory') return v;
  throw new ConfigError('ERR_CONFIG_RANGE', source, `${name} must be "sqlite" or "memory" (got ${JSON.stringify(v)})`);
}

/** Validates a parsed config file; relative paths are taken from the file's directory. */
export function parseConfigObject(raw: unknown, source: string, baseDir: string): Layer {
  const obj = object(raw, source, 'the configuration');
  unknownKeys(obj, TOP_KEYS, source, '');
  const layer: Layer = {};
  if (obj.host !== undefined) layer.host = str(obj.host, source, 'host');
  if (obj.port !== undefined) {
    if (typeof obj.port !== 'number') throw new ConfigError('ERR_CONFIG_TYPE', source, `port must be a number (got ${typeName(obj.port)})`);
    layer.port = int(obj.port, source, 'port', 0, 65535);
  }
  if (obj.dataDir !== undefined) layer.dataDir = resolve(baseDir, str(obj.dataDir, source, 'dataDir'));
  if (obj.store !== undefined) layer.store = storeKind(obj.store, source, 'store');
  if (obj.tls !== undefined) {
    const tls = object(obj.tls, source, 'tls');
    unknownKeys(tls, TLS_KEYS, source, 'tls.');
    layer.tls = {};
    for (const k of TLS_KEYS) if (tls[k] !== undefined) layer.tls[k] = resolve(baseDir, str(tls[k], source, `tls.${k}`));
  }
  if (obj.limits !== undefined) {
    const limits = object(obj.limits, source, 'limits');
    const names = Object.keys(LIMIT_RANGES) as (keyof TransportLimits)[];
    unknownKeys(limits, names, source, 'limits.');
    layer.limits = {};
    for (const k of names) {
      const v = limits[k];
      if (v === undefined) continue;
      if (typeof v !== 'number') throw new ConfigError('ERR_CONFIG_TYPE', source, `limits.${k} must be a number (got ${typeName(v)})`);
      layer.limits[k] = int(v, source, `limits.${k}`, ...LIMIT_RANGES[k]);
    }
  }
  if (obj.compatibility !== undefined) {
    const compat = object(obj.compatibility, source, 'compatibility');
    unknownKeys(compat, COMPAT_KEYS, source, 'compatibility.');
    layer.compatibility = {};
    for (const k of COMPAT_KEYS) {
      if (compat[k] === undefined) continue;
      if (typeof compat[k] !== 'boolean') {
        throw new ConfigError('ERR_CONFIG_TYPE', source, `compatibility.${k} must be true or false (got ${typeName(compat[k])})`);
      }
      layer.compatibility[k] = compat[k];
    }
  }
  if (obj.credentials !== undefined) {
    if (!Array.isArray(obj.credentials)) throw new ConfigError('ERR_CONFIG_TYPE', source, `credentials must be an array (got ${typeName(obj.credentials)})`);
    layer.credentials = obj.credentials.map((raw, i) => {
      const name = `credentials[${i}]`;
      const c = object(raw, source, name);
      unknownKeys(c, ['username', 'passwordHash'], source, `${name}.`);
      const username = str(c.username, source, `${name}.username`);
      const passwordHash = str(c.passwordHash, source, `${name}.passwordHash`);
      try {
        parsePasswordHash(passwordHash);
      } catch (e) {
        throw new ConfigError('ERR_CONFIG_TYPE', source, `${name}.passwordHash: ${(e as Error).message}`);
      }
      return { username, passwordHash };
    });
    const seen = new Set<string>();
    for (const c of layer.credentials) {
      if (seen.has(c.username)) throw new ConfigError('ERR_CONFIG_RANGE', source, `credentials: username ${JSON.stringify(c.username)} is listed twice`);
      seen.add(c.username);
    }
  }
  return layer;
}

export function readConfigFile(path: string): Layer {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ConfigError('ERR_CONFIG_FILE', path, 'is not a regular file');
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigError('ERR_CONFIG_FILE', path, `is larger than ${MAX_CONFIG_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError('ERR_CONFIG_FILE', path, code === 'ENOENT' ? 'no such file; check the --config path' : `cannot read (${code})`, { cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('ERR_CONFIG_PARSE', path, `not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseConfigObject(raw, path, dirname(path));
}

/** The environment variables read, each with the setting it overrides. */
export const ENV_VARS = {
  KMIPKIT_HOST: 'host',
  KMIPKIT_PORT: 'port',
  KMIPKIT_DATA_DIR: 'dataDir',
  KMIPKIT_STORE: 'store',
  KMIPKIT_TLS_CA: 'tls.ca',
  KMIPKIT_TLS_CERT: 'tls.cert',
  KMIPKIT_TLS_KEY: 'tls.key',
  KMIPKIT_MAX_CONNECTIONS: 'limits.maxConnections',
  KMIPKIT_BASIC_AUTH_SUITE: 'compatibility.basicAuthenticationSuite',
  KMIPKIT_PYKMIP_COMPAT: 'compatibility.pykmip',
  KMIPKIT_KMIP30_ALGORITHMS: 'compatibility.kmip30Algorithms',
  KMIPKIT_CONFIG: '(the configuration file)',
} as const;

function envLayer(env: NodeJS.ProcessEnv, cwd: string): Layer {
  // An empty variable counts as unset, as shells make it easy to export one by mistake.
  const get = (k: keyof typeof ENV_VARS): string | undefined => (env[k] === '' ? undefined : env[k]);
  const layer: Layer = {};
  let v: string | undefined;
  if ((v = get('KMIPKIT_HOST')) !== undefined) layer.host = v;
  if ((v = get('KMIPKIT_PORT')) !== undefined) layer.port = int(v, 'KMIPKIT_PORT', 'port', 0, 65535);
  if ((v = get('KMIPKIT_DATA_DIR')) !== undefined) layer.dataDir = resolve(cwd, v);
  if ((v = get('KMIPKIT_STORE')) !== undefined) layer.store = storeKind(v, 'KMIPKIT_STORE', 'store');
  const tls: Layer['tls'] = {};
  if ((v = get('KMIPKIT_TLS_CA')) !== undefined) tls.ca = resolve(cwd, v);
  if ((v = get('KMIPKIT_TLS_CERT')) !== undefined) tls.cert = resolve(cwd, v);
  if ((v = get('KMIPKIT_TLS_KEY')) !== undefined) tls.key = resolve(cwd, v);
  if (Object.keys(tls).length > 0) layer.tls = tls;
  if ((v = get('KMIPKIT_MAX_CONNECTIONS')) !== undefined) {
    layer.limits = { maxConnections: int(v, 'KMIPKIT_MAX_CONNECTIONS', 'maxConnections', ...LIMIT_RANGES.maxConnections) };
  }
  const compat: NonNullable<Layer['compatibility']> = {};
  if ((v = get('KMIPKIT_BASIC_AUTH_SUITE')) !== undefined) compat.basicAuthenticationSuite = bool(v, 'KMIPKIT_BASIC_AUTH_SUITE', 'basicAuthenticationSuite');
  if ((v = get('KMIPKIT_PYKMIP_COMPAT')) !== undefined) compat.pykmip = bool(v, 'KMIPKIT_PYKMIP_COMPAT', 'pykmip');
  if ((v = get('KMIPKIT_KMIP30_ALGORITHMS')) !== undefined) compat.kmip30Algorithms = bool(v, 'KMIPKIT_KMIP30_ALGORITHMS', 'kmip30Algorithms');
  if (Object.keys(compat).length > 0) layer.compatibility = compat;
  return layer;
}

function flagLayer(flags: ConfigFlags, cwd: string): Layer {
  const layer: Layer = {};
  if (flags.host !== undefined) layer.host = str(flags.host, '--host', 'host');
  if (flags.port !== undefined) layer.port = int(flags.port, '--port', 'port', 0, 65535);
  if (flags.dataDir !== undefined) layer.dataDir = resolve(cwd, str(flags.dataDir, '--data-dir', 'data directory'));
  if (flags.memory) layer.store = 'memory';
  if (flags.kmip30Algorithms) layer.compatibility = { kmip30Algorithms: true };
  return layer;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

export function loadConfig(flags: ConfigFlags = {}, opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ServeConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const fromEnv = envLayer(env, cwd);
  const fromFlags = flagLayer(flags, cwd);

  // The file is found through the data directory the environment or flags name (never the file's own).
  const explicit = flags.config ?? (env.KMIPKIT_CONFIG || undefined);
  const dirForFile = fromFlags.dataDir ?? fromEnv.dataDir ?? resolve(cwd, DEFAULT_DATA_DIR);
  const implicit = join(dirForFile, CONFIG_FILE_NAME);
  const configFile = explicit !== undefined ? resolve(cwd, explicit) : exists(implicit) ? implicit : undefined;
  const fromFile = configFile !== undefined ? readConfigFile(configFile) : {};

  const layers = [fromFile, fromEnv, fromFlags];
  const pick = <K extends keyof Layer>(k: K): Layer[K] => layers.reduce<Layer[K]>((acc, l) => l[k] ?? acc, undefined);
  const merge = <K extends 'tls' | 'limits' | 'compatibility'>(k: K): NonNullable<Layer[K]> =>
    Object.assign({}, ...layers.map((l) => l[k] ?? {})) as NonNullable<Layer[K]>;

  const config: ServeConfig = {
    host: pick('host') ?? DEFAULT_HOST,
    port: pick('port') ?? DEFAULT_PORT,
    dataDir: pick('dataDir') ?? resolve(cwd, DEFAULT_DATA_DIR),
    store: pick('store') ?? 'sqlite',
    limits: merge('limits'),
    compatibility: {
      basicAuthenticationSuite: merge('compatibility').basicAuthenticationSuite ?? false,
      pykmip: merge('compatibility').pykmip ?? false,
      kmip30Algorithms: merge('compatibility').kmip30Algorithms ?? false,
    },
    credentials: pick('credentials') ?? [],
    configFile,
  };
  const tls = merge('tls');
  const given = TLS_KEYS.filter((k) => tls[k] !== undefined);
  if (given.length > 0) {
    if (given.length < TLS_KEYS.length) {
      const missing = TLS_KEYS.filter((k) => tls[k] === undefined).map((k) => `tls.${k}`);
      throw new ConfigError('ERR_CONFIG_INCOMPLETE', 'tls', `ca, cert and key go together; ${missing.join(', ')} missing (or omit tls for development certificates)`);
    }
    for (const k of TLS_KEYS) {
      if (!exists(tls[k]!)) throw new ConfigError('ERR_CONFIG_MISSING_FILE', `tls.${k}`, `${tls[k]} does not exist`);
    }
    config.tls = { ca: tls.ca!, cert: tls.cert!, key: tls.key! };
  }
  return config;
}
