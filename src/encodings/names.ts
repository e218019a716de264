// Text forms shared by KMIP XML and KMIP JSON: tags, type names, enumerations, masks, numbers, hex.
// Each parser returns the value or a reason string (the caller adds format and location).
import { enumByName, enumForTag, maskForTag, tagByName, tagName, type EnumDef } from '../dict/index.js';
import { ItemType, ITEM_TYPE_NAMES, type ItemTypeName } from '../ttlv/types.js';
import { KmipEncodingError, type KmipEncodingFormat } from './errors.js';

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

// Caller-supplied names (the `names` option of fromXml/fromXmlMessages/toXml/fromJson/toJson).

/**
 * Names the dictionary does not have, e.g. a vendor's extension tags (0x54XXXX) and enumeration
 * extensions (0x8XXXXXXX), so that they are read and written by name instead of hex. Standard names
 * always keep their numbers: an entry that gives a standard name another number, or a standard number
 * another name, is refused (ERR_*_BAD_OPTION), as is an entry that is not a valid name or number.
 * Read and write with the same `names` to round-trip.
 */
export interface ExtraNames {
  /**
   * Tag name -> tag: 0x54XXXX (extension) or a 0x42XXXX tag the dictionary has no name for. These
   * names are also values of the Tag enumeration (Attribute Reference). One name per tag.
   */
  tags?: Readonly<Record<string, number>>;
  /**
   * Enumeration -> (value name -> unsigned 32-bit value). The enumeration is the CamelCase name of a
   * dictionary enumeration ('Operation', 'ObjectType'), or a tag name from `tags`, which then carries
   * its own table (for Enumeration items with that tag). Not 'Tag' (use `tags`), not masks.
   */
  values?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Names given by callers: XML element names without `.`/`-` so they stay valid JSON and code identifiers. */
const EXTRA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An enumeration table with caller-supplied values added (the dictionary's values win: no clash allowed). */
function extendDef(base: EnumDef, byName: Map<string, number>, byValue: Map<number, string>): EnumDef {
  let values: (readonly [string, number])[] | undefined;
  return {
    name: base.name,
    kind: base.kind,
    specName: base.specName,
    get values() {
      return (values ??= [...base.values, ...byName].sort((a, b) => a[1] - b[1]));
    },
    valueName: (v) => base.valueName(v) ?? byValue.get(v),
    valueByName: (n) => base.valueByName(n) ?? byName.get(n),
    info: (v) => base.info(v), // caller-supplied values have no edition information
  };
}

/** A table of an extension tag (`values` keyed by a name from `tags`). */
function ownDef(name: string, byName: Map<string, number>, byValue: Map<number, string>): EnumDef {
  const values = [...byName].sort((a, b) => a[1] - b[1]);
  return {
    name,
    kind: 'enumeration',
    specName: name,
    values,
    valueName: (v) => byValue.get(v),
    valueByName: (n) => byName.get(n),
    info: () => undefined,
  };
}

/**
 * Name lookups of one parse or write call: the dictionary, plus the caller's `names` when given
 * (validated once per call by `Names.of`). `Names.STANDARD` is the dictionary alone.
 */
export class Names {
  static readonly STANDARD = new Names(new Map(), new Map(), new Map(), new Map());

  private readonly defs = new Map<number, EnumDef | undefined>();
  private tagDef: EnumDef | undefined;

  private constructor(
    private readonly tagNumbers: Map<string, number>,
    private readonly tagNames: Map<number, string>,
    /** Dictionary enumeration name -> extended table. */
    private readonly extended: Map<string, EnumDef>,
    /** Extension tag -> its own table. */
    private readonly own: Map<number, EnumDef>,
  ) {}

  /** Validates `names` (ERR_<format>_BAD_OPTION) and returns its lookups; STANDARD when undefined. */
  static of(names: ExtraNames | undefined, format: KmipEncodingFormat): Names {
    if (names === undefined) return Names.STANDARD;
    const fail = (path: string, message: string): never => {
      throw new KmipEncodingError(format, 'BAD_OPTION', message, path);
    };
    const record = (v: unknown, path: string): [string, unknown][] => {
      if (v === undefined) return [];
      if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be an object');
      return Object.entries(v as object);
    };
    record(names, 'names');
    const tagNumbers = new Map<string, number>();
    const tagNames = new Map<number, string>();
    for (const [name, tag] of record(names.tags, 'names.tags')) {
      const path = `names.tags.${clip(name)}`;
      // Not TTLV nor x540001 (the XML forms of tags written by number: they would read back as such).
      if (!EXTRA_NAME.test(name) || name === 'TTLV' || /^x[0-9A-Fa-f]{6}$/.test(name)) fail(path, `'${clip(name)}' is not a valid tag name`);
      if (typeof tag !== 'number' || !Number.isInteger(tag) || (tag >>> 16 !== 0x42 && tag >>> 16 !== 0x54) || tag > 0xffffff)
        fail(path, 'a tag must be a number 0x42XXXX or 0x54XXXX');
      const t = tag as number;
      const standardName = tagName(t);
      if (standardName !== undefined && standardName !== name) fail(path, `${hexTag(t)} is the standard tag ${standardName}`);
      const standardTag = tagByName(name);
      if (standardTag !== undefined && standardTag !== t) fail(path, `${name} is the standard tag ${hexTag(standardTag)}`);
      if (standardName !== undefined) continue; // the standard name itself: nothing to add
      if (tagNames.has(t)) fail(path, `${hexTag(t)} is already named ${tagNames.get(t)}`);
      tagNumbers.set(name, t);
      tagNames.set(t, name);
    }
    const extended = new Map<string, EnumDef>();
    const own = new Map<number, EnumDef>();
    for (const [table, entries] of record(names.values, 'names.values')) {
      const path = `names.values.${clip(table)}`;
      const base = enumByName(table);
      const ownTag = base ? undefined : tagNumbers.get(table);
      if (table === 'Tag') fail(path, 'Tag enumeration values are tag names: give them in names.tags');
      if (base?.kind === 'mask') fail(path, `${table} is a mask; only enumerations take extra values`);
      if (!base && ownTag === undefined) fail(path, `'${clip(table)}' is neither an enumeration nor a tag in names.tags`);
      const byName = new Map<string, number>();
      const byValue = new Map<number, string>();
      for (const [name, value] of record(entries, path)) {
        const at = `${path}.${clip(name)}`;
        if (!EXTRA_NAME.test(name)) fail(at, `'${clip(name)}' is not a valid value name`);
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff)
          fail(at, 'a value must be an unsigned 32-bit integer');
        const v = value as number;
        const standardValue = base?.valueByName(name);
        if (standardValue !== undefined && standardValue !== v) fail(at, `${name} is the standard ${table} value ${hex32(standardValue)}`);
        const standardName = base?.valueName(v);
        if (standardName !== undefined && standardName !== name) fail(at, `${hex32(v)} is the standard ${table} value ${standardName}`);
        if (standardName !== undefined) continue;
        if (byValue.has(v)) fail(at, `${hex32(v)} is already named ${byValue.get(v)}`);
        byName.set(name, v);
        byValue.set(v, name);
      }
      if (base) extended.set(table, extendDef(base, byName, byValue));
      else own.set(ownTag!, ownDef(table, byName, byValue));
    }
    if (tagNumbers.size === 0 && extended.size === 0 && own.size === 0) return Names.STANDARD;
    return new Names(tagNumbers, tagNames, extended, own);
  }

  /** CamelCase name of a tag (dictionary, then caller's), or undefined. */
  tagName(tag: number): string | undefined {
    return tagName(tag) ?? this.tagNames.get(tag);
  }

  /** The name of a tag, or its `0x42XXXX` / `0x54XXXX` hex form. */
  tagText(tag: number): string {
    return this.tagName(tag) ?? hexTag(tag);
  }

  /** A tag as written: `0x420001` or a known name; a reason string otherwise. */
  parseTag(text: string): number | string {
    const tag = parseTag(text);
    return typeof tag === 'string' ? (this.tagNumbers.get(text) ?? tag) : tag;
  }

  /** The enumeration table that applies to `defTag`, with the caller's values. */
  enumDef(defTag: number): EnumDef | undefined {
    if (this === Names.STANDARD) return enumForTag(defTag);
    if (this.defs.has(defTag)) return this.defs.get(defTag);
    let def = this.own.get(defTag);
    if (!def) {
      const base = enumForTag(defTag);
      if (base?.name === 'Tag' && this.tagNames.size > 0) def = this.tagEnumDef(base);
      else def = base && (this.extended.get(base.name) ?? base);
    }
    this.defs.set(defTag, def);
    return def;
  }

  /** The Tag enumeration (Attribute Reference) with the caller's tag names. */
  private tagEnumDef(base: EnumDef): EnumDef {
    return (this.tagDef ??= extendDef(base, this.tagNumbers, this.tagNames));
  }
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
