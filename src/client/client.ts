// KmipClient: Promise methods named after the KMIP operations, friendly attributes in and out, the
// protocol version negotiated per server (or pinned), a pool of kept-alive connections with failover.
import { Tag } from '../dict/index.js';
import { enm, struct, text } from '../kmip/items.js';
import { decode, encode } from '../ttlv/index.js';
import type { TtlvItem } from '../ttlv/types.js';
import { KmipBatch, type BatchItemResult, type BatchOptions } from './batch.js';
import { KeyCache, type CacheMode, type KeyCacheOptions, type KeyCacheView } from './cache.js';
import { KmipTransportError } from './connection.js';
import { KmipProtocolError, type KmipError } from './errors.js';
import { parseResponse, parseVersion, requestMessage, type HeaderOptions, type RequestItem } from './messages.js';
import { KmipError as EngineError } from '../kmip/errors.js';
import * as ops from './ops.js';
import * as crypto from './crypto.js';
import type { ObjectInput } from './objects.js';
import { ConnectionPool, type PoolOptions, type ServerAddress, type ServerStatus } from './pool.js';
import type { Attributes } from './values.js';

type Pem = string | Buffer;

export interface KmipClientOptions extends Omit<PoolOptions, 'servers' | 'version' | 'header'> {
  /** Servers in order of preference: `{ host, port }` or 'host:port'. */
  servers: readonly (ServerAddress | string)[];
  tls: { ca: Pem; cert: Pem; key: Pem };
  /** Pin the protocol version ('1.4', '2.1', [2, 0]); default: the best one both sides speak. */
  version?: string | readonly [number, number];
  /** Default wait for one call, retries included; a call's own `timeoutMs` overrides it. */
  timeoutMs?: number;
  /** Username and password sent in every request header (for servers that require them on top of TLS). */
  credentials?: { username: string; password: string };
  /** A local cache of Get answers (key material), encrypted in memory; off unless given. See docs/client.md. */
  cache?: KeyCacheOptions;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** `get()` with a cache configured: 'prefer', 'fallback' or 'bypass' (default: the cache's `mode`). */
  cacheMode?: CacheMode;
}

/** The default wait for one call, retries included. */
export const DEFAULT_TIMEOUT_MS = 30_000;

function parseServer(s: ServerAddress | string): ServerAddress {
  if (typeof s !== 'string') return s;
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  if (!m) throw new TypeError(`server ${JSON.stringify(s)} is not host:port`);
  return { host: m[1], port: Number(m[2]) };
}

export class KmipClient {
  private readonly pool: ConnectionPool;
  private readonly timeoutMs: number;
  private readonly header: TtlvItem[];
  private readonly keyCache: KeyCache | undefined;

  constructor(options: KmipClientOptions) {
    const { servers, version, timeoutMs, credentials, cache, ...rest } = options;
    this.timeoutMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.header = credentials
      ? [
          struct(Tag.Authentication, [
            struct(Tag.Credential, [
              enm(Tag.CredentialType, 1),
              struct(Tag.CredentialValue, [text(Tag.Username, credentials.username), text(Tag.Password, credentials.password)]),
            ]),
          ]),
        ]
      : [];
    this.pool = new ConnectionPool({
      ...rest,
      servers: servers.map(parseServer),
      version: version === undefined ? undefined : parseVersion(version),
      header: this.header,
    });
    // Last: a bad option above throws before a key is made.
    this.keyCache = cache === undefined ? undefined : new KeyCache(cache);
  }

  /** The local key cache (stats, clear, invalidate), when one was configured. */
  get cache(): KeyCacheView | undefined {
    return this.keyCache;
  }

  /** The protocol version spoken with the preferred reachable server ('2.1'), negotiating when needed. */
  async version(options: CallOptions = {}): Promise<string> {
    const v = await this.pool.version(options.timeoutMs ?? this.timeoutMs);
    return `${Math.floor(v / 10)}.${v % 10}`;
  }

  /** Each server's state: up or down, negotiated version, open connections, last error. */
  servers(): ServerStatus[] {
    return this.pool.status();
  }

