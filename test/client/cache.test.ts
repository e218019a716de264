// The client's local key cache against a real server (mutual TLS, real port): 'prefer' answers without a
// round trip (Gets counted at the server from its audit log), TTL, entry and byte bounds (LRU), answers
// during an outage (the server stopped), invalidation by this client's writes in single calls and batches
// (placeholders included), refusals that evict, entries encrypted in memory, close() emptying it.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KmipClient, KmipTransportError, ObjectDestroyedError, type KeyCacheOptions } from '../../src/client/index.js';
import { Tag } from '../../src/dict/index.js';
import { enm, int, struct } from '../../src/kmip/items.js';
import { KeyCache } from '../../src/client/cache.js';
import * as ops from '../../src/client/ops.js';
import { bytes, text } from '../../src/kmip/items.js';
import { createServer, generateDevCertificates, type CertificateSet, type KmipServer } from '../../src/server/index.js';
import { decode, encode } from '../../src/ttlv/index.js';

const servers = new Set<KmipServer>();
// One set of throwaway certificates for every server here: generating them is the slow part of a start.
let certs: CertificateSet;
beforeAll(async () => {
  certs = await generateDevCertificates();
});
const clients = new Set<KmipClient>();

afterEach(async () => {
  await Promise.all([...clients].map((c) => c.close()));
  clients.clear();
  await Promise.all([...servers].map((s) => s.close()));
  servers.clear();
});

interface Setup {
  server: KmipServer;
  /** Get operations the server has processed. */
  gets(): number;
  client(cache?: KeyCacheOptions, extra?: Partial<ConstructorParameters<typeof KmipClient>[0]>): KmipClient;
  /** A symmetric key registered with known material. */
  key(c: KmipClient): Promise<{ id: string; material: Uint8Array }>;
}

