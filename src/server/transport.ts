// KMIP over TLS: mutual TLS, TTLV framing, one request at a time per connection, and the timeouts and
// limits that keep a slow or hostile peer from holding the server (see limits.ts).
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { TtlvFramer } from '../ttlv/framer.js';
import { identityOf } from './identity.js';
import { DEFAULT_LIMITS, LIMIT_RANGES, type TransportLimits } from './limits.js';
import type { ClientIdentity, MessageHandler } from './types.js';

type Pem = string | Buffer;
export type LogFn = (event: Record<string, unknown>) => void;

export interface TransportTls {
  /** CA certificate(s) that client certificates must chain to. */
  ca: Pem | Pem[];
  cert: Pem;
  key: Pem;
}

export interface TransportOptions {
  host?: string;
  /** 0 picks an ephemeral port. */
  port?: number;
  tls: TransportTls;
  limits?: Partial<TransportLimits>;
  /** KMIP 1.4 Basic Authentication Suite: also offer TLS 1.2 RSA-key-exchange CBC suites for old clients. */
  basicAuthenticationSuite?: boolean;
  log?: LogFn;
}

export interface Transport {
  address(): { host: string; port: number };
  /** Stops accepting, lets in-flight requests finish (up to closeGraceMs), then destroys what is left. */
  close(): Promise<void>;
  /** Open sockets, those still handshaking included. */
  connections(): number;
}

/** Forward-secret AEAD suites only. TLS 1.3 suites are listed so that no default can widen them. */
export const MODERN_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** KMIP 1.4 Profiles, Basic Authentication Suite: TLS_RSA_WITH_AES_256_CBC_SHA256 and
 *  TLS_RSA_WITH_AES_128_CBC_SHA256 are mandatory, the SHA-1 variants recommended. Offered after the
 *  modern suites (server order), so only a client that knows nothing better gets them. */
export const BASIC_AUTHENTICATION_SUITE_CIPHERS = ['AES256-SHA256', 'AES128-SHA256', 'AES256-SHA', 'AES128-SHA'].join(':');

export type TransportErrorCode = 'ERR_TRANSPORT_LISTEN' | 'ERR_TRANSPORT_TLS_CONFIG';

export class TransportError extends Error {
  readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.code = code;
  }
}

type TimerKind = 'idle' | 'message' | 'write';

/** One verified TLS connection: frames requests, runs them one at a time, writes responses in order. */
class Connection {
  private readonly framer: TtlvFramer;
  private readonly queue: Uint8Array[] = [];
  private busy = false;
  private closing = false;
  /** The stream stopped framing after whole requests: those are answered, then the connection ends. */
  private unframed = false;
  private timer: NodeJS.Timeout | undefined;
  private timerKind: TimerKind | undefined;

  constructor(
    private readonly socket: TLSSocket,
    private readonly client: ClientIdentity,
    private readonly handler: MessageHandler,
    private readonly limits: TransportLimits,
    private readonly log: LogFn,
  ) {
    this.framer = new TtlvFramer({ maxSize: limits.maxMessageSize });
  }

  start(): void {
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.event('socket-error', { code: err.code ?? err.name }));
    this.socket.on('close', () => this.clearTimer());
    this.arm(false);
  }

  /** Finishes the request in flight, if any, and then closes; queued requests are not started. */
  shutdown(): void {
    this.closing = true;
    this.queue.length = 0;
    if (!this.busy) this.end();
  }

  private onData(chunk: Buffer): void {
    if (this.unframed) return;
    const before = this.framer.pending;
    let messages: Uint8Array[];
    try {
      messages = this.framer.push(chunk);
    } catch (err) {
      // A stream that does not frame cannot be resynchronised: drop this connection only.
      this.event('framing-error', { code: (err as { code?: string }).code });
      this.socket.destroy();
      return;
    }
    for (const m of messages) this.queue.push(m);
    // A client that pipelines: read no more until the queue drains, so it cannot queue unbounded work.
    // (Pausing for every request would cost a readStop/readStart per message for sequential clients.)
    if (this.busy && this.queue.length > 0) this.socket.pause();
    if (this.framer.error) {
      // Whole requests came before the bad bytes: answer them, read nothing more, then close.
      this.event('framing-error', { code: this.framer.error.code });
      this.unframed = true;
      this.socket.pause();
    }
    if (this.closing) return;
    if (this.queue.length > 0) this.pump();
    // A new message began (its first bytes are here): it gets a fresh deadline; a continuing one keeps its own.
    else this.arm(before === 0 || messages.length > 0);
  }

  private pump(): void {
    if (this.busy || this.socket.destroyed) return;
    const request = this.queue.shift();
    if (request === undefined) {
      if (this.closing || this.unframed) return this.end();
      if (this.socket.isPaused()) this.socket.resume();
      this.arm(true);
      return;
    }
    this.busy = true;
    this.clearTimer();
    // Requests are answered in order, one at a time; more that arrive meanwhile wait in the queue, and
    // the socket is paused once one does (onData), so at most one chunk's worth is ever queued.
    new Promise<Uint8Array>((resolve) => resolve(this.handler.handle(request, this.client))).then(
      (response) => {
        if (!(response instanceof Uint8Array)) throw new TypeError('handler resolved with something other than bytes');
        this.write(response);
      },
    ).catch((err: unknown) => {
      // The handler is meant never to reject; if it does, this connection ends and the process lives on.
      this.event('handler-error', { error: describe(err) });
      this.busy = false;
      this.socket.destroy();
    });
  }

  private write(response: Uint8Array): void {
    if (this.socket.destroyed) {
      this.busy = false;
      return;
    }
    if (this.socket.write(response)) return this.done();
    this.setTimer('write', this.limits.writeTimeoutMs);
    const onDrain = (): void => {
      this.socket.off('close', onClose);
      this.done();
    };
    const onClose = (): void => {
      this.socket.off('drain', onDrain);
      this.busy = false;
    };
    this.socket.once('drain', onDrain);
    this.socket.once('close', onClose);
  }

  private done(): void {
    this.busy = false;
    this.clearTimer();
    if (this.closing) return this.end();
    this.pump();
  }

  private end(): void {
    this.clearTimer();
    if (this.socket.destroyed) return;
    // Flush what was written (close_notify included), then let go of the socket without waiting on the peer.
    this.socket.end(() => this.socket.destroy());
  }

  /** Sets the deadline for the current state: a message in progress, or idle. */
  private arm(newMessage: boolean): void {
    if (this.busy || this.socket.destroyed) return;
    if (this.framer.pending > 0) {
      if (this.timerKind !== 'message' || newMessage) this.setTimer('message', this.limits.messageTimeoutMs);
    } else {
      this.setTimer('idle', this.limits.idleTimeoutMs);
    }
  }

  private setTimer(kind: TimerKind, ms: number): void {
    this.clearTimer();
    this.timerKind = kind;
    this.timer = setTimeout(() => {
      this.event('timeout', { kind });
      this.socket.destroy();
    }, ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerKind = undefined;
  }

  private event(event: string, fields: Record<string, unknown>): void {
    this.log({ event, principal: this.client.principal, remoteAddress: this.client.remoteAddress, ...fields });
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  return [e?.name, e?.code].filter(Boolean).join(' ') || String(err);
}

function validateLimits(limits: TransportLimits): void {
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`limits.${k} must be a positive integer (got ${v})`);
    const range = LIMIT_RANGES[k as keyof TransportLimits];
    if (range && (v < range[0] || v > range[1])) throw new RangeError(`limits.${k} must be between ${range[0]} and ${range[1]} (got ${v})`);
  }
}

