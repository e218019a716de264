// AES-GCM through both backends: published vectors, random agreement with node:crypto called
// directly, truncated tags, tampering, bad lengths, and the async forms.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesGcm } from '../../src/crypto/aes.js';
import { defaultCryptoBackend, nativeCrypto, type CryptoBackend } from '../../src/crypto/backend.js';
import { codecInfo } from '../../src/ttlv/native.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// (key, iv, pt, aad, ct, tag). McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)",
// test cases 1, 2, 4, 10, 13, 16; the last from NIST CAVP gcmEncryptExtIV256.rsp (Keylen 256,
// IVlen 96, PTlen 128, AADlen 128, Taglen 128). The same set is in crate/core/src/gcm.rs.
const P4 =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
const A4 = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
const VECTORS: [string, string, string, string, string, string][] = [
  ['00000000000000000000000000000000', '000000000000000000000000', '', '', '', '58e2fccefa7e3061367f1d57a4e7455a'],
  ['00000000000000000000000000000000', '000000000000000000000000', '00000000000000000000000000000000', '', '0388dace60b6a392f328c2b971b2fe78', 'ab6e47d42cec13bdf53a67b21257bddf'],
  ['feffe9928665731c6d6a8f9467308308', 'cafebabefacedbaddecaf888', P4, A4, '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091', '5bc94fbc3221a5db94fae95ae7121a47'],
  ['feffe9928665731c6d6a8f9467308308feffe9928665731c', 'cafebabefacedbaddecaf888', P4, A4, '3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710', '2519498e80f1478f37ba55bd6d27618c'],
  ['0000000000000000000000000000000000000000000000000000000000000000', '000000000000000000000000', '', '', '', '530f8afbc74536b9a963b4f1c4cb738b'],
  ['feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308', 'cafebabefacedbaddecaf888', P4, A4, '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662', '76fc6ece0f4e1768cddf8853bb2d551b'],
  ['92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b', 'ac93a1a6145299bde902f21a', '2d71bcfa914e4ac045b2aa60955fad24', '1e0889016f67601c8ebea4943bc23ad6', '8995ae2e6df3dbf96fac7b7137bae67f', 'eca5aa77d51d4a0a14d9c51e1da474ab'],
];

/** node:crypto called directly, as the independent implementation. */
function nodeSeal(key: Buffer, iv: Buffer, pt: Buffer, aad: Buffer, tagLength: number): Buffer {
  const c = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, iv, { authTagLength: tagLength });
  c.setAAD(aad);
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

function nodeOpen(key: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer, tagLength: number): Buffer {
  const split = sealed.length - tagLength;
  const d = createDecipheriv(`aes-${key.length * 8}-gcm` as 'aes-256-gcm', key, iv, { authTagLength: tagLength });
  d.setAuthTag(sealed.subarray(split));
  d.setAAD(aad);
  return Buffer.concat([d.update(sealed.subarray(0, split)), d.final()]);
}

const backends: CryptoBackend[] = nativeCrypto ? ['native', 'node'] : ['node'];

describe('crypto backend selection', () => {
  it('follows KMIPKIT_NATIVE', () => {
    if (codecInfo.mode === 'off') {
      expect(nativeCrypto).toBeUndefined();
      expect(defaultCryptoBackend).toBe('node');
      expect(() => new AesGcm(Buffer.alloc(32), { backend: 'native' })).toThrow(/not available/);
    } else if (codecInfo.mode === 'require') {
      expect(nativeCrypto).toBeDefined();
      expect(defaultCryptoBackend).toBe('native');
    }
    expect(new AesGcm(Buffer.alloc(32)).backend).toBe(defaultCryptoBackend);
  });
});

