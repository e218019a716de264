// Connections to one or more KMIP servers. Per server: up to `maxConnections` kept-alive connections,
// reused while open, dropped when the socket dies or sits idle too long, reopened on demand. Servers
// are tried in the order given; one that cannot be reached is marked down and skipped until a health
// check (Discover Versions on a new connection) passes. Only idempotent requests are retried after a
// transport failure, with jittered exponential backoff; a connect failure (nothing sent) may move any
// request to the next server.
import { KmipConnection, KmipTransportError } from './connection.js';
import { KmipError, KmipProtocolError } from './errors.js';
import { CLIENT_VERSIONS, parseResponse, requestMessage, type VersionNumber } from './messages.js';
import { discoverVersions } from './ops.js';
import { encode } from '../ttlv/index.js';
import type { TtlvItem } from '../ttlv/types.js';
import { ResultReason } from '../dict/index.js';

type Pem = string | Buffer;

export interface ServerAddress {
  host: string;
  port: number;
  /** Name the server certificate must carry; default `host` (none for an IP address). */
  servername?: string;
}

export interface PoolOptions {
  servers: readonly ServerAddress[];
  tls: { ca: Pem; cert: Pem; key: Pem };
  /** Pin a protocol version (major*10+minor); otherwise Discover Versions picks one per server. */
  version?: VersionNumber;
  maxConnectionsPerServer?: number;
  connectTimeoutMs?: number;
  /** An idle connection older than this is closed rather than reused (servers drop idle clients). */
  idleTimeoutMs?: number;
  /** First wait before a down server is checked again; doubles per failed check up to 60 s. */
  healthCheckIntervalMs?: number;
  /** Retries of an idempotent request after a transport failure. */
  retries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  maxMessageSize?: number;
  /** Request Header fields (Authentication) sent with the pool's own Discover Versions too. */
  header?: TtlvItem[];
}

/** Result Reasons with which a KMIP 1.0 server refuses Discover Versions (an operation it does not have). */
const NOT_UNDERSTOOD = new Set<number>([ResultReason.OperationNotSupported, ResultReason.InvalidMessage, ResultReason.FeatureNotSupported, ResultReason.UnsupportedProtocolVersion]);

export const DEFAULT_MAX_CONNECTIONS = 4;
/** Below the usual server idle timeouts (ours and PyKMIP's), so a reused socket is rarely a dead one. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 1_000;
/** A server down for long is still checked at least this often. */
export const MAX_HEALTH_CHECK_INTERVAL_MS = 60_000;
export const DEFAULT_RETRIES = 2;
export const DEFAULT_RETRY_BASE_DELAY_MS = 50;
export const DEFAULT_RETRY_MAX_DELAY_MS = 2_000;
/** A connect or health check that has not finished by then will not (Node's own TLS default is 120 s). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

interface Pooled {
  conn: KmipConnection;
  inflight: number;
  lastUsed: number;
}

export interface ServerStatus {
  host: string;
  port: number;
  up: boolean;
  /** Negotiated (or pinned) protocol version, once known. */
  version?: string;
  connections: number;
  lastError?: string;
}

class ServerEntry {
  readonly pool: Pooled[] = [];
  opening = 0;
  downUntil = 0;
  downFor = 0;
  version: VersionNumber | undefined;
  lastError: Error | undefined;
  checking: Promise<boolean> | undefined;
  constructor(readonly address: ServerAddress) {}
  get up(): boolean {
    return this.downFor === 0;
  }
}

