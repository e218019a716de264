// What the harness talks to: our own server started in-process (fresh per file), PyKMIP started per
// file (fresh database), or an external server given by address and certificates (shared state).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConformanceError } from './errors.js';

export interface Target {
  name: string;
  host: string;
  port: number;
  ca: string;
  cert: string;
  key: string;
  close(): Promise<void>;
}

export interface TargetFactory {
  /** Shown in the report header. */
  describe: string;
  /** True when each file gets a new server with empty state. */
  fresh: boolean;
  start(): Promise<Target>;
}

/** The shape `createServer` from src/server/index.ts resolves to (coded against its announced contract). */
interface InProcessServer {
  address: { host: string; port: number };
  certificates: { caPem: string; clientCertPem: string; clientKeyPem: string };
  close(): Promise<void>;
}
interface DevCertificates {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
}
type CreateServer = (opts: {
  port: number;
  store: 'memory' | 'sqlite';
  dataDir?: string;
  masterKey?: Uint8Array;
  tls?: { ca: string; cert: string; key: string; clientCert?: string; clientKey?: string };
}) => Promise<InProcessServer>;
type GenerateCertificates = () => Promise<DevCertificates>;

// A computed specifier: the server module may not exist yet in a checkout, and only this target needs it.
const SERVER_MODULE = ['..', 'server', 'index.js'].join('/');

/**
 * Our server, a new one (empty store) per file. The development certificates (a throwaway CA, server and
 * client certificate) are generated once per run and given to every server: making them is most of a
 * server's start-up time, and no file depends on them being new. `store` 'sqlite' gives each server a
 * new database in a temporary directory (what `kmipkit serve` runs on), removed when it closes.
 */
export function inProcessTarget(store: 'memory' | 'sqlite' = 'memory'): TargetFactory {
  let mod: { create: CreateServer; certificates: Promise<DevCertificates> } | undefined;
  return {
    describe: `kmipkit server (in-process, ${store === 'sqlite' ? 'SQLite store in a new temporary directory' : 'in-memory store'}, fresh per file; certificates shared by the run)`,
    fresh: true,
    async start() {
      if (!mod) {
        try {
          const m = (await import(SERVER_MODULE)) as { createServer?: CreateServer; generateDevCertificates?: GenerateCertificates };
          if (typeof m.createServer !== 'function') throw new Error('it exports no createServer');
          if (typeof m.generateDevCertificates !== 'function') throw new Error('it exports no generateDevCertificates');
          mod = { create: m.createServer, certificates: m.generateDevCertificates() };
        } catch (e) {
          throw new ConformanceError('SERVER_MODULE', `cannot load the in-process server (src/server/index.ts): ${(e as Error).message}`);
        }
      }
      const c = await mod.certificates.catch((e: Error) => {
        throw new ConformanceError('SERVER_MODULE', `cannot generate the development certificates: ${e.message}`);
      });
      if (!c.clientCertPem || !c.clientKeyPem) throw new ConformanceError('SERVER_MODULE', 'the generated development certificates have no client certificate');
      const dataDir = store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'kmipkit-conformance-')) : undefined;
      const removeDir = () => dataDir && rmSync(dataDir, { recursive: true, force: true });
      let s: InProcessServer;
      try {
        s = await mod.create({
          port: 0,
          store,
          ...(dataDir ? { dataDir, masterKey: randomBytes(32) } : {}),
          tls: { ca: c.caPem, cert: c.serverCertPem, key: c.serverKeyPem, clientCert: c.clientCertPem, clientKey: c.clientKeyPem },
        });
      } catch (e) {
        removeDir();
        throw e;
      }
      return {
        name: `kmipkit at ${s.address.host}:${s.address.port}`,
        host: s.address.host,
        port: s.address.port,
        ca: s.certificates.caPem,
        cert: s.certificates.clientCertPem,
        key: s.certificates.clientKeyPem,
        close: () => s.close().finally(removeDir),
      };
    },
  };
}

export interface ExternalOptions {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

function parseHostPort(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new ConformanceError('BAD_ARGS', `--server wants HOST:PORT, got '${s}'`);
  return { host: m[1], port: Number(m[2]) };
}

const readPem = (path: string, what: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConformanceError('BAD_ARGS', `cannot read the ${what} file ${path}: ${(e as Error).message}`);
  }
};

/** An already running server: state persists across files (see docs/conformance.md, caveats). */
export function externalTarget(o: ExternalOptions): TargetFactory {
  const { host, port } = parseHostPort(o.server);
  const ca = readPem(o.ca, 'CA');
  const cert = readPem(o.cert, 'client certificate');
  const key = readPem(o.key, 'client key');
  return {
    describe: `external server ${host}:${port} (shared state across files)`,
    fresh: false,
    async start() {
      return { name: `${host}:${port}`, host, port, ca, cert, key, close: async () => {} };
    },
  };
}

/** A server started with `--data-dir DIR`: certificates from DIR/certs. */
export function dataDirTarget(dir: string, server: string): TargetFactory {
  const certs = join(dir, 'certs');
  return externalTarget({ server, ca: join(certs, 'ca.crt'), cert: join(certs, 'client.crt'), key: join(certs, 'client.key') });
}
