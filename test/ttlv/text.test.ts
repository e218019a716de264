// Text values of dense messages (src/ttlv/materialize.ts): when long text fills most of a message, ASCII
// values are substrings of one string of the message; they must read exactly as copied ones would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecInfo, decode, encode } from '../../src/ttlv/index.js';
import type { TtlvItem } from '../../src/ttlv/types.js';
import { indexWordsFor, scanInto } from '../../src/ttlv/scan.js';

const scanners = codecInfo.native ? (['ts', 'native'] as const) : (['ts'] as const);
const text = (value: string): TtlvItem => ({ tag: 0x420094, type: 0x07, value });
const root = (value: TtlvItem[]): TtlvItem => ({ tag: 0x42007b, type: 0x01, value });
const values = (item: TtlvItem): string[] => (item.value as TtlvItem[]).map((c) => (c.type === 0x01 ? values(c) : [String(c.value)])).flat();

describe.each(scanners)('dense text, %s scanner', (scanner) => {
  it('a Locate-like list of identifiers, with short and non-ASCII values among them', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `${i.toString(16).padStart(8, '0')}-5c1e-4b9a-8f6e-0123456789ab`);
    ids[3] = 'short';
    ids[7] = 'clé-ünïcode-ключ-鍵-0123456789';
    ids[8] = '';
    ids[9] = 'é'.repeat(20);
    const msg = root([{ tag: 0x42000d, type: 0x02, value: 1 }, ...ids.map(text), root(ids.slice(0, 40).map(text))]);
    const back = decode(encode(msg), { scanner });
    expect(values(back)).toEqual(['1', ...ids, ...ids.slice(0, 40)]);
  });

  it('an all-ASCII dense list (the scan vouches for the text) and the same with one non-ASCII value', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `id-${String(i).padStart(6, '0')}-0123456789abcdef`);
    expect(values(decode(encode(root(ids.map(text))), { scanner }))).toEqual(ids);
    const mixed = [...ids.slice(0, 99), 'ключ-0123456789abcdef'];
    expect(values(decode(encode(root(mixed.map(text))), { scanner }))).toEqual(mixed);
  });

  it('random dense and sparse text round-trips (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ minLength: 0, maxLength: 60 }), fc.stringMatching(/^[ -~]{13,50}$/), fc.uint8Array({ maxLength: 40 })), { minLength: 1, maxLength: 120 }), (parts) => {
        const items: TtlvItem[] = parts.map((p) => (typeof p === 'string' ? text(p) : { tag: 0x4200c2, type: 0x08, value: p }));
        const back = decode(encode(root(items)), { scanner });
        const got = back.value as TtlvItem[];
        expect(got.length).toBe(parts.length);
        got.forEach((g, i) => expect(g.value).toEqual(parts[i]));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the word after the root end (TS scanner; crate/core/tests/scan_flags.rs for the Rust one)', () => {
  const flag = (item: TtlvItem): number => {
    const bytes = encode(item);
    const index = new Uint32Array(indexWordsFor(bytes.length)).fill(0xffffffff);
    const count = scanInto(bytes, index, 100, 1 << 30, 0);
    expect(index[count * 4]).toBe(bytes.length);
    return index[count * 4 + 1];
  };
  it('is 1 exactly when some text string holds a character outside ASCII', () => {
    expect(flag(root([text('plain ascii text, long enough for words'), text('')]))).toBe(0);
    expect(flag(root([text('plain'), text('clé')]))).toBe(1);
    expect(flag(text('鍵'))).toBe(1);
    expect(flag(root([]))).toBe(0);
  });
});
