// Adversarial inputs in one numbered table (W1..), each tied to its class in RELIABILITY.md,
// run through every scanner. Hex is split at tag | type | length | value.
import { describe, expect, it } from 'vitest';
import {
  decode,
  decodePrefix,
  encode,
  fromHex,
  ItemType,
  MAX_DEPTH,
  TtlvError,
  TtlvFramer,
  type TtlvItem,
} from '../../src/ttlv/index.js';
import { SCANNERS } from '../helpers/codecs.js';

interface Case {
  id: string;
  cls: number;
  what: string;
  hex: string;
  code?: string;
  offset?: number;
}

const CASES: Case[] = [
  { id: 'W1', cls: 1, what: 'empty input', hex: '', code: 'TRUNCATED_HEADER', offset: 0 },
  { id: 'W2', cls: 1, what: '7 header bytes', hex: '42 00 20 | 02 | 00 00 00', code: 'TRUNCATED_HEADER', offset: 0 },
  { id: 'W3', cls: 2, what: 'root length 0xFFFFFFFF', hex: '42 00 78 | 01 | FF FF FF FF', code: 'TOO_LARGE', offset: 4 },
  { id: 'W4', cls: 3, what: 'structure says 0x28, 0x20 present', hex: '42 00 20 | 01 | 00 00 00 28 | 42 00 04 05 00 00 00 04 00 00 00 FE 00 00 00 00 42 00 05 02 00 00 00 04 00 00 00 FF 00 00 00 00', code: 'TRUNCATED', offset: 4 },
  { id: 'W5', cls: 3, what: 'text string padding cut short', hex: '42 00 20 | 07 | 00 00 00 03 | 41 42 43 00 00', code: 'TRUNCATED', offset: 4 },
  { id: 'W6', cls: 4, what: 'child crosses its parent end', hex: '42 00 20 | 01 | 00 00 00 10 | 42 00 21 | 08 | 00 00 00 10 | 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00', code: 'OVERRUNS_PARENT', offset: 12 },
  { id: 'W7', cls: 5, what: 'Integer length 5', hex: '42 00 20 | 02 | 00 00 00 05 | 00 00 00 08 00 00 00 00 00 00 00 00', code: 'BAD_LENGTH', offset: 4 },
  { id: 'W8', cls: 5, what: 'Boolean length 4', hex: '42 00 20 | 06 | 00 00 00 04 | 00 00 00 01 00 00 00 00', code: 'BAD_LENGTH', offset: 4 },
  { id: 'W9', cls: 5, what: 'DateTime length 4', hex: '42 00 20 | 09 | 00 00 00 04 | 00 00 00 01 00 00 00 00', code: 'BAD_LENGTH', offset: 4 },
  { id: 'W10', cls: 5, what: 'BigInteger length 0', hex: '42 00 20 | 04 | 00 00 00 00', code: 'BAD_LENGTH', offset: 4 },
  { id: 'W11', cls: 5, what: 'Structure length 0x21', hex: '42 00 20 | 01 | 00 00 00 21 | 00', code: 'BAD_LENGTH', offset: 4 },
  { id: 'W12', cls: 5, what: 'Boolean value 2', hex: '42 00 20 | 06 | 00 00 00 08 | 00 00 00 00 00 00 00 02', code: 'BAD_BOOLEAN', offset: 8 },
  { id: 'W13', cls: 5, what: 'Boolean with a high byte set', hex: '42 00 20 | 06 | 00 00 00 08 | 01 00 00 00 00 00 00 01', code: 'BAD_BOOLEAN', offset: 8 },
  { id: 'W14', cls: 6, what: 'padding counted in a text length (Db2)', hex: '42 00 20 | 07 | 00 00 00 08 | 41 42 43 00 00 00 00 00', code: undefined },
  { id: 'W15', cls: 6, what: 'non-zero Integer padding', hex: '42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 01 00', code: 'NONZERO_PADDING', offset: 14 },
  { id: 'W16', cls: 6, what: 'non-zero text padding', hex: '42 00 20 | 07 | 00 00 00 03 | 41 42 43 00 00 00 00 20', code: 'NONZERO_PADDING', offset: 15 },
  { id: 'W17', cls: 6, what: 'non-zero byte string padding', hex: '42 00 20 | 08 | 00 00 00 01 | FF 01 00 00 00 00 00 00', code: 'NONZERO_PADDING', offset: 9 },
  { id: 'W18', cls: 7, what: 'item type 0x00', hex: '42 00 20 | 00 | 00 00 00 04 | 00 00 00 08 00 00 00 00', code: 'BAD_TYPE', offset: 3 },
  { id: 'W19', cls: 7, what: 'item type 0x0C', hex: '42 00 20 | 0C | 00 00 00 08 | 00 00 00 00 00 00 00 00', code: 'BAD_TYPE', offset: 3 },
  { id: 'W20', cls: 7, what: 'item type 0xFF inside a structure', hex: '42 00 20 | 01 | 00 00 00 08 | 42 00 21 | FF | 00 00 00 00', code: 'BAD_TYPE', offset: 11 },
  { id: 'W21', cls: 7, what: 'tag not 0x42/0x54', hex: '43 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00', code: 'BAD_TAG', offset: 0 },
  { id: 'W22', cls: 12, what: 'invalid UTF-8 (lone continuation byte)', hex: '42 00 20 | 07 | 00 00 00 03 | 41 80 43 00 00 00 00 00', code: 'BAD_UTF8', offset: 9 },
  { id: 'W23', cls: 12, what: 'UTF-8 surrogate (ED A0 80)', hex: '42 00 20 | 07 | 00 00 00 03 | ED A0 80 00 00 00 00 00', code: 'BAD_UTF8', offset: 8 },
  { id: 'W24', cls: 12, what: 'overlong UTF-8 (C0 AF)', hex: '42 00 20 | 07 | 00 00 00 02 | C0 AF 00 00 00 00 00 00', code: 'BAD_UTF8', offset: 8 },
  { id: 'W25', cls: 12, what: 'UTF-8 cut inside a sequence', hex: '42 00 20 | 07 | 00 00 00 02 | 41 E2 00 00 00 00 00 00', code: 'BAD_UTF8', offset: 9 },
  { id: 'W26', cls: 13, what: '24 bytes after the root (PyKMIP #100)', hex: '42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00 | 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00', code: 'TRAILING_BYTES', offset: 16 },
  { id: 'W27', cls: 11, what: 'Integer -1', hex: '42 00 20 | 02 | 00 00 00 04 | FF FF FF FF 00 00 00 00' },
  { id: 'W28', cls: 11, what: 'LongInteger above 2^53', hex: '42 00 20 | 03 | 00 00 00 08 | 00 20 00 00 00 00 00 01' },
  { id: 'W29', cls: 11, what: 'BigInteger with extra sign bytes', hex: '42 00 20 | 04 | 00 00 00 10 | FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FE' },
  { id: 'W30', cls: 16, what: 'vendor extension tag and enumeration extension', hex: '54 00 01 | 05 | 00 00 00 04 | 80 00 00 01 00 00 00 00' },
];