  /** Sends these operations in one message; one result per item (used by `batch()`). */
  async execute(specs: readonly ops.OpSpec<unknown>[], header: HeaderOptions, options: CallOptions = {}): Promise<BatchItemResult[]> {
    let items: RequestItem[] = [];
    const idempotent = specs.every((s) => s.idempotent);
    // The cache sees every message: writes drop what it holds of their objects, Get answers are kept.
    const watch = this.keyCache?.watch(specs);
    let parsed: ReturnType<typeof parseResponse>;
    try {
      const { bytes } = await this.pool.request(
        (v) => {
          items = specs.map((s) => ({ operation: s.operation, payload: s.payload(v) }));
          return encode(requestMessage(v, items, { ...header, header: [...this.header, ...(header.header ?? [])] }));
        },
        { idempotent, signal: options.signal, timeoutMs: options.timeoutMs ?? this.timeoutMs },
      );
      parsed = parseResponse(bytes, items);
      if (parsed.messageError) throw parsed.messageError;
    } catch (e) {
      watch?.lost();
      throw e;
    }
    watch?.answered(parsed.items, parsed.version);
    return parsed.items.map((it, i): BatchItemResult => {
      const operation = specs[i].operation;
      if (!it) return { operation, status: 'skipped' };
      if (it.error) return { operation, status: 'failed', error: it.error };
      try {
        return { operation, status: 'success', value: specs[i].parse(it.payload, parsed.version) };
      } catch (e) {
        if (e instanceof EngineError) throw new KmipProtocolError(`invalid ${operation} response: ${e.message}`, { cause: e });
        throw e;
      }
    });
  }

  private async run<T>(spec: ops.OpSpec<T>, options: CallOptions | undefined): Promise<T> {
    const cache = this.keyCache;
    const ref = cache?.refOf(spec);
    const mode = options?.cacheMode ?? cache?.mode;
    if (cache && ref && mode === 'prefer') {
      const hit = cache.fresh(ref);
      if (hit) return spec.parse(hit.payload, hit.version);
    }
    try {
      const [r] = await this.execute([spec], {}, options);
      if (r.status === 'success') return r.value as T;
      if (r.status === 'failed') throw r.error as KmipError;
      throw new KmipProtocolError(`the server did not process the ${spec.operation} request`);
    } catch (e) {
      // No server reachable: a kept answer, if there is one young enough. Never after the server answered.
      const kept = cache && ref && mode !== 'bypass' ? cache.outage(ref, e) : undefined;
      if (kept) return spec.parse(kept.payload, kept.version);
      throw e;
    }
  }

  /** A builder for several operations in one message. */
  batch(options: BatchOptions = {}): KmipBatch {
    return new KmipBatch((specs, header, o) => this.execute(specs, header, o), options);
  }

  create(attributes: Attributes, options: CallOptions & { objectType?: string } = {}): Promise<ops.CreateResult> {
    return this.run(ops.create(options.objectType ?? 'SymmetricKey', attributes), options);
  }

