// The harness's connection: the client's KmipConnection (mutual TLS, framed responses in order,
// bounded waits), with its failures reported as ConformanceErrors.
import { KmipConnection as ClientConnection, KmipTransportError, type ConnectionOptions as ClientOptions } from '../client/connection.js';
import { ConformanceError } from './errors.js';

/** A server that never answers must not hang the run. */
export const RESPONSE_TIMEOUT_MS = 30_000;
/** TLS handshake budget: a peer that accepts TCP and stalls gets this long. */
export const CONNECT_TIMEOUT_MS = 15_000;

export type ConnectionOptions = Pick<ClientOptions, 'host' | 'port' | 'ca' | 'cert' | 'key' | 'servername'>;

function asConformance(e: unknown): unknown {
  if (!(e instanceof KmipTransportError)) return e;
  return new ConformanceError(e.code === 'ABORTED' ? 'CLOSED' : e.code, e.message);
}

export class KmipConnection {
  private constructor(private readonly c: ClientConnection) {}

  static async open(o: ConnectionOptions): Promise<KmipConnection> {
    try {
      return new KmipConnection(await ClientConnection.open({ ...o, connectTimeoutMs: CONNECT_TIMEOUT_MS, responseTimeoutMs: RESPONSE_TIMEOUT_MS }));
    } catch (e) {
      throw asConformance(e);
    }
  }

  /** Writes one request message and resolves with the next whole response message. */
  async roundTrip(request: Uint8Array, timeoutMs = RESPONSE_TIMEOUT_MS): Promise<Uint8Array> {
    try {
      return await this.c.send(request, { timeoutMs });
    } catch (e) {
      throw asConformance(e);
    }
  }

  close(): Promise<void> {
    return this.c.close();
  }
}
