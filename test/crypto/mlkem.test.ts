// ML-KEM (FIPS 203) through both backends. The independent implementation is @noble/post-quantum,
// called directly: keys, ciphertexts and shared secrets cross between the two in both directions,
// including the implicit-rejection secret of a tampered ciphertext. No FIPS 203 / ACVP vector file
// is included yet (see the report): agreement with noble plus round trips is what this checks.
import { randomBytes } from 'node:crypto';
import { ml_kem1024, ml_kem512, ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { MlKem, type MlKemLevel } from '../../src/crypto/mlkem.js';
import { nativeCrypto, type CryptoBackend } from '../../src/crypto/backend.js';

const NOBLE = { 512: ml_kem512, 768: ml_kem768, 1024: ml_kem1024 } as const;
const LEVELS: MlKemLevel[] = [512, 768, 1024];
const backends: CryptoBackend[] = nativeCrypto ? ['native', 'node'] : ['node'];
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

describe.each(backends)('ML-KEM, %s backend', (backend) => {
  it.each(LEVELS)('ML-KEM-%i: sizes, round trip, implicit rejection', (level) => {
    const kem = new MlKem(level, { backend });
    const { publicKey, secretKey } = kem.keygen();
    expect([publicKey.length, secretKey.length]).toEqual([kem.sizes.publicKey, kem.sizes.secretKey]);
    const { cipherText, sharedSecret } = kem.encapsulate(publicKey);
    expect([cipherText.length, sharedSecret.length]).toEqual([kem.sizes.cipherText, 32]);
    expect(hex(kem.decapsulate(cipherText, secretKey))).toBe(hex(sharedSecret));
    // Twice: the secret key is not consumed or wiped by a call.
    expect(hex(kem.decapsulate(cipherText, secretKey))).toBe(hex(sharedSecret));
    const bad = Buffer.from(cipherText);
    bad[10] ^= 1;
    const rejected = kem.decapsulate(bad, secretKey);
    expect(hex(rejected)).not.toBe(hex(sharedSecret));
    // Implicit rejection is deterministic (a function of dk's z and the ciphertext), and noble agrees.
    expect(hex(rejected)).toBe(hex(NOBLE[level].decapsulate(bad, secretKey)));
    // Two key pairs differ.
    expect(hex(kem.keygen().publicKey)).not.toBe(hex(publicKey));
  });

  it.each(LEVELS)('ML-KEM-%i agrees with @noble/post-quantum both ways', (level) => {
    const kem = new MlKem(level, { backend });
    const noble = NOBLE[level];
    for (let i = 0; i < 5; i++) {
      // noble's deterministic keys, our encapsulation, noble's decapsulation.
      const nk = noble.keygen(randomBytes(64));
      const ours = kem.encapsulate(nk.publicKey);
      expect(hex(noble.decapsulate(ours.cipherText, nk.secretKey))).toBe(hex(ours.sharedSecret));
      // noble's encapsulation, our decapsulation with noble's secret key.
      const theirs = noble.encapsulate(nk.publicKey, randomBytes(32));
      expect(hex(kem.decapsulate(theirs.cipherText, nk.secretKey))).toBe(hex(theirs.sharedSecret));
      // Our keys, noble's encapsulation, our decapsulation; and noble decapsulates with our secret key.
      const ok = kem.keygen();
      const t2 = noble.encapsulate(ok.publicKey);
      expect(hex(kem.decapsulate(t2.cipherText, ok.secretKey))).toBe(hex(t2.sharedSecret));
      expect(hex(noble.decapsulate(t2.cipherText, ok.secretKey))).toBe(hex(t2.sharedSecret));
    }
  });

  it('throws RangeError on wrong lengths and parameter sets', () => {
    expect(() => new MlKem(256 as MlKemLevel, { backend })).toThrow(RangeError);
    const kem = new MlKem(768, { backend });
    const { publicKey, secretKey } = kem.keygen();
    expect(() => kem.encapsulate(publicKey.subarray(1))).toThrow(RangeError);
    expect(() => new MlKem(512, { backend }).encapsulate(publicKey)).toThrow(RangeError);
    expect(() => kem.decapsulate(Buffer.alloc(1087), secretKey)).toThrow(RangeError);
    expect(() => kem.decapsulate(Buffer.alloc(1088), secretKey.subarray(1))).toThrow(RangeError);
  });
});

describe.runIf(!!nativeCrypto)('ML-KEM, native functions directly', () => {
  it('refuse bad lengths and overlapping outputs with RangeError', () => {
    expect(() => nativeCrypto!.mlKemKeygenInto(768, Buffer.alloc(1183), Buffer.alloc(2400))).toThrow(RangeError);
    expect(() => nativeCrypto!.mlKemKeygenInto(999, Buffer.alloc(1184), Buffer.alloc(2400))).toThrow(RangeError);
    const buf = Buffer.alloc(4000);
    expect(() => nativeCrypto!.mlKemKeygenInto(768, buf.subarray(0, 1184), buf.subarray(1000, 3400))).toThrow(RangeError);
    expect(() => nativeCrypto!.mlKemDecapsulateInto(768, Buffer.alloc(2400), Buffer.alloc(1088), Buffer.alloc(16))).toThrow(RangeError);
  });
});
