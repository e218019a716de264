// Key wrapping through KmipClient against our server over mutual TLS: Get with a Key Wrapping
// Specification (AES key wrap RFC 3394 and 5649, RSA-OAEP), Register and Import of keys wrapped by
// node:crypto, Export/Import between two servers. Every wrapped byte string is checked with node:crypto,
// the independent implementation; the server's own wrapping is tested in test/kmip/wrap.test.ts.
import { constants, createCipheriv, createDecipheriv, createPublicKey, privateDecrypt, publicEncrypt, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmipError, connect, type KmipClient } from '../../src/client/index.js';
import { createClientAndServer, type TestKmip } from '../../src/testing/index.js';

// RFC 3394 / 5649 default IVs are what node:crypto's id-aesNNN-wrap(-pad) ciphers use when given them.
const RFC3394_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
const RFC5649_IV = Buffer.from('A65959A6', 'hex');
const unwrapKw = (kek: Uint8Array, wrapped: Uint8Array) => {
  const d = createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek, RFC3394_IV);
  return Buffer.concat([d.update(wrapped), d.final()]);
};
const unwrapKwp = (kek: Uint8Array, wrapped: Uint8Array) => {
  const d = createDecipheriv(`id-aes${kek.length * 8}-wrap-pad`, kek, RFC5649_IV);
  return Buffer.concat([d.update(wrapped), d.final()]);
};
const wrapKw = (kek: Uint8Array, key: Uint8Array) => {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, RFC3394_IV);
  return Buffer.concat([c.update(key), c.final()]);
};

