// The addon's encodeTree against the TS encoder: the same bytes for every valid tree, and the same
// accept/reject decision (and error code) for every input, valid or not. Runs when the addon loads.
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecInfo, encode, ItemType, MAX_DEPTH, type TtlvItem } from '../../src/ttlv/index.js';
import { nativeBinding } from '../../src/ttlv/native.js';
import { leafArb, RUNS, tagArb, treeArb } from '../helpers/arbitraries.js';

const INVALID = 'ERR_TTLV_INVALID_VALUE';
const TOO_DEEP = 'ERR_TTLV_ENCODE_TOO_DEEP';

function encodeTree(item: unknown, maxDepth = MAX_DEPTH): Buffer {
  // A loaded addon without the export is a stale build: fail, do not skip.
  if (typeof nativeBinding?.encodeTree !== 'function') throw new Error('addon has no encodeTree: rebuild it');
  return nativeBinding.encodeTree(item as object, maxDepth);
}

/** What an encoder made of `item`: the hex it wrote, or the code of what it threw. */
function outcome(f: () => Buffer): string {
  try {
    return `ok ${f().toString('hex')}`;
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    return `throws ${String(err.code ?? err.message)}`;
  }
}

const both = (item: unknown, maxDepth = MAX_DEPTH) => ({
  ts: outcome(() => encode(item as TtlvItem, { maxDepth })),
  native: outcome(() => encodeTree(item, maxDepth)),
});

/** Same decision and code. Where encode() trips on a Node limit instead (a root BigInteger whose
 *  byteLength is past Buffer.alloc's maximum: ERR_OUT_OF_RANGE), encodeTree must reject too. */
function expectAgree(item: unknown, maxDepth: number): void {
  const r = both(item, maxDepth);
  if (r.ts.startsWith('throws ') && !r.ts.startsWith('throws ERR_TTLV_')) expect(r.native).toMatch(/^throws ERR_TTLV_/);
  else expect(r.native).toBe(r.ts);
}

const T = 0x420020;
const S = (value: unknown, tag = T) => ({ tag, type: ItemType.Structure, value });
const nested = (levels: number, leaf: unknown = { tag: T, type: ItemType.Integer, value: 1 }): unknown =>
  levels === 0 ? leaf : S([nested(levels - 1, leaf)]);

/** Anything an item's fields might hold, right or wrong. */
const looseValueArb = fc.oneof(
  fc.anything(),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(1n << 80n), max: 1n << 80n }),
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 20 }),
  fc.int8Array({ maxLength: 4 }),
);

/** Items with fields of any kind: mostly invalid, exercising every check of the encoder. */
const looseItemArb: fc.Arbitrary<unknown> = fc.letrec<{ item: unknown }>((self) => ({
  item: fc.oneof(
    { depthSize: 'small' },
    fc.record(
      {
        tag: fc.oneof(
          { arbitrary: tagArb, weight: 8 },
          fc.constantFrom(0, 0x42, 0x430000, 0x1420000, -0x420000, 0x420020 + 0.5, NaN),
          fc.anything(),
        ),
        type: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 11 }), weight: 8 }, fc.constantFrom(0, 12, 2.5, '2', 2n), fc.anything()),
        value: looseValueArb,
        // Never a large valid width: both encoders would allocate it (2^40 is past any allocation).
        byteLength: fc.oneof(
          fc.integer({ min: -16, max: 64 }),
          fc.double({ min: -100, max: 100 }),
          fc.constantFrom(NaN, Infinity, -0, 8.5, 2 ** 40, 1e300, '16', null, undefined, 16n),
        ),
      },
      { requiredKeys: ['tag', 'type', 'value'] },
    ),
    fc.record({ tag: tagArb, type: fc.constant(ItemType.Structure), value: fc.array(self('item'), { maxLength: 4 }) }),
    leafArb(),
    fc.anything(),
  ),
})).item;

