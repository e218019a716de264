// One KMIP connection: mutual TLS, whole messages in and out through the framer, responses matched to
// requests in order (KMIP over TLS answers in the order it was asked), every wait bounded.
import { connect, type TLSSocket } from 'node:tls';
import { TtlvFramer } from '../ttlv/index.js';

/** A TLS handshake that has not finished by then will not. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A response slower than this is treated as lost; the connection is closed, as its order is unknown. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 30_000;

export type TransportErrorCode = 'CONNECT' | 'TIMEOUT' | 'CLOSED' | 'BAD_RESPONSE' | 'ABORTED';

/** The connection failed; the server's KMIP answer is never one of these. */
export class KmipTransportError extends Error {
  readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmipTransportError';
    this.code = code;
  }
}

type Pem = string | Buffer;

export interface ConnectionOptions {
  host: string;
  port: number;
  /** CA the server's certificate must chain to. */
  ca: Pem;
  /** The client certificate and key (KMIP servers require one). */
  cert: Pem;
  key: Pem;
  /** Name to verify the server certificate against; default `host` (none for an IP address). */
  servername?: string;
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** Largest response accepted (framer limit). */
  maxMessageSize?: number;
}

export interface SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Waiter {
  resolve(m: Uint8Array): void;
  reject(e: Error): void;
}

export class KmipConnection {
  private readonly framer: TtlvFramer;
  private readonly waiting: Waiter[] = [];
  private failure: KmipTransportError | undefined;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly responseTimeoutMs: number,
    maxMessageSize: number | undefined,
  ) {
    this.framer = new TtlvFramer({ maxSize: maxMessageSize });
    socket.on('data', (chunk: Buffer) => {
      let messages: Uint8Array[];
      try {
        messages = this.framer.push(chunk);
      } catch (e) {
        this.fail(new KmipTransportError('BAD_RESPONSE', `the response does not frame: ${(e as Error).message}`, { cause: e }));
        return;
      }
      for (const m of messages) {
        const w = this.waiting.shift();
        if (!w) {
          this.fail(new KmipTransportError('BAD_RESPONSE', 'the server sent a message nobody asked for'));
          return;
        }
        w.resolve(m.slice());
      }
      // Whole responses came before bytes that do not frame: they are delivered, then the connection goes.
      if (this.framer.error) {
        this.fail(new KmipTransportError('BAD_RESPONSE', `the response does not frame: ${this.framer.error.message}`, { cause: this.framer.error }));
      }
    });
    socket.on('error', (e) => this.fail(new KmipTransportError('CLOSED', `connection error: ${e.message}`, { cause: e })));
    socket.on('close', () => this.fail(new KmipTransportError('CLOSED', 'the server closed the connection')));
    // The server's FIN: the connection is dead from now on, before 'close' (a pool must not reuse it).
    socket.on('end', () => this.fail(new KmipTransportError('CLOSED', 'the server closed the connection')));
  }

  static open(o: ConnectionOptions): Promise<KmipConnection> {
    const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const isIp = /^[\d.]+$|:/.test(o.host);
      const socket = connect({
        host: o.host,
        port: o.port,
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        servername: o.servername ?? (isIp ? undefined : o.host),
        minVersion: 'TLSv1.2',
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KmipTransportError('TIMEOUT', `TLS handshake with ${o.host}:${o.port} took over ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new KmipConnection(socket, o.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS, o.maxMessageSize));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new KmipTransportError('CONNECT', `cannot connect to ${o.host}:${o.port}: ${e.message}`, { cause: e }));
      });
    });
  }

  /** True until the connection fails or is closed. */
  get open(): boolean {
    return this.failure === undefined;
  }

  /** Writes one request message; resolves with its response message. Requests may be pipelined. */
  send(message: Uint8Array, options: SendOptions = {}): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (options.signal?.aborted) return Promise.reject(new KmipTransportError('ABORTED', 'aborted before sending'));
    const timeoutMs = options.timeoutMs ?? this.responseTimeoutMs;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      // A response that never comes, or one given up on, leaves the order unknown: the connection goes.
      const timer = setTimeout(() => this.fail(new KmipTransportError('TIMEOUT', `no response within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = () => this.fail(new KmipTransportError('ABORTED', 'aborted while waiting for the response'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push({
        resolve: (m) => { done(); resolve(m); },
        reject: (e) => { done(); reject(e); },
      });
      this.socket.write(message);
    });
  }

  private fail(e: KmipTransportError): void {
    if (this.failure) return;
    this.failure = e;
    this.socket.destroy();
    for (const w of this.waiting.splice(0)) w.reject(e);
  }

  /** Ends the connection; requests still waiting fail with CLOSED. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) {
        this.fail(new KmipTransportError('CLOSED', 'the connection was closed'));
        return resolve();
      }
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }
}
