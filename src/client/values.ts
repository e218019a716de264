// Friendly values: KMIP attributes as a plain object with camelCase keys ({ cryptographicAlgorithm:
// 'AES', cryptographicUsageMask: ['Encrypt'] }) in and out; enumerations as names, masks as arrays of
// names, dates as Date, structures as objects keyed by their fields' camelCase tag names.
import { Tag, enumForTag, maskForTag, tagByName, tagName } from '../dict/index.js';
import { attributeByName, attributeByTag, type AttributeDef } from '../kmip/attributes/registry.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';

/** A value as the client hands it out. */
export type FriendlyValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | Uint8Array
  | string[]
  | FriendlyStruct
  | FriendlyValue[];
export interface FriendlyStruct {
  [field: string]: FriendlyValue | undefined;
}

/**
 * Attributes in and out. Keys are the attribute's tag name in camelCase ('cryptographicAlgorithm') or
 * its spec name ('Cryptographic Algorithm'); custom attributes keep their 'x-Name'. Multi-valued
 * attributes (name, link, objectGroup, ...) come back as arrays and may be given as one value or many.
 * A value may also be a TtlvItem, sent as it is.
 */
export type Attributes = Record<string, unknown>;

/** 'CryptographicAlgorithm' -> 'cryptographicAlgorithm'; a leading acronym goes whole: 'RNGAlgorithm' -> 'rngAlgorithm'. */
export const camelKey = (name: string): string => name.replace(/^[A-Z]+(?=[A-Z][a-z]|[^A-Za-z]|$)|^[A-Z]/, (m) => m.toLowerCase());

let KEY_TAGS: Map<string, number> | undefined;
/** The tag of a friendly field key, a CamelCase tag name or the spec's words. */
export function tagForKey(key: string): number | undefined {
  KEY_TAGS ??= new Map(Object.entries(Tag).map(([name, tag]) => [camelKey(name), tag]));
  return KEY_TAGS.get(key) ?? tagByName(key);
}

/** Item types of the fields inside attribute structures (enumerations and masks come from the dictionary). */
const FIELD_TYPES: Record<number, number> = {
  [Tag.NameValue]: ItemType.TextString,
  [Tag.LinkedObjectIdentifier]: ItemType.TextString,
  [Tag.ApplicationNamespace]: ItemType.TextString,
  [Tag.ApplicationData]: ItemType.TextString,
  [Tag.AlternativeNameValue]: ItemType.TextString,
  [Tag.KeyValueLocationValue]: ItemType.TextString,
  [Tag.RevocationMessage]: ItemType.TextString,
  [Tag.DigestValue]: ItemType.ByteString,
  [Tag.RandomIV]: ItemType.Boolean,
  [Tag.IVLength]: ItemType.Integer,
  [Tag.TagLength]: ItemType.Integer,
  [Tag.FixedFieldLength]: ItemType.Integer,
  [Tag.InvocationFieldLength]: ItemType.Integer,
  [Tag.CounterLength]: ItemType.Integer,
  [Tag.InitialCounterValue]: ItemType.Integer,
  [Tag.TrailerField]: ItemType.Integer,
  [Tag.PSource]: ItemType.ByteString,
  [Tag.CryptographicLength]: ItemType.Integer,
  [Tag.Qlength]: ItemType.Integer,
  [Tag.UsageLimitsTotal]: ItemType.LongInteger,
  [Tag.UsageLimitsCount]: ItemType.LongInteger,
  [Tag.RNGAlgorithm]: ItemType.Enumeration,
  [Tag.IssuerDistinguishedName]: ItemType.ByteString,
  [Tag.CertificateSerialNumber]: ItemType.ByteString,
  [Tag.UniqueIdentifier]: ItemType.TextString,
};

function fieldType(tag: number): number | undefined {
  // The table first: identifiers are Text Strings even though an enumeration exists for their placeholders.
  if (FIELD_TYPES[tag] !== undefined) return FIELD_TYPES[tag];
  if (enumForTag(tag)) return ItemType.Enumeration;
  if (maskForTag(tag)) return ItemType.Integer;
  return attributeByTag(tag)?.type;
}

const isItem = (v: unknown): v is TtlvItem =>
  typeof v === 'object' && v !== null && typeof (v as TtlvItem).tag === 'number' && typeof (v as TtlvItem).type === 'number' && 'value' in v;

function enumValue(tag: number, v: unknown): number {
  if (typeof v === 'number') return v;
  const def = enumForTag(tag);
  const n = typeof v === 'string' ? def?.valueByName(v.replace(/\s+/g, '')) : undefined;
  if (n === undefined) throw new TypeError(`${tagName(tag)}: ${JSON.stringify(v)} is not a value of ${def?.name ?? 'its enumeration'}`);
  return n;
}