describe.each(backends)('AES-GCM, %s backend', (backend) => {
  it('matches the published vectors at every tag length, both ways', async () => {
    for (const [k, iv, pt, aad, ct, tag] of VECTORS.map((v) => v.map(hex))) {
      for (let t = 12; t <= 16; t++) {
        const key = new AesGcm(k, { tagLength: t, backend });
        const expected = Buffer.concat([ct, tag.subarray(0, t)]);
        expect(key.encryptSync(iv, pt, aad).toString('hex')).toBe(expected.toString('hex'));
        expect((await key.encrypt(iv, pt, aad)).toString('hex')).toBe(expected.toString('hex'));
        expect(key.decryptSync(iv, expected, aad)?.toString('hex')).toBe(pt.toString('hex'));
        expect((await key.decrypt(iv, expected, aad))?.toString('hex')).toBe(pt.toString('hex'));
      }
    }
  });

  it('agrees with node:crypto on random keys, lengths, AAD and tag lengths', async () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes([16, 24, 32][i % 3]);
      const iv = randomBytes(12);
      const pt = randomBytes(i < 150 ? i : 1000 + i * 37);
      const aad = randomBytes(i % 5 === 0 ? 0 : (i * 7) % 70);
      const t = 12 + (i % 5);
      const g = new AesGcm(key, { tagLength: t, backend });
      const sealed = g.encryptSync(iv, pt, aad);
      expect(sealed.equals(nodeSeal(key, iv, pt, aad, t))).toBe(true);
      expect(nodeOpen(key, iv, sealed, aad, t).equals(pt)).toBe(true);
      const out = Buffer.alloc(pt.length);
      expect(g.decryptInto(iv, sealed, out, aad)).toBe(true);
      expect(out.equals(pt)).toBe(true);
      if (i % 20 === 0) expect((await g.encrypt(iv, pt, aad)).equals(sealed)).toBe(true);
    }
  });

  it('agrees with node:crypto on a 1 MiB message, sync and async', async () => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const pt = randomBytes(1 << 20);
    const g = new AesGcm(key, { backend });
    const expected = nodeSeal(key, iv, pt, Buffer.alloc(0), 16);
    expect(g.encryptSync(iv, pt).equals(expected)).toBe(true);
    expect((await g.encrypt(iv, pt)).equals(expected)).toBe(true);
    expect((await g.decrypt(iv, expected))?.equals(pt)).toBe(true);
  });

  it('refuses tampered data, the wrong AAD, nonce or key, and zeroes the output', async () => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const g = new AesGcm(key, { backend });
    const sealed = g.encryptSync(iv, Buffer.from('key material'), Buffer.from('uid-1'));
    expect(g.decryptSync(iv, sealed, Buffer.from('uid-2'))).toBeNull();
    expect(g.decryptSync(randomBytes(12), sealed, Buffer.from('uid-1'))).toBeNull();
    expect(new AesGcm(randomBytes(32), { backend }).decryptSync(iv, sealed, Buffer.from('uid-1'))).toBeNull();
    for (const at of [0, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] ^= 1;
      const out = Buffer.alloc(sealed.length - 16, 0xaa);
      expect(g.decryptInto(iv, bad, out, Buffer.from('uid-1'))).toBe(false);
      expect(out.every((b) => b === 0)).toBe(true);
      expect(await g.decrypt(iv, bad, Buffer.from('uid-1'))).toBeNull();
    }
    // SP 800-38D: a 12-byte tag is the first 12 bytes of the full one, so a key made for 12-byte
    // tags opens a full-tag message cut by 4 bytes, and nothing shorter.
    const short = new AesGcm(key, { tagLength: 12, backend });
    expect(short.decryptSync(iv, sealed.subarray(0, sealed.length - 4), Buffer.from('uid-1'))?.toString()).toBe('key material');
    expect(short.decryptSync(iv, sealed.subarray(0, sealed.length - 5), Buffer.from('uid-1'))).toBeNull();
  });

  it('throws RangeError on bad lengths, sync and async', async () => {
    expect(() => new AesGcm(Buffer.alloc(20), { backend })).toThrow(RangeError);
    expect(() => new AesGcm(Buffer.alloc(32), { tagLength: 8, backend })).toThrow(RangeError);
    expect(() => new AesGcm(Buffer.alloc(32), { tagLength: 17, backend })).toThrow(RangeError);
    const g = new AesGcm(Buffer.alloc(32), { backend });
    expect(() => g.encryptSync(Buffer.alloc(16), Buffer.alloc(1))).toThrow(RangeError);
    expect(() => g.encryptInto(Buffer.alloc(12), Buffer.alloc(1), Buffer.alloc(16))).toThrow(RangeError);
    expect(() => g.decryptSync(Buffer.alloc(12), Buffer.alloc(15))).toThrow(RangeError);
    expect(() => g.decryptInto(Buffer.alloc(12), Buffer.alloc(20), Buffer.alloc(5))).toThrow(RangeError);
    await expect(g.encrypt(Buffer.alloc(11), Buffer.alloc(1))).rejects.toThrow(RangeError);
    await expect(g.decrypt(Buffer.alloc(12), Buffer.alloc(3))).rejects.toThrow(RangeError);
  });
});

