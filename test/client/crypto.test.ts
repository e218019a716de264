// The key-pair and cryptographic operations of KmipClient: against PyKMIP's server (a real process) at
// KMIP 1.2, 1.4 and 2.0 for what it implements (Create Key Pair, Encrypt, Decrypt, Sign, Signature Verify,
// MAC, Derive Key), each result checked independently with node:crypto and the key material read back
// with Get; against our own server, real round-trips (Create Key Pair, Sign, Encrypt, Decrypt, MAC, MAC
// Verify, Hash) and the typed errors of what it refuses; the batch builder; and bad input refused with a TypeError before anything is sent.
import {
  constants, createCipheriv, createDecipheriv, createHash, createHmac, createPublicKey, createPrivateKey, createSign, pbkdf2Sync, randomBytes, verify as nodeVerify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptographicFailureError, GeneralFailureError, InvalidMessageError, KmipClient, KmipError, KmipTransportError, OperationNotSupportedError, WrongKeyLifecycleStateError, connect, type CryptographicParameters,
} from '../../src/client/index.js';
import { createClientAndServer, type TestKmip } from '../../src/testing/index.js';
import * as specs from '../../src/client/crypto.js';
import { VERSIONS, pyKmipServerForFile } from '../helpers/pykmip.js';

const server = pyKmipServerForFile('kmipkit-client-crypto-');

async function clientFor(version: string): Promise<KmipClient> {
  const s = await server();
  const tls = { ca: readFileSync(s.certs.ca), cert: readFileSync(s.certs.clientCert), key: readFileSync(s.certs.clientKey) };
  return new KmipClient({ servers: [{ host: s.host, port: s.port }], tls, version, timeoutMs: 30_000 });
}

const MESSAGE = new TextEncoder().encode('a message for the crypto tests, not a secret');
const PKCS1_SHA256: CryptographicParameters = { cryptographicAlgorithm: 'RSA', hashingAlgorithm: 'SHA_256', paddingMethod: 'PKCS1V1_5' };
const buf = (u: Uint8Array) => Buffer.from(u);

