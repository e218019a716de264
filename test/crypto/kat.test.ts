// Known-answer tests for the post-quantum primitives, through both backends, from the vector subsets
// in test/vectors (NIST ACVP FIPS 203/204/205 and Wycheproof ML-DSA; README.md there gives the
// provenance and extract.py the selection). AES-GCM and AES key wrap have theirs in aes.test.ts
// (McGrew-Viega / NIST CAVP) and keywrap.test.ts (RFC 3394, RFC 5649).
//
// What each backend can be held to:
// - ML-KEM: the API has no seeded keygen nor fixed-m encapsulation (AWS-LC does not expose them), so
//   the ACVP decapsulation vectors (valid and modified ciphertexts) run as they are, and the keyGen
//   vectors' (ek, dk) are used as keys: encapsulating to ek and decapsulating with dk must agree.
// - ML-DSA: ACVP keyGen from the seed ξ; Wycheproof verification (the ACVP sigGen/sigVer files in
//   the source test the internal interface, which the API does not offer).
// - SLH-DSA: ACVP keyGen from (SK.seed, SK.prf, PK.seed); sigGen, external interface, pure: the
//   deterministic groups through sign({deterministic}), the others through the given opt_rand; and
//   sigVer. Signing with the SHAKE 's' sets takes 6-10 s each even natively, so their sigGen cases
//   are not run (their keyGen and the other SHAKE sets cover the SHAKE hashing); the noble backend,
//   pure JS, runs the 'f' sets' keyGen and the SHA2-128f sigGen only.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nativeCrypto, type CryptoBackend } from '../../src/crypto/backend.js';
import { MlDsa, MlKem, SlhDsa, type MlDsaLevel, type MlKemLevel, type SlhDsaParam } from '../../src/crypto/index.js';

const backends: CryptoBackend[] = nativeCrypto ? ['native', 'node'] : ['node'];
const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
const b = (h: string): Buffer => Buffer.from(h, 'hex');
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const SLOW = 60_000;

interface SlhVectors {
  keyGen: { tcId: number; parameterSet: string; skSeed: string; skPrf: string; pkSeed: string; pk: string; sk: string }[];
  sigGen: {
    tcId: number;
    parameterSet: string;
    deterministic: boolean;
    sk: string;
    message: string;
    context: string;
    additionalRandomness: string | null;
    signatureLength: number;
    signatureSha256: string;
  }[];
  sigVer: { tcId: number; parameterSet: string; pk: string; message: string; context: string; signature: string; testPassed: boolean }[];
}
interface DsaVectors {
  keyGen: { tcId: number; parameterSet: string; seed: string; pk: string; sk: string }[];
  verify: { tcId: number; parameterSet: string; comment: string; publicKey: string; msg: string; sig: string; result: 'valid' | 'invalid' }[];
}
interface KemVectors {
  keyGen: { tcId: number; parameterSet: string; d: string; z: string; ek: string; dk: string }[];
  decapsulation: { tcId: number; parameterSet: string; dk: string; c: string; k: string }[];
}

const slhV = load<SlhVectors>('slh-dsa-fips205.json');
const dsaV = load<DsaVectors>('ml-dsa-fips204.json');
const kemV = load<KemVectors>('ml-kem-fips203.json');

const slhParam = (s: string): SlhDsaParam => s.replace(/^SLH-DSA-/, '') as SlhDsaParam;
const dsaLevel = (s: string): MlDsaLevel => Number(s.replace(/^ML-DSA-/, '')) as MlDsaLevel;
const kemLevel = (s: string): MlKemLevel => Number(s.replace(/^ML-KEM-/, '')) as MlKemLevel;
const isF = (s: string): boolean => s.endsWith('f');
const isShakeS = (s: string): boolean => s.includes('SHAKE') && s.endsWith('s');

describe('vector files', () => {
  it('hold the expected subsets', () => {
    expect(new Set(slhV.keyGen.map((t) => t.parameterSet)).size).toBe(12);
    expect(new Set(slhV.sigGen.map((t) => t.parameterSet)).size).toBe(12);
    expect(slhV.sigGen.filter((t) => t.deterministic).length).toBe(12);
    expect(slhV.sigVer.filter((t) => t.testPassed).length).toBe(4);
    expect(slhV.sigVer.filter((t) => !t.testPassed).length).toBe(4);
    expect(dsaV.keyGen.length).toBe(9);
    expect(dsaV.verify.filter((t) => t.result === 'invalid').length).toBeGreaterThanOrEqual(9);
    expect(kemV.decapsulation.length).toBe(12);
  });
});

