// The pool against real servers that stop and start: reconnection on the same port, dead sockets,
// failover to the next server and back after a health check, and retries for idempotent operations
// only (a TCP proxy in front of a real server drops one request on the floor).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KmipClient, KmipError, KmipTransportError, ObjectNotFoundError } from '../../src/client/index.js';
import { createServer, type KmipServer } from '../../src/server/index.js';

const AES = { cryptographicAlgorithm: 'AES', cryptographicLength: 128 };
const dirs: string[] = [];
const servers = new Set<KmipServer>();
const clients = new Set<KmipClient>();

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A server on a fixed port with its data (SQLite, certificates) in a directory, so a restart is the same server. */
async function start(port: number, dataDir: string, idleTimeoutMs?: number): Promise<KmipServer> {
  const s = await createServer({ port, dataDir, store: 'sqlite', ...(idleTimeoutMs ? { limits: { idleTimeoutMs } } : {}) });
  servers.add(s);
  return s;
}

async function stop(s: KmipServer): Promise<void> {
  await s.close();
  servers.delete(s);
}

function newDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kmipkit-client-failover-'));
  dirs.push(d);
  return d;
}

function client(s: KmipServer, ports: number[], extra: Partial<ConstructorParameters<typeof KmipClient>[0]> = {}): KmipClient {
  const { caPem, clientCertPem, clientKeyPem } = s.certificates;
  const c = new KmipClient({
    servers: ports.map((port) => ({ host: '127.0.0.1', port })),
    tls: { ca: caPem, cert: clientCertPem, key: clientKeyPem },
    healthCheckIntervalMs: 100,
    timeoutMs: 10_000,
    ...extra,
  });
  clients.add(c);
  return c;
}