describe.runIf(!!nativeCrypto)('AES-GCM, native object directly', () => {
  it('refuses an output that shares memory with an input', () => {
    const k = new nativeCrypto!.AesGcmKey(Buffer.alloc(32), 16);
    const buf = Buffer.alloc(64);
    expect(() => k.encryptInto(Buffer.alloc(12), Buffer.alloc(0), buf.subarray(0, 16), buf.subarray(8, 40))).toThrow(RangeError);
  });

  it('refuses bad arguments without crashing', () => {
    expect(() => new nativeCrypto!.AesGcmKey(Buffer.alloc(31), 16)).toThrow(RangeError);
    const k = new nativeCrypto!.AesGcmKey(Buffer.alloc(16), 13);
    expect(k.tagLength).toBe(13);
    expect(() => k.encryptInto(Buffer.alloc(12), Buffer.alloc(0), Buffer.alloc(3), Buffer.alloc(17))).toThrow(RangeError);
    expect(() => k.decryptInto(Buffer.alloc(13), Buffer.alloc(0), Buffer.alloc(13), Buffer.alloc(0))).toThrow(RangeError);
  });
});

// The one-shot forms (no key object), which KMIP Encrypt/Decrypt use: published vectors, agreement
// with node:crypto at every tag length, tampering, bad lengths; with the addon and without.
describe('AES-GCM one-shot (aesGcmSealOnce / aesGcmOpenOnce), default backend', () => {
  it('reproduces the published vectors and opens them', async () => {
    const { aesGcmOpenOnce, aesGcmSealOnce } = await import('../../src/crypto/aes.js');
    for (const [k, iv, pt, aad, ct, tag] of VECTORS) {
      const sealed = aesGcmSealOnce(hex(k), hex(iv), hex(pt), hex(aad));
      expect(sealed.toString('hex')).toBe(ct + tag);
      expect(aesGcmOpenOnce(hex(k), hex(iv), hex(ct), hex(tag), hex(aad))!.toString('hex')).toBe(pt);
    }
  });

  it('agrees with node:crypto for random inputs and tag lengths 12 to 16; a changed byte does not open', async () => {
    const { aesGcmOpenOnce, aesGcmSealOnce } = await import('../../src/crypto/aes.js');
    for (let i = 0; i < 60; i++) {
      const key = randomBytes([16, 24, 32][i % 3]), iv = randomBytes(12), pt = randomBytes(i * 37), aad = randomBytes(i % 5 ? i : 0);
      const tagLength = 12 + (i % 5);
      const sealed = aesGcmSealOnce(key, iv, pt, aad, tagLength);
      expect(sealed.equals(nodeSeal(key, iv, pt, aad, tagLength))).toBe(true);
      const ct = sealed.subarray(0, pt.length), tag = sealed.subarray(pt.length);
      expect(aesGcmOpenOnce(key, iv, ct, tag, aad)!.equals(pt)).toBe(true);
      const bad = Buffer.from(tag);
      bad[i % tagLength] ^= 1;
      expect(aesGcmOpenOnce(key, iv, ct, bad, aad)).toBeNull();
    }
  });

  it('refuses bad key, nonce and tag lengths', async () => {
    const { aesGcmOpenOnce, aesGcmSealOnce } = await import('../../src/crypto/aes.js');
    expect(() => aesGcmSealOnce(randomBytes(20), randomBytes(12), randomBytes(4))).toThrow(RangeError);
    expect(() => aesGcmSealOnce(randomBytes(32), randomBytes(16), randomBytes(4))).toThrow(RangeError);
    expect(() => aesGcmSealOnce(randomBytes(32), randomBytes(12), randomBytes(4), undefined, 8)).toThrow(RangeError);
    expect(() => aesGcmOpenOnce(randomBytes(32), randomBytes(12), randomBytes(4), randomBytes(8))).toThrow(RangeError);
  });
});
