// The TLS transport against real peers on ephemeral ports: mutual TLS, framing, ordering, the
// timeouts and limits of RELIABILITY.md class 17, and close(). The handler is a small echo of our own.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateSet } from '../../src/server/certfiles.js';
import { generateDevCertificates } from '../../src/server/certs.js';
import { principalOf } from '../../src/server/identity.js';
import { startTransport, type Transport, type TransportOptions } from '../../src/server/transport.js';
import type { ClientIdentity, MessageHandler } from '../../src/server/types.js';

let certs: CertificateSet;
let otherCa: CertificateSet;
const open: Transport[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  [certs, otherCa] = await Promise.all([generateDevCertificates(), generateDevCertificates({ clientCommonName: 'intruder' })]);
}, 60_000);

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/** 42 00 78 | 01 | 00 00 00 10 | 42 00 6A | 02 | 00 00 00 04 | n | 00 00 00 00: 24 bytes, framed by its header. */
function message(n: number): Buffer {
  const b = Buffer.from('420078010000001042006a02000000040000000000000000', 'hex');
  b.writeUInt32BE(n, 16);
  return b;
}

interface Echo extends MessageHandler {
  seen: { request: Buffer; client: ClientIdentity }[];
  maxConcurrent: number;
}

/** Answers each request with its own bytes, after `delay(request)` ms; records what it saw. */
function echo(delay: (req: Buffer) => number = () => 0, fail?: (req: Buffer) => unknown): Echo {
  let active = 0;
  const h: Echo = {
    seen: [],
    maxConcurrent: 0,
    async handle(request, client) {
      const req = Buffer.from(request);
      h.seen.push({ request: req, client });
      active++;
      h.maxConcurrent = Math.max(h.maxConcurrent, active);
      try {
        const ms = delay(req);
        if (ms > 0) await new Promise((r) => setTimeout(r, ms));
        if (fail) return fail(req) as Uint8Array;
        return new Uint8Array(req);
      } finally {
        active--;
      }
    },
  };
  return h;
}

async function start(handler: MessageHandler, opts: Partial<TransportOptions> = {}) {
  const events: Record<string, unknown>[] = [];
  const t = await startTransport(
    { host: '127.0.0.1', port: 0, tls: { ca: certs.caPem, cert: certs.serverCertPem, key: certs.serverKeyPem }, log: (e) => events.push(e), ...opts },
    handler,
  );
  open.push(t);
  return { t, port: t.address().port, events };
}

function client(port: number, opts: ConnectionOptions = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caPem, cert: certs.clientCertPem, key: certs.clientKeyPem, ...opts });
    sockets.push(s);
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything the peer sends until it closes the connection, and how it ended. */
function untilClosed(s: Socket): Promise<{ data: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.once('close', () => resolve({ data: Buffer.concat(chunks), error }));
  });
}

function read(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      have += c.length;
      if (have >= n) {
        s.off('data', onData);
        s.off('close', onClose);
        resolve(Buffer.concat(chunks));
      }
    };
    const onClose = () => reject(new Error(`closed after ${have} of ${n} bytes`));
    s.on('data', onData);
    s.once('close', onClose);
  });
}

