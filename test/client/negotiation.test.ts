// Version negotiation against scripted peers (real TLS on a real port) that speak only some versions,
// or none that Discover Versions can tell: the client picks the best common one, or falls back to 1.0.
import { createServer as createTlsServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmipClient, KmipError } from '../../src/client/index.js';
import { Tag } from '../../src/dict/index.js';
import { child, children, enm, int, read, struct, text } from '../../src/kmip/items.js';
import { generateDevCertificates, type CertificateSet } from '../../src/server/index.js';
import { TtlvFramer, decode, encode } from '../../src/ttlv/index.js';
import type { TtlvItem } from '../../src/ttlv/types.js';

const OP_DISCOVER = 0x1e;
const OP_QUERY = 0x18;

/** A peer that answers Discover Versions from `speaks` (or refuses it when null) and Query with a vendor name; it records request versions. */
async function scriptedPeer(certs: CertificateSet, speaks: [number, number][] | null) {
  const seen: { op: number; version: string }[] = [];
  const pv = (major: number, minor: number) => struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, major), int(Tag.ProtocolVersionMinor, minor)]);
  const server: Server = createTlsServer({ ca: certs.caPem, cert: certs.serverCertPem, key: certs.serverKeyPem, requestCert: true }, (socket) => {
    const framer = new TtlvFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const m of framer.push(chunk)) {
        const req = decode(m);
        const h = child(child(req, Tag.RequestHeader), Tag.ProtocolVersion);
        const major = read.int(child(h, Tag.ProtocolVersionMajor))!;
        const minor = read.int(child(h, Tag.ProtocolVersionMinor))!;
        const op = read.enum(child(child(req, Tag.BatchItem), Tag.Operation))!;
        seen.push({ op, version: `${major}.${minor}` });
        let item: TtlvItem;
        if (op === OP_DISCOVER && speaks === null) {
          item = struct(Tag.BatchItem, [enm(Tag.ResultStatus, 1), enm(Tag.ResultReason, 0x05), text(Tag.ResultMessage, 'no such operation')]);
        } else if (op === OP_DISCOVER) {
          const asked = children(child(child(req, Tag.BatchItem), Tag.RequestPayload) ?? struct(0, []), Tag.ProtocolVersion).map(
            (p) => `${read.int(child(p, Tag.ProtocolVersionMajor))}.${read.int(child(p, Tag.ProtocolVersionMinor))}`,
          );
          const both = speaks!.filter(([a, b]) => asked.length === 0 || asked.includes(`${a}.${b}`));
          item = struct(Tag.BatchItem, [enm(Tag.Operation, op), enm(Tag.ResultStatus, 0), struct(Tag.ResponsePayload, both.map(([a, b]) => pv(a, b)))]);
        } else {
          item = struct(Tag.BatchItem, [enm(Tag.Operation, op), enm(Tag.ResultStatus, 0), struct(Tag.ResponsePayload, [text(Tag.VendorIdentification, 'scripted')])]);
        }
        socket.write(encode(struct(Tag.ResponseMessage, [struct(Tag.ResponseHeader, [pv(major, minor), int(Tag.BatchCount, 1)]), item])));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('negotiation', () => {
  let certs: CertificateSet;
  beforeAll(async () => {
    certs = await generateDevCertificates();
  });
  const peers: { close(): Promise<void> }[] = [];
  const clients: KmipClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(peers.map((p) => p.close()));
  });
  const clientFor = (port: number, version?: string) => {
    const c = new KmipClient({ servers: [{ host: '127.0.0.1', port }], tls: { ca: certs.caPem, cert: certs.clientCertPem!, key: certs.clientKeyPem! }, version });
    clients.push(c);
    return c;
  };

  it.each([
    [[[1, 4], [1, 2]], '1.4'],
    [[[1, 2], [1, 4]], '1.4'],
    [[[2, 0], [1, 1]], '2.0'],
    [[[1, 0]], '1.0'],
  ] as [[number, number][], string][])('a server speaking %j is spoken to in %s', async (speaks, expected) => {
    const peer = await scriptedPeer(certs, speaks);
    peers.push(peer);
    const c = clientFor(peer.port);
    expect((await c.query(['QueryServerInformation'])).vendorIdentification).toBe('scripted');
    expect(await c.version()).toBe(expected);
    // Discover Versions first (at 1.1, the first edition that has it), then the Query at the chosen version.
    expect(peer.seen).toEqual([{ op: OP_DISCOVER, version: '1.1' }, { op: OP_QUERY, version: expected }]);
  });

  it('a server that refuses Discover Versions (KMIP 1.0) is spoken to in 1.0', async () => {
    const peer = await scriptedPeer(certs, null);
    peers.push(peer);
    const c = clientFor(peer.port);
    await c.query();
    expect(await c.version()).toBe('1.0');
    expect(peer.seen.at(-1)).toEqual({ op: OP_QUERY, version: '1.0' });
  });

  it('no version in common: a KmipError naming what the server speaks, and the server is not marked down', async () => {
    const peer = await scriptedPeer(certs, [[3, 0]]);
    peers.push(peer);
    const c = clientFor(peer.port);
    const err = await c.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmipError);
    expect((err as Error).message).toMatch(/no protocol version in common/);
    expect(c.servers()[0].up).toBe(true);
  });

  it('a pinned version sends no Discover Versions before the first call', async () => {
    const peer = await scriptedPeer(certs, [[1, 4]]);
    peers.push(peer);
    const c = clientFor(peer.port, '1.3');
    await c.query();
    expect(peer.seen).toEqual([{ op: OP_QUERY, version: '1.3' }]);
  });
});