export async function startTransport(options: TransportOptions, handler: MessageHandler): Promise<Transport> {
  const limits: TransportLimits = { ...DEFAULT_LIMITS, ...options.limits };
  validateLimits(limits);
  const log: LogFn = options.log ?? (() => {});
  const ciphers = options.basicAuthenticationSuite ? `${MODERN_CIPHERS}:${BASIC_AUTHENTICATION_SUITE_CIPHERS}` : MODERN_CIPHERS;

  let server;
  try {
    server = createTlsServer({
      ca: options.tls.ca,
      cert: options.tls.cert,
      key: options.tls.key,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ciphers,
      honorCipherOrder: true,
      handshakeTimeout: limits.handshakeTimeoutMs,
      // Only a full TLS record stream with a verified certificate reaches us; no session tickets to rotate.
      sessionTimeout: 300,
    });
  } catch (err) {
    // Node's message names the bad input (e.g. "bad base64 decode") but never includes key bytes.
    throw new TransportError('ERR_TRANSPORT_TLS_CONFIG', `TLS configuration rejected: ${(err as Error).message}`, { cause: err });
  }
  // net.Server destroys sockets over this on accept, before any TLS work is spent on them.
  server.maxConnections = limits.maxConnections;

  const sockets = new Set<Socket>();
  const live = new Set<Connection>();
  const tlsSockets = new Set<TLSSocket>();
  let closing = false;
  let onDrained: (() => void) | undefined;

  server.on('connection', (raw: Socket) => {
    // Responses are single small writes a client waits on: send each at once (no Nagle delay).
    raw.setNoDelay(true);
    sockets.add(raw);
    raw.once('close', () => sockets.delete(raw));
  });
  server.on('drop', (d?: { remoteAddress?: string }) => log({ event: 'connection-limit', remoteAddress: d?.remoteAddress, max: limits.maxConnections }));
  // With a listener here Node leaves the socket to us: a failed or timed-out handshake must be destroyed.
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    log({ event: 'tls-error', code: err.code ?? err.name, remoteAddress: socket.remoteAddress });
    socket.destroy();
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const client = identityOf(socket);
    if (!client || closing) {
      if (!client) log({ event: 'tls-error', code: 'UNVERIFIED_CLIENT', remoteAddress: socket.remoteAddress });
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, client, handler, limits, log);
    live.add(conn);
    tlsSockets.add(socket);
    socket.once('close', () => {
      live.delete(conn);
      tlsSockets.delete(socket);
      if (live.size === 0) onDrained?.();
    });
    conn.start();
  });
  server.on('error', (err: Error) => log({ event: 'server-error', error: describe(err) }));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `${options.host ?? '0.0.0.0'}:${options.port ?? 5696}`;
      const hint = err.code === 'EADDRINUSE' ? 'the port is in use; choose another' : err.code === 'EACCES' ? 'ports below 1024 need privileges; choose another' : '';
      reject(new TransportError('ERR_TRANSPORT_LISTEN', `cannot listen on ${where}: ${err.code ?? err.message}${hint ? ` (${hint})` : ''}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(options.port ?? 5696, options.host ?? '0.0.0.0', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? { host: bound.address, port: bound.port } : { host: String(bound), port: 0 };

  let closed: Promise<void> | undefined;
  return {
    address: () => ({ ...address }),
    connections: () => sockets.size,
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Sockets still handshaking have no request in flight: only verified connections are waited for.
        const drained = new Promise<void>((resolve) => {
          if (live.size === 0) return resolve();
          onDrained = resolve;
        });
        for (const conn of [...live]) conn.shutdown();
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, limits.closeGraceMs)));
        await Promise.race([drained, grace]);
        clearTimeout(timer);
        for (const socket of tlsSockets) socket.destroy();
        for (const raw of sockets) raw.destroy();
        await stopped;
      })();
      return closed;
    },
  };
}
