// SLH-DSA (FIPS 205) through both backends. The independent implementation is @noble/post-quantum,
// called directly: keygen from the same seed gives the same keys, the deterministic variant gives
// the same signatures, and each side verifies the other's. Its pure-JS signing takes 0.3 s (SHA2-128f)
// to seconds, so agreement runs on the 'f' sets with few iterations. The NIST ACVP vectors are in
// kat.test.ts.
import { randomBytes } from 'node:crypto';
import * as nobleSlh from '@noble/post-quantum/slh-dsa.js';
import { describe, expect, it } from 'vitest';
import { nativeCrypto, type CryptoBackend } from '../../src/crypto/backend.js';
import { SLH_DSA_PARAMS, SlhDsa, type SlhDsaParam } from '../../src/crypto/index.js';

const backends: CryptoBackend[] = nativeCrypto ? ['native', 'node'] : ['node'];
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const noble = (param: SlhDsaParam) => (nobleSlh as unknown as Record<string, typeof nobleSlh.slh_dsa_sha2_128f>)[`slh_dsa_${param.toLowerCase().replace('-', '_')}`];

/** FIPS 205 Table 2: n, signature bytes. */
const TABLE_2: [SlhDsaParam, number, number][] = [
  ['SHA2-128s', 16, 7856],
  ['SHA2-128f', 16, 17088],
  ['SHA2-192s', 24, 16224],
  ['SHA2-192f', 24, 35664],
  ['SHA2-256s', 32, 29792],
  ['SHA2-256f', 32, 49856],
  ['SHAKE-128s', 16, 7856],
  ['SHAKE-128f', 16, 17088],
  ['SHAKE-192s', 24, 16224],
  ['SHAKE-192f', 24, 35664],
  ['SHAKE-256s', 32, 29792],
  ['SHAKE-256f', 32, 49856],
];

describe('SLH-DSA parameter sets', () => {
  it('lists the twelve FIPS 205 sets with the Table 2 sizes, the same as @noble/post-quantum', () => {
    expect([...SLH_DSA_PARAMS].sort()).toEqual(TABLE_2.map(([p]) => p).sort());
    for (const [param, n, sig] of TABLE_2) {
      const s = new SlhDsa(param, { backend: 'node' }).sizes;
      expect(s).toEqual({ n, seed: 3 * n, publicKey: 2 * n, secretKey: 4 * n, signature: sig });
      expect(noble(param).lengths).toMatchObject({ publicKey: 2 * n, secretKey: 4 * n, signature: sig, seed: 3 * n });
    }
  });
});

