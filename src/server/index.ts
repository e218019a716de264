// kmipkit/server: a KMIP server in one call. Composes certificates, a store, the engine and the transport.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pykmipOmissions } from '../kmip/compat.js';
import { createEngine } from '../kmip/engine.js';
import { openStore } from '../store/index.js';
import { loadOrCreateMasterKey } from '../store/masterkey.js';
import type { Store } from '../store/types.js';
import { readCertificateDir, type CertificateSet } from './certfiles.js';
import { credentialVerifier, type CredentialEntry } from './credentials.js';
import type { DevCertificateOptions } from './certs.js';
import type { TransportLimits } from './limits.js';
import { startTransport, type LogFn, type Transport } from './transport.js';
import type { MessageHandler } from './types.js';

type Pem = string | Buffer;

export interface ServerTlsOptions {
  /** CA that client certificates must chain to. */
  ca: Pem;
  cert: Pem;
  key: Pem;
  /** Passed through to `certificates` for convenience (the server never uses them). */
  clientCert?: string;
  clientKey?: string;
}

export interface ServerOptions {
  /** Default '127.0.0.1': an embedded server is for this machine unless asked otherwise (`kmipkit serve`
   *  listens on every interface). */
  host?: string;
  /** Default 5696 (IANA, KMIP over TLS); 0 picks an ephemeral port. */
  port?: number;
  /** Holds kmipkit.db, master.key and certs/ (created mode 0700 when missing). */
  dataDir?: string;
  /** Default: 'sqlite' at dataDir/kmipkit.db when dataDir is set, else 'memory'. A Store passed in is not
   *  closed by close(). */
  store?: 'memory' | 'sqlite' | Store;
  /** Omitted: development certificates, read from or generated into dataDir/certs, else in memory. */
  tls?: ServerTlsOptions;
  /** Names the generated server certificate is valid for (default localhost, 127.0.0.1, ::1). */
  hostnames?: readonly string[];
  /** 32 bytes sealing key material at rest (sqlite). Default: dataDir/master.key, created when missing. */
  masterKey?: Uint8Array;
  limits?: Partial<TransportLimits>;
  compatibility?: {
    /** The KMIP 1.4 Basic Authentication Suite's TLS 1.2 cipher suites, besides the modern ones. */
    basicAuthenticationSuite?: boolean;
    /** Serve PyKMIP clients (0.10, 0.11): "all attributes" answers leave out the standard attributes
     *  its decoder raises on (see `pykmipOmissions`); asked for by name they are still returned. */
    pykmip?: boolean;
    /** Serve the KMIP 3.0 (draft) post-quantum algorithms (ML-KEM, ML-DSA, SLH-DSA) and the Encapsulate
     *  and Decapsulate operations. Their code points are not final, so they are off by default: a request
     *  naming them is refused as an unknown value or operation. */
    kmip30Algorithms?: boolean;
  };
  /** Username and Password credentials every request must carry, on top of the client certificate
   *  (a second factor). Entries hold `passwordHash` (see `hashPassword`) or, for tests, `password`. */
  credentials?: readonly CredentialEntry[];
  /** Structured events; never key material. */
  log?: LogFn;
}

export interface ServerCertificates {
  /** The CA clients must trust (and whose certificates the server accepts). */
  caPem: string;
  /** A client certificate and key issued by that CA: empty when `tls` was given without them. */
  clientCertPem: string;
  clientKeyPem: string;
  /** Where the files are, when they are in a directory. */
  dir?: string;
}

export interface KmipServer {
  readonly address: { host: string; port: number };
  readonly certificates: ServerCertificates;
  /** The store kind in use. */
  readonly storeKind: Store['kind'];
  /** Open connections (handshaking ones included). */
  connections(): number;
  /** Stops accepting, finishes in-flight requests, closes the engine and the store it opened. */
  close(): Promise<void>;
}

export type ServerErrorCode = 'ERR_SERVER_OPTIONS';

export class ServerError extends Error {
  readonly code: ServerErrorCode;
  constructor(code: ServerErrorCode, message: string) {
    super(message);
    this.name = 'ServerError';
    this.code = code;
  }
}

export const DEFAULT_PORT = 5696;
export const DATABASE_FILE = 'kmipkit.db';
export const MASTER_KEY_FILE = 'master.key';
export const CERTS_DIR = 'certs';
const DATA_DIR_MODE = 0o700;

