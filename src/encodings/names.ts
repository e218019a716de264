// Text forms shared by KMIP XML and KMIP JSON: tags, type names, enumerations, masks, numbers, hex.
// Each parser returns the value or a reason string (the caller adds format and location).
import { enumForTag, maskForTag, tagByName, tagName, type EnumDef } from '../dict/index.js';
import { ItemType, ITEM_TYPE_NAMES, type ItemTypeName } from '../ttlv/types.js';

export const TAG_ATTRIBUTE = 0x420008;
export const TAG_ATTRIBUTE_NAME = 0x42000a;
export const TAG_ATTRIBUTE_VALUE = 0x42000b;

const TYPE_CODES = new Map<string, ItemType>(Object.entries(ItemType));

/** Item type code for a type name as written (`Integer`, `TextString`, ...), or undefined. */
export function typeCode(name: string): ItemType | undefined {
  return TYPE_CODES.get(name);
}

export function typeName(code: ItemType): ItemTypeName {
  return ITEM_TYPE_NAMES[code] as ItemTypeName;
}

export const hex32 = (v: number) => '0x' + (v >>> 0).toString(16).toUpperCase().padStart(8, '0');
export const hexTag = (tag: number) => '0x' + tag.toString(16).toUpperCase().padStart(6, '0');

/** The name the dictionary gives a tag, or its `0x42XXXX` / `0x54XXXX` hex form. */
export function tagText(tag: number): string {
  return tagName(tag) ?? hexTag(tag);
}

const HEX_TAG = /^0x[0-9a-fA-F]{6}$/;

/** A tag as written: `0x420001` or a name the dictionary knows. */
export function parseTag(text: string): number | string {
  if (HEX_TAG.test(text)) {
    const tag = parseInt(text.slice(2), 16);
    const hi = tag >>> 16;
    return hi === 0x42 || hi === 0x54 ? tag : `tag ${text} is outside the 0x42XXXX and 0x54XXXX ranges`;
  }
  const tag = tagByName(text);
  return tag ?? `unknown tag name '${clip(text)}'`;
}

/** Quotes a user value in an error message, shortened. Never used for Byte/Big Integer values. */
export function clip(text: string): string {
  return text.length > 64 ? text.slice(0, 61) + '...' : text;
}

// Enumerations and masks. `defTag` is the tag whose table applies: the item's own tag, or for a
// KMIP 1.x Attribute Value the tag named by the sibling Attribute Name.

export function enumDef(defTag: number): EnumDef | undefined {
  return enumForTag(defTag);
}
export function maskDef(defTag: number): EnumDef | undefined {
  return maskForTag(defTag);
}

export function formatEnum(value: number, def: EnumDef | undefined): string {
  return def?.valueName(value) ?? hex32(value);
}

const HEX32 = /^0x[0-9a-fA-F]{1,8}$/;

export function parseEnum(text: string, def: EnumDef | undefined, tag: string): number | string {
  if (HEX32.test(text)) return parseInt(text.slice(2), 16);
  if (!def) return `'${clip(text)}' is neither hex nor a name: ${tag} has no enumeration table`;
  const v = def.valueByName(text);
  return v ?? `'${clip(text)}' is not a ${def.name} value`;
}

/** Mask names (ascending bits) with any unnamed bits as one hex component; undefined for 0. */
export function maskParts(value: number, def: EnumDef): string[] | undefined {
  let rest = value >>> 0;
  if (rest === 0) return undefined;
  const parts: string[] = [];
  for (let bit = 1; bit !== 0 && rest !== 0; bit = (bit << 1) >>> 0) {
    if ((rest & bit) === 0) continue;
    const name = def.valueName(bit);
    if (name === undefined) continue;
    parts.push(name);
    rest = (rest & ~bit) >>> 0;
  }
  if (rest !== 0) parts.push(hex32(rest));
  return parts;
}

