// AES key wrap (RFC 3394) and with padding (RFC 5649) through both backends: the RFC vectors,
// random agreement with node:crypto's id-aes*-wrap(-pad) called directly, tampering, bad lengths.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesKeyWrap } from '../../src/crypto/keywrap.js';
import { nativeCrypto, type CryptoBackend } from '../../src/crypto/backend.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const KEK128 = '000102030405060708090A0B0C0D0E0F';
const KEK192 = '000102030405060708090A0B0C0D0E0F1011121314151617';
const KEK256 = '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F';

/** RFC 3394 section 4.1 to 4.6: (KEK, key data, wrapped). */
const RFC3394: [string, string, string][] = [
  [KEK128, '00112233445566778899AABBCCDDEEFF', '1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5'],
  [KEK192, '00112233445566778899AABBCCDDEEFF', '96778B25AE6CA435 F92B5B97C050AED2 468AB8A17AD84E5D'],
  [KEK256, '00112233445566778899AABBCCDDEEFF', '64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7'],
  [KEK192, '00112233445566778899AABBCCDDEEFF0001020304050607', '031D33264E15D332 68F24EC260743EDC E1C6C7DDEE725A93 6BA814915C6762D2'],
  [KEK256, '00112233445566778899AABBCCDDEEFF0001020304050607', 'A8F9BC1612C68B3F F6E6F4FBE30E71E4 769C8B80A32CB895 8CD5D17D6B254DA1'],
  [KEK256, '00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F', '28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21'],
];

/** RFC 5649 section 6. */
const RFC5649: [string, string, string][] = [
  ['5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8', 'c37b7e6492584340 bed1220780894115 5068f738', '138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a'],
  ['5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8', '466f7250617369', 'afbeb0f07dfbf541 9200f2ccb50bb24f'],
];

function nodeWrap(kek: Buffer, data: Buffer, padded: boolean): Buffer {
  const iv = padded ? hex('a65959a6') : hex('a6a6a6a6a6a6a6a6');
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap${padded ? '-pad' : ''}`, kek, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

function nodeUnwrap(kek: Buffer, data: Buffer, padded: boolean): Buffer {
  const iv = padded ? hex('a65959a6') : hex('a6a6a6a6a6a6a6a6');
  const d = createDecipheriv(`id-aes${kek.length * 8}-wrap${padded ? '-pad' : ''}`, kek, iv);
  return Buffer.concat([d.update(data), d.final()]);
}

const backends: CryptoBackend[] = nativeCrypto ? ['native', 'node'] : ['node'];

describe.each(backends)('AES key wrap, %s backend', (backend) => {
  it('matches the RFC 3394 vectors', () => {
    for (const [kek, data, wrapped] of RFC3394.map((v) => v.map(hex))) {
      const w = new AesKeyWrap(kek, { backend });
      expect(w.wrap(data).toString('hex')).toBe(wrapped.toString('hex'));
      expect(w.unwrap(wrapped)?.toString('hex')).toBe(data.toString('hex'));
    }
  });

  it('matches the RFC 5649 vectors', () => {
    for (const [kek, data, wrapped] of RFC5649.map((v) => v.map(hex))) {
      const w = new AesKeyWrap(kek, { backend });
      expect(w.wrapPadded(data).toString('hex')).toBe(wrapped.toString('hex'));
      expect(w.unwrapPadded(wrapped)?.toString('hex')).toBe(data.toString('hex'));
    }
  });

  it('agrees with node:crypto on random KEKs and key lengths', () => {
    for (let i = 0; i < 150; i++) {
      const kek = randomBytes([16, 24, 32][i % 3]);
      const w = new AesKeyWrap(kek, { backend });
      const kw = randomBytes(16 + 8 * (i % 12));
      const wrapped = w.wrap(kw);
      expect(wrapped.equals(nodeWrap(kek, kw, false))).toBe(true);
      expect(nodeUnwrap(kek, wrapped, false).equals(kw)).toBe(true);
      expect(w.unwrap(wrapped)?.equals(kw)).toBe(true);
      const kwp = randomBytes(1 + (i % 70));
      const wrappedP = w.wrapPadded(kwp);
      expect(wrappedP.equals(nodeWrap(kek, kwp, true))).toBe(true);
      expect(nodeUnwrap(kek, wrappedP, true).equals(kwp)).toBe(true);
      expect(w.unwrapPadded(wrappedP)?.equals(kwp)).toBe(true);
    }
  });

  it('returns null when the integrity check fails', () => {
    const kek = randomBytes(32);
    const w = new AesKeyWrap(kek, { backend });
    const key = randomBytes(32);
    for (const [wrapped, open] of [
      [w.wrap(key), (b: Buffer) => w.unwrap(b)],
      [w.wrapPadded(key.subarray(0, 20)), (b: Buffer) => w.unwrapPadded(b)],
      [w.wrapPadded(key.subarray(0, 5)), (b: Buffer) => w.unwrapPadded(b)],
    ] as const) {
      for (const at of [0, 7, wrapped.length - 1]) {
        const bad = Buffer.from(wrapped);
        bad[at] ^= 0x10;
        expect(open(bad)).toBeNull();
      }
      expect(new AesKeyWrap(randomBytes(32), { backend }).unwrap(w.wrap(key))).toBeNull();
    }
    // A KW blob is not a KWP blob and the reverse.
    expect(w.unwrapPadded(w.wrap(key))).toBeNull();
    expect(w.unwrap(w.wrapPadded(key))).toBeNull();
  });

  it('throws RangeError on lengths the modes do not take', () => {
    expect(() => new AesKeyWrap(Buffer.alloc(8), { backend })).toThrow(RangeError);
    const w = new AesKeyWrap(Buffer.alloc(32), { backend });
    expect(() => w.wrap(Buffer.alloc(8))).toThrow(RangeError);
    expect(() => w.wrap(Buffer.alloc(17))).toThrow(RangeError);
    expect(() => w.wrapPadded(Buffer.alloc(0))).toThrow(RangeError);
    expect(() => w.unwrap(Buffer.alloc(16))).toThrow(RangeError);
    expect(() => w.unwrap(Buffer.alloc(25))).toThrow(RangeError);
    expect(() => w.unwrapPadded(Buffer.alloc(8))).toThrow(RangeError);
    expect(() => w.unwrapPadded(Buffer.alloc(20))).toThrow(RangeError);
  });
});
