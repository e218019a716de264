// Small builders and readers for TTLV item trees, so that payload code reads like the spec tables.
import { ItemType, type StructureItem, type TtlvItem } from '../ttlv/types.js';
import { KmipError } from './errors.js';
import { ResultReason } from '../dict/index.js';
import { tagName } from './names.js';

export const struct = (tag: number, value: (TtlvItem | undefined)[]): StructureItem => ({
  tag,
  type: ItemType.Structure,
  value: value.filter((v): v is TtlvItem => v !== undefined),
});
export const int = (tag: number, value: number): TtlvItem => ({ tag, type: ItemType.Integer, value });
export const long = (tag: number, value: bigint): TtlvItem => ({ tag, type: ItemType.LongInteger, value });
export const enm = (tag: number, value: number): TtlvItem => ({ tag, type: ItemType.Enumeration, value });
export const bool = (tag: number, value: boolean): TtlvItem => ({ tag, type: ItemType.Boolean, value });
export const text = (tag: number, value: string): TtlvItem => ({ tag, type: ItemType.TextString, value });
export const bytes = (tag: number, value: Uint8Array): TtlvItem => ({ tag, type: ItemType.ByteString, value });
/** Date Time from milliseconds (the wire keeps whole seconds). */
export const date = (tag: number, ms: number): TtlvItem => ({ tag, type: ItemType.DateTime, value: BigInt(Math.floor(ms / 1000)) });
export const interval = (tag: number, value: number): TtlvItem => ({ tag, type: ItemType.Interval, value });

export function children(item: TtlvItem, tag: number): TtlvItem[] {
  return item.type === ItemType.Structure ? item.value.filter((c) => c.tag === tag) : [];
}

export function child(item: TtlvItem | undefined, tag: number): TtlvItem | undefined {
  if (!item || item.type !== ItemType.Structure) return undefined;
  for (const c of item.value) if (c.tag === tag) return c;
  return undefined;
}

function wrongType(item: TtlvItem, expected: string): never {
  throw new KmipError(ResultReason.InvalidField, `${tagName(item.tag)} must be ${expected}`);
}

function missing(parent: TtlvItem, tag: number): never {
  throw new KmipError(ResultReason.InvalidField, `${tagName(parent.tag)} needs ${tagName(tag)}`);
}

/** Typed readers: undefined when absent, Invalid Field when present with the wrong item type. */
export const read = {
  struct(item: TtlvItem | undefined): StructureItem | undefined {
    if (item === undefined) return undefined;
    return item.type === ItemType.Structure ? item : wrongType(item, 'a Structure');
  },
  text(item: TtlvItem | undefined): string | undefined {
    if (item === undefined) return undefined;
    return item.type === ItemType.TextString ? item.value : wrongType(item, 'a Text String');
  },
  bytes(item: TtlvItem | undefined): Uint8Array | undefined {
    if (item === undefined) return undefined;
    return item.type === ItemType.ByteString ? item.value : wrongType(item, 'a Byte String');
  },
  int(item: TtlvItem | undefined): number | undefined {
    if (item === undefined) return undefined;
    return item.type === ItemType.Integer ? item.value : wrongType(item, 'an Integer');
  },
  enum(item: TtlvItem | undefined): number | undefined {
    if (item === undefined) return undefined;
    return item.type === ItemType.Enumeration ? item.value : wrongType(item, 'an Enumeration');
  },
  bool(item: TtlvItem | undefined): boolean | undefined {
    if (item === undefined) return undefined;
    return item.type === ItemType.Boolean ? item.value : wrongType(item, 'a Boolean');
  },
  /** Date Time as milliseconds. */
  date(item: TtlvItem | undefined): number | undefined {
    if (item === undefined) return undefined;
    if (item.type === ItemType.DateTime) return Number(item.value) * 1000;
    if (item.type === ItemType.DateTimeExtended) return Number(item.value / 1000n);
    return wrongType(item, 'a Date Time');
  },
  interval(item: TtlvItem | undefined): number | undefined {
    if (item === undefined) return undefined;
    return item.type === ItemType.Interval ? item.value : wrongType(item, 'an Interval');
  },
  long(item: TtlvItem | undefined): bigint | undefined {
    if (item === undefined) return undefined;
    return item.type === ItemType.LongInteger ? item.value : wrongType(item, 'a Long Integer');
  },
};

/** The same readers, for fields the spec requires: Invalid Field when absent. */
export function need<K extends keyof typeof read>(kind: K, parent: TtlvItem, tag: number): NonNullable<ReturnType<(typeof read)[K]>> {
  const v = (read[kind] as (i: TtlvItem | undefined) => unknown)(child(parent, tag));
  if (v === undefined) missing(parent, tag);
  return v as NonNullable<ReturnType<(typeof read)[K]>>;
}

export function cloneItem(item: TtlvItem): TtlvItem {
  if (item.type === ItemType.Structure) return { ...item, value: item.value.map(cloneItem) };
  if (item.type === ItemType.ByteString) return { ...item, value: new Uint8Array(item.value) };
  return { ...item };
}

/** Deep equality of two items (tag, type and value; BigInteger widths ignored). */
export function itemEquals(a: TtlvItem, b: TtlvItem): boolean {
  if (a.tag !== b.tag || a.type !== b.type) return false;
  if (a.type === ItemType.Structure) {
    const bv = (b as StructureItem).value;
    return a.value.length === bv.length && a.value.every((c, i) => itemEquals(c, bv[i]));
  }
  if (a.type === ItemType.ByteString) {
    const bv = b.value as Uint8Array;
    return a.value.length === bv.length && a.value.every((x, i) => x === bv[i]);
  }
  return a.value === b.value;
}

/** The same item under another tag (1.x Attribute Value <-> 2.x attribute tags). */
export function retag(item: TtlvItem, tag: number): TtlvItem {
  return { ...item, tag } as TtlvItem;
}