describe.each(backends)('SLH-DSA, %s backend', (backend) => {
  // Native keygen is fast enough for every 'f' set; noble's SHAKE keygen takes ~0.5 s, so it does two.
  const keygenSets: SlhDsaParam[] = backend === 'native' ? ['SHA2-128f', 'SHA2-192f', 'SHA2-256f', 'SHAKE-128f', 'SHAKE-192f', 'SHAKE-256f', 'SHA2-128s'] : ['SHA2-128f', 'SHAKE-128f'];

  it.each(keygenSets)('SLH-DSA-%s: keygen from a seed matches @noble/post-quantum; random keys differ', (param) => {
    const slh = new SlhDsa(param, { backend });
    const seed = randomBytes(slh.sizes.seed);
    const ours = slh.keygen(seed);
    const theirs = noble(param).keygen(seed);
    expect(hex(ours.publicKey)).toBe(hex(theirs.publicKey));
    expect(hex(ours.secretKey)).toBe(hex(theirs.secretKey));
    expect(hex(ours.secretKey.subarray(0, slh.sizes.seed))).toBe(hex(seed));
    expect(hex(ours.secretKey.subarray(2 * slh.sizes.n))).toBe(hex(ours.publicKey));
    const a = slh.keygen();
    const b = slh.keygen();
    expect(a.publicKey.length).toBe(slh.sizes.publicKey);
    expect(a.secretKey.length).toBe(slh.sizes.secretKey);
    expect(hex(a.publicKey)).not.toBe(hex(b.publicKey));
  });

  it('SLH-DSA-SHA2-128f: signatures cross-verify with @noble/post-quantum, with and without a context; tampering fails', () => {
    const slh = new SlhDsa('SHA2-128f', { backend });
    const nb = noble('SHA2-128f');
    const { publicKey, secretKey } = slh.keygen();
    const context = Buffer.from('kmipkit context');
    for (const msg of [Buffer.alloc(0), randomBytes(3000)]) {
      const sig = slh.sign(msg, secretKey);
      expect(sig.length).toBe(slh.sizes.signature);
      expect(slh.verify(sig, msg, publicKey)).toBe(true);
      expect(nb.verify(sig, msg, publicKey)).toBe(true);
      const withCtx = slh.sign(msg, secretKey, { context });
      expect(nb.verify(withCtx, msg, publicKey, { context })).toBe(true);
      expect(slh.verify(withCtx, msg, publicKey, { context })).toBe(true);
      expect(slh.verify(withCtx, msg, publicKey)).toBe(false);
      expect(slh.verify(sig, msg, publicKey, { context })).toBe(false);

      const bad = Buffer.from(sig);
      bad[sig.length - 1] ^= 1;
      expect(slh.verify(bad, msg, publicKey)).toBe(false);
      const badR = Buffer.from(sig);
      badR[0] ^= 0x80;
      expect(slh.verify(badR, msg, publicKey)).toBe(false);
      expect(slh.verify(sig, Buffer.concat([msg, Buffer.from([0])]), publicKey)).toBe(false);
      expect(slh.verify(sig.subarray(1), msg, publicKey)).toBe(false);
      expect(slh.verify(Buffer.concat([sig, Buffer.from([0])]), msg, publicKey)).toBe(false);
    }
    const msg = Buffer.from('signed by noble');
    expect(slh.verify(Buffer.from(nb.sign(msg, secretKey)), msg, publicKey)).toBe(true);
    expect(slh.verify(Buffer.from(nb.sign(msg, secretKey, { context })), msg, publicKey, { context })).toBe(true);
    expect(slh.verify(slh.sign(msg, secretKey), msg, slh.keygen().publicKey)).toBe(false);
  });

  it('SLH-DSA-SHA2-128f: hedged signatures differ; the deterministic variant repeats and matches @noble/post-quantum', () => {
    const slh = new SlhDsa('SHA2-128f', { backend });
    const { publicKey, secretKey } = slh.keygen();
    const msg = Buffer.from('deterministic?');
    const context = Buffer.from([1, 2, 3]);
    expect(hex(slh.sign(msg, secretKey))).not.toBe(hex(slh.sign(msg, secretKey)));
    const d1 = slh.sign(msg, secretKey, { deterministic: true, context });
    const d2 = slh.sign(msg, secretKey, { deterministic: true, context });
    expect(hex(d1)).toBe(hex(d2));
    expect(hex(d1)).toBe(hex(noble('SHA2-128f').sign(msg, secretKey, { extraEntropy: false, context })));
    expect(slh.verify(d1, msg, publicKey, { context })).toBe(true);
    // opt_rand = PK.seed is exactly the deterministic variant.
    expect(hex(slh.signWithOptRandForTesting(msg, secretKey, publicKey.subarray(0, 16), context))).toBe(hex(d1));
  });

  if (backend === 'native') {
    it('SLH-DSA-SHAKE-128f: deterministic signatures match @noble/post-quantum, and it verifies them', () => {
      for (const param of ['SHAKE-128f'] as const) {
        const slh = new SlhDsa(param, { backend });
        const { publicKey, secretKey } = slh.keygen();
        const msg = randomBytes(100);
        const sig = slh.sign(msg, secretKey, { deterministic: true });
        expect(hex(sig)).toBe(hex(noble(param).sign(msg, secretKey, { extraEntropy: false })));
        expect(noble(param).verify(slh.sign(msg, secretKey), msg, publicKey)).toBe(true);
      }
    });
  }

  it('SLH-DSA-SHA2-128f: signAsync gives signatures that verify, deterministic ones equal to sign()', async () => {
    const slh = new SlhDsa('SHA2-128f', { backend });
    const { publicKey, secretKey } = slh.keygen();
    const msg = Buffer.from('async');
    const context = Buffer.from('c');
    const [a, b] = await Promise.all([slh.signAsync(msg, secretKey), slh.signAsync(msg, secretKey, { context })]);
    expect(slh.verify(a, msg, publicKey)).toBe(true);
    expect(slh.verify(b, msg, publicKey, { context })).toBe(true);
    expect(hex(await slh.signAsync(msg, secretKey, { deterministic: true }))).toBe(hex(slh.sign(msg, secretKey, { deterministic: true })));
    expect(() => slh.signAsync(msg, secretKey.subarray(1))).toThrow(RangeError);
    expect(() => slh.signAsync(msg, secretKey, { context: Buffer.alloc(256) })).toThrow(RangeError);
  });

  it('SLH-DSA-SHA2-128f: keygenAsync matches keygen from the same seed; random keys sign and verify', async () => {
    const slh = new SlhDsa('SHA2-128f', { backend });
    const seed = randomBytes(48);
    const a = await slh.keygenAsync(seed);
    const b = slh.keygen(seed);
    expect(hex(a.publicKey)).toBe(hex(b.publicKey));
    expect(hex(a.secretKey)).toBe(hex(b.secretKey));
    const r = await slh.keygenAsync();
    expect(r.publicKey.length).toBe(32);
    expect(hex(r.publicKey)).not.toBe(hex(a.publicKey));
    expect(slh.verify(slh.sign(seed, r.secretKey), seed, r.publicKey)).toBe(true);
    await expect(slh.keygenAsync(Buffer.alloc(47))).rejects.toThrow(RangeError);
  });

  it('throws RangeError on bad parameter sets, lengths and contexts', () => {
    expect(() => new SlhDsa('SHA2-128x' as SlhDsaParam, { backend })).toThrow(RangeError);
    expect(() => new SlhDsa('toString' as SlhDsaParam, { backend })).toThrow(RangeError);
    expect(() => new SlhDsa(undefined as unknown as SlhDsaParam, { backend })).toThrow(RangeError);
    const slh = new SlhDsa('SHA2-128f', { backend });
    const { publicKey, secretKey } = slh.keygen();
    const m = Buffer.from('m');
    expect(() => slh.keygen(Buffer.alloc(47))).toThrow(RangeError);
    expect(() => slh.keygen(Buffer.alloc(72))).toThrow(RangeError);
    expect(() => slh.sign(m, secretKey.subarray(1))).toThrow(RangeError);
    expect(() => slh.sign(m, Buffer.alloc(128))).toThrow(RangeError);
    expect(() => slh.sign(m, secretKey, { context: Buffer.alloc(256) })).toThrow(RangeError);
    expect(() => slh.signWithOptRandForTesting(m, secretKey, Buffer.alloc(15))).toThrow(RangeError);
    expect(() => slh.verify(Buffer.alloc(17088), m, publicKey.subarray(1))).toThrow(RangeError);
    expect(() => slh.verify(Buffer.alloc(17088), m, publicKey, { context: Buffer.alloc(256) })).toThrow(RangeError);
    // The longest context is accepted.
    const context = Buffer.alloc(255, 7);
    expect(slh.verify(slh.sign(m, secretKey, { context }), m, publicKey, { context })).toBe(true);
    expect(slh.verify(Buffer.alloc(0), m, publicKey)).toBe(false);
  });
});