export interface RequestOptions {
  idempotent: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface PoolResponse {
  bytes: Uint8Array;
  version: VersionNumber;
  server: ServerAddress;
}

const transport = (e: unknown): e is KmipTransportError => e instanceof KmipTransportError;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new KmipTransportError('ABORTED', 'aborted'));
    const onAbort = () => {
      clearTimeout(t);
      reject(new KmipTransportError('ABORTED', 'aborted while waiting to retry'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Stops waiting on `p` when the signal fires; what `p` was doing (a connect) finishes in the background. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new KmipTransportError('ABORTED', 'aborted while connecting'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export class ConnectionPool {
  private readonly servers: ServerEntry[];
  private closed = false;
  private readonly o: Required<Omit<PoolOptions, 'version' | 'maxMessageSize' | 'servers' | 'tls' | 'header'>> & PoolOptions;

  constructor(options: PoolOptions) {
    if (!options.servers.length) throw new TypeError('KmipClient needs at least one server');
    this.o = {
      maxConnectionsPerServer: DEFAULT_MAX_CONNECTIONS,
      connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
      idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
      healthCheckIntervalMs: DEFAULT_HEALTH_CHECK_INTERVAL_MS,
      retries: DEFAULT_RETRIES,
      retryBaseDelayMs: DEFAULT_RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: DEFAULT_RETRY_MAX_DELAY_MS,
      ...options,
    };
    this.servers = options.servers.map((s) => new ServerEntry(s));
  }

  status(): ServerStatus[] {
    return this.servers.map((s) => ({
      host: s.address.host,
      port: s.address.port,
      up: s.up,
      ...(s.version !== undefined ? { version: `${Math.floor(s.version / 10)}.${s.version % 10}` } : {}),
      connections: s.pool.filter((p) => p.conn.open).length,
      ...(s.lastError ? { lastError: s.lastError.message } : {}),
    }));
  }

  /**
   * Sends the message `build` makes for the server's protocol version; resolves with the response bytes.
   * Rejects with KmipTransportError when no server answered.
   */
  async request(build: (v: VersionNumber) => Uint8Array, options: RequestOptions): Promise<PoolResponse> {
    const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined;
    const remaining = () => {
      if (deadline === undefined) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new KmipTransportError('TIMEOUT', `no response within ${options.timeoutMs} ms`);
      return left;
    };
    let retries = 0;
    let connectFailures = 0;
    for (;;) {
      if (this.closed) throw new KmipTransportError('CLOSED', 'the client is closed');
      if (options.signal?.aborted) throw new KmipTransportError('ABORTED', 'aborted before sending');
      const server = await abortable(this.pick(remaining()), options.signal);
      // The call's own deadline running out is not the server's fault: checked outside the try.
      const connectBudget = remaining();
      let pooled: Pooled;
      try {
        pooled = await abortable(this.acquire(server, connectBudget), options.signal);
      } catch (e) {
        if (!transport(e) || e.code === 'ABORTED') throw e;
        // Nothing was sent: any request may go to the next server.
        this.markDown(server, e);
        if (++connectFailures > this.servers.length * 2) throw e;
        continue;
      }
      const bytes = build(server.version!);
      const responseBudget = remaining();
      pooled.inflight++;
      try {
        const response = await pooled.conn.send(bytes, { signal: options.signal, timeoutMs: responseBudget });
        return { bytes: response, version: server.version!, server: server.address };
      } catch (e) {
        if (!transport(e)) throw e;
        server.lastError = e;
        // Another request's abort on this pipelined connection is a lost connection for this one.
        const lost = e.code === 'ABORTED' && !options.signal?.aborted ? new KmipTransportError('CLOSED', 'the connection was lost: another request on it was aborted', { cause: e }) : e;
        if (lost.code === 'ABORTED' || lost.code === 'BAD_RESPONSE' || !options.idempotent || retries >= this.o.retries) throw lost;
        retries++;
        const cap = Math.min(this.o.retryMaxDelayMs, this.o.retryBaseDelayMs * 2 ** (retries - 1), deadline === undefined ? Infinity : Math.max(0, deadline - Date.now()));
        await sleep(Math.random() * cap, options.signal); // full jitter
      } finally {
        pooled.inflight--;
        pooled.lastUsed = Date.now();
      }
    }
  }

  /** The protocol version of the preferred reachable server, connecting (and negotiating) when needed. */
  async version(timeoutMs?: number): Promise<VersionNumber> {
    const deadline = timeoutMs !== undefined ? Date.now() + timeoutMs : undefined;
    const left = () => (deadline === undefined ? undefined : Math.max(1, deadline - Date.now()));
    for (let failures = 0; ; failures++) {
      if (this.closed) throw new KmipTransportError('CLOSED', 'the client is closed');
      const server = await this.pick(left());
      try {
        await this.acquire(server, left());
        return server.version!;
      } catch (e) {
        if (!transport(e) || failures >= this.servers.length * 2) throw e;
        this.markDown(server, e);
      }
    }
  }

  /** The first server that is up; a down one whose check is due is checked first. All down: check them all now. */
  private async pick(timeoutMs: number | undefined): Promise<ServerEntry> {
    const now = Date.now();
    const checked = new Set<ServerEntry>();
    for (const s of this.servers) {
      if (s.up) return s;
      if (s.downUntil > now) continue;
      checked.add(s);
      if (await this.healthCheck(s, timeoutMs)) return s;
    }
    for (const s of this.servers) if (!checked.has(s) && (await this.healthCheck(s, timeoutMs))) return s;
    const detail = this.servers.map((s) => `${s.address.host}:${s.address.port} (${s.lastError?.message ?? 'down'})`).join('; ');
    throw new KmipTransportError('CONNECT', `no KMIP server is reachable: ${detail}`);
  }

  private markDown(s: ServerEntry, e: Error): void {
    s.lastError = e;
    s.downFor = s.downFor ? Math.min(s.downFor * 2, MAX_HEALTH_CHECK_INTERVAL_MS) : this.o.healthCheckIntervalMs;
    s.downUntil = Date.now() + s.downFor;
    // A server that comes back may be another build: negotiate again.
    if (this.o.version === undefined) s.version = undefined;
    for (const p of s.pool.splice(0)) void p.conn.close().catch(() => undefined);
  }

  /** Discover Versions on a new connection; the connection joins the pool when it passes. */
  healthCheck(s: ServerEntry, timeoutMs?: number): Promise<boolean> {
    s.checking ??= (async () => {
      try {
        const conn = await this.open(s, timeoutMs);
        await this.negotiate(s, conn, true, timeoutMs);
        s.pool.push({ conn, inflight: 0, lastUsed: Date.now() });
        s.downFor = 0;
        s.downUntil = 0;
        return true;
      } catch (e) {
        this.markDown(s, e as Error);
        return false;
      } finally {
        s.checking = undefined;
      }
    })();
    return s.checking;
  }

  private open(s: ServerEntry, timeoutMs: number | undefined): Promise<KmipConnection> {
    const { tls } = this.o;
    return KmipConnection.open({
      host: s.address.host,
      port: s.address.port,
      servername: s.address.servername,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      connectTimeoutMs: Math.min(this.o.connectTimeoutMs, timeoutMs ?? Infinity),
      maxMessageSize: this.o.maxMessageSize,
    });
  }

  /** Sets the server's version: the pinned one, or the best both speak by Discover Versions. */
  private async negotiate(s: ServerEntry, conn: KmipConnection, always: boolean, timeoutMs: number | undefined): Promise<void> {
    if (this.o.version !== undefined) {
      s.version = this.o.version;
      if (!always) return;
    } else if (s.version !== undefined && !always) return;
    const spec = discoverVersions(this.o.version !== undefined ? [this.o.version] : CLIENT_VERSIONS);
    const items = [{ operation: spec.operation, payload: spec.payload(11) }];
    // Discover Versions exists since 1.1; a 1.0-only server answers it with a failure.
    const response = await conn.send(encode(requestMessage(this.o.version ?? 11, items, { header: this.o.header })), { timeoutMs: timeoutMs ?? this.o.connectTimeoutMs });
    const parsed = parseResponse(response, items);
    const item = parsed.items[0] ?? { error: parsed.messageError };
    if (this.o.version !== undefined) return; // a health check: any KMIP answer is a live server
    if (item.error) {
      // A 1.0 server does not know the operation; any other refusal (credentials, ...) is the caller's to see.
      if (item.error.reasonCode === undefined || NOT_UNDERSTOOD.has(item.error.reasonCode)) {
        s.version = 10;
        return;
      }
      throw item.error;
    }
    const theirs = spec.parse('payload' in item ? item.payload : undefined, 11).map((t) => Number(t.replace('.', '')));
    // The best version both speak, whatever order the server lists them in; none listed means none in common.
    const common = theirs.filter((v) => CLIENT_VERSIONS.includes(v));
    if (common.length === 0) {
      const listed = theirs.length ? `the server speaks ${theirs.map((v) => `${Math.floor(v / 10)}.${v % 10}`).join(', ')}` : 'the server listed none of the versions asked for';
      throw new KmipError({ status: 'OperationFailed', resultMessage: `no protocol version in common: ${listed}`, operation: 'DiscoverVersions' });
    }
    s.version = Math.max(...common);
  }

  private async acquire(s: ServerEntry, timeoutMs: number | undefined): Promise<Pooled> {
    const now = Date.now();
    for (let i = s.pool.length - 1; i >= 0; i--) {
      const p = s.pool[i];
      const stale = p.inflight === 0 && now - p.lastUsed > this.o.idleTimeoutMs;
      if (!p.conn.open || stale) {
        s.pool.splice(i, 1);
        if (stale) void p.conn.close().catch(() => undefined);
      }
    }
    const free = s.pool.find((p) => p.inflight === 0);
    if (free && s.version !== undefined) {
      // Let socket events already received (a FIN from a server that closed or restarted) land first, so
      // a connection that died while idle is found dead here rather than after a request is written to it.
      await new Promise((r) => setImmediate(r));
      if (free.conn.open) return free;
      s.pool.splice(s.pool.indexOf(free), 1);
      return this.acquire(s, timeoutMs);
    }
    if (s.pool.length + s.opening < this.o.maxConnectionsPerServer || s.pool.length === 0) {
      s.opening++;
      let conn: KmipConnection;
      try {
        conn = await this.open(s, timeoutMs);
      } finally {
        s.opening--;
      }
      try {
        await this.negotiate(s, conn, false, timeoutMs);
      } catch (e) {
        void conn.close().catch(() => undefined);
        // A KMIP failure here is a real answer, not a down server.
        if (e instanceof KmipError || e instanceof KmipProtocolError) throw e;
        throw transport(e) ? e : new KmipTransportError('CONNECT', `version negotiation failed: ${(e as Error).message}`, { cause: e });
      }
      if (this.closed) {
        void conn.close();
        throw new KmipTransportError('CLOSED', 'the client is closed');
      }
      const p = { conn, inflight: 0, lastUsed: Date.now() };
      s.pool.push(p);
      return p;
    }
    // Every connection is busy and the cap is reached: pipeline on the least busy one.
    return s.pool.reduce((a, b) => (b.inflight < a.inflight ? b : a));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.servers.flatMap((s) => s.pool.splice(0).map((p) => p.conn.close().catch(() => undefined))));
  }
}
