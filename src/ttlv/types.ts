// TTLV item model shared by every codec path. Tags stay numbers (names are for display, XML and JSON).

export const ItemType = {
  Structure: 0x01,
  Integer: 0x02,
  LongInteger: 0x03,
  BigInteger: 0x04,
  Enumeration: 0x05,
  Boolean: 0x06,
  TextString: 0x07,
  ByteString: 0x08,
  DateTime: 0x09,
  Interval: 0x0a,
  DateTimeExtended: 0x0b,
} as const;
export type ItemType = (typeof ItemType)[keyof typeof ItemType];
export type ItemTypeName = keyof typeof ItemType;

export const ITEM_TYPE_NAMES: readonly (ItemTypeName | undefined)[] = (() => {
  const names: (ItemTypeName | undefined)[] = [];
  for (const [name, code] of Object.entries(ItemType)) names[code] = name as ItemTypeName;
  return names;
})();

export interface StructureItem { tag: number; type: typeof ItemType.Structure; value: TtlvItem[] }
export interface IntegerItem { tag: number; type: typeof ItemType.Integer; value: number }
export interface LongIntegerItem { tag: number; type: typeof ItemType.LongInteger; value: bigint }
/** `byteLength`, when set, is the encoded width to keep (a multiple of 8 that fits the value): the
 *  spec allows extra sign-extension bytes, and a decoder that drops them would not round-trip. */
export interface BigIntegerItem { tag: number; type: typeof ItemType.BigInteger; value: bigint; byteLength?: number }
export interface EnumerationItem { tag: number; type: typeof ItemType.Enumeration; value: number }
export interface BooleanItem { tag: number; type: typeof ItemType.Boolean; value: boolean }
export interface TextStringItem { tag: number; type: typeof ItemType.TextString; value: string }
export interface ByteStringItem { tag: number; type: typeof ItemType.ByteString; value: Uint8Array }
/** Seconds since the epoch, signed 64-bit. */
export interface DateTimeItem { tag: number; type: typeof ItemType.DateTime; value: bigint }
/** Unsigned 32-bit seconds. */
export interface IntervalItem { tag: number; type: typeof ItemType.Interval; value: number }
/** Microseconds since the epoch, signed 64-bit (KMIP 2.0+). */
export interface DateTimeExtendedItem { tag: number; type: typeof ItemType.DateTimeExtended; value: bigint }

export type TtlvItem =
  | StructureItem
  | IntegerItem
  | LongIntegerItem
  | BigIntegerItem
  | EnumerationItem
  | BooleanItem
  | TextStringItem
  | ByteStringItem
  | DateTimeItem
  | IntervalItem
  | DateTimeExtendedItem;

export type ValueOf<T extends ItemType> = Extract<TtlvItem, { type: T }>['value'];