describe.runIf(!!nativeCrypto)('SLH-DSA, native functions directly', () => {
  it('refuse bad names, lengths and overlapping outputs with RangeError', () => {
    const n = nativeCrypto!;
    const pk = Buffer.alloc(32);
    const sk = Buffer.alloc(64);
    expect(() => n.slhDsaKeygenInto('SHA2-128F', Buffer.alloc(0), pk, sk)).toThrow(RangeError);
    expect(() => n.slhDsaKeygenInto('', Buffer.alloc(0), pk, sk)).toThrow(RangeError);
    expect(() => n.slhDsaKeygenInto('SHA2-128f', Buffer.alloc(0), pk.subarray(1), sk)).toThrow(RangeError);
    expect(() => n.slhDsaKeygenInto('SHA2-128f', Buffer.alloc(47), pk, sk)).toThrow(RangeError);
    expect(() => n.slhDsaKeygenInto('SHA2-128f', Buffer.alloc(0), sk.subarray(0, 32), sk)).toThrow(RangeError);
    n.slhDsaKeygenInto('SLH-DSA-SHA2-128f', Buffer.alloc(0), pk, sk);
    const sig = Buffer.alloc(17088);
    expect(() => n.slhDsaSignInto('SHA2-128f', sk, Buffer.from('m'), Buffer.alloc(0), Buffer.alloc(0), sig.subarray(1))).toThrow(RangeError);
    expect(() => n.slhDsaSignInto('SHA2-128f', sk, Buffer.from('m'), Buffer.alloc(0), Buffer.alloc(17), sig)).toThrow(RangeError);
    expect(() => n.slhDsaSignInto('SHA2-128f', sk, sig.subarray(0, 10), Buffer.alloc(0), Buffer.alloc(0), sig)).toThrow(RangeError);
    expect(() => n.slhDsaSignInto('SHA2-256f', sk, Buffer.from('m'), Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(49856))).toThrow(RangeError);
    expect(() => n.slhDsaVerify('SHA2-128f', pk, Buffer.from('m'), Buffer.alloc(256), sig)).toThrow(RangeError);
    n.slhDsaSignInto('SHA2-128f', sk, Buffer.from('m'), Buffer.alloc(0), Buffer.alloc(0), sig);
    expect(n.slhDsaVerify('SHA2-128f', pk, Buffer.from('m'), Buffer.alloc(0), sig)).toBe(true);
    expect(() => n.slhDsaSign('SHA2-128x', sk, Buffer.from('m'), Buffer.alloc(0), Buffer.alloc(0))).toThrow(RangeError);
    expect(() => n.slhDsaSign('SHA2-128f', sk.subarray(1), Buffer.from('m'), Buffer.alloc(0), Buffer.alloc(0))).toThrow(RangeError);
    expect(() => n.slhDsaSign('SHA2-128f', sk, Buffer.from('m'), Buffer.alloc(256), Buffer.alloc(0))).toThrow(RangeError);
    expect(() => n.slhDsaSign('SHA2-128f', sk, Buffer.from('m'), Buffer.alloc(0), Buffer.alloc(15))).toThrow(RangeError);
    expect(() => n.slhDsaKeygen('SHA2-128f', Buffer.alloc(47))).toThrow(RangeError);
    expect(() => n.slhDsaKeygen('sha2-128f', Buffer.alloc(0))).toThrow(RangeError);
  });
});