const VALUES: Record<string, unknown> = {
  W14: 'ABC\0\0\0\0\0',
  W27: -1,
  W28: 9007199254740993n,
  W29: -2n,
  W30: 0x80000001,
};

describe.each(SCANNERS)('adversarial table, %s scanner', (scanner) => {
  it.each(CASES.map((c) => [`${c.id} (class ${c.cls}) ${c.what}`, c] as const))('%s', (_n, c) => {
    const bytes = fromHex(c.hex);
    if (!c.code) {
      const item = decode(bytes, { scanner });
      expect(item.value).toEqual(VALUES[c.id]);
      expect(Buffer.from(encode(item)).equals(Buffer.from(bytes))).toBe(true);
      return;
    }
    let err: unknown;
    try {
      decode(bytes, { scanner });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TtlvError);
    expect((err as TtlvError).code).toBe(`ERR_TTLV_${c.code}`);
    expect((err as TtlvError).offset).toBe(c.offset);
  });

  it('class 9: 10,000 nested structures fail past the depth cap without a stack overflow', () => {
    const n = 10_000;
    const bytes = new Uint8Array(8 * n);
    for (let i = 0; i < n; i++) {
      const len = 8 * (n - i - 1);
      bytes.set([0x42, 0x00, 0x01, 0x01, len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff], 8 * i);
    }
    expect(() => decode(bytes, { scanner })).toThrow(expect.objectContaining({ code: 'ERR_TTLV_TOO_DEEP', offset: 8 * MAX_DEPTH }));
    // Exactly at the cap is fine.
    expect(() => decode(bytes.subarray(8 * (n - MAX_DEPTH)), { scanner })).not.toThrow();
    expect(() => decode(bytes.subarray(8 * (n - MAX_DEPTH - 1)), { scanner })).toThrow(TtlvError);
  });

  it('class 2: maxSize is enforced on the root header', () => {
    const item: TtlvItem = { tag: 0x420078, type: ItemType.ByteString, value: new Uint8Array(100) };
    const bytes = encode(item);
    expect(() => decode(bytes, { scanner, maxSize: 64 })).toThrow(expect.objectContaining({ code: 'ERR_TTLV_TOO_LARGE', offset: 4 }));
    expect(decode(bytes, { scanner, maxSize: 108 }).type).toBe(ItemType.ByteString);
  });

  it('class 13: trailing bytes are accepted only when asked', () => {
    const bytes = fromHex('42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00 | 42 00 20 | 02');
    expect(() => decode(bytes, { scanner })).toThrow(expect.objectContaining({ code: 'ERR_TTLV_TRAILING_BYTES' }));
    expect(decode(bytes, { scanner, allowTrailing: true }).value).toBe(8);
    expect(decodePrefix(bytes, { scanner }).length).toBe(16);
  });

  it('class 12: non-ASCII text round-trips with its UTF-8 byte length', () => {
    const value = 'clé-🔑-ключ';
    const bytes = encode({ tag: 0x420055, type: ItemType.TextString, value });
    expect(bytes.readUInt32BE(4)).toBe(Buffer.byteLength(value));
    expect(decode(bytes, { scanner }).value).toBe(value);
  });
});

