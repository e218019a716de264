// ML-DSA (FIPS 204) through both backends. The independent implementation is @noble/post-quantum,
// called directly: keygen from the same seed gives the same keys, and each side verifies the other's
// signatures. The NIST ACVP keyGen and Wycheproof verify vectors are in kat.test.ts.
import { randomBytes } from 'node:crypto';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { describe, expect, it } from 'vitest';
import { MlDsa, type MlDsaLevel } from '../../src/crypto/mldsa.js';
import { nativeCrypto, type CryptoBackend } from '../../src/crypto/backend.js';

const NOBLE = { 44: ml_dsa44, 65: ml_dsa65, 87: ml_dsa87 } as const;
const LEVELS: MlDsaLevel[] = [44, 65, 87];
const backends: CryptoBackend[] = nativeCrypto ? ['native', 'node'] : ['node'];
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

describe.each(backends)('ML-DSA, %s backend', (backend) => {
  it.each(LEVELS)('ML-DSA-%i: keygen from a seed matches @noble/post-quantum', (level) => {
    const dsa = new MlDsa(level, { backend });
    for (let i = 0; i < 3; i++) {
      const seed = randomBytes(32);
      const ours = dsa.keygen(seed);
      const theirs = NOBLE[level].keygen(seed);
      expect(hex(ours.publicKey)).toBe(hex(theirs.publicKey));
      expect(hex(ours.secretKey)).toBe(hex(theirs.secretKey));
    }
  });

  it.each(LEVELS)('ML-DSA-%i: signatures cross-verify with @noble/post-quantum, tampering fails', (level) => {
    const dsa = new MlDsa(level, { backend });
    const noble = NOBLE[level];
    const { publicKey, secretKey } = dsa.keygen();
    for (const msg of [Buffer.alloc(0), Buffer.from('kmipkit'), randomBytes(5000)]) {
      const sig = dsa.sign(msg, secretKey);
      expect(sig.length).toBe(dsa.sizes.signature);
      expect(dsa.verify(sig, msg, publicKey)).toBe(true);
      expect(noble.verify(sig, msg, publicKey)).toBe(true);
      const theirs = noble.sign(msg, secretKey);
      expect(dsa.verify(theirs, msg, publicKey)).toBe(true);
      const bad = Buffer.from(sig);
      bad[100] ^= 1;
      expect(dsa.verify(bad, msg, publicKey)).toBe(false);
      expect(dsa.verify(sig, Buffer.concat([msg, Buffer.from([0])]), publicKey)).toBe(false);
      expect(dsa.verify(sig.subarray(1), msg, publicKey)).toBe(false);
    }
    expect(dsa.verify(dsa.sign(Buffer.from('m'), secretKey), Buffer.from('m'), dsa.keygen().publicKey)).toBe(false);
  });

  it('throws RangeError on wrong lengths and parameter sets', () => {
    expect(() => new MlDsa(50 as MlDsaLevel, { backend })).toThrow(RangeError);
    const dsa = new MlDsa(65, { backend });
    const { publicKey, secretKey } = dsa.keygen();
    expect(() => dsa.keygen(Buffer.alloc(31))).toThrow(RangeError);
    expect(() => dsa.sign(Buffer.from('m'), secretKey.subarray(1))).toThrow(RangeError);
    expect(() => dsa.verify(Buffer.alloc(3309), Buffer.from('m'), publicKey.subarray(1))).toThrow(RangeError);
  });
});