async function setup(): Promise<Setup> {
  let gets = 0;
  const server = await createServer({
    port: 0,
    store: 'memory',
    tls: { ca: certs.caPem, cert: certs.serverCertPem, key: certs.serverKeyPem, clientCert: certs.clientCertPem, clientKey: certs.clientKeyPem },
    log: (e) => {
      if (e.event === 'operation' && e.operation === 'Get') gets++;
    },
  });
  servers.add(server);
  const { caPem, clientCertPem, clientKeyPem } = server.certificates;
  return {
    server,
    gets: () => gets,
    client(cache, extra = {}) {
      const c = new KmipClient({
        servers: [server.address],
        tls: { ca: caPem, cert: clientCertPem, key: clientKeyPem },
        timeoutMs: 10_000,
        healthCheckIntervalMs: 100,
        ...(cache ? { cache } : {}),
        ...extra,
      });
      clients.add(c);
      return c;
    },
    async key(c) {
      const material = new Uint8Array(randomBytes(32));
      const { uniqueIdentifier } = await c.register(
        { objectType: 'SymmetricKey', keyMaterial: material, cryptographicAlgorithm: 'AES', cryptographicLength: 256 },
        { cryptographicUsageMask: ['Encrypt', 'Decrypt'] },
      );
      return { id: uniqueIdentifier, material };
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TTL = { ttlMs: 60_000 };

/** The cache's entries, read through its internals: what it holds in memory. */
function heldEntries(c: KmipClient): { sealed: Buffer; nonce: Buffer; tag: Buffer }[] {
  return [...((c.cache as unknown as { entries: Map<string, { sealed: Buffer; nonce: Buffer; tag: Buffer }> }).entries.values())];
}

describe('KmipClient cache', () => {
  it('is off unless configured, and bad options are refused before anything starts', async () => {
    const s = await setup();
    expect(s.client().cache).toBeUndefined();
    expect(() => s.client({ ttlMs: 0 })).toThrow(RangeError);
    expect(() => s.client({ ttlMs: Number.NaN })).toThrow(RangeError);
    expect(() => s.client({ ttlMs: 1000, maxEntries: 0 })).toThrow(RangeError);
    expect(() => s.client({ ttlMs: 1000, maxBytes: -1 })).toThrow(RangeError);
    expect(() => s.client({ ttlMs: 2 * 24 * 3600 * 1000 })).toThrow(RangeError);
    expect(() => s.client({ ttlMs: 1000, mode: 'always' as never })).toThrow(TypeError);
  });

  it("'prefer' answers a fresh entry without a round trip; the default mode asks the server every time", async () => {
    const s = await setup();
    const c = s.client(TTL);
    const { id, material } = await s.key(c);

    const first = await c.get(id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(1);
    const second = await c.get(id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(1);
    expect(Buffer.from(second.keyMaterial!)).toEqual(Buffer.from(material));
    expect(second).toMatchObject({ uniqueIdentifier: id, objectType: 'SymmetricKey', keyFormatType: 'Raw', cryptographicAlgorithm: 'AES', cryptographicLength: 256 });
    expect(second.item).toEqual(first.item);
    // Each answer is the caller's own copy: changing one changes nothing kept.
    second.keyMaterial!.fill(0);
    expect(Buffer.from((await c.get(id, { cacheMode: 'prefer' })).keyMaterial!)).toEqual(Buffer.from(material));
    expect(c.cache!.stats()).toMatchObject({ entries: 1, hits: 2, misses: 1 });

    await c.get(id);
    await c.get(id, { cacheMode: 'bypass' });
    expect(s.gets()).toBe(3);

    // A client whose default mode is 'prefer'.
    const p = s.client({ ttlMs: 60_000, mode: 'prefer' });
    await p.get(id);
    await p.get(id);
    expect(s.gets()).toBe(4);
  });

  it('keys entries by everything the Get asks for: another key format is not answered from the Raw entry', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const { id } = await s.key(c);
    await c.get(id, { cacheMode: 'prefer', keyFormatType: 'Raw' });
    await c.get(id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(2);
    expect(c.cache!.stats().entries).toBe(2);
    await c.get(id, { cacheMode: 'prefer', keyFormatType: 'Raw' });
    await c.get(id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(2);
  });

  it('entries expire after ttlMs', async () => {
    const s = await setup();
    const c = s.client({ ttlMs: 100 });
    const { id } = await s.key(c);
    await c.get(id, { cacheMode: 'prefer' });
    await sleep(250);
    await c.get(id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(2);
    expect(c.cache!.stats()).toMatchObject({ hits: 0, misses: 2, expirations: 1, entries: 1 });
  });

  it('maxEntries evicts the least recently used entry', async () => {
    const s = await setup();
    const c = s.client({ ttlMs: 60_000, maxEntries: 2 });
    const [a, b, d] = [await s.key(c), await s.key(c), await s.key(c)];
    await c.get(a.id, { cacheMode: 'prefer' });
    await c.get(b.id, { cacheMode: 'prefer' });
    await c.get(a.id, { cacheMode: 'prefer' }); // a is now the most recently used
    await c.get(d.id, { cacheMode: 'prefer' }); // b goes
    expect(c.cache!.stats()).toMatchObject({ entries: 2, evictions: 1 });
    const before = s.gets();
    await c.get(a.id, { cacheMode: 'prefer' });
    await c.get(d.id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(before);
    await c.get(b.id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(before + 1);
  });

  it('maxBytes bounds the bytes held; an entry bigger than the bound is not kept', async () => {
    const s = await setup();
    const probe = s.client(TTL);
    const keys = [await s.key(probe), await s.key(probe), await s.key(probe)];
    await probe.get(keys[0].id);
    const one = probe.cache!.stats().bytes;
    expect(one).toBeGreaterThan(32);

    const c = s.client({ ttlMs: 60_000, maxBytes: Math.floor(one * 2.5) });
    for (const k of keys) await c.get(k.id);
    const st = c.cache!.stats();
    expect(st.entries).toBe(2);
    expect(st.evictions).toBe(1);
    expect(st.bytes).toBeLessThanOrEqual(Math.floor(one * 2.5));

    const tiny = s.client({ ttlMs: 60_000, maxBytes: one - 1 });
    await tiny.get(keys[0].id);
    expect(tiny.cache!.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('answers from the cache when the server is down; an uncached object fails with the transport error', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const { id, material } = await s.key(c);
    const { id: never } = await s.key(c);
    await c.get(id);
    await s.server.close();

    const got = await c.get(id);
    expect(Buffer.from(got.keyMaterial!)).toEqual(Buffer.from(material));
    expect(c.cache!.stats()).toMatchObject({ outageHits: 1, staleHits: 0 });
    const miss = await c.get(never).catch((e: unknown) => e);
    expect(miss).toBeInstanceOf(KmipTransportError);
    expect(miss).toMatchObject({ code: 'CONNECT' });
    // 'bypass' never answers from the cache.
    await expect(c.get(id, { cacheMode: 'bypass' })).rejects.toBeInstanceOf(KmipTransportError);
    // Nor do other operations.
    await expect(c.getAttributes(id)).rejects.toBeInstanceOf(KmipTransportError);
  });

  it('at 1.4 too: the answer kept is read back at the version it came in', async () => {
    const s = await setup();
    const c = s.client(TTL, { version: '1.4' });
    const { id, material } = await s.key(c);
    await c.get(id);
    await s.server.close();
    expect(Buffer.from((await c.get(id)).keyMaterial!)).toEqual(Buffer.from(material));
  });

  it('past ttlMs an entry answers during an outage only within serveStaleOnOutageMs', async () => {
    const s = await setup();
    const stale = s.client({ ttlMs: 50, serveStaleOnOutageMs: 60_000 });
    const strict = s.client({ ttlMs: 50 });
    const { id } = await s.key(stale);
    await stale.get(id);
    await strict.get(id);
    await sleep(150);
    await s.server.close();
    expect((await stale.get(id)).uniqueIdentifier).toBe(id);
    expect(stale.cache!.stats()).toMatchObject({ outageHits: 1, staleHits: 1 });
    await expect(strict.get(id)).rejects.toBeInstanceOf(KmipTransportError);
    expect(strict.cache!.stats()).toMatchObject({ outageHits: 0, entries: 0, expirations: 1 });
  });

  it('revoke, destroy, modifyAttribute, activate and archive drop the entry of their object (and only that one)', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const other = await s.key(c);
    await c.get(other.id);
    // [name, the change, what the object needs first]
    const ops: [string, (id: string) => Promise<unknown>, ((id: string) => Promise<unknown>)?][] = [
      ['activate', (id) => c.activate(id)],
      ['revoke', (id) => c.revoke(id, 'CessationOfOperation'), (id) => c.activate(id)],
      ['archive', (id) => c.archive(id)],
      ['modifyAttribute', async (id) => {
        await c.addAttribute(id, 'x-Note', 'a');
        return c.modifyAttribute(id, 'x-Note', 'b');
      }],
      ['setAttribute', (id) => c.setAttribute(id, 'x-Other', 'c')],
      ['deleteAttribute', async (id) => {
        await c.addAttribute(id, 'x-Gone', 'd');
        return c.deleteAttribute(id, 'x-Gone');
      }],
      ['reKey', (id) => c.reKey(id), (id) => c.activate(id)],
      ['destroy', (id) => c.destroy(id)],
    ];
    for (const [name, op, prepare] of ops) {
      const { id } = await s.key(c);
      await prepare?.(id);
      await c.get(id);
      expect(c.cache!.stats().entries, name).toBe(2);
      await op(id);
      expect(c.cache!.stats().entries, name).toBe(1);
      // The entry was dropped, not merely left out of the count: a prefer Get goes to the server.
      if (name !== 'destroy' && name !== 'archive') {
        const before = s.gets();
        await c.get(id, { cacheMode: 'prefer' });
        expect(s.gets(), name).toBe(before + 1);
      }
      c.cache!.invalidate(id);
    }
    // Untouched all along.
    const before = s.gets();
    await c.get(other.id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(before);
    await s.server.close();
    expect((await c.get(other.id)).uniqueIdentifier).toBe(other.id);
  });

  it('a revoked object is not answered during a later outage', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const { id } = await s.key(c);
    await c.activate(id);
    await c.get(id);
    await c.revoke(id, 'KeyCompromise', { compromiseOccurrenceDate: new Date() });
    await s.server.close();
    await expect(c.get(id)).rejects.toBeInstanceOf(KmipTransportError);
  });

  it('a write whose answer never came still drops the entry (it may have happened)', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const { id } = await s.key(c);
    await c.get(id);
    await s.server.close();
    await expect(c.destroy(id)).rejects.toBeInstanceOf(KmipTransportError);
    await expect(c.get(id)).rejects.toBeInstanceOf(KmipTransportError);
    expect(c.cache!.stats().entries).toBe(0);
  });

  it('batches: Gets in them are kept; writes drop their objects, by identifier or by ID placeholder', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const [a, b, p] = [await s.key(c), await s.key(c), await s.key(c)];

    // A Get in a batch is kept; an Activate of another object in it drops that one.
    await c.get(b.id);
    const r1 = await c.batch().get(a.id).activate(b.id).send();
    expect(r1.map((r) => r.status)).toEqual(['success', 'success']);
    let before = s.gets();
    await c.get(a.id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(before);
    await c.get(b.id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(before + 1);

    // Revoke by identifier.
    await c.batch().revoke(a.id, 'CessationOfOperation').send();
    before = s.gets();
    await c.get(a.id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(before + 1);

    // A write by ID placeholder: the object named earlier in the batch (here by a Get of it) is dropped.
    await c.get(p.id);
    expect(c.cache!.stats().entries).toBe(3);
    const r2 = await c.batch().get(p.id).addAttribute(undefined, 'name', 'named').send();
    expect(r2.map((r) => r.status)).toEqual(['success', 'success']);
    expect(c.cache!.stats().entries).toBe(2);
    before = s.gets();
    await c.get(p.id, { cacheMode: 'prefer' });
    expect(s.gets()).toBe(before + 1);

    // Found by Locate, then destroyed by placeholder: dropped though the request never named it.
    await c.get(p.id);
    expect(c.cache!.stats().entries).toBe(3);
    const r3 = await c.batch().locate({ name: 'named' }).destroy().send();
    expect(r3.map((r) => r.status)).toEqual(['success', 'success']);
    expect(c.cache!.stats().entries).toBe(2);
    await s.server.close();
    await expect(c.get(p.id)).rejects.toBeInstanceOf(KmipTransportError);
    expect((await c.get(b.id)).uniqueIdentifier).toBe(b.id);
  });

  it('a placeholder write in a batch that gets no answer empties the cache', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const { id } = await s.key(c);
    await c.get(id);
    await s.server.close();
    await expect(c.batch().locate({ name: 'whatever' }).destroy().send()).rejects.toBeInstanceOf(KmipTransportError);
    expect(c.cache!.stats().entries).toBe(0);
  });

  it('a Get answered while a write to its object is in flight is not kept', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const { id } = await s.key(c);
    const [got] = await Promise.all([c.get(id), c.activate(id)]);
    expect(got.uniqueIdentifier).toBe(id);
    expect(c.cache!.stats().entries).toBe(0);
    await c.get(id);
    expect(c.cache!.stats().entries).toBe(1);
  });

  it('the server saying the object is not there evicts it (destroyed by another client)', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const other = s.client();
    const { id } = await s.key(c);
    await c.get(id);
    await other.destroy(id);
    const err = await c.get(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectDestroyedError);
    expect(c.cache!.stats()).toMatchObject({ entries: 0, invalidations: 1 });
    await s.server.close();
    await expect(c.get(id)).rejects.toBeInstanceOf(KmipTransportError);
  });

  it('invalidate() and clear() drop entries; send() of a raw message clears everything', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const [a, b] = [await s.key(c), await s.key(c)];
    await c.get(a.id);
    await c.get(b.id);
    c.cache!.invalidate(a.id);
    expect(c.cache!.stats().entries).toBe(1);
    c.cache!.clear();
    expect(c.cache!.stats()).toMatchObject({ entries: 0, bytes: 0, invalidations: 2 });
    await c.get(a.id);
    const request = struct(Tag.RequestMessage, [
      struct(Tag.RequestHeader, [struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, 2), int(Tag.ProtocolVersionMinor, 1)]), int(Tag.BatchCount, 1)]),
      struct(Tag.BatchItem, [enm(Tag.Operation, 0x18), struct(Tag.RequestPayload, [enm(Tag.QueryFunction, 1)])]),
    ]);
    expect(decode(await c.send(new Uint8Array(encode(request)))).tag).toBe(Tag.ResponseMessage);
    expect(c.cache!.stats().entries).toBe(0);
  });

  it('holds entries encrypted: the key material is in no buffer it keeps', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const keys = [await s.key(c), await s.key(c)];
    for (const k of keys) await c.get(k.id);
    const held = heldEntries(c);
    expect(held).toHaveLength(2);
    for (const e of held) {
      expect(e.sealed.length).toBeGreaterThan(32);
      expect(e.nonce).toHaveLength(12);
      expect(e.tag).toHaveLength(16);
      for (const k of keys) {
        const m = Buffer.from(k.material);
        for (const buf of [e.sealed, e.nonce, e.tag]) {
          expect(buf.indexOf(m)).toBe(-1);
          // Nor any 8-byte run of it.
          for (let i = 0; i + 8 <= m.length; i += 8) expect(buf.indexOf(m.subarray(i, i + 8))).toBe(-1);
        }
      }
    }
    // A fresh nonce per entry, and per store of the same entry.
    const nonce = Buffer.from(held[0].nonce);
    expect(nonce.equals(held[1].nonce)).toBe(false);
    await c.get(keys[0].id);
    const again = heldEntries(c).find((e) => e !== held[0] && e !== held[1])!;
    expect(again).toBeDefined();
    expect(Buffer.from(again.nonce).equals(nonce)).toBe(false);
    // And it still decrypts to the key.
    let before = s.gets();
    expect(Buffer.from((await c.get(keys[0].id, { cacheMode: 'prefer' })).keyMaterial!)).toEqual(Buffer.from(keys[0].material));
    expect(s.gets()).toBe(before);
    // A tampered entry fails its authentication: dropped, and the server asked.
    const other = heldEntries(c).find((e) => e !== again)!;
    other.sealed[0] ^= 1;
    before = s.gets();
    expect(Buffer.from((await c.get(keys[1].id, { cacheMode: 'prefer' })).keyMaterial!)).toEqual(Buffer.from(keys[1].material));
    expect(s.gets()).toBe(before + 1);
  });

  it('close() empties the cache and nothing is answered from it after', async () => {
    const s = await setup();
    const c = s.client(TTL);
    const { id } = await s.key(c);
    await c.get(id);
    const held = heldEntries(c);
    await c.close();
    expect(c.cache!.stats()).toMatchObject({ entries: 0, bytes: 0 });
    // The ciphertext it held is wiped too.
    expect(held[0].sealed.every((x) => x === 0)).toBe(true);
    const err = await c.get(id, { cacheMode: 'prefer' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmipTransportError);
    expect(err).toMatchObject({ code: 'CLOSED' });
  });
});

describe('KeyCache ordering (the answers scripted, so the order is certain)', () => {
  const material = new Uint8Array(randomBytes(16));
  const getAnswer = (uid: string) => ({
    index: 0,
    operation: 'Get',
    status: 0,
    payload: struct(Tag.ResponsePayload, [
      enm(Tag.ObjectType, 2),
      text(Tag.UniqueIdentifier, uid),
      struct(Tag.SymmetricKey, [struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, 1), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, material)])])]),
    ]),
  });
  const uidAnswer = (operation: string, uid: string) => ({ index: 0, operation, status: 0, payload: struct(Tag.ResponsePayload, [text(Tag.UniqueIdentifier, uid)]) });

  it('a Get sent before a write to its object but answered after it is not kept', () => {
    const cache = new KeyCache({ ttlMs: 60_000 });
    const get = cache.watch([ops.get('k1', {})]);
    const write = cache.watch([ops.simple('Activate', 'k1')]);
    write.answered([uidAnswer('Activate', 'k1')], 21);
    get.answered([getAnswer('k1')], 21);
    expect(cache.stats().entries).toBe(0);
    // Sent after the write was answered: kept, and read back.
    cache.watch([ops.get('k1', {})]).answered([getAnswer('k1')], 21);
    expect(cache.stats().entries).toBe(1);
    const hit = cache.fresh(cache.refOf(ops.get('k1', {}))!);
    expect(Buffer.from(ops.get('k1', {}).parse(hit!.payload, 21).keyMaterial!)).toEqual(Buffer.from(material));
    cache.close();
  });

  it('a write to another object does not stop a Get being kept; clear() while it is in flight does', () => {
    const cache = new KeyCache({ ttlMs: 60_000 });
    const get = cache.watch([ops.get('k1', {})]);
    cache.watch([ops.simple('Destroy', 'k2')]).answered([uidAnswer('Destroy', 'k2')], 21);
    get.answered([getAnswer('k1')], 21);
    expect(cache.stats().entries).toBe(1);
    const again = cache.watch([ops.get('k3', {})]);
    cache.clear();
    again.answered([getAnswer('k3')], 21);
    expect(cache.stats().entries).toBe(0);
    cache.close();
  });

  it('an answer about another object than the one asked for is not kept', () => {
    const cache = new KeyCache({ ttlMs: 60_000 });
    cache.watch([ops.get('k1', {})]).answered([getAnswer('k9')], 21);
    expect(cache.stats().entries).toBe(0);
    cache.close();
  });

  it('after close() nothing is kept or answered', () => {
    const cache = new KeyCache({ ttlMs: 60_000 });
    cache.close();
    cache.watch([ops.get('k1', {})]).answered([getAnswer('k1')], 21);
    expect(cache.stats().entries).toBe(0);
    expect(cache.fresh(cache.refOf(ops.get('k1', {}))!)).toBeUndefined();
  });
});