describe.each(backends)('SLH-DSA known answers (NIST ACVP FIPS 205), %s backend', (backend) => {
  const keyGen = backend === 'native' ? slhV.keyGen : slhV.keyGen.filter((t) => isF(t.parameterSet));
  it.each(keyGen.map((t) => [t.tcId, t.parameterSet, t] as const))('keyGen tcId %i (%s)', (_id, _set, t) => {
    const slh = new SlhDsa(slhParam(t.parameterSet), { backend });
    const k = slh.keygen(b(t.skSeed + t.skPrf + t.pkSeed));
    expect(hex(k.publicKey)).toBe(t.pk);
    expect(hex(k.secretKey)).toBe(t.sk);
  }, SLOW);

  const sigGen = backend === 'native' ? slhV.sigGen.filter((t) => !isShakeS(t.parameterSet)) : slhV.sigGen.filter((t) => t.parameterSet === 'SLH-DSA-SHA2-128f');
  it.each(sigGen.map((t) => [t.tcId, t.parameterSet, t.deterministic ? 'deterministic' : 'given opt_rand', t] as const))(
    'sigGen tcId %i (%s, %s)',
    (_id, _set, _how, t) => {
      const slh = new SlhDsa(slhParam(t.parameterSet), { backend });
      const sk = b(t.sk);
      const msg = b(t.message);
      const context = b(t.context);
      const sig =
        t.additionalRandomness === null ? slh.sign(msg, sk, { deterministic: true, context }) : slh.signWithOptRandForTesting(msg, sk, b(t.additionalRandomness), context);
      expect(sig.length).toBe(t.signatureLength);
      expect(createHash('sha256').update(sig).digest('hex')).toBe(t.signatureSha256);
      const pk = sk.subarray(sk.length / 2);
      expect(slh.verify(sig, msg, pk, { context })).toBe(true);
    },
    SLOW,
  );

  it.each(slhV.sigVer.map((t) => [t.tcId, t.parameterSet, t.testPassed ? 'valid' : 'invalid', t] as const))(
    'sigVer tcId %i (%s, %s)',
    (_id, _set, _r, t) => {
      const slh = new SlhDsa(slhParam(t.parameterSet), { backend });
      expect(slh.verify(b(t.signature), b(t.message), b(t.pk), { context: b(t.context) })).toBe(t.testPassed);
    },
    SLOW,
  );
});

describe.each(backends)('ML-DSA known answers, %s backend', (backend) => {
  it.each(dsaV.keyGen.map((t) => [t.tcId, t.parameterSet, t] as const))('ACVP keyGen tcId %i (%s): from the seed ξ', (_id, _set, t) => {
    const k = new MlDsa(dsaLevel(t.parameterSet), { backend }).keygen(b(t.seed));
    expect(hex(k.publicKey)).toBe(t.pk);
    expect(hex(k.secretKey)).toBe(t.sk);
  });

  it.each(dsaV.verify.map((t) => [t.parameterSet, t.tcId, t.comment, t] as const))('Wycheproof %s tcId %i: %s', (_set, _id, _c, t) => {
    const dsa = new MlDsa(dsaLevel(t.parameterSet), { backend });
    expect(dsa.verify(b(t.sig), b(t.msg), b(t.publicKey))).toBe(t.result === 'valid');
  });
});

describe.each(backends)('ML-KEM known answers (NIST ACVP FIPS 203), %s backend', (backend) => {
  it.each(kemV.decapsulation.map((t) => [t.tcId, t.parameterSet, t] as const))('decapsulation tcId %i (%s)', (_id, _set, t) => {
    const kem = new MlKem(kemLevel(t.parameterSet), { backend });
    expect(hex(kem.decapsulate(b(t.c), b(t.dk)))).toBe(t.k);
  });

  it.each(kemV.keyGen.map((t) => [t.tcId, t.parameterSet, t] as const))('keyGen tcId %i (%s): the expected ek and dk work as a key pair', (_id, _set, t) => {
    const kem = new MlKem(kemLevel(t.parameterSet), { backend });
    const { cipherText, sharedSecret } = kem.encapsulate(b(t.ek));
    expect(hex(kem.decapsulate(cipherText, b(t.dk)))).toBe(hex(sharedSecret));
  });

  it.each(kemV.keyGen.map((t) => [t.tcId, t.parameterSet, t] as const))('keyGen tcId %i (%s): the seed d || z gives exactly ek and dk', (_id, _set, t) => {
    const kem = new MlKem(kemLevel(t.parameterSet), { backend });
    const { publicKey, secretKey } = kem.keygen(Buffer.concat([b(t.d), b(t.z)]));
    expect(hex(publicKey)).toBe(t.ek);
    expect(hex(secretKey)).toBe(t.dk);
    expect(() => kem.keygen(b(t.d))).toThrow(RangeError);
  });
});