async function roundTrip(port: number, n = 1): Promise<Buffer> {
  const s = await client(port);
  s.write(message(n));
  const r = await read(s, 24);
  s.end();
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mutual TLS', () => {
  it.each(['TLSv1.2', 'TLSv1.3'] as const)('%s with the generated client certificate: served, principal is the CN', async (version) => {
    const h = echo();
    const { port } = await start(h);
    const s = await client(port, { minVersion: version, maxVersion: version });
    expect(s.getProtocol()).toBe(version);
    s.write(message(7));
    expect(await read(s, 24)).toEqual(message(7));
    expect(h.seen[0].client.principal).toBe('kmipkit-client');
    expect(h.seen[0].client.tlsVersion).toBe(version);
    expect(h.seen[0].client.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('%s without a client certificate: rejected, the handler never runs', async (version) => {
    const h = echo();
    const { port, events } = await start(h);
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caPem, minVersion: version, maxVersion: version });
    sockets.push(s);
    const ended = untilClosed(s);
    // TLS 1.3 finishes the client's side before the server checks the certificate: the request is sent, and refused.
    s.once('secureConnect', () => s.write(message(1)));
    const r = await ended;
    expect(r.data.length).toBe(0);
    expect(r.error).toBeDefined();
    expect(h.seen).toHaveLength(0);
    expect(events.some((e) => e.event === 'tls-error')).toBe(true);
    expect(await roundTrip(port)).toEqual(message(1));
  });

  it('a client certificate from another CA: rejected', async () => {
    const h = echo();
    const { port } = await start(h);
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caPem, cert: otherCa.clientCertPem, key: otherCa.clientKeyPem });
    sockets.push(s);
    const ended = untilClosed(s);
    s.once('secureConnect', () => s.write(message(1)));
    const r = await ended;
    expect(r.data.length).toBe(0);
    expect(h.seen).toHaveLength(0);
  });

  it('the principal falls back to sha256:<fingerprint> when the subject has no CN', () => {
    const fp = 'AB:CD:' + '00:'.repeat(29) + 'EF';
    const cert = { subject: { O: 'acme' }, fingerprint256: fp } as unknown as Parameters<typeof principalOf>[0];
    expect(principalOf(cert)).toBe('sha256:abcd' + '00'.repeat(29) + 'ef');
    const multi = { subject: { CN: ['first', 'second'] }, fingerprint256: fp } as unknown as Parameters<typeof principalOf>[0];
    expect(principalOf(multi)).toBe('first');
  });

  it('Basic Authentication Suite ciphers (TLS 1.2, RSA key exchange) only when enabled', async () => {
    const legacy: ConnectionOptions = { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA256' };
    const off = await start(echo());
    await expect(client(off.port, legacy)).rejects.toThrow();
    const on = await start(echo(), { basicAuthenticationSuite: true });
    for (const cipher of ['AES128-SHA256', 'AES256-SHA256', 'AES128-SHA']) {
      const s = await client(on.port, { maxVersion: 'TLSv1.2', ciphers: cipher });
      expect(s.getCipher().name).toBe(cipher);
      s.write(message(3));
      expect(await read(s, 24)).toEqual(message(3));
      s.end();
    }
    // Modern clients still get a forward-secret suite from the same server.
    const modern = await client(on.port, { maxVersion: 'TLSv1.2' });
    expect(modern.getCipher().name).toMatch(/^ECDHE-/);
  });
});

