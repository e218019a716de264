// KmipClient against our own server (real TLS, real port), at KMIP 2.1 and at 1.4: every method,
// friendly attributes both ways, errors mapped to their classes, batches with ID placeholders, and
// locateAll paging.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClientAndServer, type TestKmip } from '../../src/testing/index.js';
import {
  AttributeNotFoundError, AttributeReadOnlyError, ItemNotFoundError, isNotFound, ObjectDestroyedError, KmipClient, KmipError, KmipTransportError, ObjectNotFoundError,
  OperationNotSupportedError, PermissionDeniedError, WrongKeyLifecycleStateError, connect,
} from '../../src/client/index.js';
import { Tag } from '../../src/dict/index.js';
import { child, enm, int, read, struct } from '../../src/kmip/items.js';
import { decode, encode } from '../../src/ttlv/index.js';

const AES = { cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'] };

describe.each(['2.1', '1.4'] as const)('KmipClient against kmipkit at KMIP %s', (version) => {
  const v2 = version === '2.1';
  // The reason a missing object gets differs by edition: 2.x has Object Not Found.
  const NotFound = v2 ? ObjectNotFoundError : ItemNotFoundError;
  let kmip: TestKmip;
  let client: KmipClient;
  let n = 0;
  const unique = (p: string) => `${p}-${version}-${++n}`;

  beforeAll(async () => {
    kmip = await createClientAndServer();
    client = await connect({ servers: [kmip.server.address], tls: kmip.tls, version });
  });
  afterAll(async () => {
    await client?.close();
    await kmip?.close();
  });

  it('speaks the pinned version', async () => {
    expect(await client.version()).toBe(version);
    expect(client.servers()[0]).toMatchObject({ up: true, version });
  });

  it('create and getAttributes: friendly attributes in and out', async () => {
    const name = unique('k');
    const { uniqueIdentifier: id, objectType } = await client.create({ ...AES, name });
    expect(objectType).toBe('SymmetricKey');
    const { uniqueIdentifier, attributes } = await client.getAttributes(id);
    expect(uniqueIdentifier).toBe(id);
    expect(attributes).toMatchObject({
      cryptographicAlgorithm: 'AES',
      cryptographicLength: 256,
      cryptographicUsageMask: ['Encrypt', 'Decrypt'],
      name: [name],
      state: 'PreActive',
      objectType: 'SymmetricKey',
    });
    expect(attributes.initialDate).toBeInstanceOf(Date);
    expect(Math.abs((attributes.initialDate as Date).getTime() - Date.now())).toBeLessThan(60_000);
    const some = await client.getAttributes(id, ['cryptographicLength', 'State']);
    expect(some.attributes).toEqual({ cryptographicLength: 256, state: 'PreActive' });
  });

  it('getAttributeList names the attributes by friendly key', async () => {
    const { uniqueIdentifier: id } = await client.create({ ...AES, name: unique('l') });
    const names = await client.getAttributeList(id);
    expect(names).toEqual(expect.arrayContaining(['cryptographicAlgorithm', 'cryptographicLength', 'cryptographicUsageMask', 'name', 'state']));
  });

  it('register and get return the same key material; secret data too', async () => {
    const material = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
    const { uniqueIdentifier: id } = await client.register(
      { objectType: 'SymmetricKey', keyMaterial: material, cryptographicAlgorithm: 'AES', cryptographicLength: 128 },
      { cryptographicUsageMask: ['Encrypt'], name: unique('r') },
    );
    const got = await client.get(id);
    expect(got).toMatchObject({ uniqueIdentifier: id, objectType: 'SymmetricKey', keyFormatType: 'Raw', cryptographicAlgorithm: 'AES', cryptographicLength: 128 });
    expect(Buffer.from(got.keyMaterial!)).toEqual(Buffer.from(material));

    const secret = new TextEncoder().encode('not-a-real-password');
    const s = await client.register({ objectType: 'SecretData', secretDataType: 'Password', keyMaterial: secret }, { cryptographicUsageMask: ['DeriveKey'] });
    const gs = await client.get(s.uniqueIdentifier);
    expect(gs).toMatchObject({ objectType: 'SecretData', secretDataType: 'Password' });
    expect(Buffer.from(gs.keyMaterial!).toString()).toBe('not-a-real-password');
  });

  it('add, modify and delete attributes (a custom one and a multi-valued standard one)', async () => {
    const { uniqueIdentifier: id } = await client.create({ ...AES, name: unique('a') });
    await client.addAttribute(id, 'x-owner', 'team-a');
    await client.addAttribute(id, 'objectGroup', 'g1');
    await client.addAttribute(id, 'objectGroup', 'g2');
    let { attributes } = await client.getAttributes(id, ['x-owner', 'objectGroup']);
    expect(attributes).toEqual({ 'x-owner': ['team-a'], objectGroup: ['g1', 'g2'] });
    await client.modifyAttribute(id, 'x-owner', 'team-b');
    // The second Object Group instance: by index in 1.x, by its current value in 2.x.
    await client.modifyAttribute(id, 'objectGroup', 'g3', v2 ? { current: 'g2' } : { index: 1 });
    ({ attributes } = await client.getAttributes(id, ['x-owner', 'objectGroup']));
    expect(attributes).toEqual({ 'x-owner': ['team-b'], objectGroup: ['g1', 'g3'] });
    await client.deleteAttribute(id, 'objectGroup', v2 ? { current: 'g1' } : { index: 0 });
    await client.deleteAttribute(id, 'x-owner');
    ({ attributes } = await client.getAttributes(id, ['x-owner', 'objectGroup']));
    expect(attributes).toEqual({ objectGroup: ['g3'] });
    const err = await client.deleteAttribute(id, 'x-owner').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(v2 ? AttributeNotFoundError : ItemNotFoundError);
  });

  it(v2 ? 'setAttribute sets a single-valued attribute' : 'setAttribute is a 2.x operation: Operation Not Supported at 1.4', async () => {
    const { uniqueIdentifier: id } = await client.create({ ...AES, name: unique('s') });
    const when = new Date(Date.now() + 86_400_000);
    if (v2) {
      await client.setAttribute(id, 'activationDate', when);
      const { attributes } = await client.getAttributes(id, ['activationDate']);
      expect((attributes.activationDate as Date).getTime()).toBe(Math.floor(when.getTime() / 1000) * 1000);
    } else {
      await expect(client.setAttribute(id, 'activationDate', when)).rejects.toBeInstanceOf(OperationNotSupportedError);
    }
  });

  it('the lifecycle: activate, check, revoke, destroy; errors map to their classes', async () => {
    const { uniqueIdentifier: id } = await client.create({ ...AES, name: unique('life') });
    await client.activate(id);
    expect((await client.getAttributes(id, ['state'])).attributes.state).toBe('Active');
    expect((await client.check(id, { cryptographicUsageMask: ['Encrypt'] })).uniqueIdentifier).toBe(id);
    const twice = await client.activate(id).catch((e: unknown) => e);
    // 2.0 added Wrong Key Lifecycle State; 1.x servers answer Permission Denied.
    expect(twice).toBeInstanceOf(v2 ? WrongKeyLifecycleStateError : PermissionDeniedError);
    expect(twice).toBeInstanceOf(KmipError);
    expect(twice).toMatchObject({
      status: 'OperationFailed', reason: v2 ? 'WrongKeyLifecycleState' : 'PermissionDenied', reasonCode: v2 ? 0x43 : 0x0c, batchIndex: 0, operation: 'Activate',
    });
    await client.revoke(id, 'CessationOfOperation', { message: 'retired' });
    expect((await client.getAttributes(id, ['state'])).attributes.state).toBe('Deactivated');
    await client.destroy(id);
    const gone = await client.get(id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(v2 ? ObjectDestroyedError : ItemNotFoundError);
    expect((gone as Error).name).toBe(v2 ? 'ObjectDestroyedError' : 'ItemNotFoundError');
    const missing = await client.get('no-such-object').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFound);
    expect(missing).not.toBeInstanceOf(KmipTransportError);
    // isNotFound covers both versions' reason; an object that is gone is not "not found".
    expect([isNotFound(missing), isNotFound(gone) === !v2, isNotFound(new Error('x'))]).toEqual([true, true, false]);
  });

  it('archive and recover', async () => {
    const { uniqueIdentifier: id } = await client.create({ ...AES, name: unique('arc') });
    await client.archive(id);
    expect(await client.locate({ name: `arc-${version}-${n}` })).toMatchObject({ uniqueIdentifiers: [] });
    await client.recover(id);
    expect((await client.locate({ name: `arc-${version}-${n}` })).uniqueIdentifiers).toEqual([id]);
  });

  it('reKey makes a new key linked to the old one', async () => {
    const { uniqueIdentifier: id } = await client.create({ ...AES, name: unique('rk') });
    await client.activate(id);
    const { uniqueIdentifier: next } = await client.reKey(id);
    expect(next).not.toBe(id);
    const { attributes } = await client.getAttributes(next, ['link']);
    expect(attributes.link).toEqual([{ linkType: 'ReplacedObjectLink', linkedObjectIdentifier: id }]);
  });

  it('locate by attributes, with Maximum and Offset Items', async () => {
    const group = unique('grp');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.create({ ...AES, objectGroup: group })).uniqueIdentifier);
    const all = await client.locate({ objectGroup: group });
    expect([...all.uniqueIdentifiers].sort()).toEqual([...ids].sort());
    expect(all.locatedItems).toBe(3);
    const page = await client.locate({ objectGroup: group }, { maximumItems: 2, offsetItems: 2 });
    expect(page.uniqueIdentifiers).toHaveLength(1);
    expect(await client.locate({ objectGroup: group, cryptographicAlgorithm: 'HMAC_SHA256' })).toMatchObject({ uniqueIdentifiers: [] });
  });

  it('locateAll pages through 25 objects 10 at a time', async () => {
    const group = unique('page');
    const ids = new Set<string>();
    const b = client.batch();
    for (let i = 0; i < 25; i++) b.create({ ...AES, objectGroup: group });
    for (const r of await b.send()) {
      expect(r.status).toBe('success');
      if (r.status === 'success') ids.add((r.value as { uniqueIdentifier: string }).uniqueIdentifier);
    }
    expect(ids.size).toBe(25);
    const spy = vi.spyOn(client, 'locate');
    const seen: string[] = [];
    for await (const id of client.locateAll({ objectGroup: group }, { pageSize: 10 })) seen.push(id);
    expect(new Set(seen)).toEqual(ids);
    expect(seen).toHaveLength(25);
    expect(spy.mock.calls.map((c) => [c[1]?.offsetItems, c[1]?.maximumItems])).toEqual([[0, 10], [10, 10], [20, 10]]);
    spy.mockRestore();
  });

  it('batch: ID placeholders chain create -> activate -> getAttributes', async () => {
    const results = await client.batch().create({ ...AES, name: unique('b') }).activate().getAttributes(undefined, ['state']).send();
    expect(results.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    const created = results[0].status === 'success' ? (results[0].value as { uniqueIdentifier: string }).uniqueIdentifier : '';
    expect(results[1]).toMatchObject({ operation: 'Activate', value: { uniqueIdentifier: created } });
    expect(results[2]).toMatchObject({ operation: 'GetAttributes', value: { uniqueIdentifier: created, attributes: { state: 'Active' } } });
  });

  it('batch: error continuation Continue runs on; Stop leaves the rest unprocessed', async () => {
    const cont = await client.batch({ errorContinuation: 'Continue' }).get('no-such-object').rngRetrieve(8).send();
    expect(cont[0]).toMatchObject({ status: 'failed', operation: 'Get' });
    expect(cont[0].status === 'failed' && cont[0].error).toBeInstanceOf(NotFound);
    expect(cont[0].status === 'failed' && cont[0].error.batchIndex).toBe(0);
    expect(cont[1]).toMatchObject({ status: 'success', operation: 'RNGRetrieve' });
    const stop = await client.batch({ errorContinuation: 'Stop' }).rngRetrieve(8).get('no-such-object').rngRetrieve(8).send();
    expect(stop.map((r) => r.status)).toEqual(['success', 'failed', 'skipped']);
    expect(stop[1].status === 'failed' && stop[1].error.batchIndex).toBe(1);
  });

  it('query, discoverVersions, rngRetrieve', async () => {
    const q = await client.query();
    expect(q.operations).toEqual(expect.arrayContaining(['Create', 'Get', 'Locate', 'DiscoverVersions']));
    expect(q.objectTypes).toContain('SymmetricKey');
    expect(q.vendorIdentification).toBe('kmipkit');
    expect(await client.discoverVersions(['1.4', '1.2'])).toEqual(['1.4', '1.2']);
    const r = await client.rngRetrieve(32);
    expect(r).toBeInstanceOf(Uint8Array);
    expect(r).toHaveLength(32);
  });

  it('send: a request tree or raw bytes, answered in the same form', async () => {
    const [major, minor] = version.split('.').map(Number);
    const request = struct(Tag.RequestMessage, [
      struct(Tag.RequestHeader, [struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, major), int(Tag.ProtocolVersionMinor, minor)]), int(Tag.BatchCount, 1)]),
      struct(Tag.BatchItem, [enm(Tag.Operation, 0x18), struct(Tag.RequestPayload, [])]),
    ]);
    const tree = await client.send(request, { idempotent: true });
    expect(tree.tag).toBe(Tag.ResponseMessage);
    expect(read.enum(child(child(tree, Tag.BatchItem), Tag.ResultStatus))).toBe(0);
    const raw = await client.send(encode(request));
    expect(decode(raw).tag).toBe(Tag.ResponseMessage);
  });

  it('bad input is a TypeError before anything is sent; a server refusal is its Result Reason class', async () => {
    await expect(client.create({ cryptographicAlgorithm: 'NOT_AN_ALGORITHM' })).rejects.toThrow(TypeError);
    await expect(client.create({ noSuchAttribute: 1 })).rejects.toThrow(/unknown attribute/);
    await expect(client.create({ cryptographicLength: 'long' })).rejects.toThrow(TypeError);
    // The server, not the client, refuses a Unique Identifier set by the client.
    const refused = await client.create({ ...AES, uniqueIdentifier: 'mine' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(v2 ? AttributeReadOnlyError : PermissionDeniedError);
    expect((refused as KmipError).resultMessage).toMatch(/Unique Identifier/);
  });

  it('concurrent calls share a bounded pool of connections', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => client.rngRetrieve(16)));
    expect(results.every((r) => r.length === 16)).toBe(true);
    const { connections } = client.servers()[0];
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(connections).toBeLessThanOrEqual(4);
  });

  it('signal and timeoutMs: an aborted call fails with KmipTransportError ABORTED', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(client.query(undefined, { signal: ac.signal })).rejects.toMatchObject({ name: 'KmipTransportError', code: 'ABORTED' });
    // The client still works afterwards.
    expect((await client.rngRetrieve(4, { timeoutMs: 10_000 })).length).toBe(4);
  });
});

