// One internal attribute model for both protocol generations. An attribute is a key and a value item:
// standard attributes are keyed by their 1.x Attribute Name and their value carries the attribute's own
// tag (the 2.x form); custom (1.x 'x-Name') and vendor (2.x Vendor Identification 'x' + 'Name')
// attributes share the key 'x-Name' and keep their value under the Attribute Value tag; attributes
// under an extension tag (0x54xxxx) are kept as they came, keyed 'tag:0x54XXXX'.
import { formatTagHex, isExtensionTag, ResultReason, Tag } from '../../dict/index.js';
import { ItemType, type TtlvItem } from '../../ttlv/types.js';
import { KmipError, invalidField } from '../errors.js';
import { child, read, retag, struct, text, int, enm } from '../items.js';
import { tagName } from '../names.js';
import { attributeByName, attributeByTag, splitCustomName, type AttributeDef } from './registry.js';

export interface Attr {
  readonly key: string;
  readonly value: TtlvItem;
}

/** What an attribute key refers to: a registry row, a custom/vendor attribute, or an extension tag. */
export type AttrKind =
  | { kind: 'standard'; def: AttributeDef }
  | { kind: 'custom'; vendor: string; name: string }
  | { kind: 'extension'; tag: number };

export function kindOf(key: string): AttrKind | undefined {
  const def = attributeByName(key);
  if (def) return { kind: 'standard', def };
  if (key.startsWith('tag:')) return { kind: 'extension', tag: parseInt(key.slice(4), 16) };
  const custom = splitCustomName(key);
  return custom ? { kind: 'custom', ...custom } : undefined;
}

export function keyForTag(tag: number): string {
  const def = attributeByTag(tag);
  if (def) return def.name;
  if (isExtensionTag(tag)) return `tag:${formatTagHex(tag)}`;
  throw new KmipError(ResultReason.InvalidField, `${tagName(tag)} is not an attribute`);
}

function checkType(def: AttributeDef, value: TtlvItem): void {
  const ok = value.type === def.type || (def.type === ItemType.DateTime && value.type === ItemType.DateTimeExtended);
  if (!ok) throw invalidField(`${def.name} has the wrong item type`);
}

/** A 1.x name (standard or custom) to a key; Invalid Field for names no edition defines. */
export function keyForName(name: string): string {
  if (attributeByName(name)) return name;
  if (splitCustomName(name)) return name;
  throw new KmipError(ResultReason.InvalidField, `unknown attribute name ${JSON.stringify(name)}`);
}

// ------------------------------------------------------------------------------------ KMIP 1.x

/** An `Attribute` structure of 1.x: Attribute Name, optional Attribute Index, Attribute Value. */
export function fromAttribute1x(item: TtlvItem, valueRequired = true): { attr: Attr; index?: number } {
  const s = read.struct(item)!;
  const name = read.text(child(s, Tag.AttributeName));
  if (name === undefined) throw invalidField('Attribute needs an Attribute Name');
  const key = keyForName(name);
  const index = read.int(child(s, Tag.AttributeIndex));
  if (index !== undefined && index < 0) throw invalidField('Attribute Index is negative');
  const raw = child(s, Tag.AttributeValue);
  if (!raw) {
    if (valueRequired) throw invalidField(`${name} has no Attribute Value`);
    return { attr: { key, value: struct(Tag.AttributeValue, []) }, index };
  }
  const k = kindOf(key)!;
  if (k.kind === 'standard') {
    const value = retag(raw, k.def.tag);
    checkType(k.def, value);
    return { attr: { key, value }, index };
  }
  return { attr: { key, value: raw }, index };
}

export function toAttribute1x(attr: Attr, index: number): TtlvItem {
  const k = kindOf(attr.key);
  const value = k?.kind === 'standard' || k?.kind === 'extension' ? retag(attr.value, Tag.AttributeValue) : attr.value;
  return struct(Tag.Attribute, [
    text(Tag.AttributeName, k?.kind === 'extension' ? `y-${attr.key}` : attr.key),
    index > 0 ? int(Tag.AttributeIndex, index) : undefined,
    value,
  ]);
}