/** Mask components (names or hex) already split; returns the signed 32-bit Integer value. */
export function parseMaskParts(parts: string[], def: EnumDef | undefined, tag: string): number | string {
  let v = 0;
  for (const part of parts) {
    if (HEX32.test(part)) v |= parseInt(part.slice(2), 16);
    else {
      const bit = def?.valueByName(part);
      if (bit === undefined)
        return def ? `'${clip(part)}' is not a ${def.name} value` : `'${clip(part)}': ${tag} is not a mask`;
      v |= bit;
    }
  }
  return v | 0;
}

// Numbers.

const DEC = /^[+-]?\d+$/;
const HEX = /^0x[0-9a-fA-F]+$/;

export function parseInteger(text: string, allowDecimal: boolean): number | string {
  if (HEX32.test(text)) return parseInt(text.slice(2), 16) | 0;
  if (allowDecimal && DEC.test(text)) {
    const v = Number(text);
    if (v >= -0x80000000 && v <= 0x7fffffff) return v;
    return `${clip(text)} is outside the signed 32-bit range`;
  }
  return `'${clip(text)}' is not a 32-bit integer`;
}

export function parseUint32(text: string, allowDecimal: boolean): number | string {
  if (HEX32.test(text)) return parseInt(text.slice(2), 16);
  if (allowDecimal && DEC.test(text)) {
    const v = Number(text);
    if (v >= 0 && v <= 0xffffffff) return v;
    return `${clip(text)} is outside the unsigned 32-bit range`;
  }
  return `'${clip(text)}' is not an unsigned 32-bit integer`;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Signed 64-bit from decimal (when allowed) or 0x hex of up to 16 digits (two's complement). */
export function parseInt64(text: string, allowDecimal: boolean): bigint | string {
  if (HEX.test(text) && text.length <= 18) return BigInt.asIntN(64, BigInt(text));
  if (allowDecimal && DEC.test(text)) {
    const v = BigInt(text);
    if (v >= INT64_MIN && v <= INT64_MAX) return v;
    return `${clip(text)} is outside the signed 64-bit range`;
  }
  return `'${clip(text)}' is not a 64-bit integer`;
}

/** A JS number that is an integer within [min, max]. */
export function checkNumber(v: number, min: number, max: number, what: string): number | string {
  return Number.isInteger(v) && v >= min && v <= max ? v : `${v} is not ${what}`;
}

export function int64FromNumber(v: number): bigint | string {
  return Number.isSafeInteger(v) ? BigInt(v) : `${v} is not a safe integer (use a hex string)`;
}

// Hex byte strings and big integers. Error texts never quote the value (it may be key material).

const HEXBYTES = /^(?:[0-9a-fA-F]{2})*$/;

export function parseHexBytes(text: string): Uint8Array | string {
  if (!HEXBYTES.test(text)) return `not an even-length hex string (${text.length} characters)`;
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

export function hexBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Two's complement of the written width; `byteLength` kept when that width is a multiple of 8. */
export function parseBigIntHex(digits: string): { value: bigint; byteLength?: number } | string {
  if (digits.length === 0 || !HEXBYTES.test(digits)) return `not an even-length hex string (${digits.length} characters)`;
  const width = digits.length / 2;
  let value = BigInt('0x' + digits);
  if (parseInt(digits[0], 16) >= 8) value -= 1n << BigInt(width * 8);
  return width % 8 === 0 ? { value, byteLength: width } : { value };
}

/** Minimal two's-complement width, a multiple of 8 bytes. */
function bigIntWidth(v: bigint): number {
  const bits = (v < 0n ? -v - 1n : v).toString(2).length + 1;
  return Math.ceil(bits / 64) * 8;
}

/** Hex digits (no prefix) of a Big Integer at its kept width, or the minimal multiple of 8 bytes. */
export function bigIntHex(value: bigint, byteLength?: number): string {
  const min = bigIntWidth(value);
  const width = byteLength !== undefined && byteLength >= min && byteLength % 8 === 0 ? byteLength : min;
  const unsigned = value < 0n ? value + (1n << BigInt(width * 8)) : value;
  return unsigned.toString(16).padStart(width * 2, '0');
}

/** The `0x`-prefixed 16-digit two's-complement form of a signed 64-bit value. */
export const hex64 = (v: bigint) => '0x' + BigInt.asUintN(64, v).toString(16).toUpperCase().padStart(16, '0');