describe('version negotiation', () => {
  let kmip: TestKmip;
  beforeAll(async () => {
    kmip = await createClientAndServer();
  });
  afterAll(async () => kmip?.close());

  it('picks the best version both speak (2.1 with our server) on first use', async () => {
    const client = new KmipClient({ servers: [kmip.server.address], tls: kmip.tls });
    try {
      expect(client.servers()[0].version).toBeUndefined();
      const { uniqueIdentifier } = await client.create(AES);
      expect(uniqueIdentifier).toBeTruthy();
      expect(await client.version()).toBe('2.1');
    } finally {
      await client.close();
    }
  });

  it('an unknown pinned version is refused at construction', () => {
    expect(() => new KmipClient({ servers: [kmip.server.address], tls: kmip.tls, version: '3.0' })).toThrow(TypeError);
  });

  it('credentials travel in the request header; wrong ones get AuthenticationNotSuccessfulError', async () => {
    const guarded = await createClientAndServer({ credentials: [{ username: 'app', password: 'pw-for-tests-only' }] });
    // Unpinned: the Discover Versions that negotiates carries the credentials too.
    const good = new KmipClient({ servers: [guarded.server.address], tls: guarded.tls, credentials: { username: 'app', password: 'pw-for-tests-only' } });
    const bad = new KmipClient({ servers: [guarded.server.address], tls: guarded.tls, credentials: { username: 'app', password: 'pw-bad-x91' } });
    try {
      expect((await good.create(AES)).uniqueIdentifier).toBeTruthy();
      expect(await good.version()).toBe('2.1');
      const err = await bad.create(AES).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KmipError);
      expect((err as KmipError).reason).toBe('AuthenticationNotSuccessful');
      expect((err as Error).message).not.toContain('pw-bad-x91');
      // Refused during negotiation: not mistaken for a 1.0 server, not marked down.
      expect(bad.servers()[0]).toMatchObject({ up: true });
      expect(bad.servers()[0].version).toBeUndefined();
    } finally {
      await good.close();
      await bad.close();
      await guarded.close();
    }
  });
});
