// RSAES-PKCS1-v1_5 decryption with implicit rejection (src/crypto/rsa-pkcs1.ts), through both backends:
// - known answers from independent implementations (test/vectors/rsa-pkcs1-implicit-rejection.json:
//   pyca/cryptography on OpenSSL 4.0 for throwaway keys and crafted / random ciphertexts, and the
//   draft-irtf-cfrg-rsa-guidance Appendix B vectors; README.md there has the provenance);
// - round trips with node:crypto's publicEncrypt(RSA_PKCS1_PADDING), message lengths 0..k-11 (all of
//   them for 2048 and 3072-bit keys, a third of them and both ends for 4096);
// - the Rust decoder and the TypeScript one agree on random encoded messages (fast-check);
// - wrong lengths are the only errors.
import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nativeCrypto, type CryptoBackend } from '../../src/crypto/backend.js';
import { rsaPkcs1Decrypt, rsaPkcs1KeyHash, rsaPkcs1Unpad } from '../../src/crypto/index.js';

const native = !!nativeCrypto && typeof (nativeCrypto as unknown as Record<string, unknown>).rsaPkcs1UnpadInto === 'function';
const backends: CryptoBackend[] = native ? ['native', 'node'] : ['node'];
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const b = (h: string): Buffer => Buffer.from(h, 'hex');

interface Vectors {
  groups: {
    name: string;
    modulusBits: number;
    testKeyOnly: boolean;
    privateKeyPkcs8Pem: string;
    keyHash: string;
    cases: { id: string; padding: 'valid' | 'invalid'; ciphertext: string; em: string; message: string }[];
  }[];
}
const V = JSON.parse(readFileSync(new URL('../vectors/rsa-pkcs1-implicit-rejection.json', import.meta.url), 'utf8')) as Vectors;

/** The PKCS#1 v1.5 padding check, plainly written (for the tests only). */
function wellPadded(em: Uint8Array): boolean {
  const sep = em.indexOf(0, 2);
  return em[0] === 0 && em[1] === 2 && sep >= 10;
}

it('the vector file has what the tests rely on', () => {
  expect(V.groups.map((g) => g.name)).toEqual(['generated-2048', 'generated-3072', 'draft-B.1', 'draft-B.2']);
  for (const g of V.groups) {
    expect(g.testKeyOnly).toBe(true);
    expect(g.cases.some((c) => c.padding === 'valid')).toBe(true);
    expect(g.cases.some((c) => c.padding === 'invalid')).toBe(true);
    for (const c of g.cases) expect(wellPadded(b(c.em)), `${g.name} ${c.id}`).toBe(c.padding === 'valid');
  }
});

for (const backend of backends) describe(`RSA PKCS#1 v1.5 implicit rejection, ${backend} backend`, () => {
  for (const g of V.groups) {
    it(`${g.name}: every output byte as the independent implementation (${g.cases.length} cases)`, () => {
      const key = createPrivateKey(g.privateKeyPkcs8Pem);
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(g.modulusBits);
      expect(hex(rsaPkcs1KeyHash(key))).toBe(g.keyHash);
      for (const c of g.cases) {
        const ct = b(c.ciphertext);
        expect(hex(rsaPkcs1Decrypt(key, ct, { backend })), `${g.name} ${c.id}`).toBe(c.message);
        expect(hex(rsaPkcs1Unpad(b(g.keyHash), ct, b(c.em), { backend })), `${g.name} ${c.id} (decoding only)`).toBe(c.message);
        if (c.padding === 'valid') expect(hex(b(c.em).subarray(b(c.em).indexOf(0, 2) + 1))).toBe(c.message);
      }
    });
  }

  it('a bad ciphertext decrypts the same way every time, and differently under another key', () => {
    const g = V.groups[0];
    const key = createPrivateKey(g.privateKeyPkcs8Pem);
    const c = g.cases.find((x) => x.id === 'bad-second-byte-01')!;
    const a = rsaPkcs1Decrypt(key, b(c.ciphertext), { backend });
    expect(hex(rsaPkcs1Decrypt(key, b(c.ciphertext), { backend }))).toBe(hex(a));
    // The same EM under another key hash: another synthetic message (the padding is bad either way).
    const other = rsaPkcs1Unpad(Buffer.alloc(32, 1), b(c.ciphertext), b(c.em), { backend });
    expect(hex(other)).not.toBe(hex(a));
  });

  it('wrong lengths are refused; nothing else is', () => {
    const kh = Buffer.alloc(32);
    expect(() => rsaPkcs1Unpad(kh, Buffer.alloc(255), Buffer.alloc(256), { backend })).toThrow(RangeError);
    expect(() => rsaPkcs1Unpad(Buffer.alloc(31), Buffer.alloc(256), Buffer.alloc(256), { backend })).toThrow(RangeError);
    expect(() => rsaPkcs1Unpad(kh, Buffer.alloc(10), Buffer.alloc(10), { backend })).toThrow(RangeError);
    expect(rsaPkcs1Unpad(kh, Buffer.alloc(11), Buffer.alloc(11), { backend }).length).toBe(0);
    const key = createPrivateKey(V.groups[0].privateKeyPkcs8Pem);
    expect(() => rsaPkcs1Decrypt(key, Buffer.alloc(255), { backend })).toThrow(RangeError);
    // Not below the modulus: node:crypto's raw RSA refuses it.
    expect(() => rsaPkcs1Decrypt(key, Buffer.alloc(256, 0xff), { backend })).toThrow();
  });
});