describe.runIf(codecInfo.native)('native encodeTree', () => {
  it('is exported by the loaded addon', () => {
    expect(typeof nativeBinding?.encodeTree).toBe('function');
  });

  it('writes the bytes encode() writes, for any tree', () => {
    fc.assert(
      fc.property(treeArb(), (tree) => {
        expect(encodeTree(tree).toString('hex')).toBe(encode(tree).toString('hex'));
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps BigInteger widths as encode() does, given or not', () => {
    const big = fc.record({
      tag: tagArb,
      type: fc.constant(ItemType.BigInteger),
      value: fc.oneof(
        fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
        fc.constantFrom(0n, -1n, 1n << 63n, -(1n << 63n), -(1n << 63n) - 1n, 1n << 64n, -(1n << 64n), -(1n << 128n)),
      ),
      byteLength: fc.option(fc.oneof(fc.integer({ min: 0, max: 6 }).map((n) => n * 8), fc.integer({ min: -8, max: 48 })), {
        nil: undefined,
      }),
    });
    fc.assert(
      fc.property(big, (item) => expectAgree(item, MAX_DEPTH)),
      { numRuns: RUNS },
    );
  });

  it('accepts and rejects what encode() does, with the same code, for anything', () => {
    fc.assert(
      fc.property(looseItemArb, fc.integer({ min: 0, max: 6 }), (item, maxDepth) => expectAgree(item, maxDepth)),
      { numRuns: RUNS },
    );
  });

  describe('class 11: encoder range checks, through both encoders', () => {
    const otherRealm = runInNewContext('new Uint8Array(4)') as Uint8Array;
    const sparse = S([]) as { value: unknown[] };
    sparse.value.length = 2;
    const cyclic = S([]) as { value: unknown[] };
    cyclic.value.push(cyclic);
    const bad: [string, unknown, number, string][] = [
      ['Integer 2^31', { tag: T, type: ItemType.Integer, value: 2 ** 31 }, MAX_DEPTH, INVALID],
      ['Integer 1.5', { tag: T, type: ItemType.Integer, value: 1.5 }, MAX_DEPTH, INVALID],
      ['Integer NaN', { tag: T, type: ItemType.Integer, value: NaN }, MAX_DEPTH, INVALID],
      ['Integer as string', { tag: T, type: ItemType.Integer, value: '1' }, MAX_DEPTH, INVALID],
      ['Integer as bigint', { tag: T, type: ItemType.Integer, value: 1n }, MAX_DEPTH, INVALID],
      ['Enumeration -1', { tag: T, type: ItemType.Enumeration, value: -1 }, MAX_DEPTH, INVALID],
      ['Enumeration 2^32', { tag: T, type: ItemType.Enumeration, value: 2 ** 32 }, MAX_DEPTH, INVALID],
      ['Interval Infinity', { tag: T, type: ItemType.Interval, value: Infinity }, MAX_DEPTH, INVALID],
      ['LongInteger 2^63', { tag: T, type: ItemType.LongInteger, value: 1n << 63n }, MAX_DEPTH, INVALID],
      ['DateTime -2^63 - 1', { tag: T, type: ItemType.DateTime, value: -(1n << 63n) - 1n }, MAX_DEPTH, INVALID],
      ['LongInteger as number', { tag: T, type: ItemType.LongInteger, value: 5 }, MAX_DEPTH, INVALID],
      ['Boolean as number', { tag: T, type: ItemType.Boolean, value: 1 }, MAX_DEPTH, INVALID],
      ['BigInteger as number', { tag: T, type: ItemType.BigInteger, value: 5 }, MAX_DEPTH, INVALID],
      ['BigInteger too narrow', { tag: T, type: ItemType.BigInteger, value: 1n << 70n, byteLength: 8 }, MAX_DEPTH, INVALID],
      ['BigInteger -2^63 - 1 in 8', { tag: T, type: ItemType.BigInteger, value: -(1n << 63n) - 1n, byteLength: 8 }, MAX_DEPTH, INVALID],
      ['BigInteger byteLength 12', { tag: T, type: ItemType.BigInteger, value: 1n, byteLength: 12 }, MAX_DEPTH, INVALID],
      ['BigInteger byteLength 0', { tag: T, type: ItemType.BigInteger, value: 0n, byteLength: 0 }, MAX_DEPTH, INVALID],
      ['BigInteger byteLength null', { tag: T, type: ItemType.BigInteger, value: 1n, byteLength: null }, MAX_DEPTH, INVALID],
      ['BigInteger byteLength "16"', { tag: T, type: ItemType.BigInteger, value: 1n, byteLength: '16' }, MAX_DEPTH, INVALID],
      ['BigInteger byteLength 2^40 in a structure', S([{ tag: T, type: ItemType.BigInteger, value: 1n, byteLength: 2 ** 40 }]), MAX_DEPTH, INVALID],
      ['lone surrogate', { tag: T, type: ItemType.TextString, value: '\ud800' }, MAX_DEPTH, INVALID],
      ['lone low surrogate', { tag: T, type: ItemType.TextString, value: 'x\udc00y' }, MAX_DEPTH, INVALID],
      ['high surrogate at the end of a long string', { tag: T, type: ItemType.TextString, value: 'a'.repeat(300) + '\ud83d' }, MAX_DEPTH, INVALID],
      ['TextString as number', { tag: T, type: ItemType.TextString, value: 7 }, MAX_DEPTH, INVALID],
      ['ByteString as string', { tag: T, type: ItemType.ByteString, value: 'topsecret' }, MAX_DEPTH, INVALID],
      ['ByteString as array', { tag: T, type: ItemType.ByteString, value: [1, 2] }, MAX_DEPTH, INVALID],
      ['ByteString as ArrayBuffer', { tag: T, type: ItemType.ByteString, value: new ArrayBuffer(4) }, MAX_DEPTH, INVALID],
      ['ByteString as Int8Array', { tag: T, type: ItemType.ByteString, value: new Int8Array(4) }, MAX_DEPTH, INVALID],
      ['ByteString as Uint8ClampedArray', { tag: T, type: ItemType.ByteString, value: new Uint8ClampedArray(4) }, MAX_DEPTH, INVALID],
      ['ByteString as DataView', { tag: T, type: ItemType.ByteString, value: new DataView(new ArrayBuffer(4)) }, MAX_DEPTH, INVALID],
      ['ByteString: Uint8Array of another realm', { tag: T, type: ItemType.ByteString, value: otherRealm }, MAX_DEPTH, INVALID],
      ['Structure of an object', { tag: T, type: ItemType.Structure, value: { 0: 1, length: 1 } }, MAX_DEPTH, INVALID],
      ['Structure of a string', { tag: T, type: ItemType.Structure, value: 'ab' }, MAX_DEPTH, INVALID],
      ['child null', S([null]), MAX_DEPTH, INVALID],
      ['child a number', S([5]), MAX_DEPTH, INVALID],
      ['child an array', S([[T, 2, 1]]), MAX_DEPTH, INVALID],
      ['child a hole', sparse, MAX_DEPTH, INVALID],
      ['tag 0x430000', { tag: 0x430000, type: ItemType.Integer, value: 1 }, MAX_DEPTH, INVALID],
      ['tag 0x42', { tag: 0x42, type: ItemType.Integer, value: 1 }, MAX_DEPTH, INVALID],
      ['tag 0x1420000', { tag: 0x1420000, type: ItemType.Integer, value: 1 }, MAX_DEPTH, INVALID],
      ['tag 0x420020.5', { tag: T + 0.5, type: ItemType.Integer, value: 1 }, MAX_DEPTH, INVALID],
      ['tag as string', { tag: '0x420020', type: ItemType.Integer, value: 1 }, MAX_DEPTH, INVALID],
      ['tag missing', { type: ItemType.Integer, value: 1 }, MAX_DEPTH, INVALID],
      ['unknown type', { tag: T, type: 0x0c, value: 1 }, MAX_DEPTH, INVALID],
      ['type 0', { tag: T, type: 0, value: 1 }, MAX_DEPTH, INVALID],
      ['type as string', { tag: T, type: '2', value: 1 }, MAX_DEPTH, INVALID],
      ['type as bigint', { tag: T, type: 2n, value: 1 }, MAX_DEPTH, INVALID],
      ['item null', null, MAX_DEPTH, INVALID],
      ['item a number', 5, MAX_DEPTH, INVALID],
      ['item a function', () => 1, MAX_DEPTH, INVALID],
      ['maxDepth 0', { tag: T, type: ItemType.Integer, value: 1 }, 0, TOO_DEEP],
      ['3 structures under maxDepth 3', nested(3), 3, TOO_DEEP],
      ['a bad leaf below the limit is too deep first', nested(3, { tag: 1, type: 2, value: 1 }), 3, TOO_DEEP],
      ['a non-object below the limit is invalid first', nested(3, 7), 3, INVALID],
      ['invalid before too deep', S([{ tag: T, type: 2, value: 1.5 }, nested(5)]), 3, INVALID],
      ['too deep before invalid', S([nested(5), { tag: T, type: 2, value: 1.5 }]), 3, TOO_DEEP],
      ['too deep after an oversized BigInteger', S([{ tag: T, type: 4, value: 1n, byteLength: 2 ** 40 }, nested(5)]), 3, TOO_DEEP],
      ['a structure containing itself', cyclic, MAX_DEPTH, TOO_DEEP],
    ];
    it.each(bad)('%s', (_n, item, maxDepth, code) => {
      expect(both(item, maxDepth)).toEqual({ ts: `throws ${code}`, native: `throws ${code}` });
    });

    class Sub extends Uint8Array {}
    const pool = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const proto = { get value() { return 42; } };
    const good: [string, unknown, number][] = [
      ['Integer -0', { tag: T, type: ItemType.Integer, value: -0 }, MAX_DEPTH],
      ['Integer 2^31 - 1 and -2^31', S([{ tag: T, type: 2, value: 2 ** 31 - 1 }, { tag: T, type: 2, value: -(2 ** 31) }]), MAX_DEPTH],
      ['Enumeration 2^32 - 1', { tag: T, type: ItemType.Enumeration, value: 2 ** 32 - 1 }, MAX_DEPTH],
      ['BigInteger widths', S([0n, -1n, 127n, 128n, 1n << 63n, -(1n << 63n), -(1n << 63n) - 1n, -(1n << 64n), (1n << 64n) - 1n].map((value) => ({ tag: T, type: 4, value }))), MAX_DEPTH],
      ['BigInteger byteLength kept', { tag: T, type: ItemType.BigInteger, value: -2n, byteLength: 24 }, MAX_DEPTH],
      ['BigInteger byteLength undefined', { tag: T, type: ItemType.BigInteger, value: 5n, byteLength: undefined }, MAX_DEPTH],
      ['text with a real U+FFFD, an emoji, and nothing', S(['\ufffd', 'a\u{1f600}b', '', 'é'.repeat(200)].map((value) => ({ tag: T, type: 7, value }))), MAX_DEPTH],
      ['ByteString: Buffer, subclass, offset view, empty', S([Buffer.from('abc'), new Sub([1, 2, 3]), pool.subarray(3, 12), new Uint8Array(0)].map((value) => ({ tag: T, type: 8, value }))), MAX_DEPTH],
      ['Structure of a proxy of an array', S(new Proxy([{ tag: T, type: 2, value: 3 }], {})), MAX_DEPTH],
      ['fields from a prototype getter', Object.assign(Object.create(proto), { tag: T, type: ItemType.Integer }), MAX_DEPTH],
      ['tags 0x54xxxx', { tag: 0x54ffff, type: ItemType.Boolean, value: false }, MAX_DEPTH],
      ['exactly maxDepth deep', nested(2), 3],
      ['maxDepth Infinity', nested(100), Infinity],
      ['maxDepth NaN (no limit, as in encode())', nested(100), NaN],
      ['maxDepth 2.5', nested(1), 2.5],
    ];
    it.each(good)('accepts %s with the same bytes', (_n, item, maxDepth) => {
      const r = both(item, maxDepth);
      expect(r.ts).toMatch(/^ok /);
      expect(r.native).toBe(r.ts);
    });

    it('a root BigInteger wider than any Buffer: encode() hits Buffer.alloc, encodeTree says INVALID_VALUE', () => {
      const item = { tag: T, type: ItemType.BigInteger, value: 1n, byteLength: 2 ** 40 };
      expect(both(item)).toEqual({ ts: 'throws ERR_OUT_OF_RANGE', native: `throws ${INVALID}` });
    });

    it('a getter that throws propagates from both', () => {
      const item = { tag: T, type: ItemType.Integer, get value(): number { throw new Error('getter says no'); } };
      expect(both(item)).toEqual({ ts: 'throws getter says no', native: 'throws getter says no' });
    });

    it('an error never quotes the value, and says where it is from', () => {
      const secret = 'topsecret-material';
      try {
        encodeTree({ tag: T, type: ItemType.ByteString, value: secret });
      } catch (e) {
        const err = e as Error & { code: string; errno: number };
        expect(err).toBeInstanceOf(Error);
        expect(err.message).not.toContain(secret);
        expect(err.message).toContain('ByteString at tag 0x420020');
        expect([err.code, err.errno]).toEqual([INVALID, 32]);
        return;
      }
      expect.unreachable('encodeTree accepted a string as a ByteString');
    });
  });
});
