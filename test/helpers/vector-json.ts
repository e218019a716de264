// Converts between our item tree and the value conventions of ttlv-spec-vectors.json.
import { ItemType, ITEM_TYPE_NAMES, type TtlvItem } from '../../src/ttlv/index.js';

export interface VectorItem {
  tag: string;
  type: string;
  value: unknown;
}

export function toVectorJson(item: TtlvItem): VectorItem {
  const tag = item.tag.toString(16).toUpperCase().padStart(6, '0');
  const type = ITEM_TYPE_NAMES[item.type]!;
  switch (item.type) {
    case ItemType.Structure:
      return { tag, type, value: item.value.map(toVectorJson) };
    case ItemType.LongInteger:
    case ItemType.BigInteger:
    case ItemType.DateTime:
    case ItemType.DateTimeExtended:
      return { tag, type, value: item.value.toString() };
    case ItemType.ByteString:
      return { tag, type, value: Buffer.from(item.value).toString('hex').toUpperCase() };
    default:
      return { tag, type, value: item.value };
  }
}

/** Drops the `name` annotations the vector file carries on decoded trees. */
export function stripNames(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNames);
  if (v && typeof v === 'object') {
    const { name: _name, ...rest } = v as Record<string, unknown>;
    return Object.fromEntries(Object.entries(rest).map(([k, x]) => [k, stripNames(x)]));
  }
  return v;
}
