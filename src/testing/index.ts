// kmipkit/testing: a real KMIP server and a client connected to it, in one call, for other projects'
// tests. The server is the production one (mutual TLS on an ephemeral loopback port, in-memory store by
// default, throwaway development certificates); the client speaks whole KMIP messages.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KmipConnection, KmipTransportError, type SendOptions } from '../client/connection.js';
import { ResultStatus, Tag, enumByName } from '../dict/index.js';
import { child, children, enm, int, read, struct } from '../kmip/items.js';
import { createServer, type KmipServer, type ServerOptions } from '../server/index.js';
import { decode, encode } from '../ttlv/index.js';
import type { TtlvItem } from '../ttlv/types.js';

export { KmipConnection, KmipTransportError } from '../client/connection.js';
export { bool, bytes, child, children, date, enm, int, interval, long, read, struct, text } from '../kmip/items.js';

/** A protocol version as [major, minor]. */
export type Version = readonly [number, number];
const LATEST: Version = [2, 1];

/** A batch item that failed: the server's Result Status, Result Reason and Result Message. */
export class KmipResultError extends Error {
  /** Result Status name, e.g. 'OperationFailed'. */
  readonly status: string;
  /** Result Reason name, e.g. 'ItemNotFound' (undefined when the server gave none). */
  readonly reason: string | undefined;
  readonly resultMessage: string | undefined;
  readonly batchIndex: number;
  constructor(status: string, reason: string | undefined, resultMessage: string | undefined, batchIndex: number) {
    super(`${status}${reason ? ` (${reason})` : ''}${resultMessage ? `: ${resultMessage}` : ''}`);
    this.name = 'KmipResultError';
    this.status = status;
    this.reason = reason;
    this.resultMessage = resultMessage;
    this.batchIndex = batchIndex;
  }
}

export interface BatchResult {
  operation: string | undefined;
  status: string;
  reason?: string;
  message?: string;
  /** The Response Payload, when the item succeeded and has one. */
  payload?: TtlvItem;
}

const nameOf = (enumeration: string, v: number | undefined): string | undefined =>
  v === undefined ? undefined : (enumByName(enumeration)?.valueName(v) ?? `0x${v.toString(16)}`);

function operationCode(op: string | number): number {
  if (typeof op === 'number') return op;
  const v = enumByName('Operation')?.valueByName(op.replace(/\s+/g, ''));
  if (v === undefined) throw new TypeError(`unknown KMIP operation ${JSON.stringify(op)}`);
  return v;
}

export interface Call {
  /** Operation name ('Create', 'Get', ...) or code. */
  operation: string | number;
  /** The Request Payload's children. */
  payload?: TtlvItem[];
}

/** A client for tests: whole KMIP messages over one mutual-TLS connection. */
export class TestClient {
  constructor(
    readonly connection: KmipConnection,
    /** The version requests carry unless a call says otherwise. */
    readonly version: Version = LATEST,
  ) {}

  /** Sends raw message bytes; resolves with the raw response. */
  send(message: Uint8Array, options?: SendOptions): Promise<Uint8Array> {
    return this.connection.send(message, options);
  }

  /** Sends one message with these batch items; resolves with every item's result, failures included. */
  async batch(calls: Call[], options: SendOptions & { version?: Version; header?: TtlvItem[] } = {}): Promise<BatchResult[]> {
    const [major, minor] = options.version ?? this.version;
    const message = struct(Tag.RequestMessage, [
      struct(Tag.RequestHeader, [
        struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, major), int(Tag.ProtocolVersionMinor, minor)]),
        ...(options.header ?? []),
        int(Tag.BatchCount, calls.length),
      ]),
      ...calls.map((c) =>
        struct(Tag.BatchItem, [enm(Tag.Operation, operationCode(c.operation)), c.payload ? struct(Tag.RequestPayload, c.payload) : undefined]),
      ),
    ]);
    const root = decode(await this.send(encode(message), options));
    return children(root, Tag.BatchItem).map((b) => ({
      operation: nameOf('Operation', read.enum(child(b, Tag.Operation))),
      status: nameOf('ResultStatus', read.enum(child(b, Tag.ResultStatus))) ?? 'missing',
      reason: nameOf('ResultReason', read.enum(child(b, Tag.ResultReason))),
      message: read.text(child(b, Tag.ResultMessage)),
      payload: child(b, Tag.ResponsePayload),
    }));
  }

  /** One operation; resolves with its Response Payload (an empty structure when there is none), or
   *  rejects with KmipResultError. */
  async call(operation: string | number, payload?: TtlvItem[], options: SendOptions & { version?: Version } = {}): Promise<TtlvItem> {
    const [r] = await this.batch([{ operation, payload }], options);
    if (r === undefined) throw new KmipTransportError('BAD_RESPONSE', 'the response has no batch item');
    if (r.status !== nameOf('ResultStatus', ResultStatus.Success)) throw new KmipResultError(r.status, r.reason, r.message, 0);
    return r.payload ?? struct(Tag.ResponsePayload, []);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

export interface TestKmip {
  server: KmipServer;
  /** A client on its own connection, already open. */
  client: TestClient;
  /** The client credentials as PEM, for other clients (PyKMIP, your own) to connect with. */
  tls: { ca: string; cert: string; key: string };
  /** The same credentials as files (mode 0600), created on first use and removed by close(). */
  tlsFiles(): { ca: string; cert: string; key: string };
  /** Another client on a new connection. */
  connect(version?: Version): Promise<TestClient>;
  /** Closes every client it opened, the server, and the files. */
  close(): Promise<void>;
}

/**
 * Starts a KMIP server on an ephemeral loopback port (in-memory store unless `options` says otherwise)
 * and connects a client to it.
 */
export async function createClientAndServer(options: ServerOptions & { version?: Version } = {}): Promise<TestKmip> {
  const { version, ...serverOptions } = options;
  const server = await createServer({ port: 0, store: 'memory', ...serverOptions });
  const { caPem, clientCertPem, clientKeyPem } = server.certificates;
  const clients: TestClient[] = [];
  let dir: string | undefined;
  const connect = async (v: Version = version ?? LATEST): Promise<TestClient> => {
    const { host, port } = server.address;
    const connection = await KmipConnection.open({
      host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
      port,
      ca: caPem,
      cert: clientCertPem,
      key: clientKeyPem,
      servername: 'localhost',
    });
    const c = new TestClient(connection, v);
    clients.push(c);
    return c;
  };
  try {
    const client = await connect();
    return {
      server,
      client,
      tls: { ca: caPem, cert: clientCertPem, key: clientKeyPem },
      tlsFiles() {
        dir ??= mkdtempSync(join(tmpdir(), 'kmipkit-testing-'));
        const file = (name: string, pem: string) => {
          const path = join(dir!, name);
          writeFileSync(path, pem, { mode: 0o600 });
          return path;
        };
        return { ca: file('ca.crt', caPem), cert: file('client.crt', clientCertPem), key: file('client.key', clientKeyPem) };
      },
      connect,
      async close() {
        await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
        await server.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await server.close();
    throw e;
  }
}