describe('round trip with node:crypto publicEncrypt(RSA_PKCS1_PADDING), message lengths 0 to k-11', () => {
  for (const bits of [2048, 3072, 4096]) {
    it(`${bits}-bit key: messages of 0 to k-11 bytes`, () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
      const k = bits / 8;
      const kh = rsaPkcs1KeyHash(privateKey);
      // Every length for 2048 and 3072 bits; for 4096 (12 ms a private operation here) every length
      // near both ends and every third one between.
      const lengths = Array.from({ length: k - 10 }, (_, i) => i).filter((len) => bits < 4096 || len < 32 || len > k - 11 - 32 || len % 3 === 0);
      for (const len of lengths) {
        const m = randomBytes(len);
        const ct = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, m);
        // One raw RSA operation per ciphertext; the decoding through each backend.
        const em = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ct);
        for (const backend of backends) expect(hex(rsaPkcs1Unpad(kh, ct, em, { backend })), `${backend} ${len}`).toBe(hex(m));
        // The whole decryption on a sample of lengths.
        if (len % 61 === 0 || len === k - 11) {
          for (const backend of backends) expect(hex(rsaPkcs1Decrypt(privateKey, ct, { backend }))).toBe(hex(m));
        }
      }
    }, 60_000);
  }
});

describe.runIf(native)('native and TypeScript decoders agree', () => {
  // Encoded messages that are mostly almost right: 00 02 and a separator somewhere, each perturbed.
  const em = fc
    .record({
      k: fc.integer({ min: 11, max: 600 }),
      first: fc.constantFrom(0, 0, 0, 1, 0xff),
      second: fc.constantFrom(2, 2, 2, 0, 1, 3),
      sep: fc.integer({ min: 0, max: 700 }),
      fill: fc.uint8Array({ minLength: 600, maxLength: 600 }),
      zeros: fc.array(fc.integer({ min: 0, max: 599 }), { maxLength: 3 }),
    })
    .map(({ k, first, second, sep, fill, zeros }) => {
      const e = Uint8Array.from(fill.subarray(0, k), (x) => x | 1);
      e[0] = first;
      e[1] = second;
      if (sep < k) e[sep] = 0;
      for (const z of zeros) if (z < k) e[z] = 0;
      return e;
    });

  it('on random inputs (both good and bad padding)', () => {
    let good = 0;
    fc.assert(
      fc.property(em, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 255 }), (e, kh, salt) => {
        const ct = Uint8Array.from(e, (x, i) => x ^ salt ^ i);
        const n = rsaPkcs1Unpad(kh, ct, e, { backend: 'native' });
        const t = rsaPkcs1Unpad(kh, ct, e, { backend: 'node' });
        expect(hex(n)).toBe(hex(t));
        expect(n.length).toBeLessThanOrEqual(e.length - 11);
        if (wellPadded(e)) {
          good++;
          expect(hex(n)).toBe(hex(e.subarray(e.indexOf(0, 2) + 1)));
        }
      }),
      { numRuns: 300 },
    );
    // The generator reaches both sides of the check.
    expect(good).toBeGreaterThan(10);
    expect(good).toBeLessThan(290);
  });
});

describe('the key hash', () => {
  it('is SHA-256 of d as k bytes, cached per KeyObject, and needs an RSA private key', () => {
    const g = V.groups[2];
    const key: KeyObject = createPrivateKey(g.privateKeyPkcs8Pem);
    const first = rsaPkcs1KeyHash(key);
    expect(rsaPkcs1KeyHash(key)).toBe(first);
    expect(hex(first)).toBe(g.keyHash);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => rsaPkcs1KeyHash(publicKey)).toThrow(TypeError);
    const { privateKey: ec } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => rsaPkcs1KeyHash(ec)).toThrow(TypeError);
  });
});