describe.each(VERSIONS)('crypto operations against PyKMIP, KMIP %s', (version) => {
  const aead = version !== '1.2'; // Authenticated Encryption Additional Data and Tag exist from KMIP 1.4
  let c: KmipClient;
  let n = 0;
  const name = (p: string) => `${p}-${version}-${++n}`;
  beforeAll(async () => {
    c = await clientFor(version);
  }, 60_000);
  afterAll(async () => c?.close());

  /** An RSA-2048 pair (sign/verify), both keys Active. */
  async function rsaPair() {
    const pair = await c.createKeyPair({
      common: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
      privateKey: { cryptographicUsageMask: ['Sign'], name: name('rsa-private') },
      publicKey: { cryptographicUsageMask: ['Verify'], name: name('rsa-public') },
    });
    await c.activate(pair.privateKeyUniqueIdentifier);
    await c.activate(pair.publicKeyUniqueIdentifier);
    return pair;
  }

  /** An Active AES-256 key and its material, read back with Get. */
  async function aesKey() {
    const { uniqueIdentifier: id } = await c.create({ cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'], name: name('aes') });
    await c.activate(id);
    const key = (await c.get(id)).keyMaterial!;
    expect(key.length).toBe(32);
    return { id, key };
  }

  it('createKeyPair: two distinct RSA keys, each with its own attributes; the public key parses as PKCS#1', async () => {
    const pair = await c.createKeyPair({
      common: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
      privateKey: { cryptographicUsageMask: ['Sign'], name: name('pair-private') },
      publicKey: { cryptographicUsageMask: ['Verify'], name: name('pair-public') },
    });
    expect(pair.privateKeyUniqueIdentifier).not.toBe(pair.publicKeyUniqueIdentifier);
    const priv = await c.getAttributes(pair.privateKeyUniqueIdentifier, ['objectType', 'cryptographicAlgorithm', 'cryptographicLength', 'cryptographicUsageMask']);
    const pub = await c.getAttributes(pair.publicKeyUniqueIdentifier, ['objectType', 'cryptographicAlgorithm', 'cryptographicLength', 'cryptographicUsageMask']);
    expect(priv.attributes).toMatchObject({ objectType: 'PrivateKey', cryptographicAlgorithm: 'RSA', cryptographicLength: 2048, cryptographicUsageMask: ['Sign'] });
    expect(pub.attributes).toMatchObject({ objectType: 'PublicKey', cryptographicAlgorithm: 'RSA', cryptographicLength: 2048, cryptographicUsageMask: ['Verify'] });
    const got = await c.get(pair.publicKeyUniqueIdentifier);
    expect(got.keyFormatType).toBe('PKCS_1');
    const key = createPublicKey({ key: buf(got.keyMaterial!), format: 'der', type: 'pkcs1' });
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const privateKey = await c.get(pair.privateKeyUniqueIdentifier);
    expect(privateKey.keyFormatType).toBe('PKCS_8');
    // The two halves belong together.
    const fromPrivate = createPublicKey(createPrivateKey({ key: buf(privateKey.keyMaterial!), format: 'der', type: 'pkcs8' }));
    expect(fromPrivate.export({ format: 'der', type: 'pkcs1' })).toEqual(buf(got.keyMaterial!));
  });

  it('sign (PKCS#1 v1.5, SHA-256; and by Digital Signature Algorithm) verifies with node:crypto and with signatureVerify; a tampered one is Invalid', async () => {
    const pair = await rsaPair();
    const pub = createPublicKey({ key: buf((await c.get(pair.publicKeyUniqueIdentifier)).keyMaterial!), format: 'der', type: 'pkcs1' });
    const signed = await c.sign(pair.privateKeyUniqueIdentifier, MESSAGE, { cryptographicParameters: PKCS1_SHA256 });
    expect(signed.uniqueIdentifier).toBe(pair.privateKeyUniqueIdentifier);
    expect(signed.signatureData.length).toBe(256);
    expect(nodeVerify('sha256', MESSAGE, pub, signed.signatureData)).toBe(true);

    const byDsa = await c.sign(pair.privateKeyUniqueIdentifier, MESSAGE, {
      cryptographicParameters: { digitalSignatureAlgorithm: 'SHA_256WithRSAEncryption', paddingMethod: 'PKCS1V1_5' },
    });
    // PKCS#1 v1.5 is deterministic: the same signature.
    expect(buf(byDsa.signatureData)).toEqual(buf(signed.signatureData));

    const ok = await c.signatureVerify(pair.publicKeyUniqueIdentifier, MESSAGE, signed.signatureData, { cryptographicParameters: PKCS1_SHA256 });
    expect(ok).toMatchObject({ uniqueIdentifier: pair.publicKeyUniqueIdentifier, validityIndicator: 'Valid', valid: true });
    const tampered = Uint8Array.from(signed.signatureData);
    tampered[10] ^= 0x01;
    expect(nodeVerify('sha256', MESSAGE, pub, tampered)).toBe(false);
    const bad = await c.signatureVerify(pair.publicKeyUniqueIdentifier, MESSAGE, tampered, { cryptographicParameters: PKCS1_SHA256 });
    expect(bad).toMatchObject({ validityIndicator: 'Invalid', valid: false });
    const otherData = await c.signatureVerify(pair.publicKeyUniqueIdentifier, new TextEncoder().encode('another message'), signed.signatureData, { cryptographicParameters: PKCS1_SHA256 });
    expect(otherData.valid).toBe(false);
  });

  it('sign with PSS verifies with node:crypto', async () => {
    const pair = await rsaPair();
    const pub = createPublicKey({ key: buf((await c.get(pair.publicKeyUniqueIdentifier)).keyMaterial!), format: 'der', type: 'pkcs1' });
    const params: CryptographicParameters = { cryptographicAlgorithm: 'RSA', hashingAlgorithm: 'SHA_256', paddingMethod: 'PSS' };
    const { signatureData } = await c.sign(pair.privateKeyUniqueIdentifier, MESSAGE, { cryptographicParameters: params });
    expect(nodeVerify('sha256', MESSAGE, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signatureData)).toBe(true);
    expect((await c.signatureVerify(pair.publicKeyUniqueIdentifier, MESSAGE, signatureData, { cryptographicParameters: params })).valid).toBe(true);
  });

  it('AES-256-CBC with a server-made IV: the IV comes back, node:crypto decrypts, and decrypt round-trips', async () => {
    const { id, key } = await aesKey();
    const params: CryptographicParameters = { cryptographicAlgorithm: 'AES', blockCipherMode: 'CBC', paddingMethod: 'PKCS5' };
    const enc = await c.encrypt(id, MESSAGE, { cryptographicParameters: params });
    expect(enc.uniqueIdentifier).toBe(id);
    expect(enc.ivCounterNonce?.length).toBe(16);
    expect(enc.data.length).toBe(Math.ceil((MESSAGE.length + 1) / 16) * 16);
    const d = createDecipheriv('aes-256-cbc', key, enc.ivCounterNonce!);
    expect(Buffer.concat([d.update(enc.data), d.final()])).toEqual(buf(MESSAGE));
    const dec = await c.decrypt(id, enc.data, { cryptographicParameters: params, ivCounterNonce: enc.ivCounterNonce });
    expect(buf(dec.data)).toEqual(buf(MESSAGE));
    expect(dec.uniqueIdentifier).toBe(id);
  });

  it('AES-256-CBC and CTR with a given IV equal node:crypto byte for byte (no IV returned)', async () => {
    const { id, key } = await aesKey();
    const iv = randomBytes(16);
    const cbc = await c.encrypt(id, MESSAGE, { cryptographicParameters: { cryptographicAlgorithm: 'AES', blockCipherMode: 'CBC', paddingMethod: 'PKCS5' }, ivCounterNonce: iv });
    expect(cbc.ivCounterNonce).toBeUndefined();
    const e = createCipheriv('aes-256-cbc', key, iv);
    expect(buf(cbc.data)).toEqual(Buffer.concat([e.update(MESSAGE), e.final()]));
    const ctr = await c.encrypt(id, MESSAGE, { cryptographicParameters: { cryptographicAlgorithm: 'AES', blockCipherMode: 'CTR' }, ivCounterNonce: iv });
    const e2 = createCipheriv('aes-256-ctr', key, iv);
    expect(buf(ctr.data)).toEqual(Buffer.concat([e2.update(MESSAGE), e2.final()]));
    expect(buf((await c.decrypt(id, ctr.data, { cryptographicParameters: { cryptographicAlgorithm: 'AES', blockCipherMode: 'CTR' }, ivCounterNonce: iv })).data)).toEqual(buf(MESSAGE));
  });

  it('AES-256-GCM with additional data: ciphertext and tag equal node:crypto; decrypt checks the tag (KMIP 1.4+; a TypeError below)', async () => {
    const { id, key } = await aesKey();
    const iv = randomBytes(12);
    const aad = new TextEncoder().encode('header');
    const params: CryptographicParameters = { cryptographicAlgorithm: 'AES', blockCipherMode: 'GCM', tagLength: 16 };
    if (!aead) {
      // Additional Data and Tag are KMIP 1.4 fields: the client refuses to send them at 1.2.
      const refused = await c.encrypt(id, MESSAGE, { cryptographicParameters: params, ivCounterNonce: iv, authenticatedEncryptionAdditionalData: aad }).catch((x: unknown) => x);
      expect(refused).toBeInstanceOf(TypeError);
      expect((refused as Error).message).toMatch(/KMIP 1\.4/);
      return;
    }
    const enc = await c.encrypt(id, MESSAGE, { cryptographicParameters: params, ivCounterNonce: iv, authenticatedEncryptionAdditionalData: aad });
    const e = createCipheriv('aes-256-gcm', key, iv);
    e.setAAD(aad);
    const expected = Buffer.concat([e.update(MESSAGE), e.final()]);
    expect(buf(enc.data)).toEqual(expected);
    expect(buf(enc.authenticatedEncryptionTag!)).toEqual(e.getAuthTag());
    const dec = await c.decrypt(id, enc.data, {
      cryptographicParameters: params, ivCounterNonce: iv, authenticatedEncryptionAdditionalData: aad, authenticatedEncryptionTag: enc.authenticatedEncryptionTag,
    });
    expect(buf(dec.data)).toEqual(buf(MESSAGE));
    const badTag = Uint8Array.from(enc.authenticatedEncryptionTag!);
    badTag[0] ^= 0xff;
    const err = await c.decrypt(id, enc.data, {
      cryptographicParameters: params, ivCounterNonce: iv, authenticatedEncryptionAdditionalData: aad, authenticatedEncryptionTag: badTag,
    }).catch((x: unknown) => x);
    // PyKMIP quirk: a wrong tag surfaces as General Failure (its engine lets cryptography's InvalidTag escape),
    // where Cryptographic Failure would be the spec's reason.
    expect(err).toBeInstanceOf(GeneralFailureError);
    expect(err).not.toBeInstanceOf(CryptographicFailureError);
  });

  it('MAC with HMAC-SHA256 equals node:crypto; PyKMIP has no MAC Verify', async () => {
    const material = randomBytes(32);
    const { uniqueIdentifier: id } = await c.register(
      { objectType: 'SymmetricKey', keyMaterial: new Uint8Array(material), cryptographicAlgorithm: 'HMAC_SHA256', cryptographicLength: 256 },
      { cryptographicUsageMask: ['MACGenerate', 'MACVerify'], name: name('hmac') },
    );
    await c.activate(id);
    const r = await c.mac(id, MESSAGE, { cryptographicParameters: { cryptographicAlgorithm: 'HMAC_SHA256' } });
    expect(r.uniqueIdentifier).toBe(id);
    expect(buf(r.macData)).toEqual(createHmac('sha256', material).update(MESSAGE).digest());
    // Without parameters PyKMIP takes the key's own algorithm.
    expect(buf((await c.mac(id, MESSAGE)).macData)).toEqual(buf(r.macData));
    // PyKMIP has no MAC Verify payload class: it cannot parse the request (Invalid Message), not Operation Not Supported.
    const err = await c.macVerify(id, MESSAGE, r.macData, { cryptographicParameters: { cryptographicAlgorithm: 'HMAC_SHA256' } }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(InvalidMessageError);
    expect((err as KmipError).operation).toBe('MACVerify');
  });

  it('deriveKey (PBKDF2-HMAC-SHA256) makes the key node:crypto derives', async () => {
    const secret = randomBytes(32);
    const { uniqueIdentifier: base } = await c.register(
      { objectType: 'SecretData', secretDataType: 'Seed', keyMaterial: new Uint8Array(secret) },
      { cryptographicUsageMask: ['DeriveKey'], name: name('seed') },
    );
    const salt = randomBytes(16);
    const { uniqueIdentifier: id } = await c.deriveKey(base, {
      derivationMethod: 'PBKDF2',
      cryptographicParameters: { hashingAlgorithm: 'SHA_256' },
      salt,
      iterationCount: 1000,
      attributes: { cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'] },
    });
    expect(id).not.toBe(base);
    const got = await c.get(id);
    expect(got).toMatchObject({ objectType: 'SymmetricKey', cryptographicAlgorithm: 'AES', cryptographicLength: 256 });
    expect(buf(got.keyMaterial!)).toEqual(pbkdf2Sync(secret, salt, 1000, 32, 'sha256'));
  });

  it('PyKMIP implements neither Re-key Key Pair (Operation Not Supported) nor Hash (it cannot parse it: Invalid Message)', async () => {
    const pair = await rsaPair();
    const rekey = await c.reKeyKeyPair(pair.privateKeyUniqueIdentifier).catch((x: unknown) => x);
    expect(rekey).toBeInstanceOf(OperationNotSupportedError);
    expect((rekey as KmipError).operation).toBe('ReKeyKeyPair');
    const hashed = await c.hash(MESSAGE, { cryptographicParameters: { hashingAlgorithm: 'SHA_256' } }).catch((x: unknown) => x);
    expect(hashed).toBeInstanceOf(InvalidMessageError);
  });

  it('batch: activate both keys, sign, verify and encrypt in one message; the signature equals node:crypto\'s', async () => {
    const pair = await c.createKeyPair({
      common: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
      privateKey: { cryptographicUsageMask: ['Sign'] },
      publicKey: { cryptographicUsageMask: ['Verify'] },
    });
    const privateKey = createPrivateKey({ key: buf((await c.get(pair.privateKeyUniqueIdentifier)).keyMaterial!), format: 'der', type: 'pkcs8' });
    const local = createSign('sha256').update(MESSAGE).sign(privateKey);
    const { id, key } = await aesKey();
    const iv = randomBytes(16);
    const results = await c.batch()
      .activate(pair.privateKeyUniqueIdentifier)
      .activate(pair.publicKeyUniqueIdentifier)
      .sign(pair.privateKeyUniqueIdentifier, MESSAGE, { cryptographicParameters: PKCS1_SHA256 })
      .signatureVerify(pair.publicKeyUniqueIdentifier, MESSAGE, new Uint8Array(local), { cryptographicParameters: PKCS1_SHA256 })
      .encrypt(id, MESSAGE, { cryptographicParameters: { cryptographicAlgorithm: 'AES', blockCipherMode: 'CBC', paddingMethod: 'PKCS5' }, ivCounterNonce: iv })
      .send();
    expect(results.map((r) => `${r.operation}:${r.status}`)).toEqual(['Activate:success', 'Activate:success', 'Sign:success', 'SignatureVerify:success', 'Encrypt:success']);
    const value = <T>(i: number) => (results[i] as { value: T }).value;
    // PKCS#1 v1.5 is deterministic: the server's signature is node's.
    expect(buf(value<{ signatureData: Uint8Array }>(2).signatureData)).toEqual(local);
    expect(value<{ valid: boolean }>(3).valid).toBe(true);
    const e = createCipheriv('aes-256-cbc', key, iv);
    expect(buf(value<{ data: Uint8Array }>(4).data)).toEqual(Buffer.concat([e.update(MESSAGE), e.final()]));
  });

  it('batch: an item with no identifier uses the ID Placeholder, which Create Key Pair sets to the private key', async () => {
    const results = await c.batch()
      .createKeyPair({
        common: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
        privateKey: { cryptographicUsageMask: ['Sign'] },
        publicKey: { cryptographicUsageMask: ['Verify'] },
      })
      .getAttributes(undefined, ['objectType'])
      .send();
    expect(results.map((r) => r.status)).toEqual(['success', 'success']);
    const pair = (results[0] as { value: { privateKeyUniqueIdentifier: string } }).value;
    expect((results[1] as { value: unknown }).value).toEqual({ uniqueIdentifier: pair.privateKeyUniqueIdentifier, attributes: { objectType: 'PrivateKey' } });
  });
});

describe('crypto operations against kmipkit', () => {
  let kmip: TestKmip;
  let client: KmipClient;
  beforeAll(async () => {
    kmip = await createClientAndServer();
    client = await connect({ servers: [kmip.server.address], tls: kmip.tls, version: '2.1' });
  });
  afterAll(async () => {
    await client?.close();
    await kmip?.close();
  });

  it('createKeyPair, sign and signatureVerify round-trip; node:crypto agrees; a tampered signature is Invalid', async () => {
    const pair = await client.createKeyPair({
      common: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
      privateKey: { cryptographicUsageMask: ['Sign'], name: 'kmipkit-rsa-private' },
      publicKey: { cryptographicUsageMask: ['Verify'], name: 'kmipkit-rsa-public' },
    });
    const priv = await client.getAttributes(pair.privateKeyUniqueIdentifier, ['objectType', 'cryptographicAlgorithm', 'cryptographicLength', 'cryptographicUsageMask']);
    expect(priv.attributes).toMatchObject({ objectType: 'PrivateKey', cryptographicAlgorithm: 'RSA', cryptographicLength: 2048, cryptographicUsageMask: ['Sign'] });
    await client.activate(pair.privateKeyUniqueIdentifier);
    await client.activate(pair.publicKeyUniqueIdentifier);
    const got = await client.get(pair.publicKeyUniqueIdentifier);
    expect(got.keyFormatType).toBe('PKCS_1');
    const pub = createPublicKey({ key: buf(got.keyMaterial!), format: 'der', type: 'pkcs1' });
    const privateKey = await client.get(pair.privateKeyUniqueIdentifier);
    expect(privateKey.keyFormatType).toBe('PKCS_1'); // RSA keys are kept as PKCS#1, as the OASIS test cases expect
    const local = createSign('sha256').update(MESSAGE).sign(createPrivateKey({ key: buf(privateKey.keyMaterial!), format: 'der', type: 'pkcs1' }));
    const signed = await client.sign(pair.privateKeyUniqueIdentifier, MESSAGE, { cryptographicParameters: PKCS1_SHA256 });
    expect(buf(signed.signatureData)).toEqual(local); // PKCS#1 v1.5 is deterministic
    expect(nodeVerify('sha256', MESSAGE, pub, signed.signatureData)).toBe(true);
    const pss: CryptographicParameters = { cryptographicAlgorithm: 'RSA', hashingAlgorithm: 'SHA_256', paddingMethod: 'PSS' };
    const pssSig = await client.sign(pair.privateKeyUniqueIdentifier, MESSAGE, { cryptographicParameters: pss });
    expect(nodeVerify('sha256', MESSAGE, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pssSig.signatureData)).toBe(true);
    expect((await client.signatureVerify(pair.publicKeyUniqueIdentifier, MESSAGE, pssSig.signatureData, { cryptographicParameters: pss })).valid).toBe(true);
    const ok = await client.signatureVerify(pair.publicKeyUniqueIdentifier, MESSAGE, new Uint8Array(local), { cryptographicParameters: PKCS1_SHA256 });
    expect(ok).toMatchObject({ uniqueIdentifier: pair.publicKeyUniqueIdentifier, validityIndicator: 'Valid', valid: true });
    const tampered = Uint8Array.from(local);
    tampered[10] ^= 0x01;
    expect(await client.signatureVerify(pair.publicKeyUniqueIdentifier, MESSAGE, tampered, { cryptographicParameters: PKCS1_SHA256 })).toMatchObject({ validityIndicator: 'Invalid', valid: false });
    // Re-key Key Pair: a new pair that takes the names; the new private key signs what the new public key verifies.
    const next = await client.reKeyKeyPair(pair.privateKeyUniqueIdentifier, { offset: 0 });
    expect(next.privateKeyUniqueIdentifier).not.toBe(pair.privateKeyUniqueIdentifier);
    expect((await client.getAttributes(next.privateKeyUniqueIdentifier, ['name', 'state'])).attributes).toMatchObject({ state: 'Active' });
    const nextPub = createPublicKey({ key: buf((await client.get(next.publicKeyUniqueIdentifier)).keyMaterial!), format: 'der', type: 'pkcs1' });
    const nextSig = await client.sign(next.privateKeyUniqueIdentifier, MESSAGE, { cryptographicParameters: PKCS1_SHA256 });
    expect(nodeVerify('sha256', MESSAGE, nextPub, nextSig.signatureData)).toBe(true);
    expect(nodeVerify('sha256', MESSAGE, pub, nextSig.signatureData)).toBe(false);
    // In a batch, with the ID Placeholder that Create Key Pair sets to the private key.
    const results = await client.batch()
      .createKeyPair({ common: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 }, privateKey: { cryptographicUsageMask: ['Sign'] }, publicKey: { cryptographicUsageMask: ['Verify'] } })
      .activate(undefined)
      .sign(undefined, MESSAGE, { cryptographicParameters: PKCS1_SHA256 })
      .send();
    expect(results.map((r) => `${r.operation}:${r.status}`)).toEqual(['CreateKeyPair:success', 'Activate:success', 'Sign:success']);
    const created = (results[0] as { value: { privateKeyUniqueIdentifier: string } }).value;
    expect((results[2] as { value: { uniqueIdentifier: string } }).value.uniqueIdentifier).toBe(created.privateKeyUniqueIdentifier);
  });

  it('encrypt/decrypt (CBC with a server-made IV, GCM with additional data), MAC, MAC Verify and Hash round-trip; node:crypto agrees', async () => {
    const material = randomBytes(32);
    const { uniqueIdentifier: id } = await client.register(
      { objectType: 'SymmetricKey', keyMaterial: new Uint8Array(material), cryptographicAlgorithm: 'AES', cryptographicLength: 256 },
      { cryptographicUsageMask: ['Encrypt', 'Decrypt'] },
    );
    await client.activate(id);
    const cbc: CryptographicParameters = { cryptographicAlgorithm: 'AES', blockCipherMode: 'CBC', paddingMethod: 'PKCS5', randomIV: true };
    const enc = await client.encrypt(id, MESSAGE, { cryptographicParameters: cbc });
    expect(enc.ivCounterNonce?.length).toBe(16);
    const d = createDecipheriv('aes-256-cbc', material, enc.ivCounterNonce!);
    expect(Buffer.concat([d.update(enc.data), d.final()])).toEqual(buf(MESSAGE));
    expect(buf((await client.decrypt(id, enc.data, { cryptographicParameters: cbc, ivCounterNonce: enc.ivCounterNonce })).data)).toEqual(buf(MESSAGE));
    const gcm: CryptographicParameters = { cryptographicAlgorithm: 'AES', blockCipherMode: 'GCM', tagLength: 16 };
    const iv = randomBytes(12);
    const aad = new TextEncoder().encode('header');
    const g = await client.encrypt(id, MESSAGE, { cryptographicParameters: gcm, ivCounterNonce: iv, authenticatedEncryptionAdditionalData: aad });
    const e = createCipheriv('aes-256-gcm', material, iv);
    e.setAAD(aad);
    expect(buf(g.data)).toEqual(Buffer.concat([e.update(MESSAGE), e.final()]));
    expect(buf(g.authenticatedEncryptionTag!)).toEqual(e.getAuthTag());
    const badTag = Uint8Array.from(g.authenticatedEncryptionTag!);
    badTag[0] ^= 0xff;
    const bad = await client.decrypt(id, g.data, { cryptographicParameters: gcm, ivCounterNonce: iv, authenticatedEncryptionAdditionalData: aad, authenticatedEncryptionTag: badTag }).catch((x: unknown) => x);
    expect(bad).toBeInstanceOf(CryptographicFailureError);

    const hkey = randomBytes(32);
    const { uniqueIdentifier: h } = await client.register(
      { objectType: 'SymmetricKey', keyMaterial: new Uint8Array(hkey), cryptographicAlgorithm: 'HMAC_SHA256', cryptographicLength: 256 },
      { cryptographicUsageMask: ['MACGenerate', 'MACVerify'] },
    );
    await client.activate(h);
    const m = await client.mac(h, MESSAGE);
    expect(buf(m.macData)).toEqual(createHmac('sha256', hkey).update(MESSAGE).digest());
    expect((await client.macVerify(h, MESSAGE, m.macData)).valid).toBe(true);
    const tampered = Uint8Array.from(m.macData);
    tampered[0] ^= 1;
    expect((await client.macVerify(h, MESSAGE, tampered)).valid).toBe(false);
    const digest = await client.hash(MESSAGE, { cryptographicParameters: { hashingAlgorithm: 'SHA_256' } });
    expect(buf(digest.data)).toEqual(createHash('sha256').update(MESSAGE).digest());
  });

  it('a Pre-Active key neither encrypts nor derives (Wrong Key Lifecycle State)', async () => {
    const { uniqueIdentifier: id } = await client.create({ cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'] });
    const params: CryptographicParameters = { cryptographicAlgorithm: 'AES', blockCipherMode: 'CBC', paddingMethod: 'PKCS5', randomIV: true };
    expect(await client.encrypt(id, MESSAGE, { cryptographicParameters: params }).catch((x: unknown) => x)).toBeInstanceOf(WrongKeyLifecycleStateError);
    const calls: [string, () => Promise<unknown>][] = [
      ['DeriveKey', () => client.deriveKey(id, { derivationMethod: 'PBKDF2', salt: new Uint8Array(8), iterationCount: 10, attributes: { cryptographicLength: 128 } })],
    ];
    for (const [operation, call] of calls) {
      const err = await call().catch((x: unknown) => x);
      expect(err, operation).toBeInstanceOf(WrongKeyLifecycleStateError);
      expect((err as KmipError).operation, operation).toBe(operation);
    }
  });

  it('in a batch (ID Placeholder): create, activate, encrypt with a server-made IV; a MAC with an Encrypt/Decrypt key fails alone (Continue)', async () => {
    const results = await client.batch({ errorContinuation: 'Continue' })
      .create({ cryptographicAlgorithm: 'AES', cryptographicLength: 128, cryptographicUsageMask: ['Encrypt'] })
      .activate(undefined)
      .encrypt(undefined, MESSAGE, { cryptographicParameters: { cryptographicAlgorithm: 'AES', blockCipherMode: 'CBC', paddingMethod: 'PKCS5', randomIV: true } })
      .mac(undefined, MESSAGE)
      .send();
    expect(results.map((r) => r.status)).toEqual(['success', 'success', 'success', 'failed']);
    const last = results[3];
    expect(last.status === 'failed' && last.error).toBeInstanceOf(KmipError);
    expect(last.status === 'failed' && (last.error as KmipError).reason).toBe('IncompatibleCryptographicUsageMask');
  });
});

describe('bad input is a TypeError before anything is sent', () => {
  // Nothing listens on port 1: an error that reached the network would be a KmipTransportError.
  const offline = new KmipClient({ servers: ['127.0.0.1:1'], tls: { ca: 'x', cert: 'x', key: 'x' }, version: '2.1', timeoutMs: 2_000 });
  afterAll(() => offline.close());
  const cases: [string, () => Promise<unknown>][] = [
    ['data as a string', () => offline.encrypt('k', 'plaintext' as unknown as Uint8Array)],
    ['IV as an array', () => offline.encrypt('k', MESSAGE, { ivCounterNonce: [1, 2, 3] as unknown as Uint8Array })],
    ['unknown parameter', () => offline.decrypt('k', MESSAGE, { cryptographicParameters: { blockCipher: 'CBC' } as unknown as CryptographicParameters })],
    ['unknown mode name', () => offline.encrypt('k', MESSAGE, { cryptographicParameters: { blockCipherMode: 'NOPE' } })],
    ['tag length as text', () => offline.encrypt('k', MESSAGE, { cryptographicParameters: { tagLength: '16' as unknown as number } })],
    ['signature as a Buffer-like object', () => offline.signatureVerify('k', MESSAGE, { length: 3 } as unknown as Uint8Array)],
    ['uid as a number', () => offline.sign(42 as unknown as string, MESSAGE)],
    ['key pair attributes as an array', () => offline.createKeyPair([] as unknown as Parameters<KmipClient['createKeyPair']>[0])],
    ['unknown attribute', () => offline.createKeyPair({ privateKey: { notAnAttribute: 1 } })],
    ['negative offset', () => offline.reKeyKeyPair('k', { offset: -1 })],
    ['hash without parameters', () => offline.hash(MESSAGE, {})],
    ['derive without attributes', () => offline.deriveKey('k', { derivationMethod: 'PBKDF2' } as unknown as Parameters<KmipClient['deriveKey']>[1])],
    ['randomIV as text', () => offline.mac('k', MESSAGE, { cryptographicParameters: { randomIV: 'yes' as unknown as boolean } })],
  ];
  it.each(cases)('%s', async (_what, call) => {
    const err = await call().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(TypeError);
    expect(err).not.toBeInstanceOf(KmipTransportError);
  });

  it('the batch builder throws when the item is added', () => {
    const b = offline.batch();
    expect(() => b.encrypt('k', 'x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => b.sign(undefined, MESSAGE, { cryptographicParameters: { paddingMethod: 'Nope' } })).toThrow(TypeError);
    expect(b.length).toBe(0);
  });
});

describe('retry policy: only the read-only operations are resent after a transport failure', () => {
  it('verify, MAC verify and hash are idempotent unless they carry multi-part stream state; the rest are not', () => {
    const d = new Uint8Array(4);
    const cp = { cryptographicParameters: { hashingAlgorithm: 'SHA_256' } };
    expect(specs.signatureVerify('k', d, d, {}).idempotent).toBe(true);
    expect(specs.macVerify('k', d, d, {}).idempotent).toBe(true);
    expect(specs.hash(d, cp).idempotent).toBe(true);
    expect(specs.signatureVerify('k', d, d, { initIndicator: true }).idempotent).toBe(false);
    expect(specs.macVerify('k', d, d, { correlationValue: d }).idempotent).toBe(false);
    expect(specs.hash(d, { ...cp, finalIndicator: true }).idempotent).toBe(false);
    for (const s of [
      specs.encrypt('k', d, {}), specs.encrypt('k', d, { ivCounterNonce: d }), specs.decrypt('k', d, {}), specs.sign('k', d, {}), specs.mac('k', d, {}),
      specs.createKeyPair({}), specs.reKeyKeyPair('k', {}), specs.deriveKey('k', { derivationMethod: 'HASH', attributes: { cryptographicLength: 128 } }),
    ]) expect(s.idempotent, s.operation).toBe(false);
  });

  it('Cryptographic Parameters go on the wire in the spec\'s order, whatever the order given', () => {
    const item = specs.cryptographicParametersItem({ tagLength: 16, cryptographicAlgorithm: 'AES', paddingMethod: 'None', blockCipherMode: 'GCM', randomIV: true });
    expect((item.value as { tag: number }[]).map((c) => c.tag)).toEqual([0x420011, 0x42005f, 0x420028, 0x4200c5, 0x4200ce]);
  });
});