function maskValue(tag: number, v: unknown): number {
  if (typeof v === 'number') return v;
  const def = maskForTag(tag)!;
  const names = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(names)) throw new TypeError(`${tagName(tag)} takes an array of ${def.name} names or a number`);
  let m = 0;
  for (const n of names) {
    const bit = typeof n === 'number' ? n : def.valueByName(String(n));
    if (bit === undefined) throw new TypeError(`${tagName(tag)}: ${JSON.stringify(n)} is not a ${def.name} bit`);
    m = (m | bit) >>> 0;
  }
  return m | 0;
}

function dateSeconds(tag: number, v: unknown): bigint {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(ms)) throw new TypeError(`${tagName(tag)} takes a Date, an ISO date text or milliseconds`);
  return BigInt(Math.floor(ms / 1000));
}

/** A friendly value to an item of `type` under `tag`. */
export function toItem(tag: number, type: number, v: unknown): TtlvItem {
  if (isItem(v)) return { ...v, tag } as TtlvItem;
  const bad = (what: string): never => {
    throw new TypeError(`${tagName(tag) ?? tag} takes ${what}, not ${typeof v}`);
  };
  switch (type) {
    case ItemType.Enumeration:
      return { tag, type, value: enumValue(tag, v) };
    case ItemType.Integer:
      if (maskForTag(tag)) return { tag, type, value: maskValue(tag, v) };
      return typeof v === 'number' && Number.isInteger(v) ? { tag, type, value: v } : bad('an integer');
    case ItemType.Interval:
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? { tag, type, value: v } : bad('a number of seconds');
    case ItemType.LongInteger:
      return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)) ? { tag, type, value: BigInt(v) } : bad('a bigint');
    case ItemType.Boolean:
      return typeof v === 'boolean' ? { tag, type, value: v } : bad('a boolean');
    case ItemType.TextString:
      return typeof v === 'string' ? { tag, type, value: v } : bad('a string');
    case ItemType.ByteString:
      return v instanceof Uint8Array ? { tag, type, value: v } : bad('a Uint8Array');
    case ItemType.DateTime:
    case ItemType.DateTimeExtended:
      return { tag, type: ItemType.DateTime, value: dateSeconds(tag, v) };
    case ItemType.Structure:
      return structItem(tag, v);
    default:
      return bad(`a TtlvItem (item type ${type})`);
  }
}

