// Our client against PyKMIP's server (a real process, started by the test) at KMIP 1.2, 1.4 and 2.0:
// the operations PyKMIP's server implements and both sides share.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemNotFoundError, KmipClient, KmipError } from '../../src/client/index.js';
import { VERSIONS, pyKmipServerForFile } from '../helpers/pykmip.js';

const server = pyKmipServerForFile('kmipkit-client-pykmip-');

async function clientFor(version?: string): Promise<KmipClient> {
  const s = await server();
  const tls = { ca: readFileSync(s.certs.ca), cert: readFileSync(s.certs.clientCert), key: readFileSync(s.certs.clientKey) };
  return new KmipClient({ servers: [{ host: s.host, port: s.port }], tls, version, timeoutMs: 20_000 });
}

it('negotiates 2.0, the best version PyKMIP speaks', async () => {
  const c = await clientFor();
  try {
    expect(await c.version()).toBe('2.0');
    expect(await c.discoverVersions()).toEqual(['2.0', '1.4', '1.3', '1.2', '1.1', '1.0']);
  } finally {
    await c.close();
  }
});

describe.each(VERSIONS)('KmipClient -> PyKMIP server, KMIP %s', (version) => {
  let c: KmipClient;
  beforeAll(async () => {
    c = await clientFor(version);
  });
  afterAll(async () => c?.close());

  it('create, getAttributes (all and named), getAttributeList', async () => {
    const name = `create-${version}`;
    const { uniqueIdentifier: id, objectType } = await c.create({ cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'], name });
    expect(objectType).toBe('SymmetricKey');
    const all = await c.getAttributes(id);
    expect(all.uniqueIdentifier).toBe(id);
    expect(all.attributes).toMatchObject({
      cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'], name: [name], state: 'PreActive',
    });
    expect(all.attributes.initialDate).toBeInstanceOf(Date);
    expect((await c.getAttributes(id, ['state', 'cryptographicLength'])).attributes).toEqual({ state: 'PreActive', cryptographicLength: 256 });
    expect(await c.getAttributeList(id)).toEqual(expect.arrayContaining(['cryptographicAlgorithm', 'name', 'state', 'cryptographicUsageMask']));
  });

  it('register and get: the key material comes back', async () => {
    const material = Uint8Array.from({ length: 16 }, (_, i) => 255 - i);
    const { uniqueIdentifier: id } = await c.register(
      { objectType: 'SymmetricKey', keyMaterial: material, cryptographicAlgorithm: 'AES', cryptographicLength: 128 },
      { cryptographicUsageMask: ['Encrypt'], name: `register-${version}` },
    );
    const got = await c.get(id);
    expect(got).toMatchObject({ uniqueIdentifier: id, objectType: 'SymmetricKey', keyFormatType: 'Raw', cryptographicAlgorithm: 'AES', cryptographicLength: 128 });
    expect(Buffer.from(got.keyMaterial!)).toEqual(Buffer.from(material));
  });

  it('locate by name and by algorithm', async () => {
    const name = `locate-${version}`;
    const { uniqueIdentifier: id } = await c.create({ cryptographicAlgorithm: 'AES', cryptographicLength: 128, cryptographicUsageMask: ['Encrypt'], name });
    expect((await c.locate({ name })).uniqueIdentifiers).toEqual([id]);
    expect((await c.locate({ cryptographicAlgorithm: 'AES' })).uniqueIdentifiers).toContain(id);
    expect((await c.locate({ name: `nothing-${version}` })).uniqueIdentifiers).toEqual([]);
  });

  it('activate, revoke, destroy; then Get fails with ItemNotFoundError', async () => {
    const { uniqueIdentifier: id } = await c.create({ cryptographicAlgorithm: 'AES', cryptographicLength: 128, cryptographicUsageMask: ['Encrypt'], name: `life-${version}` });
    await c.activate(id);
    expect((await c.getAttributes(id, ['state'])).attributes.state).toBe('Active');
    await c.revoke(id, 'CessationOfOperation');
    expect((await c.getAttributes(id, ['state'])).attributes.state).toBe('Deactivated');
    await c.destroy(id);
    const err = await c.get(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ItemNotFoundError);
    expect(err).toBeInstanceOf(KmipError);
    expect((err as KmipError).batchIndex).toBe(0);
  });

  it('locateAll pages (Offset Items from 1.3 on) to the same set as one unpaged Locate', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await c.create({ cryptographicAlgorithm: 'AES', cryptographicLength: 192, cryptographicUsageMask: ['Encrypt'], name: `page-${version}-${i}` })).uniqueIdentifier);
    }
    const unpaged = (await c.locate({ cryptographicLength: 192 })).uniqueIdentifiers;
    expect(unpaged).toEqual(expect.arrayContaining(made));
    const paged: string[] = [];
    for await (const id of c.locateAll({ cryptographicLength: 192 }, { pageSize: 2 })) paged.push(id);
    expect([...paged].sort()).toEqual([...unpaged].sort());
  });

  it('query names the operations PyKMIP offers', async () => {
    const q = await c.query();
    expect(q.operations).toEqual(expect.arrayContaining(['Create', 'Register', 'Get', 'Locate', 'Activate', 'Revoke', 'Destroy']));
    expect(q.vendorIdentification).toMatch(/PyKMIP/);
  });
});