afterEach(async () => {
  await Promise.all([...clients].map((c) => c.close()));
  clients.clear();
  await Promise.all([...servers].map((s) => s.close()));
  servers.clear();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('reconnection', () => {
  it('a server stopped and started again on the same port: calls fail while it is down, then work again', async () => {
    const port = await freePort();
    const dir = newDir();
    let server = await start(port, dir);
    const c = client(server, [port]);
    const { uniqueIdentifier: id } = await c.create({ ...AES, name: 'survives-restart' });
    expect(c.servers()[0]).toMatchObject({ up: true, connections: 1 });

    await stop(server);
    const down = await c.get(id).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(KmipTransportError);
    expect(down).toMatchObject({ code: 'CONNECT' });
    expect(c.servers()[0].up).toBe(false);

    server = await start(port, dir);
    const got = await c.get(id);
    expect(got.uniqueIdentifier).toBe(id);
    expect(c.servers()[0]).toMatchObject({ up: true, version: '2.1' });
    // Not idempotent, and still fine: the dead socket was found before anything was sent.
    expect((await c.create(AES)).uniqueIdentifier).toBeTruthy();
  });

  it('a socket the server closed while idle is detected and replaced before the next request', async () => {
    const port = await freePort();
    const server = await start(port, newDir(), 200);
    const c = client(server, [port]);
    await c.create(AES);
    expect(server.connections()).toBe(1);
    await waitFor(() => server.connections() === 0);
    const { uniqueIdentifier } = await c.create(AES);
    expect(uniqueIdentifier).toBeTruthy();
    expect(c.servers()[0]).toMatchObject({ up: true, connections: 1 });
  });
});

describe('failover', () => {
  it('fails over to the second server and back to the first once its health check passes', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const dirA = newDir();
    let a = await start(pa, dirA);
    // B trusts the same CA: it is started from a copy of A's certificates.
    const b = await createServer({ port: pb, store: 'memory', tls: tlsOf(a, dirA) });
    servers.add(b);
    const c = client(a, [pa, pb]);

    const { uniqueIdentifier: onA } = await c.create({ ...AES, name: 'on-a' });
    await stop(a);
    const { uniqueIdentifier: onB } = await c.create({ ...AES, name: 'on-b' });
    expect(c.servers().map((s) => s.up)).toEqual([false, true]);
    // Requests go to B now: A's object is not there.
    await expect(c.get(onA)).rejects.toBeInstanceOf(ObjectNotFoundError);

    a = await start(pa, dirA);
    await new Promise((r) => setTimeout(r, 150)); // past the health-check interval
    expect((await c.get(onA)).uniqueIdentifier).toBe(onA);
    expect(c.servers()[0].up).toBe(true);
    await expect(c.get(onB)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('a first server that is down from the start is skipped', async () => {
    const [dead, pb] = [await freePort(), await freePort()];
    const b = await start(pb, newDir());
    const c = client(b, [dead, pb]);
    expect((await c.create(AES)).uniqueIdentifier).toBeTruthy();
    expect(c.servers()).toMatchObject([{ up: false, port: dead }, { up: true, port: pb }]);
    // Skipped until its check is due, so the next call does not try it again.
    expect((await c.rngRetrieve(8)).length).toBe(8);
  });

  it('every server down: one KmipTransportError naming them all', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const any = await start(await freePort(), newDir());
    const c = client(any, [p1, p2]);
    const err = await c.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmipTransportError);
    expect((err as Error).message).toContain(`127.0.0.1:${p1}`);
    expect((err as Error).message).toContain(`127.0.0.1:${p2}`);
  });
});

describe('retries', () => {
  it('an idempotent call is retried on a new connection; a Create is not (nothing is created twice)', async () => {
    const server = await start(await freePort(), newDir());
    const proxy = await dropProxy(server.address.port);
    try {
      const c = client(server, [proxy.port], { retryBaseDelayMs: 10 });
      const { uniqueIdentifier: id } = await c.create(AES);

      proxy.dropNext = true;
      expect((await c.get(id)).uniqueIdentifier).toBe(id);
      expect(proxy.dropped).toBe(1);

      proxy.dropNext = true;
      const err = await c.create({ ...AES, name: 'never-sent-twice' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KmipTransportError);
      expect(err).not.toBeInstanceOf(KmipError);
      expect(proxy.dropped).toBe(2);
      expect((await c.locate({ name: 'never-sent-twice' })).uniqueIdentifiers).toEqual([]);

      // A batch is retried only when every item in it is idempotent.
      proxy.dropNext = true;
      const reads = await c.batch().get(id).query(['QueryServerInformation']).send();
      expect(reads.map((r) => r.status)).toEqual(['success', 'success']);
      expect(proxy.dropped).toBe(3);
      proxy.dropNext = true;
      await expect(c.batch().get(id).create(AES).send()).rejects.toBeInstanceOf(KmipTransportError);
      expect(proxy.dropped).toBe(4);
    } finally {
      await proxy.close();
    }
  });

  it('retries are bounded: when every connection is lost the call fails after 1 + retries attempts', async () => {
    const server = await start(await freePort(), newDir());
    const proxy = await dropProxy(server.address.port);
    try {
      const c = client(server, [proxy.port], { retries: 2, retryBaseDelayMs: 5 });
      const { uniqueIdentifier: id } = await c.create(AES);
      proxy.dropAll = true;
      const err = await c.get(id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KmipTransportError);
      expect(err).toMatchObject({ code: 'CLOSED' });
      expect(proxy.dropped).toBe(3);
    } finally {
      await proxy.close();
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function tlsOf(s: KmipServer, dir: string) {
  // createServer wrote its development certificates to dataDir/certs.
  const f = (n: string) => readFileSync(join(dir, 'certs', n), 'utf8');
  return { ca: s.certificates.caPem, cert: f('server.crt'), key: f('server.key') };
}

/** A TCP proxy that, when told, drops the next chunk a client sends (a request) and both sockets with it. */
async function dropProxy(target: number): Promise<{ port: number; dropNext: boolean; dropAll: boolean; dropped: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { port: 0, dropNext: false, dropAll: false, dropped: 0, close: async () => {} };
  const server: Server = createNetServer((inbound) => {
    const outbound = netConnect(target, '127.0.0.1');
    // With dropAll, every connection is cut at the client's first chunk after the server has spoken: the
    // request on an open connection, or the end of the handshake on a new one (TLS 1.3 clients count it done).
    let serverSpoke = false;
    sockets.add(inbound).add(outbound);
    inbound.on('data', (d) => {
      if (state.dropNext || (state.dropAll && serverSpoke)) {
        state.dropNext = false;
        state.dropped++;
        inbound.destroy();
        outbound.destroy();
        return;
      }
      outbound.write(d);
    });
    outbound.on('data', (d) => {
      serverSpoke = true;
      inbound.write(d);
    });
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', end).on('error', end);
    outbound.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  state.close = () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