function structItem(tag: number, v: unknown): TtlvItem {
  // Names are the common case: a string is an uninterpreted text Name.
  if (tag === Tag.Name && typeof v === 'string') {
    return { tag, type: ItemType.Structure, value: [toItem(Tag.NameValue, ItemType.TextString, v), toItem(Tag.NameType, ItemType.Enumeration, 'UninterpretedTextString')] };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError(`${tagName(tag)} takes an object of its fields`);
  const value: TtlvItem[] = [];
  for (const [field, fv] of Object.entries(v as Record<string, unknown>)) {
    if (fv === undefined) continue;
    const t = tagForKey(field);
    if (t === undefined) throw new TypeError(`${tagName(tag)} has no field ${JSON.stringify(field)}`);
    const type = fieldType(t);
    if (type === undefined && !isItem(fv)) throw new TypeError(`${tagName(tag)}.${field}: pass a TtlvItem (its type is not known here)`);
    const many = Array.isArray(fv) && !maskForTag(t) ? fv : [fv];
    for (const one of many) value.push(toItem(t, type ?? (fv as TtlvItem).type, one));
  }
  if (tag === Tag.Name && !value.some((c) => c.tag === Tag.NameType)) value.push(toItem(Tag.NameType, ItemType.Enumeration, 'UninterpretedTextString'));
  return { tag, type: ItemType.Structure, value };
}

/** An item to its friendly value. */
export function fromItem(item: TtlvItem): FriendlyValue {
  switch (item.type) {
    case ItemType.Enumeration:
      return enumForTag(item.tag)?.valueName(item.value) ?? item.value;
    case ItemType.Integer: {
      const mask = maskForTag(item.tag);
      if (!mask) return item.value;
      const names: string[] = [];
      for (const [name, bit] of mask.values) if (bit !== 0 && ((item.value >>> 0) & bit) >>> 0 === bit) names.push(name);
      return names;
    }
    case ItemType.DateTime:
      return new Date(Number(item.value) * 1000);
    case ItemType.DateTimeExtended:
      return new Date(Number(item.value / 1000n));
    case ItemType.Structure: {
      if (item.tag === Tag.Name) {
        const v = item.value.find((c) => c.tag === Tag.NameValue);
        if (v?.type === ItemType.TextString) return v.value;
      }
      const counts = new Map<number, number>();
      for (const c of item.value) counts.set(c.tag, (counts.get(c.tag) ?? 0) + 1);
      const out: FriendlyStruct = {};
      for (const c of item.value) {
        const key = fieldKey(c.tag);
        // A field that repeats becomes an array of its values.
        if (counts.get(c.tag)! > 1) ((out[key] ??= []) as FriendlyValue[]).push(fromItem(c));
        else out[key] = fromItem(c);
      }
      return out;
    }
    default:
      return item.value;
  }
}

function fieldKey(tag: number): string {
  const n = tagName(tag);
  return n ? camelKey(n) : `tag:0x${tag.toString(16).toUpperCase().padStart(6, '0')}`;
}

// ------------------------------------------------------------------------------------ attributes

const BY_KEY = new Map<string, AttributeDef>();
function defForKey(key: string): AttributeDef | undefined {
  const cached = BY_KEY.get(key);
  if (cached) return cached;
  const tag = tagForKey(key);
  const def = (tag !== undefined ? attributeByTag(tag) : undefined) ?? attributeByName(key);
  if (def) BY_KEY.set(key, def);
  return def;
}

/** The friendly key of a standard attribute ('cryptographicAlgorithm'). */
export const attributeKey = (def: AttributeDef): string => fieldKey(def.tag);

/** One attribute as the wire model holds it: the 1.x Attribute Name and a value under the attribute's tag. */
export interface WireAttribute {
  /** The 1.x Attribute Name ('Cryptographic Algorithm', 'x-Custom'). */
  name: string;
  /** For standard attributes, the value under the attribute's own tag; for custom ones, under Attribute Value. */
  value: TtlvItem;
  def?: AttributeDef;
}

const isCustom = (key: string) => /^[xy]-/.test(key);

/** The 1.x Attribute Name of a friendly key. */
export function attributeName(key: string): { name: string; def?: AttributeDef } {
  const def = defForKey(key);
  if (def) return { name: def.name, def };
  if (isCustom(key)) return { name: key };
  throw new TypeError(`unknown attribute ${JSON.stringify(key)} (use its camelCase tag name, its spec name or 'x-Name')`);
}

/** One attribute's value(s) to wire items. */
export function attributeValues(key: string, v: unknown): WireAttribute[] {
  const { name, def } = attributeName(key);
  // A mask given as an array is one value; any other array is several instances.
  const many = Array.isArray(v) && !(def && maskForTag(def.tag)) ? v : [v];
  return many.map((one) => {
    if (def) return { name, def, value: toItem(def.tag, def.type, one) };
    if (isItem(one)) return { name, value: { ...one, tag: Tag.AttributeValue } as TtlvItem };
    const type = typeof one === 'string' ? ItemType.TextString : typeof one === 'boolean' ? ItemType.Boolean : typeof one === 'number' ? ItemType.Integer
      : one instanceof Date ? ItemType.DateTime : one instanceof Uint8Array ? ItemType.ByteString : typeof one === 'bigint' ? ItemType.LongInteger : undefined;
    if (type === undefined) throw new TypeError(`custom attribute ${key}: pass a string, number, boolean, bigint, Date, Uint8Array or TtlvItem`);
    return { name, value: toItem(Tag.AttributeValue, type, one) };
  });
}

/** Friendly attributes to wire attributes, in the order given. */
export function toWireAttributes(attrs: Attributes | undefined): WireAttribute[] {
  if (!attrs) return [];
  const out: WireAttribute[] = [];
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out.push(...attributeValues(k, v));
  return out;
}

/** Wire attributes to a friendly object; multi-valued attributes as arrays. */
export function fromWireAttributes(attrs: readonly WireAttribute[]): Attributes {
  const out: Attributes = {};
  for (const a of attrs) {
    const key = a.def ? attributeKey(a.def) : a.name;
    const v = fromItem(a.value);
    const multi = a.def ? a.def.multi : isCustom(a.name);
    if (multi) ((out[key] ??= []) as FriendlyValue[]).push(v);
    else out[key] = v;
  }
  return out;
}

/** 1.x Attribute Name (possibly an unknown one) to its wire attribute. */
export function wireFromName(name: string, value: TtlvItem): WireAttribute {
  const def = attributeByName(name);
  return def ? { name: def.name, def, value: { ...value, tag: def.tag } as TtlvItem } : { name, value };
}

/** 2.x attribute item (tag = the attribute) to its wire attribute. */
export function wireFromTag(item: TtlvItem): WireAttribute {
  const def = attributeByTag(item.tag);
  if (def) return { name: def.name, def, value: item };
  return { name: tagName(item.tag) ?? `tag:0x${item.tag.toString(16).toUpperCase()}`, value: item };
}

/** A friendly attribute key for an attribute reference (a tag) or a 1.x name. */
export function keyOfName(name: string): string {
  const def = attributeByName(name);
  return def ? attributeKey(def) : name;
}
export function keyOfTag(tag: number): string {
  const def = attributeByTag(tag);
  return def ? attributeKey(def) : fieldKey(tag);
}