describe('framing and order', () => {
  it('two messages in one write and one message in 1-byte writes get identical responses', async () => {
    const h = echo();
    const { port } = await start(h);
    const a = await client(port);
    a.write(Buffer.concat([message(1), message(2)]));
    const together = await read(a, 48);
    const b = await client(port);
    b.setNoDelay(true);
    const both = Buffer.concat([message(1), message(2)]);
    const got = read(b, 48);
    for (const byte of both) b.write(Buffer.from([byte]));
    expect(await got).toEqual(together);
    expect(together).toEqual(both);
    expect(h.seen.map((s) => s.request.readUInt32BE(16))).toEqual([1, 2, 1, 2]);
  });

  it('pipelined requests run one at a time and are answered in order', async () => {
    // The first request is the slowest: a concurrent server would answer the others first.
    const h = echo((req) => (req.readUInt32BE(16) === 1 ? 150 : 0));
    const { port } = await start(h);
    const s = await client(port);
    s.write(Buffer.concat([1, 2, 3, 4, 5].map(message)));
    const r = await read(s, 5 * 24);
    expect([0, 1, 2, 3, 4].map((i) => r.readUInt32BE(i * 24 + 16))).toEqual([1, 2, 3, 4, 5]);
    expect(h.maxConcurrent).toBe(1);
  });

  it('a declared length over the limit closes that connection only, before the body arrives', async () => {
    const h = echo();
    const { port, events } = await start(h, { limits: { maxMessageSize: 1024 } });
    const s = await client(port);
    const ended = untilClosed(s);
    // Header only: declares 64 KiB; the server must not wait for (or buffer) the body.
    s.write(Buffer.from('4200780100010000', 'hex'));
    expect((await ended).data.length).toBe(0);
    expect(events).toContainEqual(expect.objectContaining({ event: 'framing-error', code: 'ERR_TTLV_TOO_LARGE' }));
    expect(await roundTrip(port, 9)).toEqual(message(9));
    expect(h.seen).toHaveLength(1);
  });

  it.each([
    ['a bad tag', '0000780100000010'],
    ['an unknown item type', '4200780c00000010'],
  ])('a header with %s closes that connection; others are still served', async (_name, header) => {
    const h = echo();
    const { port, events } = await start(h);
    const s = await client(port);
    const ended = untilClosed(s);
    s.write(message(1));
    expect(await read(s, 24)).toEqual(message(1));
    s.write(Buffer.from(header, 'hex'));
    const r = await ended;
    // Everything the connection ever carried back: the one good answer, nothing after the bad header.
    expect(r.data).toEqual(message(1));
    expect(h.seen).toHaveLength(1);
    expect(events.some((e) => e.event === 'framing-error')).toBe(true);
    expect(await roundTrip(port, 2)).toEqual(message(2));
  });
});

describe('handler faults', () => {
  it('a handler that rejects closes that connection; the process and other clients carry on', async () => {
    const h = echo(undefined, (req) => {
      if (req.readUInt32BE(16) === 666) throw new Error('boom');
      return new Uint8Array(req);
    });
    const { port, events } = await start(h);
    const s = await client(port);
    const ended = untilClosed(s);
    s.write(message(666));
    expect((await ended).data.length).toBe(0);
    expect(events).toContainEqual(expect.objectContaining({ event: 'handler-error', principal: 'kmipkit-client' }));
    expect(await roundTrip(port, 5)).toEqual(message(5));
  });

  it('a handler that throws synchronously or resolves with something else is handled the same way', async () => {
    const sync: MessageHandler = {
      handle(req) {
        if (req[19] === 1) throw new Error('sync');
        return Promise.resolve((req[19] === 2 ? 'not bytes' : req) as Uint8Array);
      },
    };
    const { port, events } = await start(sync);
    for (const n of [1, 2]) {
      const s = await client(port);
      const ended = untilClosed(s);
      s.write(message(n));
      expect((await ended).data.length).toBe(0);
    }
    expect(events.filter((e) => e.event === 'handler-error')).toHaveLength(2);
    expect(await roundTrip(port, 3)).toEqual(message(3));
  });
});