describe.each(['2.1', '1.4'] as const)('client key wrapping against kmipkit, KMIP %s', (version) => {
  let kmip: TestKmip;
  let client: KmipClient;
  let kekId: string;
  let kek: Uint8Array;

  beforeAll(async () => {
    kmip = await createClientAndServer();
    client = await connect({ servers: [kmip.server.address], tls: kmip.tls, version });
    // A key-encryption key the test knows (registered), Active, with Wrap Key and Unwrap Key.
    kek = randomBytes(32);
    ({ uniqueIdentifier: kekId } = await client.register(
      { objectType: 'SymmetricKey', keyMaterial: new Uint8Array(kek), cryptographicAlgorithm: 'AES', cryptographicLength: 256 },
      { cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['WrapKey', 'UnwrapKey'] },
    ));
    await client.activate(kekId);
  });
  afterAll(async () => {
    await client?.close();
    await kmip?.close();
  });

  async function aesKey(): Promise<{ id: string; material: Buffer }> {
    const { uniqueIdentifier: id } = await client.create({ cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'] });
    const plain = await client.get(id);
    return { id, material: Buffer.from(plain.keyMaterial!) };
  }

  it('Get wraps with RFC 3394 and RFC 5649 (No Encoding): node:crypto unwraps to the key Get returns in the clear', async () => {
    const { id, material } = await aesKey();
    for (const [mode, unwrap] of [['NISTKeyWrap', unwrapKw], ['AESKeyWrapPadding', unwrapKwp]] as const) {
      const r = await client.get(id, {
        keyWrappingSpecification: { wrappingKeyUid: kekId, cryptographicParameters: { blockCipherMode: mode }, encodingOption: 'NoEncoding' },
      });
      expect(r.keyMaterial, mode).toBeUndefined();
      expect(r.wrapped?.wrappingKeyUid, mode).toBe(kekId);
      expect(r.wrapped?.wrappingMethod, mode).toBe('Encrypt');
      expect(r.wrapped?.bytes.length, mode).toBe(40); // 32 bytes + one 8-byte block, either way
      expect(unwrap(kek, r.wrapped!.bytes), mode).toEqual(material);
    }
  });

  it('Get wraps with RSA-OAEP (SHA-256, MGF1 SHA-256) under a public key; node:crypto decrypts with the private key', async () => {
    const pair = await client.createKeyPair({
      common: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
      privateKey: { cryptographicUsageMask: ['UnwrapKey', 'Decrypt'] },
      publicKey: { cryptographicUsageMask: ['WrapKey', 'Encrypt'] },
    });
    await client.activate(pair.publicKeyUniqueIdentifier);
    const priv = await client.get(pair.privateKeyUniqueIdentifier, { keyFormatType: 'PKCS_8' });
    const { id, material } = await aesKey();
    const r = await client.get(id, {
      keyWrappingSpecification: {
        wrappingKeyUid: pair.publicKeyUniqueIdentifier,
        cryptographicParameters: { paddingMethod: 'OAEP', hashingAlgorithm: 'SHA_256', maskGenerator: 'MGF1', maskGeneratorHashingAlgorithm: 'SHA_256' },
        encodingOption: 'NoEncoding',
      },
    });
    const key = { key: Buffer.from(priv.keyMaterial!), format: 'der' as const, type: 'pkcs8' as const, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
    expect(privateDecrypt(key, r.wrapped!.bytes)).toEqual(material);
  });

  it('Import with Key Wrap Type Not Wrapped: a key wrapped by node:crypto is unwrapped by the server and encrypts', async () => {
    const secret = randomBytes(32);
    const id = randomUUID();
    await client.importObject(
      id,
      {
        objectType: 'SymmetricKey', keyMaterial: new Uint8Array(wrapKw(kek, secret)), cryptographicAlgorithm: 'AES', cryptographicLength: 256, keyFormatType: 'Raw',
        keyWrappingData: { wrappingKeyUid: kekId, cryptographicParameters: { blockCipherMode: 'NISTKeyWrap' }, encodingOption: 'NoEncoding' },
      },
      { keyWrapType: 'NotWrapped', attributes: { cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'] } },
    );
    expect(Buffer.from((await client.get(id)).keyMaterial!)).toEqual(secret);
    await client.activate(id);
    const iv = randomBytes(16);
    const data = new TextEncoder().encode('sixteen bytes!!!');
    const enc = await client.encrypt(id, data, { cryptographicParameters: { blockCipherMode: 'CBC', paddingMethod: 'None' }, ivCounterNonce: iv });
    const d = createDecipheriv('aes-256-cbc', secret, iv).setAutoPadding(false);
    expect(Buffer.concat([d.update(enc.data), d.final()])).toEqual(Buffer.from(data));
  });

  it('Register keeps a wrapped key as given (Get answers it wrapped); tampered wrapped bytes are refused on Import, nothing written', async () => {
    const secret = randomBytes(32);
    const wrapped = wrapKw(kek, secret);
    const wrappingData = { wrappingKeyUid: kekId, cryptographicParameters: { blockCipherMode: 'NISTKeyWrap' }, encodingOption: 'NoEncoding' };
    const { uniqueIdentifier: id } = await client.register(
      { objectType: 'SymmetricKey', keyMaterial: new Uint8Array(wrapped), cryptographicAlgorithm: 'AES', cryptographicLength: 256, keyWrappingData: wrappingData },
      { cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'] },
    );
    const r = await client.get(id);
    expect(Buffer.from(r.wrapped!.bytes)).toEqual(wrapped);
    const bad = Buffer.from(wrapped);
    bad[5] ^= 1;
    const other = randomUUID();
    const err = await client
      .importObject(other, { objectType: 'SymmetricKey', keyMaterial: new Uint8Array(bad), cryptographicAlgorithm: 'AES', cryptographicLength: 256, keyWrappingData: wrappingData }, {
        keyWrapType: 'NotWrapped', attributes: { cryptographicAlgorithm: 'AES', cryptographicLength: 256 },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmipError);
    expect((err as KmipError).reason).toBe('CryptographicFailure');
    // Item Not Found (1.x) / Object Not Found (2.x): the same code, named by the version's table.
    expect(['ItemNotFound', 'ObjectNotFound']).toContain(await client.get(other).catch((e: unknown) => (e as KmipError).reason));
  });

  it('Export then Import moves a key with its attributes to another server, wrapped in transit', async () => {
    const { id, material } = await aesKey();
    await client.addAttribute(id, 'name', 'exported-' + version);
    const ex = await client.exportObject(id, { keyWrappingSpecification: { wrappingKeyUid: kekId, cryptographicParameters: { blockCipherMode: 'NISTKeyWrap' }, encodingOption: 'NoEncoding' } });
    expect(unwrapKw(kek, ex.wrapped!.bytes)).toEqual(material);
    expect(ex.attributes.cryptographicLength).toBe(256);
    // The second server holds the same key-encryption key.
    const other = await createClientAndServer();
    const c2 = await connect({ servers: [other.server.address], tls: other.tls, version });
    try {
      const { uniqueIdentifier: kek2 } = await c2.register(
        { objectType: 'SymmetricKey', keyMaterial: new Uint8Array(kek), cryptographicAlgorithm: 'AES', cryptographicLength: 256 },
        { cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['WrapKey', 'UnwrapKey'] },
      );
      await c2.activate(kek2);
      const { uniqueIdentifier } = await c2.importObject(
        id,
        { objectType: 'SymmetricKey', keyMaterial: ex.wrapped!.bytes, cryptographicAlgorithm: 'AES', cryptographicLength: 256, keyFormatType: 'Raw',
          keyWrappingData: { ...ex.wrapped, wrappingKeyUid: kek2 } },
        { keyWrapType: 'NotWrapped', attributes: { cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'], name: 'exported-' + version } },
      );
      expect(uniqueIdentifier).toBe(id);
      expect(Buffer.from((await c2.get(id)).keyMaterial!)).toEqual(material);
    } finally {
      await c2.close();
      await other.close();
    }
  });

  it('a wrapping key without Wrap Key usage is refused with a typed error', async () => {
    const { id } = await aesKey();
    const { id: plainKey } = await aesKey();
    await client.activate(plainKey);
    const err = await client
      .get(id, { keyWrappingSpecification: { wrappingKeyUid: plainKey, cryptographicParameters: { blockCipherMode: 'NISTKeyWrap' } } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmipError);
    expect((err as KmipError).reason).toBe(version === '2.1' ? 'IncompatibleCryptographicUsageMask' : 'PermissionDenied');
  });

  it('a wrong keyWrappingSpecification is a TypeError before anything is sent', async () => {
    await expect(client.get('x', { keyWrappingSpecification: { wrappingKeyUid: '' } })).rejects.toBeInstanceOf(TypeError);
  });

  it('wrapping a key with RSA-OAEP by node:crypto, Import unwraps it under the private key', async () => {
    const pair = await client.createKeyPair({
      common: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
      privateKey: { cryptographicUsageMask: ['UnwrapKey'] },
      publicKey: { cryptographicUsageMask: ['WrapKey'] },
    });
    await client.activate(pair.privateKeyUniqueIdentifier);
    const pub = await client.get(pair.publicKeyUniqueIdentifier, { keyFormatType: 'X_509' });
    const secret = randomBytes(16);
    const spki = createPublicKey({ key: Buffer.from(pub.keyMaterial!), format: 'der', type: 'spki' });
    const wrapped = publicEncrypt({ key: spki, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, secret);
    const id = randomUUID();
    await client.importObject(
      id,
      { objectType: 'SymmetricKey', keyMaterial: new Uint8Array(wrapped), cryptographicAlgorithm: 'AES', cryptographicLength: 128, keyFormatType: 'Raw',
        keyWrappingData: { wrappingKeyUid: pair.privateKeyUniqueIdentifier, cryptographicParameters: { paddingMethod: 'OAEP', hashingAlgorithm: 'SHA_1' }, encodingOption: 'NoEncoding' } },
      { keyWrapType: 'NotWrapped', attributes: { cryptographicAlgorithm: 'AES', cryptographicLength: 128, cryptographicUsageMask: ['Encrypt'] } },
    );
    expect(Buffer.from((await client.get(id)).keyMaterial!)).toEqual(secret);
  });
});