/** The X.509 generator is loaded only when certificates are generated. */
export async function generateDevCertificates(options: DevCertificateOptions = {}): Promise<CertificateSet> {
  const { generateDevCertificates: generate } = await import('./certs.js');
  return generate(options);
}

async function certificatesFor(options: ServerOptions): Promise<CertificateSet> {
  if (options.tls) {
    const { ca, cert, key, clientCert, clientKey } = options.tls;
    return { caPem: String(ca), serverCertPem: String(cert), serverKeyPem: String(key), clientCertPem: clientCert, clientKeyPem: clientKey };
  }
  if (options.dataDir === undefined) return generateDevCertificates({ hostnames: options.hostnames });
  const dir = join(options.dataDir, CERTS_DIR);
  return (await readCertificateDir(dir)) ?? generateDevCertificates({ dir, hostnames: options.hostnames });
}

async function storeFor(options: ServerOptions): Promise<{ store: Store; owned: boolean }> {
  const choice = options.store ?? (options.dataDir !== undefined ? 'sqlite' : 'memory');
  if (typeof choice === 'object') return { store: choice, owned: false };
  if (choice === 'memory') return { store: await openStore({ kind: 'memory' }), owned: true };
  if (choice !== 'sqlite') throw new ServerError('ERR_SERVER_OPTIONS', `store must be 'memory', 'sqlite' or a Store (got ${String(choice)})`);
  const dataDir = options.dataDir;
  if (dataDir === undefined) throw new ServerError('ERR_SERVER_OPTIONS', "store 'sqlite' needs dataDir (the database is dataDir/kmipkit.db)");
  const loaded = options.masterKey === undefined;
  const masterKey = options.masterKey ?? (await loadOrCreateMasterKey(join(dataDir, MASTER_KEY_FILE)));
  try {
    return { store: await openStore({ kind: 'sqlite', path: join(dataDir, DATABASE_FILE), masterKey }), owned: true };
  } finally {
    // The store keeps only keys derived from it; a key the caller passed in is the caller's to zeroize.
    if (loaded) masterKey.fill(0);
  }
}

export { hashPassword, CredentialError, type CredentialEntry } from './credentials.js';

export async function createServer(options: ServerOptions = {}): Promise<KmipServer> {
  // Bad credential entries are refused before anything is created.
  const verifyCredential = options.credentials?.length ? credentialVerifier(options.credentials) : undefined;
  if (options.store === 'sqlite' && options.dataDir === undefined) {
    throw new ServerError('ERR_SERVER_OPTIONS', "store 'sqlite' needs dataDir (the database is dataDir/kmipkit.db)");
  }
  if (options.dataDir !== undefined) await fs.mkdir(options.dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const certs = await certificatesFor(options);
  const { store, owned } = await storeFor(options);
  let engine: MessageHandler | undefined;
  let transport: Transport;
  try {
    engine = createEngine({
      store,
      log: options.log,
      omitFromAllAttributes: options.compatibility?.pykmip ? pykmipOmissions() : undefined,
      kmip30Algorithms: options.compatibility?.kmip30Algorithms ?? false,
      verifyCredential,
    });
    transport = await startTransport(
      {
        host: options.host ?? '127.0.0.1',
        port: options.port ?? DEFAULT_PORT,
        tls: { ca: certs.caPem, cert: certs.serverCertPem, key: certs.serverKeyPem },
        limits: options.limits,
        basicAuthenticationSuite: options.compatibility?.basicAuthenticationSuite ?? false,
        log: options.log,
      },
      engine,
    );
  } catch (err) {
    await engine?.close?.().catch(() => undefined);
    if (owned) await store.close().catch(() => undefined);
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    address: transport.address(),
    certificates: { caPem: certs.caPem, clientCertPem: certs.clientCertPem ?? '', clientKeyPem: certs.clientKeyPem ?? '', dir: certs.dir },
    storeKind: store.kind,
    connections: () => transport.connections(),
    close() {
      closed ??= (async () => {
        await transport.close();
        await engine.close?.();
        if (owned) await store.close();
      })();
      return closed;
    },
  };
}

export type { ClientIdentity, MessageHandler } from './types.js';
export type { CertificateSet } from './certfiles.js';
export { CertsError, CERT_FILES } from './certfiles.js';
export type { DevCertificateOptions } from './certs.js';
export { DEFAULT_LIMITS, type TransportLimits } from './limits.js';
export { startTransport, TransportError, type LogFn, type Transport, type TransportOptions } from './transport.js';
