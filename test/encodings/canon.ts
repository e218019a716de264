// Comparable form of an item tree: Byte Strings as hex (Buffer vs Uint8Array do not matter), Big
// Integers with their width made explicit (a decoded one always carries it, a parsed one may not).
import { ItemType, type TtlvItem } from '../../src/ttlv/index.js';

export type Canon = { tag: number; type: number; value: unknown; width?: number };

function bigIntWidth(v: bigint): number {
  const bits = (v < 0n ? -v - 1n : v).toString(2).length + 1;
  return Math.ceil(bits / 64) * 8;
}

export function canon(item: TtlvItem): Canon {
  switch (item.type) {
    case ItemType.Structure:
      return { tag: item.tag, type: item.type, value: item.value.map(canon) };
    case ItemType.ByteString:
      return { tag: item.tag, type: item.type, value: Buffer.from(item.value).toString('hex') };
    case ItemType.BigInteger:
      return { tag: item.tag, type: item.type, value: item.value, width: item.byteLength ?? bigIntWidth(item.value) };
    default:
      return { tag: item.tag, type: item.type, value: item.value };
  }
}

/** A string that is equal for equal trees: cheap to compare, canon() only to show a difference. */
export function canonKey(item: TtlvItem): string {
  return JSON.stringify(canon(item), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}
