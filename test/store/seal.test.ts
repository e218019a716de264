// Sealing at rest: the addon's AES-256-GCM and node:crypto's produce one format, so either opens what
// the other sealed; tampering, a wrong uid and a wrong key fail with SEAL and say nothing more.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sealer } from '../../src/store/seal.js';
import { StoreError } from '../../src/store/types.js';
import { codecInfo } from '../../src/ttlv/native.js';

const master = () => randomBytes(32);

describe('Sealer', () => {
  it('uses the addon exactly when it is loaded', () => {
    expect(new Sealer(master()).usesNative).toBe(codecInfo.native);
    expect(new Sealer(master(), { native: false }).usesNative).toBe(false);
  });

  it('native and node:crypto seal to one format: each opens the other, at every size', () => {
    const key = master();
    const a = new Sealer(key);
    const b = new Sealer(key, { native: false });
    for (const n of [0, 1, 15, 16, 17, 32, 112, 4096, 65537]) {
      const plain = randomBytes(n);
      const s1 = a.seal('uid-1', plain);
      const s2 = b.seal('uid-1', plain);
      expect(s1.byteLength).toBe(1 + 12 + n + 16);
      expect(s2.byteLength).toBe(s1.byteLength);
      expect(b.open('uid-1', s1).equals(plain)).toBe(true);
      expect(a.open('uid-1', s2).equals(plain)).toBe(true);
    }
  });

  it('a flipped bit, another uid, another key or a truncated blob fails with SEAL, in both paths', () => {
    const key = master();
    for (const s of [new Sealer(key), new Sealer(key, { native: false })]) {
      const sealed = s.seal('uid-1', Buffer.from('not a real key, test bytes'));
      const fails = (blob: Uint8Array, uid = 'uid-1', with_ = s) => {
        let err: unknown;
        try {
          with_.open(uid, blob);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe('SEAL');
        expect((err as Error).message).not.toMatch(/test bytes/);
      };
      for (const at of [0, 1, 13, sealed.length - 1]) {
        const t = Buffer.from(sealed);
        t[at] ^= 0x01;
        fails(t);
      }
      fails(sealed, 'uid-2');
      fails(sealed, 'uid-1', new Sealer(master()));
      fails(sealed.subarray(0, 20));
    }
  });
});
