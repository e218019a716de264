// The part of writing shared by KMIP XML and KMIP JSON: one item's value in text (XML) or as a JSON
// value, names where the dictionary has them, hex otherwise.
import { attributeNameToTag } from '../dict/index.js';
import type { TtlvItem } from '../ttlv/types.js';
import { formatDateTime, formatDateTimeExtended } from './datetime.js';
import { KmipEncodingError, type KmipEncodingFormat } from './errors.js';
import {
  bigIntHex, formatEnum, hex64, hexBytes, maskDef, maskParts, Names, TAG_ATTRIBUTE, TAG_ATTRIBUTE_NAME,
  TAG_ATTRIBUTE_VALUE, tagText,
} from './names.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
/** JSON numbers are used for 64-bit values below 2^52 in magnitude (spec 4.1.6.5), hex beyond. */
const JSON_SAFE = 1n << 52n;

const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isInt64 = (v: unknown) => typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX;

function bad(format: KmipEncodingFormat, item: TtlvItem, path: string, what: string): never {
  throw new KmipEncodingError(format, 'BAD_ITEM', `${tagTextSafe(item)}: ${what}`, path);
}

function tagTextSafe(item: TtlvItem): string {
  return typeof item?.tag === 'number' ? tagText(item.tag) : 'item';
}

/** The tag whose table names this Attribute Value's Enumeration/mask (1.x Attribute), if any. */
export function attributeValueDefTags(item: TtlvItem): Map<TtlvItem, number> | undefined {
  if (item.tag !== TAG_ATTRIBUTE || item.type !== 0x01) return undefined;
  const name = item.value.find((c) => c.tag === TAG_ATTRIBUTE_NAME && c.type === 0x07);
  const defTag = name ? attributeNameToTag(name.value as string) : undefined;
  if (defTag === undefined) return undefined;
  const map = new Map<TtlvItem, number>();
  for (const c of item.value) if (c.tag === TAG_ATTRIBUTE_VALUE) map.set(c, defTag);
  return map;
}

/**
 * A non-Structure item's value: always a string for XML; string, number or boolean for JSON. `names`:
 * the lookups of the call (the caller's `names` option), for Enumeration values.
 */
export function formatValue(
  item: TtlvItem,
  format: KmipEncodingFormat,
  path: string,
  defTag = item.tag,
  names: Names = Names.STANDARD,
): string | number | boolean {
  const json = format === 'JSON';
  const v = item.value as unknown;
  switch (item.type) {
    case 0x02: {
      if (!isInt(v, -0x80000000, 0x7fffffff)) bad(format, item, path, 'Integer value is not a signed 32-bit integer');
      const mask = maskDef(defTag);
      const parts = mask ? maskParts(v as number, mask) : undefined;
      if (parts) return parts.join(json ? '|' : ' ');
      return json ? (v as number) : String(v);
    }
    case 0x03:
      if (!isInt64(v)) bad(format, item, path, 'Long Integer value is not a signed 64-bit bigint');
      return json ? int64Json(v as bigint) : String(v);
    case 0x04: {
      if (typeof v !== 'bigint') bad(format, item, path, 'Big Integer value is not a bigint');
      const digits = bigIntHex(v as bigint, item.byteLength);
      return json ? '0x' + digits : digits;
    }
    case 0x05:
      if (!isInt(v, 0, 0xffffffff)) bad(format, item, path, 'Enumeration value is not an unsigned 32-bit integer');
      return formatEnum(v as number, names.enumDef(defTag));
    case 0x06:
      if (typeof v !== 'boolean') bad(format, item, path, 'Boolean value is not a boolean');
      return json ? (v as boolean) : String(v);
    case 0x07:
      if (typeof v !== 'string') bad(format, item, path, 'Text String value is not a string');
      if (!(v as string).isWellFormed()) bad(format, item, path, 'Text String has a lone surrogate');
      return v as string;
    case 0x08:
      if (!(v instanceof Uint8Array)) bad(format, item, path, 'Byte String value is not a Uint8Array');
      return hexBytes(v as Uint8Array);
    case 0x09:
      if (!isInt64(v)) bad(format, item, path, 'Date Time value is not a signed 64-bit bigint');
      return formatDateTime(v as bigint);
    case 0x0a:
      if (!isInt(v, 0, 0xffffffff)) bad(format, item, path, 'Interval value is not an unsigned 32-bit integer');
      return json ? (v as number) : String(v);
    case 0x0b:
      if (!isInt64(v)) bad(format, item, path, 'Date Time Extended value is not a signed 64-bit bigint');
      return formatDateTimeExtended(v as bigint);
  }
  return bad(format, item, path, `unknown item type ${String((item as { type: unknown }).type)}`);
}

function int64Json(v: bigint): number | string {
  return v > -JSON_SAFE && v < JSON_SAFE ? Number(v) : hex64(v);
}

export function checkItem(item: unknown, format: KmipEncodingFormat, path: string): asserts item is TtlvItem {
  if (item === null || typeof item !== 'object' || typeof (item as TtlvItem).tag !== 'number')
    throw new KmipEncodingError(format, 'BAD_ITEM', 'not a TTLV item', path);
  const tag = (item as TtlvItem).tag;
  if (!Number.isInteger(tag) || (tag >>> 16 !== 0x42 && tag >>> 16 !== 0x54) || tag > 0xffffff)
    throw new KmipEncodingError(format, 'BAD_ITEM', 'tag must be 0x42XXXX or 0x54XXXX', path);
}