  register(object: ObjectInput, attributes?: Attributes, options?: CallOptions): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.register(object, attributes), options);
  }

  reKey(uniqueIdentifier: string, options: CallOptions & { offset?: number; attributes?: Attributes } = {}): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.reKey(uniqueIdentifier, options), options);
  }

  locate(attributes?: Attributes, options: CallOptions & ops.LocateFilter = {}): Promise<ops.LocateResult> {
    return this.run(ops.locate(attributes, options), options);
  }

  /**
   * Every match, paged with Offset Items and Maximum Items (`pageSize` per request, default 100). Pages
   * are separate requests: objects created or destroyed meanwhile may shift them. Before KMIP 1.3 there
   * is no Offset Items: one unpaged request.
   */
  async *locateAll(
    attributes?: Attributes,
    options: CallOptions & Omit<ops.LocateFilter, 'maximumItems' | 'offsetItems'> & { pageSize?: number } = {},
  ): AsyncGenerator<string, void, undefined> {
    const { pageSize = 100, ...rest } = options;
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new TypeError('pageSize must be a positive integer');
    if (Number((await this.version(rest)).replace('.', '')) < 13) {
      yield* (await this.locate(attributes, rest)).uniqueIdentifiers;
      return;
    }
    const seen = new Set<string>();
    for (let offset = 0; ; ) {
      const page = await this.locate(attributes, { ...rest, maximumItems: pageSize, offsetItems: offset });
      const fresh = page.uniqueIdentifiers.filter((id) => !seen.has(id));
      for (const id of fresh) seen.add(id);
      yield* fresh;
      offset += page.uniqueIdentifiers.length;
      // A server that ignores Maximum Items (a page too long) or Offset Items (nothing new) has said all it will.
      const ignoresPaging = page.uniqueIdentifiers.length > pageSize || fresh.length === 0;
      const last = page.uniqueIdentifiers.length < pageSize || (page.locatedItems !== undefined && offset >= page.locatedItems);
      if (ignoresPaging || last) return;
    }
  }

  check(uniqueIdentifier: string, options: CallOptions & ops.CheckOptions = {}): Promise<{ uniqueIdentifier: string } & ops.CheckOptions> {
    return this.run(ops.check(uniqueIdentifier, options), options);
  }

  /** The object; with `keyWrappingSpecification`, its key wrapped by another key the server holds. */
  get(uniqueIdentifier: string, options: CallOptions & ops.GetOptions = {}): Promise<ops.GetResult> {
    return this.run(ops.get(uniqueIdentifier, options), options);
  }

  /** Export (KMIP 2.0+): the object with all its attributes, optionally wrapped, for importObject() elsewhere. */
  exportObject(uniqueIdentifier: string, options: CallOptions & ops.GetOptions = {}): Promise<ops.ExportResult> {
    return this.run(ops.exportObject(uniqueIdentifier, options), options);
  }

  /** Import (KMIP 2.0+): an object (a wrapped key, with keyWrappingData) under the identifier it was exported with. */
  importObject(uniqueIdentifier: string, object: ObjectInput, options: CallOptions & ops.ImportOptions = {}): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.importObject(uniqueIdentifier, object, options), options);
  }

  /** All attributes, or those named (friendly keys: 'cryptographicAlgorithm', 'name', 'x-Custom'). */
  getAttributes(uniqueIdentifier: string, names?: readonly string[], options?: CallOptions): Promise<ops.GetAttributesResult> {
    return this.run(ops.getAttributes(uniqueIdentifier, names), options);
  }

  /** The friendly keys of the attributes the object has. */
  async getAttributeList(uniqueIdentifier: string, options?: CallOptions): Promise<string[]> {
    return (await this.run(ops.getAttributeList(uniqueIdentifier), options)).names;
  }

  addAttribute(uniqueIdentifier: string, name: string, value: unknown, options?: CallOptions): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.addAttribute(uniqueIdentifier, name, value), options);
  }

  /** KMIP 2.0+: sets a single-valued attribute, adding it when absent. */
  setAttribute(uniqueIdentifier: string, name: string, value: unknown, options?: CallOptions): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.setAttribute(uniqueIdentifier, name, value), options);
  }

  modifyAttribute(uniqueIdentifier: string, name: string, value: unknown, options: CallOptions & ops.InstanceOptions = {}): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.modifyAttribute(uniqueIdentifier, name, value, options), options);
  }

  deleteAttribute(uniqueIdentifier: string, name: string, options: CallOptions & ops.InstanceOptions = {}): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.deleteAttribute(uniqueIdentifier, name, options), options);
  }

  activate(uniqueIdentifier: string, options?: CallOptions): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.simple('Activate', uniqueIdentifier), options);
  }

  /** `reason` is a Revocation Reason Code name: 'KeyCompromise', 'CessationOfOperation', ... */
  revoke(uniqueIdentifier: string, reason: string, options: CallOptions & ops.RevokeOptions = {}): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.revoke(uniqueIdentifier, reason, options), options);
  }

  destroy(uniqueIdentifier: string, options?: CallOptions): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.simple('Destroy', uniqueIdentifier), options);
  }

  archive(uniqueIdentifier: string, options?: CallOptions): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.simple('Archive', uniqueIdentifier), options);
  }

  recover(uniqueIdentifier: string, options?: CallOptions): Promise<{ uniqueIdentifier: string }> {
    return this.run(ops.simple('Recover', uniqueIdentifier), options);
  }

  /** Default functions: Query Operations, Query Objects, Query Server Information. */
  query(functions: readonly string[] = ops.DEFAULT_QUERY, options?: CallOptions): Promise<ops.QueryResult> {
    return this.run(ops.query(functions), options);
  }

  /** The versions the server speaks of those given (default: every version this client speaks), best first. */
  discoverVersions(versions?: readonly string[], options?: CallOptions): Promise<string[]> {
    return this.run(ops.discoverVersions((versions ?? ['2.1', '2.0', '1.4', '1.3', '1.2', '1.1', '1.0']).map(parseVersion)), options);
  }

  rngRetrieve(length: number, options?: CallOptions): Promise<Uint8Array> {
    return this.run(ops.rngRetrieve(length), options);
  }

  // Key pairs and cryptographic operations (src/client/crypto.ts; docs/client.md "Cryptographic operations").
  // Bad input rejects with a TypeError before anything is sent. Only signatureVerify, macVerify and hash are
  // retried after a transport failure (they only read); the others are sent once.

  /** Create Key Pair: `common` attributes go to both keys; resolves with both identifiers. */
  async createKeyPair(attributes: crypto.KeyPairAttributes, options?: CallOptions): Promise<crypto.KeyPairResult> {
    return this.run(crypto.createKeyPair(attributes), options);
  }

  /** Re-key Key Pair: a new pair replacing the one of this private key. */
  async reKeyKeyPair(privateKeyUniqueIdentifier: string, options: CallOptions & crypto.ReKeyKeyPairOptions = {}): Promise<crypto.KeyPairResult> {
    return this.run(crypto.reKeyKeyPair(privateKeyUniqueIdentifier, options), options);
  }

  /** Derive Key from the object(s) given (the first is the keying material); resolves with the new object's identifier. */
  async deriveKey(uniqueIdentifiers: string | readonly string[], options: CallOptions & crypto.DeriveKeyOptions): Promise<{ uniqueIdentifier: string }> {
    return this.run(crypto.deriveKey(uniqueIdentifiers, options), options);
  }

  async encrypt(uniqueIdentifier: string, data: Uint8Array, options: CallOptions & crypto.EncryptOptions = {}): Promise<crypto.EncryptResult> {
    return this.run(crypto.encrypt(uniqueIdentifier, data, options), options);
  }

  async decrypt(uniqueIdentifier: string, data: Uint8Array, options: CallOptions & crypto.DecryptOptions = {}): Promise<crypto.DecryptResult> {
    return this.run(crypto.decrypt(uniqueIdentifier, data, options), options);
  }

  async sign(uniqueIdentifier: string, data: Uint8Array, options: CallOptions & crypto.SignOptions = {}): Promise<crypto.SignResult> {
    return this.run(crypto.sign(uniqueIdentifier, data, options), options);
  }

  /** Resolves with the Validity Indicator (`valid` is true only for 'Valid'); an invalid signature is not an error. */
  async signatureVerify(uniqueIdentifier: string, data: Uint8Array, signature: Uint8Array, options: CallOptions & crypto.SignOptions = {}): Promise<crypto.VerifyResult> {
    return this.run(crypto.signatureVerify(uniqueIdentifier, data, signature, options), options);
  }

  async mac(uniqueIdentifier: string, data: Uint8Array, options: CallOptions & crypto.StreamOptions = {}): Promise<crypto.MacResult> {
    return this.run(crypto.mac(uniqueIdentifier, data, options), options);
  }

  async macVerify(uniqueIdentifier: string, data: Uint8Array, macData: Uint8Array, options: CallOptions & crypto.StreamOptions = {}): Promise<crypto.VerifyResult> {
    return this.run(crypto.macVerify(uniqueIdentifier, data, macData, options), options);
  }

  /** Hash (KMIP 1.2+): `cryptographicParameters.hashingAlgorithm` names the digest. */
  async hash(data: Uint8Array, options: CallOptions & crypto.StreamOptions): Promise<{ data: Uint8Array; correlationValue?: Uint8Array }> {
    return this.run(crypto.hash(data, options), options);
  }

  /**
   * A whole request message, as a TTLV tree or as bytes; resolves with the response in the same form.
   * Sent once (no retry) unless `idempotent` is set. The message is sent as given: its version is yours.
   */
  send(message: Uint8Array, options?: CallOptions & { idempotent?: boolean }): Promise<Uint8Array>;
  send(message: TtlvItem, options?: CallOptions & { idempotent?: boolean }): Promise<TtlvItem>;
  async send(message: Uint8Array | TtlvItem, options: CallOptions & { idempotent?: boolean } = {}): Promise<Uint8Array | TtlvItem> {
    const raw = message instanceof Uint8Array;
    const bytes = raw ? message : encode(message);
    // The cache cannot tell what a message of yours changes: it drops everything, before and after.
    this.keyCache?.clear();
    const r = await this.pool.request(() => bytes, {
      idempotent: options.idempotent ?? false,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
    }).finally(() => this.keyCache?.clear());
    if (raw) return r.bytes;
    try {
      return decode(r.bytes);
    } catch (e) {
      throw new KmipProtocolError(`the response is not valid TTLV: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Closes every connection; calls after this fail with KmipTransportError CLOSED. The key cache is
   *  zeroized and emptied. */
  close(): Promise<void> {
    this.keyCache?.close();
    return this.pool.close();
  }
}

/** A client that has reached a server and settled the protocol version. */
export async function connect(options: KmipClientOptions): Promise<KmipClient> {
  const client = new KmipClient(options);
  try {
    await client.version();
  } catch (e) {
    await client.close();
    throw e;
  }
  return client;
}

export { KmipTransportError };
