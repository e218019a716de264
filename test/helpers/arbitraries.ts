// fast-check generators for TTLV item trees, shared by the codec and encoding property tests.
import fc from 'fast-check';
import { ItemType, type TtlvItem } from '../../src/ttlv/index.js';

/** Runs per property: at least 10,000 in CI (the default); KMIPKIT_FC_RUNS lowers it for quick loops. */
export const RUNS = Number(process.env.KMIPKIT_FC_RUNS ?? 10_000);

const INT64 = { min: -(1n << 63n), max: (1n << 63n) - 1n };

export const tagArb = fc.oneof(
  fc.integer({ min: 0x420001, max: 0x420160 }),
  fc.integer({ min: 0x540000, max: 0x54ffff }),
);

export function leafArb(tag: fc.Arbitrary<number> = tagArb): fc.Arbitrary<TtlvItem> {
  return fc.oneof(
    fc.record({ tag, type: fc.constant(ItemType.Integer), value: fc.integer({ min: -0x80000000, max: 0x7fffffff }) }),
    fc.record({ tag, type: fc.constant(ItemType.LongInteger), value: fc.bigInt(INT64) }),
    fc.record({ tag, type: fc.constant(ItemType.BigInteger), value: fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }) }),
    fc.record({ tag, type: fc.constant(ItemType.Enumeration), value: fc.nat({ max: 0xffffffff }) }),
    fc.record({ tag, type: fc.constant(ItemType.Boolean), value: fc.boolean() }),
    fc.record({ tag, type: fc.constant(ItemType.TextString), value: fc.string({ unit: 'binary', maxLength: 40 }) }),
    fc.record({ tag, type: fc.constant(ItemType.ByteString), value: fc.uint8Array({ maxLength: 40 }) }),
    fc.record({ tag, type: fc.constant(ItemType.DateTime), value: fc.bigInt(INT64) }),
    fc.record({ tag, type: fc.constant(ItemType.Interval), value: fc.nat({ max: 0xffffffff }) }),
    fc.record({ tag, type: fc.constant(ItemType.DateTimeExtended), value: fc.bigInt(INT64) }),
  ) as fc.Arbitrary<TtlvItem>;
}

export function treeArb(leaf: fc.Arbitrary<TtlvItem> = leafArb(), tag: fc.Arbitrary<number> = tagArb): fc.Arbitrary<TtlvItem> {
  const { tree } = fc.letrec<{ tree: TtlvItem }>((self) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({
        tag,
        type: fc.constant(ItemType.Structure),
        value: fc.array(self('tree'), { maxLength: 6 }),
      }) as fc.Arbitrary<TtlvItem>,
    ),
  }));
  return tree;
}

/** A decoded BigInteger carries its wire width; drop it to compare with a generated tree. */
export function withoutWidths(item: TtlvItem): TtlvItem {
  if (item.type === ItemType.Structure) return { ...item, value: item.value.map(withoutWidths) };
  if (item.type === ItemType.BigInteger) return { tag: item.tag, type: item.type, value: item.value };
  return item;
}
