// RELIABILITY.md classes 1-17 against one running server (createServer: real mutual TLS on an
// ephemeral port, SQLite in a temporary directory, the real engine). Each class is thrown at it over
// the wire, the exact outcome is checked (a typed KMIP response, or a closed connection where the
// stream cannot be framed), and after each one a fresh, well-behaved client must still be served.
// Then the semantics: a failed item writes nothing, principals are isolated, Response Too Large.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, KeyFormatType, ObjectType, Operation as Op, ResultReason as RR, ResultStatus as RS, Tag,
} from '../../src/dict/index.js';
import { bytes, long } from '../../src/kmip/items.js';
import { createServer, type KmipServer } from '../../src/server/index.js';
import { generateDevCertificates } from '../../src/server/certs.js';
import { ItemType, type TtlvItem } from '../../src/ttlv/index.js';
import { child, children, enm, int, read, request, response, struct, text, uidIn, type Item, type ResultItem } from '../helpers/kmip.js';

const V21 = [2, 1] as const;
const V14 = [1, 4] as const;

// ---------------------------------------------------------------------------------------------------
// Raw TTLV, for what the encoder refuses to write.

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const header = (tag: number, type: number, len: number) => Buffer.concat([Buffer.from([(tag >> 16) & 0xff, (tag >> 8) & 0xff, tag & 0xff, type]), u32(len)]);
const pad = (b: Buffer, fill = 0) => Buffer.concat([b, Buffer.alloc((8 - (b.length % 8)) % 8, fill)]);
/** One primitive item: header (length `len`, default the value's) and the value padded with `fill`. */
const raw = (tag: number, type: number, value: Buffer, len = value.length, fill = 0) => Buffer.concat([header(tag, type, len), pad(value, fill)]);
const rawInt = (tag: number, n: number) => raw(tag, ItemType.Integer, u32(n));
const rawEnum = (tag: number, n: number) => raw(tag, ItemType.Enumeration, u32(n));
/** A Structure of the given children; `len` overrides the declared length. */
const rawStruct = (tag: number, kids: Buffer[], len?: number) => {
  const body = Buffer.concat(kids);
  return Buffer.concat([header(tag, ItemType.Structure, len ?? body.length), body]);
};
const rawVersion = (major = 2, minor = 1) => rawStruct(Tag.ProtocolVersion, [rawInt(Tag.ProtocolVersionMajor, major), rawInt(Tag.ProtocolVersionMinor, minor)]);
const rawHeader = (count: number, extra: Buffer[] = []) => rawStruct(Tag.RequestHeader, [rawVersion(), ...extra, rawInt(Tag.BatchCount, count)]);
const rawItem = (op: number, payload: Buffer[] = []) => rawStruct(Tag.BatchItem, [rawEnum(Tag.Operation, op), rawStruct(Tag.RequestPayload, payload)]);
/** A 2.1 request of raw batch items (Batch Count = their number unless given). */
const rawRequest = (items: Buffer[], count = items.length, headerExtra: Buffer[] = []) => rawStruct(Tag.RequestMessage, [rawHeader(count, headerExtra), ...items]);

// ---------------------------------------------------------------------------------------------------
// Requests through the encoder.

const name2x = (v: string) => struct(Tag.Name, [text(Tag.NameValue, v), enm(Tag.NameType, 1)]);
const aes = (extra: TtlvItem[] = []) => [
  enm(Tag.ObjectType, ObjectType.SymmetricKey),
  struct(Tag.Attributes, [enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 256), int(Tag.CryptographicUsageMask, Mask.Encrypt | Mask.Decrypt), ...extra]),
];
const uidP = (uid: string) => [text(Tag.UniqueIdentifier, uid)];
const locateByName = (name: string) => request(V21, [{ op: Op.Locate, payload: [struct(Tag.Attributes, [name2x(name)])] }]);
const discover = () => request(V21, [{ op: Op.DiscoverVersions, payload: [] }]);
/** A symmetric key body of known, obviously fake bytes. */
const keyBody = (key: Uint8Array, length = key.length * 8) =>
  struct(Tag.SymmetricKey, [
    struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Raw), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, key)]), enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, length)]),
  ]);