/** A 1.x Template-Attribute (or the 1.x Attribute list of a Locate): its Attribute children. */
export function fromTemplateAttribute(item: TtlvItem | undefined): Attr[] {
  if (!item) return [];
  const s = read.struct(item)!;
  const out: Attr[] = [];
  for (const c of s.value) {
    if (c.tag === Tag.Name) continue; // a Template's name: the caller merges that Template's attributes
    if (c.tag !== Tag.Attribute) throw invalidField(`${tagName(c.tag)} in ${tagName(s.tag)}`);
    out.push(fromAttribute1x(c).attr);
  }
  return out;
}

// ------------------------------------------------------------------------------------ KMIP 2.x

/** One child of a 2.x Attributes structure: a standard attribute, a vendor Attribute, or an extension tag. */
export function fromAttribute2x(item: TtlvItem): Attr {
  if (item.tag === Tag.Attribute) {
    const s = read.struct(item)!;
    const vendor = read.text(child(s, Tag.VendorIdentification));
    const name = read.text(child(s, Tag.AttributeName));
    const value = child(s, Tag.AttributeValue);
    if (vendor === undefined || name === undefined) throw invalidField('a vendor Attribute needs Vendor Identification and Attribute Name');
    if (!value) throw invalidField(`${vendor}-${name} has no Attribute Value`);
    const key = vendorKey(vendor, name);
    const def = vendor === '' ? attributeByName(key) : undefined;
    if (!def) return { key, value };
    const standard = retag(value, def.tag);
    checkType(def, standard);
    return { key, value: standard };
  }
  const key = keyForTag(item.tag);
  const def = attributeByTag(item.tag);
  if (def) checkType(def, item);
  return { key, value: item };
}

export function fromAttributes2x(item: TtlvItem | undefined): Attr[] {
  if (!item) return [];
  return read.struct(item)!.value.map(fromAttribute2x);
}

export function toAttribute2x(attr: Attr): TtlvItem {
  const k = kindOf(attr.key);
  if (k?.kind === 'custom') {
    return struct(Tag.Attribute, [text(Tag.VendorIdentification, k.vendor), text(Tag.AttributeName, k.name), retag(attr.value, Tag.AttributeValue)]);
  }
  return attr.value;
}

/** A 2.x Attribute Reference (an Enumeration holding a tag, or Vendor Identification + name) to a key. */
export function fromAttributeReference(item: TtlvItem): string {
  if (item.type === ItemType.Enumeration) return keyForTag(item.value);
  const s = read.struct(item)!;
  const vendor = read.text(child(s, Tag.VendorIdentification));
  const name = read.text(child(s, Tag.AttributeName));
  if (vendor === undefined || name === undefined) throw invalidField('Attribute Reference needs Vendor Identification and Attribute Name');
  return vendorKey(vendor, name);
}

/**
 * The key of a vendor-style reference. An empty Vendor Identification names a standard attribute by
 * its spec name (PyKMIP's 2.0 client sends `Name` that way); any other vendor keeps its own namespace.
 */
function vendorKey(vendor: string, name: string): string {
  if (vendor !== '') return `${vendor}-${name}`;
  if (attributeByName(name)) return name;
  throw invalidField(`an Attribute Reference with no Vendor Identification must name a standard attribute, not ${JSON.stringify(name)}`);
}

export function toAttributeReference(key: string): TtlvItem {
  const k = kindOf(key);
  if (k?.kind === 'custom') return struct(Tag.AttributeReference, [text(Tag.VendorIdentification, k.vendor), text(Tag.AttributeName, k.name)]);
  if (k?.kind === 'standard') return enm(Tag.AttributeReference, k.def.tag);
  return enm(Tag.AttributeReference, parseInt(key.slice(4), 16));
}