describe('timeouts and limits', () => {
  it('a TCP peer that never handshakes is closed after the handshake timeout; others are served meanwhile', async () => {
    const { port, events, t } = await start(echo(), { limits: { handshakeTimeoutMs: 300 } });
    const raw = netConnect(port, '127.0.0.1');
    sockets.push(raw);
    const ended = untilClosed(raw);
    await new Promise((r) => raw.once('connect', r));
    expect(await roundTrip(port, 4)).toEqual(message(4));
    expect((await ended).data.length).toBe(0);
    expect(events).toContainEqual(expect.objectContaining({ event: 'tls-error', code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }));
    await sleep(20);
    expect(t.connections()).toBe(0);
  });

  it('a slow loris (1 byte at a time, never finishing) is closed by the message timeout, not the idle one', async () => {
    const h = echo();
    const { port, events } = await start(h, { limits: { messageTimeoutMs: 400, idleTimeoutMs: 60_000 } });
    const s = await client(port);
    s.setNoDelay(true);
    const ended = untilClosed(s);
    const bytes = message(1).subarray(0, 23);
    let closed = false;
    void ended.then(() => (closed = true));
    // Each byte arrives well within any per-read timeout; the whole message never does.
    for (const byte of bytes) {
      if (closed) break;
      s.write(Buffer.from([byte]));
      await sleep(60);
    }
    await ended;
    expect(events).toContainEqual(expect.objectContaining({ event: 'timeout', kind: 'message' }));
    expect(h.seen).toHaveLength(0);
  });

  it('a verified connection that sends nothing is closed by the idle timeout', async () => {
    const { port, events } = await start(echo(), { limits: { idleTimeoutMs: 300 } });
    const s = await client(port);
    s.write(message(1));
    expect(await read(s, 24)).toEqual(message(1));
    await untilClosed(s);
    expect(events).toContainEqual(expect.objectContaining({ event: 'timeout', kind: 'idle' }));
  });

  it('a client that stops reading its responses is closed by the write timeout', async () => {
    // Far more than loopback socket buffers hold, so the write cannot complete while the client sleeps.
    const big = new Uint8Array(64 * 1024 * 1024);
    const { port, events } = await start({ handle: async () => big }, { limits: { writeTimeoutMs: 300, idleTimeoutMs: 60_000 } });
    const s = await client(port);
    s.pause();
    s.on('error', () => {});
    s.write(message(1));
    while (!events.some((e) => e.event === 'timeout')) await sleep(20);
    expect(events).toContainEqual(expect.objectContaining({ event: 'timeout', kind: 'write' }));
    // A paused stream sees the close only once it reads again.
    const ended = new Promise<void>((r) => s.once('close', () => r()));
    s.resume();
    await ended;
  });

  it('over the connection limit the new socket is destroyed at once; a freed slot is usable again', async () => {
    const { port, events, t } = await start(echo(), { limits: { maxConnections: 2 } });
    const a = await client(port);
    const b = await client(port);
    expect(t.connections()).toBe(2);
    const extra = netConnect(port, '127.0.0.1');
    sockets.push(extra);
    const r = await untilClosed(extra);
    expect(r.data.length).toBe(0);
    expect(events).toContainEqual(expect.objectContaining({ event: 'connection-limit', max: 2 }));
    a.write(message(1));
    expect(await read(a, 24)).toEqual(message(1));
    const aClosed = untilClosed(a);
    a.end();
    await aClosed;
    while (t.connections() > 1) await sleep(10);
    expect(await roundTrip(port, 8)).toEqual(message(8));
    b.end();
  });
});

describe('close()', () => {
  it('stops accepting, lets the in-flight request finish, then closes every connection', async () => {
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const h = echo(() => {
      started();
      return 200;
    });
    const { port, t } = await start(h);
    const busy = await client(port);
    const idle = await client(port);
    const idleClosed = untilClosed(idle);
    const busyClosed = untilClosed(busy);
    // A second request queued behind the first is not started once closing begins.
    busy.write(Buffer.concat([message(1), message(2)]));
    await inFlight;
    const closing = t.close();
    const r = await busyClosed;
    expect(r.data).toEqual(message(1));
    await idleClosed;
    await closing;
    expect(h.seen).toHaveLength(1);
    expect(t.connections()).toBe(0);
    await expect(client(port)).rejects.toThrow();
  });

  it('a handler that never answers does not keep close() waiting past the grace period', async () => {
    const stuck: MessageHandler = { handle: () => new Promise<Uint8Array>(() => {}) };
    const { port, t } = await start(stuck, { limits: { closeGraceMs: 200 } });
    const s = await client(port);
    const ended = untilClosed(s);
    s.write(message(1));
    await sleep(50);
    await t.close();
    expect((await ended).data.length).toBe(0);
  });
});