const keyOf = (payload: TtlvItem | undefined) =>
  Buffer.from(read.bytes(child(child(child(child(payload, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!);

// ---------------------------------------------------------------------------------------------------
// Clients.

let tmp: string;
let server: KmipServer;
let port: number;
const events: Record<string, unknown>[] = [];
const pems: Record<'alice' | 'bob', { cert: string; key: string }> = { alice: { cert: '', key: '' }, bob: { cert: '', key: '' } };
let caPem: string;
let serverTls: { ca: string; cert: string; key: string };
const opened: Socket[] = [];

const LIMITS = { handshakeTimeoutMs: 600, messageTimeoutMs: 1_200, idleTimeoutMs: 10_000, writeTimeoutMs: 5_000, closeGraceMs: 1_000 };

/** One mutual-TLS connection, reading whole response messages by their headers. */
class Peer {
  private buf = Buffer.alloc(0);
  private readonly messages: Buffer[] = [];
  private waiter: (() => void) | undefined;
  readonly closed: Promise<{ error?: string }>;
  all = Buffer.alloc(0);

  private constructor(readonly socket: TLSSocket) {
    let error: string | undefined;
    socket.on('data', (c: Buffer) => {
      this.all = Buffer.concat([this.all, c]);
      this.buf = Buffer.concat([this.buf, c]);
      while (this.buf.length >= 8 && this.buf.length >= 8 + this.buf.readUInt32BE(4)) {
        const n = 8 + this.buf.readUInt32BE(4);
        this.messages.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
      }
      this.waiter?.();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.waiter?.();
        resolve({ error });
      }),
    );
  }

  static open(who: 'alice' | 'bob' = 'alice'): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: caPem, cert: pems[who].cert, key: pems[who].key });
      opened.push(s);
      s.setNoDelay(true);
      s.once('secureConnect', () => resolve(new Peer(s)));
      s.once('error', reject);
    });
  }

  /** The next response message; rejects if the connection closes first. */
  async next(timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.shift();
      if (m) return m;
      if (this.socket.destroyed) throw new Error(`connection closed with no (further) response; ${this.buf.length} stray bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no response in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  async send(bytes: Uint8Array): Promise<ReturnType<typeof response>> {
    this.socket.write(bytes);
    return response(await this.next());
  }

  /** One operation that must succeed: its payload. */
  async ok(op: number, payload: TtlvItem[], version: readonly [number, number] = V21): Promise<TtlvItem> {
    const r = await this.send(request(version, [{ op, payload }]));
    const it = r.items[0];
    if (it.status !== RS.Success) throw new Error(`operation ${op} failed: ${it.reason}: ${it.message}`);
    return it.payload!;
  }

  end(): void {
    this.socket.end();
  }
}

/** A typed failure: Operation Failed with this reason and a message, and no payload (libkmip #30). */
function expectFailure(it: ResultItem | undefined, reason: number): void {
  expect(it).toBeDefined();
  expect({ status: it!.status, reason: it!.reason }).toEqual({ status: RS.OperationFailed, reason });
  expect(typeof it!.message).toBe('string');
  expect(it!.payload).toBeUndefined();
}

/** One request that must get exactly one failed item with this reason; the connection stays open. */
async function expectRejected(p: Peer, bytes: Uint8Array, reason: number): Promise<ResultItem> {
  const r = await p.send(bytes);
  expect(r.items).toHaveLength(1);
  expectFailure(r.items[0], reason);
  return r.items[0];
}

/** The connection is closed by the server within `ms`, having sent nothing (or exactly `expectBytes`). */
async function expectClosed(p: Peer, ms = 5_000): Promise<void> {
  const result = await Promise.race([p.closed.then(() => 'closed'), sleep(ms).then(() => 'still open')]);
  expect(result).toBe('closed');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A second, well-behaved client: Discover Versions, then Create and Get of a fresh key, all answered. */
async function expectHealthy(who: 'alice' | 'bob' = 'alice'): Promise<void> {
  const p = await Peer.open(who);
  try {
    const dv = await p.send(discover());
    expect(dv.items[0].status).toBe(RS.Success);
    expect(children(dv.items[0].payload!, Tag.ProtocolVersion).length).toBeGreaterThan(0);
    const uid = uidIn(await p.ok(Op.Create, aes()));
    expect(keyOf(await p.ok(Op.Get, uidP(uid)))).toHaveLength(32);
  } finally {
    p.end();
  }
}

async function issueClientCert(caCertPem: string, caKeyPem: string, cn: string): Promise<{ cert: string; key: string }> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decode(caKeyPem)[0], alg, false, ['sign']);
  const ca = new x509.X509Certificate(caCertPem);
  const keys = (await webcrypto.subtle.generateKey({ ...alg, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '0badc0de01',
    subject: `CN=${cn}`,
    issuer: ca.subject,
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false)],
  });
  const der = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kmipkit-reliability-'));
  const certs = await generateDevCertificates({ clientCommonName: 'alice' });
  caPem = certs.caPem;
  pems.alice = { cert: certs.clientCertPem!, key: certs.clientKeyPem! };
  pems.bob = await issueClientCert(certs.caPem, certs.caKeyPem!, 'bob');
  serverTls = { ca: certs.caPem, cert: certs.serverCertPem, key: certs.serverKeyPem };
  server = await createServer({
    port: 0,
    dataDir: tmp,
    store: 'sqlite',
    tls: { ca: certs.caPem, cert: certs.serverCertPem, key: certs.serverKeyPem },
    limits: LIMITS,
    log: (e) => events.push(e),
  });
  port = server.address.port;
}, 60_000);

afterAll(async () => {
  for (const s of opened) s.destroy();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------

describe('malformed TTLV over mutual TLS (RELIABILITY.md 1-17)', () => {
  it('1: a truncated header waits for the rest; at end of stream the connection just closes', async () => {
    const req = Buffer.from(discover());
    const p = await Peer.open();
    p.socket.write(req.subarray(0, 5));
    await sleep(150);
    expect(p.all.length).toBe(0);
    p.socket.write(req.subarray(5));
    expect((await response(await p.next())).items[0].status).toBe(RS.Success);
    // Fewer than 8 bytes, then end of stream: no answer, no crash, the connection closes.
    p.socket.end(req.subarray(0, 7));
    await expectClosed(p);
    await expect(p.next(100)).rejects.toThrow(/closed with no/);
    await expectHealthy();
  });

  it('2: a root length of 0xFFFFFFFF is refused on its header, with no response, before any body', async () => {
    const p = await Peer.open();
    const sent = events.length;
    p.socket.write(header(Tag.RequestMessage, ItemType.Structure, 0xffffffff));
    await expectClosed(p);
    expect(p.all.length).toBe(0);
    expect(events.slice(sent)).toContainEqual(expect.objectContaining({ event: 'framing-error', code: 'ERR_TTLV_TOO_LARGE', principal: 'alice' }));
    await expectHealthy();
  });

  it('3: a Structure declaring more than remains is Invalid Message (root and inner)', async () => {
    const p = await Peer.open();
    // The root says N+1 and N bytes of children follow (then the 1 byte and padding that frame it):
    // one byte cannot hold the next child's header.
    const good = rawRequest([rawItem(Op.DiscoverVersions)]);
    const body = good.subarray(8);
    await expectRejected(p, Buffer.concat([header(Tag.RequestMessage, ItemType.Structure, body.length + 1), body, Buffer.alloc(8)]), RR.InvalidMessage);
    // An inner Structure (the payload) declaring 8 bytes more than its parent holds.
    const item = rawStruct(Tag.BatchItem, [rawEnum(Tag.Operation, Op.Query), rawStruct(Tag.RequestPayload, [rawEnum(Tag.QueryFunction, 1)], 24)]);
    await expectRejected(p, rawRequest([item]), RR.InvalidMessage);
    // A root with fewer bytes than declared, then end of stream: never answered, closed.
    p.socket.end(good.subarray(0, good.length - 8));
    await expectClosed(p);
    await expectHealthy();
  });

  it('4: a child crossing its parent end is Invalid Message', async () => {
    const p = await Peer.open();
    // The Batch Item declares 32 bytes: its Operation (16) and the payload's header (8) fit, but the
    // payload declares 16 bytes of its own, of which only 8 are inside the Batch Item.
    const op = rawEnum(Tag.Operation, Op.Query);
    const payload = rawStruct(Tag.RequestPayload, [rawEnum(Tag.QueryFunction, 1)]);
    const item = rawStruct(Tag.BatchItem, [op, payload], op.length + 16);
    await expectRejected(p, rawRequest([item]), RR.InvalidMessage);
    p.end();
    await expectHealthy();
  });

  it('5: wrong fixed lengths (Integer 5, Boolean 4, DateTime 4) are Invalid Message each, on one connection', async () => {
    const p = await Peer.open();
    const int5 = raw(Tag.BatchCount, ItemType.Integer, Buffer.from([0, 0, 0, 1, 0]), 5);
    await expectRejected(p, rawStruct(Tag.RequestMessage, [rawStruct(Tag.RequestHeader, [rawVersion(), int5]), rawItem(Op.DiscoverVersions)]), RR.InvalidMessage);
    const bool4 = raw(Tag.BatchOrderOption, ItemType.Boolean, u32(1), 4);
    await expectRejected(p, rawRequest([rawItem(Op.DiscoverVersions)], 1, [bool4]), RR.InvalidMessage);
    const date4 = raw(Tag.TimeStamp, ItemType.DateTime, u32(1_700_000_000), 4);
    await expectRejected(p, rawRequest([rawItem(Op.DiscoverVersions)], 1, [date4]), RR.InvalidMessage);
    // The connection is still good for a correct request.
    expect((await p.send(discover())).items[0].status).toBe(RS.Success);
    p.end();
    await expectHealthy();
  });

  it('6: non-zero padding, and padding counted in a fixed length, are Invalid Message', async () => {
    const p = await Peer.open();
    const dirtyPad = raw(Tag.BatchCount, ItemType.Integer, u32(1), 4, 0xab);
    await expectRejected(p, rawStruct(Tag.RequestMessage, [rawStruct(Tag.RequestHeader, [rawVersion(), dirtyPad]), rawItem(Op.DiscoverVersions)]), RR.InvalidMessage);
    const dirtyText = raw(Tag.ClientCorrelationValue, ItemType.TextString, Buffer.from('abc'), 3, 0x20);
    await expectRejected(p, rawRequest([rawItem(Op.DiscoverVersions)], 1, [dirtyText]), RR.InvalidMessage);
    // The Db2 bug: an Enumeration whose length counts its padding (8 instead of 4).
    const counted = raw(Tag.Operation, ItemType.Enumeration, Buffer.concat([u32(Op.DiscoverVersions), Buffer.alloc(4)]), 8);
    await expectRejected(p, rawRequest([rawStruct(Tag.BatchItem, [counted, rawStruct(Tag.RequestPayload, [])])]), RR.InvalidMessage);
    p.end();
    await expectHealthy();
  });

  it('7: unknown item types: inside a message Invalid Message; in the root header the connection closes', async () => {
    const p = await Peer.open();
    for (const type of [0x00, 0x0c, 0xff]) {
      const odd = raw(Tag.ClientCorrelationValue, type, Buffer.from('abcd'));
      await expectRejected(p, rawRequest([rawItem(Op.DiscoverVersions)], 1, [odd]), RR.InvalidMessage);
    }
    p.socket.write(Buffer.concat([header(Tag.RequestMessage, 0x0c, 8), Buffer.alloc(8)]));
    await expectClosed(p);
    expect(events).toContainEqual(expect.objectContaining({ event: 'framing-error', code: 'ERR_TTLV_BAD_TYPE' }));
    await expectHealthy();
  });

  it('8: a wrong type for a tag is Invalid Field or Invalid Message, never a dropped connection', async () => {
    const p = await Peer.open();
    // Batch Count as a Text String.
    const textCount = raw(Tag.BatchCount, ItemType.TextString, Buffer.from('1'));
    await expectRejected(p, rawStruct(Tag.RequestMessage, [rawStruct(Tag.RequestHeader, [rawVersion(), textCount]), rawItem(Op.DiscoverVersions)]), RR.InvalidField);
    // An Integer where the Request Header Structure is required.
    await expectRejected(p, rawStruct(Tag.RequestMessage, [rawInt(Tag.RequestHeader, 1), rawItem(Op.DiscoverVersions)]), RR.InvalidMessage);
    // The Request Payload as an Integer.
    await expectRejected(p, rawRequest([rawStruct(Tag.BatchItem, [rawEnum(Tag.Operation, Op.Query), rawInt(Tag.RequestPayload, 1)])]), RR.InvalidMessage);
    // Inside a payload: Object Type as a Text String.
    await expectRejected(p, request(V21, [{ op: Op.Create, payload: [text(Tag.ObjectType, 'SymmetricKey'), ...aes().slice(1)] }]), RR.InvalidField);
    // A root that is not a Request Message at all (a Response Message).
    await expectRejected(p, rawStruct(Tag.ResponseMessage, [rawHeader(1), rawItem(Op.DiscoverVersions)]), RR.InvalidMessage);
    p.end();
    await expectHealthy();
  });

  it('9: 10,000 nested Structures are refused past the depth cap, no stack overflow', async () => {
    const p = await Peer.open();
    let nest = rawInt(Tag.QueryFunction, 1);
    for (let i = 0; i < 10_000; i++) nest = rawStruct(Tag.RequestPayload, [nest]);
    await expectRejected(p, rawRequest([rawStruct(Tag.BatchItem, [rawEnum(Tag.Operation, Op.Query), nest])]), RR.InvalidMessage);
    p.end();
    await expectHealthy();
  });

  it('10: batch bombs: a count of 1,000,000, a count that differs, and 1,001 items are Invalid Message', async () => {
    const p = await Peer.open();
    await expectRejected(p, rawRequest([rawItem(Op.DiscoverVersions)], 1_000_000), RR.InvalidMessage);
    await expectRejected(p, rawRequest([rawItem(Op.DiscoverVersions)], 2), RR.InvalidMessage);
    await expectRejected(p, rawRequest([rawItem(Op.DiscoverVersions), rawItem(Op.DiscoverVersions)], 1), RR.InvalidMessage);
    // Over the item cap: every item is a Create, and none of them may have run.
    const before = (await p.ok(Op.Locate, [struct(Tag.Attributes, [name2x('bomb')])]));
    expect(read.int(child(before, Tag.LocatedItems))).toBe(0);
    const bomb: Item[] = Array.from({ length: 1001 }, () => ({ op: Op.Create, payload: aes([name2x('bomb')]) }));
    await expectRejected(p, request(V21, bomb), RR.InvalidMessage);
    expect(read.int(child(await p.ok(Op.Locate, [struct(Tag.Attributes, [name2x('bomb')])]), Tag.LocatedItems))).toBe(0);
    p.end();
    await expectHealthy();
  });

  it('11: integer ranges: a negative count is refused; 64-bit and big integers round-trip exactly', async () => {
    const p = await Peer.open();
    await expectRejected(p, rawRequest([rawItem(Op.DiscoverVersions)], -1), RR.InvalidMessage);
    // Custom attributes (1.4 x- names) carrying a LongInteger past 2^53 each way and a negative BigInteger.
    const attr = (name: string, value: TtlvItem) => struct(Tag.Attribute, [text(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue } as TtlvItem]);
    const big = { tag: 0, type: ItemType.BigInteger, value: -(2n ** 100n) - 12345n } as TtlvItem;
    const payload = [
      enm(Tag.ObjectType, ObjectType.SymmetricKey),
      struct(Tag.TemplateAttribute, [
        attr('Cryptographic Algorithm', enm(0, Alg.AES)),
        attr('Cryptographic Length', int(0, 128)),
        attr('Cryptographic Usage Mask', int(0, Mask.Encrypt)),
        attr('x-Max', long(0, 2n ** 63n - 1n)),
        attr('x-Min', long(0, -(2n ** 63n))),
        attr('x-Big', big),
      ]),
    ];
    const uid = uidIn(await p.ok(Op.Create, payload, V14));
    const got = await p.ok(Op.GetAttributes, [...uidP(uid), text(Tag.AttributeName, 'x-Max'), text(Tag.AttributeName, 'x-Min'), text(Tag.AttributeName, 'x-Big')], V14);
    const values = Object.fromEntries(children(got, Tag.Attribute).map((a) => [read.text(child(a, Tag.AttributeName)), child(a, Tag.AttributeValue)?.value]));
    expect(values).toEqual({ 'x-Max': 2n ** 63n - 1n, 'x-Min': -(2n ** 63n), 'x-Big': -(2n ** 100n) - 12345n });
    p.end();
    await expectHealthy();
  });

  it('12: invalid UTF-8 is Invalid Message; a non-ASCII name round-trips with its UTF-8 byte length', async () => {
    const p = await Peer.open();
    for (const bad of [Buffer.from([0x61, 0xff, 0x62]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf])]) {
      await expectRejected(p, rawRequest([rawItem(Op.DiscoverVersions)], 1, [raw(Tag.ClientCorrelationValue, ItemType.TextString, bad)]), RR.InvalidMessage);
    }
    const name = 'clé-ключ-鍵-🔑';
    const uid = uidIn(await p.ok(Op.Create, aes([name2x(name)])));
    const located = await p.send(locateByName(name));
    expect(children(located.items[0].payload!, Tag.UniqueIdentifier).map((u) => u.value)).toEqual([uid]);
    p.socket.write(request(V21, [{ op: Op.GetAttributes, payload: [...uidP(uid), enm(Tag.AttributeReference, Tag.Name)] }]));
    const bytesOut = await p.next();
    const utf8 = Buffer.from(name, 'utf8');
    const at = bytesOut.indexOf(utf8);
    expect(at).toBeGreaterThan(8);
    expect(bytesOut.readUInt32BE(at - 4)).toBe(utf8.length);
    expect(bytesOut[at - 5]).toBe(ItemType.TextString);
    expect(read.text(child(child(child(response(bytesOut).items[0].payload, Tag.Attributes), Tag.Name), Tag.NameValue))).toBe(name);
    p.end();
    await expectHealthy();
  });

  it('13: bytes after a request: well framed, they are the next request; garbage closes after answering', async () => {
    // 24 bytes that frame (a Request Header on its own): a second request, refused; the connection lives.
    const p = await Peer.open();
    const stray = Buffer.concat([header(Tag.RequestHeader, ItemType.Structure, 16), rawInt(Tag.BatchCount, 1)]);
    expect(stray.length).toBe(24);
    p.socket.write(Buffer.concat([discover(), stray]));
    expect(response(await p.next()).items[0].status).toBe(RS.Success);
    expectFailure(response(await p.next()).items[0], RR.InvalidMessage);
    expect((await p.send(discover())).items[0].status).toBe(RS.Success);
    p.end();
    // 24 zero bytes after a request, in the same write: the request is answered, then the stream,
    // which cannot be resynchronised, is closed.
    const q = await Peer.open();
    const sent = events.length;
    q.socket.write(Buffer.concat([discover(), Buffer.alloc(24)]));
    expect(response(await q.next()).items[0].status).toBe(RS.Success);
    await expectClosed(q);
    expect(events.slice(sent)).toContainEqual(expect.objectContaining({ event: 'framing-error', code: 'ERR_TTLV_BAD_TAG' }));
    await expectHealthy();
  });

  it('14: two requests in one write and one request in 1-byte writes get identical answers', async () => {
    const reqA = request(V21, [{ op: Op.DiscoverVersions, payload: [] }]);
    const reqB = request(V21, [{ op: Op.Query, payload: [enm(Tag.QueryFunction, 1)] }]);
    const strip = (r: ReturnType<typeof response>) => r.items.map((i) => ({ ...i, payload: i.payload && JSON.stringify(i.payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) }));
    const a = await Peer.open();
    a.socket.write(Buffer.concat([reqA, reqB]));
    const [ra, rb] = [response(await a.next()), response(await a.next())];
    a.end();
    const b = await Peer.open();
    for (const byte of Buffer.concat([reqA, reqB])) {
      b.socket.write(Buffer.of(byte));
    }
    const [sa, sb] = [response(await b.next()), response(await b.next())];
    b.end();
    expect(strip(sa)).toEqual(strip(ra));
    expect(strip(sb)).toEqual(strip(rb));
    expect(ra.items[0].status).toBe(RS.Success);
    expect(rb.items[0].status).toBe(RS.Success);
    await expectHealthy();
  });

  it('15: error responses carry a reason and a message but no payload (checked in every refusal above)', async () => {
    const p = await Peer.open();
    const r = await expectRejected(p, request(V21, [{ op: Op.Get, payload: uidP('no-such-object') }]), RR.ObjectNotFound);
    expect(r.operation).toBe(Op.Get);
    expect((await expectRejected(p, request(V14, [{ op: Op.Get, payload: uidP('no-such-object') }]), RR.ItemNotFound)).operation).toBe(Op.Get);
    p.end();
    await expectHealthy();
  });

  it('16: unknown extension tags and vendor enumerations: preserved or refused with a reason, never a crash', async () => {
    const p = await Peer.open();
    // A vendor operation (0x8000_0001): Operation Not Supported, the item echoed.
    const vendorOp = await expectRejected(p, request(V21, [{ op: 0x8000_0001, payload: [] }]), RR.OperationNotSupported);
    expect(vendorOp.operation).toBe(0x8000_0001);
    // Unknown extension tags in the Request Header and in a Batch Item are ignored: the request is served.
    const extHeader = await p.send(rawRequest([rawItem(Op.DiscoverVersions)], 1, [raw(0x54_ff_01, ItemType.TextString, Buffer.from('vendor'))]));
    const extItem = await p.send(rawRequest([rawStruct(Tag.BatchItem, [rawEnum(Tag.Operation, Op.DiscoverVersions), rawInt(0x54_ff_02, 7), rawStruct(Tag.RequestPayload, [])])]));
    for (const r of [extHeader, extItem]) {
      expect(r.items).toHaveLength(1);
      expect(r.items[0]).toMatchObject({ operation: Op.DiscoverVersions, status: RS.Success });
    }
    // An attribute under an extension tag (0x54xxxx) with a vendor enumeration value is kept as it came.
    const ext = { tag: 0x54_00_42, type: ItemType.Enumeration, value: 0x8000_0007 } as TtlvItem;
    const uid = uidIn(await p.ok(Op.Create, aes([ext])));
    const attrs = await p.ok(Op.GetAttributes, uidP(uid));
    expect(child(child(attrs, Tag.Attributes), 0x54_00_42)).toEqual(ext);
    p.end();
    await expectHealthy();
  });

  it('17: a TCP peer that never handshakes and a sender dripping one byte at a time are closed by the timeouts; others are served', async () => {
    const silent: Socket = netConnect(port, '127.0.0.1');
    opened.push(silent);
    const silentClosed = new Promise<number>((resolve) => silent.once('close', () => resolve(Date.now())));
    const slow = await Peer.open();
    const req = Buffer.from(discover());
    const started = Date.now();
    let i = 0;
    const drip = setInterval(() => {
      if (!slow.socket.destroyed && i < req.length - 1) slow.socket.write(req.subarray(i, ++i));
    }, 250);
    try {
      // Meanwhile, others are served.
      await expectHealthy();
      await expectHealthy('bob');
      const silentAt = await Promise.race([silentClosed, sleep(5_000).then(() => -1)]);
      expect(silentAt).toBeGreaterThan(0);
      expect(silentAt - started).toBeLessThan(LIMITS.handshakeTimeoutMs + 2_000);
      await expectClosed(slow, LIMITS.messageTimeoutMs + 3_000);
      // Closed by the message timeout (the idle one is 10 s), before the whole request was sent.
      expect(Date.now() - started).toBeLessThan(LIMITS.idleTimeoutMs);
      expect(i).toBeLessThan(req.length - 1);
      expect(slow.all.length).toBe(0);
      expect(events).toContainEqual(expect.objectContaining({ event: 'timeout', kind: 'message', principal: 'alice' }));
      expect(events).toContainEqual(expect.objectContaining({ event: 'tls-error', code: 'ERR_TLS_HANDSHAKE_TIMEOUT' }));
    } finally {
      clearInterval(drip);
    }
    await expectHealthy();
  });
});

describe('semantics over the wire', () => {
  it('a Register that fails validation writes nothing: Locate is unchanged', async () => {
    const p = await Peer.open();
    const count = async () => read.int(child(await p.ok(Op.Locate, []), Tag.LocatedItems));
    const before = await count();
    // A Cryptographic Usage Mask of the wrong item type, after a Name that would otherwise be stored.
    const fake = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const badAttrs = (name: string) => struct(Tag.Attributes, [name2x(name), text(Tag.CryptographicUsageMask, 'Encrypt')]);
    const r = await p.send(request(V21, [{ op: Op.Register, payload: [enm(Tag.ObjectType, ObjectType.SymmetricKey), badAttrs('half-registered'), keyBody(fake)] }]));
    expectFailure(r.items[0], RR.InvalidField);
    expect(await count()).toBe(before);
    expect(read.int(child((await p.send(locateByName('half-registered'))).items[0].payload, Tag.LocatedItems))).toBe(0);
    // A batch (Stop): the Create before a failing Register stands, the Create after it never runs.
    const batch = await p.send(
      request(V21, [
        { op: Op.Create, payload: aes([name2x('batch-1')]) },
        { op: Op.Register, payload: [enm(Tag.ObjectType, ObjectType.SymmetricKey), badAttrs('batch-2'), keyBody(fake)] },
        { op: Op.Create, payload: aes([name2x('batch-3')]) },
      ]),
    );
    expect(batch.items.map((i) => i.status)).toEqual([RS.Success, RS.OperationFailed]);
    expect(await count()).toBe((before ?? 0) + 1);
    for (const [n, want] of [['batch-1', 1], ['batch-2', 0], ['batch-3', 0]] as const) {
      expect(read.int(child((await p.send(locateByName(n))).items[0].payload, Tag.LocatedItems))).toBe(want);
    }
    p.end();
    await expectHealthy();
  });

  it("one principal can neither see, use nor learn of another's objects", async () => {
    const alice = await Peer.open('alice');
    const bob = await Peer.open('bob');
    const secret = Buffer.from('fa4e0000' + 'ab'.repeat(28), 'hex'); // test bytes, not a key anyone uses
    const uid = uidIn(await alice.ok(Op.Register, [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, [name2x('alice-only'), int(Tag.CryptographicUsageMask, Mask.Encrypt)]), keyBody(secret)]));
    // Bob: not found by name, not in an unfiltered Locate, and every use answers as for a missing object.
    expect(read.int(child((await bob.send(locateByName('alice-only'))).items[0].payload, Tag.LocatedItems))).toBe(0);
    const all = await bob.ok(Op.Locate, []);
    expect(children(all, Tag.UniqueIdentifier).map((u) => u.value)).not.toContain(uid);
    for (const op of [Op.Get, Op.GetAttributes, Op.Activate, Op.Destroy]) {
      const r = await bob.send(request(V21, [{ op, payload: uidP(uid) }]));
      expect(r.items[0].status).toBe(RS.OperationFailed);
      expect(r.items[0].payload).toBeUndefined();
      expect(r.items[0].message).not.toContain('alice');
    }
    expect(bob.all.includes(secret)).toBe(false);
    // Alice still has it, intact.
    expect(keyOf(await alice.ok(Op.Get, uidP(uid)))).toEqual(secret);
    alice.end();
    bob.end();
    await expectHealthy('bob');
  });

  // RELIABILITY.md: a principal never "learns of" another's objects, so the reason must not tell bob
  // which identifiers exist: both are Object Not Found (Item Not Found in 1.x).
  it("another principal's object is answered exactly like a missing one (no existence oracle)", async () => {
    const alice = await Peer.open('alice');
    const bob = await Peer.open('bob');
    const uid = uidIn(await alice.ok(Op.Create, aes([name2x('oracle')])));
    for (const [version, op] of [[V21, Op.Get], [V21, Op.Destroy], [V14, Op.Get], [V14, Op.GetAttributes]] as const) {
      const missing = await bob.send(request(version, [{ op, payload: uidP('no-such-object-anywhere') }]));
      const theirs = await bob.send(request(version, [{ op, payload: uidP(uid) }]));
      expect({ version, op, reason: theirs.items[0].reason }).toEqual({ version, op, reason: missing.items[0].reason });
    }
    alice.end();
    bob.end();
  });

  // 16 bytes of key material declared as a 256-bit AES key, in the Key Block or in the attributes.
  it('Register of key material whose length disagrees with Cryptographic Length is Invalid Field', async () => {
    const p = await Peer.open();
    const fake = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const count = async () => read.int(child(await p.ok(Op.Locate, []), Tag.LocatedItems));
    const before = await count();
    const inBlock = await p.send(request(V21, [{ op: Op.Register, payload: [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, []), keyBody(fake, 256)] }]));
    const inAttrs = await p.send(request(V21, [{ op: Op.Register, payload: [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, [int(Tag.CryptographicLength, 256)]), keyBody(fake)] }]));
    expect([inBlock.items[0].reason, inAttrs.items[0].reason]).toEqual([RR.InvalidField, RR.InvalidField]);
    expect(await count()).toBe(before);
    p.end();
  });

  it('a response over the Maximum Response Size is Response Too Large and writes nothing', async () => {
    const p = await Peer.open();
    const r = await p.send(request(V21, [{ op: Op.Create, payload: aes([name2x('too-large')]) }], [int(Tag.MaximumResponseSize, 40)]));
    expectFailure(r.items[0], RR.ResponseTooLarge);
    expect(read.int(child((await p.send(locateByName('too-large'))).items[0].payload, Tag.LocatedItems))).toBe(0);
    // Big enough: the same request succeeds.
    const ok = await p.send(request(V21, [{ op: Op.Create, payload: aes([name2x('too-large')]) }], [int(Tag.MaximumResponseSize, 4096)]));
    expect(ok.items[0].status).toBe(RS.Success);
    p.end();
    await expectHealthy();
  });

  it('no log event carries key material', () => {
    const logged = JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    expect(logged).not.toMatch(/fa4e0000abab/i);
    expect(logged).not.toMatch(/PRIVATE KEY/);
    expect(events.length).toBeGreaterThan(0);
  });
});

describe('limits', () => {
  it('createServer refuses limits Node would mishandle: a timer past 2^31-1 ms, a message size outside [64, codec cap]', async () => {
    const bad = [
      [{ idleTimeoutMs: 2 ** 31 }, /limits\.idleTimeoutMs must be between 1 and 2147483647/],
      [{ handshakeTimeoutMs: 10 * 2 ** 31 }, /limits\.handshakeTimeoutMs must be between/],
      [{ maxMessageSize: 16 }, /limits\.maxMessageSize must be between 64 and 16777216/],
      [{ maxMessageSize: 16 * 1024 * 1024 + 1 }, /limits\.maxMessageSize must be between 64 and 16777216/],
      [{ writeTimeoutMs: 0 }, /limits\.writeTimeoutMs must be a positive integer/],
    ] as const;
    for (const [limits, message] of bad) {
      await expect(createServer({ port: 0, store: 'memory', tls: serverTls, limits })).rejects.toThrow(message);
    }
    // The edges themselves are accepted.
    const edge = await createServer({ port: 0, store: 'memory', tls: serverTls, limits: { idleTimeoutMs: 2 ** 31 - 1, maxMessageSize: 64 } });
    await edge.close();
    await expectHealthy();
  });

  it('after all of the above no connection is left open on the server', async () => {
    for (const sock of opened) sock.end();
    const deadline = Date.now() + 3_000;
    while (server.connections() > 0 && Date.now() < deadline) await sleep(20);
    expect(server.connections()).toBe(0);
  });
});
