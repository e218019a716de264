// A minimal KMIP client connection for the harness: mutual TLS, one request written, one framed
// response read (TtlvFramer), strictly in turn.
import { connect, type TLSSocket } from 'node:tls';
import { TtlvFramer } from '../ttlv/index.js';
import { ConformanceError } from './errors.js';

/** A server that never answers must not hang the run. */
export const RESPONSE_TIMEOUT_MS = 30_000;
/** TLS handshake budget: a peer that accepts TCP and stalls gets this long. */
export const CONNECT_TIMEOUT_MS = 15_000;

export interface ConnectionOptions {
  host: string;
  port: number;
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
  /** Server name to verify; defaults to `host`. */
  servername?: string;
}

export class KmipConnection {
  private readonly framer = new TtlvFramer();
  private queue: Uint8Array[] = [];
  private waiter: ((m: Uint8Array | Error) => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const m of this.framer.push(chunk)) this.deliver(new Uint8Array(m));
        if (this.framer.error) throw this.framer.error;
      } catch (e) {
        this.fail(new ConformanceError('BAD_RESPONSE', `response does not frame: ${(e as Error).message}`));
      }
    });
    socket.on('error', (e) => this.fail(new ConformanceError('CLOSED', `connection error: ${e.message}`)));
    socket.on('close', () => this.fail(new ConformanceError('CLOSED', 'the server closed the connection')));
  }

  static open(o: ConnectionOptions): Promise<KmipConnection> {
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
        reject(new ConformanceError('TIMEOUT', `TLS handshake with ${o.host}:${o.port} took over ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new KmipConnection(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new ConformanceError('CONNECT', `cannot connect to ${o.host}:${o.port}: ${e.message}`));
      });
    });
  }

  private deliver(m: Uint8Array): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(m);
    } else this.queue.push(m);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(e);
    }
  }

  /** Writes one request message and resolves with the next whole response message. */
  roundTrip(request: Uint8Array, timeoutMs = RESPONSE_TIMEOUT_MS): Promise<Uint8Array> {
    const queued = this.queue.shift();
    if (queued) return Promise.reject(new ConformanceError('BAD_RESPONSE', 'the server sent a message nobody asked for'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new ConformanceError('TIMEOUT', `no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (m) => {
        clearTimeout(timer);
        if (m instanceof Error) reject(m);
        else resolve(m);
      };
      this.socket.write(request);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => { this.socket.destroy(); }, 1000).unref();
    });
  }
}