describe('class 10: batch bombs stay bounded by size', () => {
  it('a declared million-item batch is refused on its header by the framer', () => {
    const framer = new TtlvFramer({ maxSize: 1 << 20 });
    // 1,000,000 items of 16 bytes: 16 MB declared, more than the 1 MiB cap.
    const header = fromHex('42 00 78 | 01 | 00 F4 24 00');
    expect(() => framer.push(header)).toThrow(expect.objectContaining({ code: 'ERR_TTLV_TOO_LARGE', offset: 4 }));
    expect(framer.pending).toBe(0);
  });
});

describe('class 11: encoder range checks', () => {
  const bad: [string, TtlvItem][] = [
    ['Integer 2^31', { tag: 0x420020, type: ItemType.Integer, value: 2 ** 31 }],
    ['Integer 1.5', { tag: 0x420020, type: ItemType.Integer, value: 1.5 }],
    ['Enumeration -1', { tag: 0x420020, type: ItemType.Enumeration, value: -1 }],
    ['LongInteger 2^63', { tag: 0x420020, type: ItemType.LongInteger, value: 1n << 63n }],
    ['LongInteger as number', { tag: 0x420020, type: ItemType.LongInteger, value: 5 as unknown as bigint }],
    ['BigInteger too narrow', { tag: 0x420020, type: ItemType.BigInteger, value: 1n << 70n, byteLength: 8 }],
    ['lone surrogate', { tag: 0x420020, type: ItemType.TextString, value: '\ud800' }],
    ['tag 0x430000', { tag: 0x430000, type: ItemType.Integer, value: 1 }],
    ['unknown type', { tag: 0x420020, type: 0x0c, value: 1 } as unknown as TtlvItem],
  ];
  it.each(bad)('%s is INVALID_VALUE', (_n, item) => {
    expect(() => encode(item)).toThrow(expect.objectContaining({ code: 'ERR_TTLV_INVALID_VALUE' }));
  });
  it('BigInteger widths: minimal, and kept when given', () => {
    expect(encode({ tag: 0x420020, type: ItemType.BigInteger, value: 128n }).readUInt32BE(4)).toBe(8);
    expect(encode({ tag: 0x420020, type: ItemType.BigInteger, value: -(1n << 63n) }).readUInt32BE(4)).toBe(8);
    expect(encode({ tag: 0x420020, type: ItemType.BigInteger, value: 1n << 63n }).readUInt32BE(4)).toBe(16);
    expect(encode({ tag: 0x420020, type: ItemType.BigInteger, value: 1n, byteLength: 24 }).readUInt32BE(4)).toBe(24);
  });
  it('an error never quotes the value', () => {
    const secret = 'topsecret-material';
    try {
      encode({ tag: 0x420020, type: ItemType.ByteString, value: secret as unknown as Uint8Array });
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
      return;
    }
    expect.unreachable('encode accepted a string as a ByteString');
  });
});
