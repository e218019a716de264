// kmipkit/dict: names and numbers of every KMIP 1.0-2.1 tag, enumeration and mask, from the tables that
// scripts/gen-dictionary.mjs generates (src/dict/generated). Tags are plain numbers everywhere. Lookups
// build their maps once, on first use.
import { ENUM_TABLES, type EnumTable } from './generated/enums.js';
import { Tag, TAG_ROWS } from './generated/tags.js';

export { Tag, type TagName } from './generated/tags.js';
// The enumerations and masks as `as const` objects with union types (ObjectType, Operation, ...),
// KMIP3_UNVERIFIED and the raw ENUM_TABLES.
export * from './generated/enums.js';

/** An edition of the KMIP Specification ('1.0' .. '2.1'; '3.0' for the unverified KMIP 3.0 values). */
export type KmipVersion = '1.0' | '1.1' | '1.2' | '1.3' | '1.4' | '2.0' | '2.1' | '3.0';

export interface EnumValueInfo {
  /** Canonical CamelCase name (the newest wording). */
  readonly name: string;
  readonly value: number;
  /** The spec's words, e.g. 'Symmetric Key'. */
  readonly specName: string;
  /** First edition whose table lists the value. */
  readonly since: KmipVersion;
  /** Last edition that lists it, for values 2.1 dropped or reserved (KMIP 1.x only); else undefined. */
  readonly until?: KmipVersion;
  /** A KMIP 3.0 value that no OASIS text here confirms (see KMIP3_UNVERIFIED). */
  readonly unverified: boolean;
}

export interface EnumDef {
  /** CamelCase name of the enumeration or mask, e.g. 'ObjectType'. */
  readonly name: string;
  readonly kind: 'enumeration' | 'mask';
  /** Canonical (newest) name of a value (for a mask: of one bit), or undefined. */
  valueName(v: number): string | undefined;
  /** Value of a canonical name, a KMIP 1.x-only name, or an older spelling ('SHA_3_256', 'MFG1'). */
  valueByName(name: string): number | undefined;
  /** Every value once, sorted by number: (canonical name, value), KMIP 1.x-only and KMIP 3.0 ones included. */
  readonly values: ReadonlyArray<readonly [string, number]>;
  /** The spec's words for the table, e.g. 'Object Type'. */
  readonly specName: string;
  /** Spec words, editions and flags of a value. */
  info(v: number): EnumValueInfo | undefined;
}

// ---------------------------------------------------------------------------------------------- tags

export interface TagInfo {
  readonly tag: number;
  /** CamelCase (XML/JSON) name, from the newest edition that has the tag. */
  readonly name: string;
  /** The spec's words, e.g. 'Activation Date'. */
  readonly specName: string;
  /** First edition that lists the tag. */
  readonly since: KmipVersion;
  /** Last edition, for tags 2.0 dropped (Template-Attribute, ...); else undefined. */
  readonly until?: KmipVersion;
  /** Older CamelCase names and older spec words that still resolve. */
  readonly aliases: readonly string[];
}

let tagInfos: Map<number, TagInfo> | undefined;
let tagNumbers: Map<string, number> | undefined;
let specTags: Map<string, number> | undefined;

function loadTags(): Map<number, TagInfo> {
  const names = new Map<number, string>();
  for (const [name, n] of Object.entries(Tag)) names.set(n, name);
  tagInfos = new Map();
  tagNumbers = new Map(Object.entries(Tag));
  specTags = new Map();
  for (const row of TAG_ROWS) {
    const [h, specName, since, until, olderNames, olderSpecs] = row.split('|');
    const tag = parseInt(h, 16);
    const aliases = [...(olderNames ? olderNames.split(',') : []), ...(olderSpecs ? olderSpecs.split(',') : [])];
    tagInfos.set(tag, {
      tag,
      name: names.get(tag)!,
      specName,
      since: since as KmipVersion,
      ...(until ? { until: until as KmipVersion } : {}),
      aliases,
    });
    for (const s of [specName, ...aliases]) if (!tagNumbers.has(s)) tagNumbers.set(s, tag);
    for (const s of [specName, ...(olderSpecs ? olderSpecs.split(',') : [])]) specTags.set(s, tag);
  }
  return tagInfos;
}

/** Everything the dictionary knows about a tag; undefined for unknown and extension tags. */
export function tagInfo(tag: number): TagInfo | undefined {
  return (tagInfos ?? loadTags()).get(tag);
}

/** CamelCase name of a tag, e.g. 'ActivationDate'; undefined for unknown and extension tags. */
export function tagName(tag: number): string | undefined {
  return (tagInfos ?? loadTags()).get(tag)?.name;
}

/** The spec's words for a tag, e.g. 'Activation Date'. */
export function tagSpecName(tag: number): string | undefined {
  return (tagInfos ?? loadTags()).get(tag)?.specName;
}

/** Tag of a CamelCase name ('ActivationDate'), the spec's words ('Activation Date') or an older name. */
export function tagByName(name: string): number | undefined {
  if (!tagNumbers) loadTags();
  return tagNumbers!.get(name);
}

/**
 * Tag of a KMIP 1.x Attribute Name ('Cryptographic Algorithm' -> 0x420028): the spec's words of a tag,
 * current or older, with runs of white space read as one space. Undefined for custom attributes
 * ('x-...', 'y-...') and any other text.
 */
export function attributeNameToTag(attributeName: string): number | undefined {
  if (!specTags) loadTags();
  if (/^[xy]-/.test(attributeName)) return undefined;
  const tag = specTags!.get(attributeName);
  return tag ?? specTags!.get(attributeName.trim().replace(/\s+/g, ' '));
}

/** Tags 0x540000-0x54FFFF, the extension range. */
export function isExtensionTag(tag: number): boolean {
  return tag >= 0x540000 && tag <= 0x54ffff;
}

/** Enumeration values 0x80000000-0x8FFFFFFF, the extension range (8XXXXXXX). Accepts signed or unsigned. */
export function isExtensionEnumValue(v: number): boolean {
  return (v >>> 28) === 0x8;
}

/** '0x420001': '0x' and six upper-case hex digits. */
export function formatTagHex(tag: number): string {
  return '0x' + tag.toString(16).toUpperCase().padStart(6, '0');
}

// ------------------------------------------------------------------------------ enumerations and masks

function makeDef(name: string, t: EnumTable): EnumDef {
  let byValue: Map<number, EnumValueInfo> | undefined;
  let byName: Map<string, number> | undefined;
  let values: (readonly [string, number])[] | undefined;
  const load = () => {
    byValue = new Map();
    byName = new Map();
    values = [];
    for (const row of t.rows) {
      const [h, vname, spec, since, until, flags] = row.split('|');
      const value = parseInt(h, 16);
      const info: EnumValueInfo = {
        name: vname,
        value,
        specName: spec || vname,
        since: since as KmipVersion,
        ...(until ? { until: until as KmipVersion } : {}),
        unverified: flags === 'U',
      };
      byValue.set(value, info);
      byName.set(vname, value);
      values.push([vname, value]);
    }
    for (const a of t.aliases) {
      const [alias, canonical] = a.split('=');
      byName.set(alias, byName.get(canonical)!);
    }
  };
  return {
    name,
    kind: t.kind,
    specName: t.spec,
    get values() {
      if (!values) load();
      return values!;
    },
    valueName(v) {
      if (!byValue) load();
      return byValue!.get(v)?.name;
    },
    valueByName(n) {
      if (!byName) load();
      return byName!.get(n);
    },
    info(v) {
      if (!byValue) load();
      return byValue!.get(v);
    },
  };
}

/** The Tag enumeration (2.x Attribute Reference): its values are the tags themselves. */
function tagEnumDef(t: EnumTable): EnumDef {
  let values: (readonly [string, number])[] | undefined;
  return {
    name: 'Tag',
    kind: t.kind,
    specName: t.spec,
    get values() {
      return (values ??= Object.entries(Tag).sort((a, b) => a[1] - b[1]));
    },
    valueName: (v) => tagName(v),
    valueByName: (n) => tagByName(n),
    info(v) {
      const i = tagInfo(v);
      return i && { name: i.name, value: v, specName: i.specName, since: i.since, ...(i.until ? { until: i.until } : {}), unverified: false };
    },
  };
}

let defs: Map<string, EnumDef> | undefined;
let enumByTag: Map<number, EnumDef> | undefined;
let maskByTag: Map<number, EnumDef> | undefined;

function loadEnums(): void {
  defs = new Map();
  enumByTag = new Map();
  maskByTag = new Map();
  for (const [name, t] of Object.entries(ENUM_TABLES)) {
    const def = name === 'Tag' ? tagEnumDef(t) : makeDef(name, t);
    defs.set(name, def);
    for (const tag of t.tags) (t.kind === 'mask' ? maskByTag : enumByTag).set(tag, def);
  }
}

/** An enumeration or mask by its CamelCase name ('ObjectType', 'CryptographicUsageMask'). */
export function enumByName(name: string): EnumDef | undefined {
  if (!defs) loadEnums();
  return defs!.get(name);
}

/**
 * The enumeration an Enumeration-typed tag carries (kind 'enumeration'), e.g. ObjectType for 0x420057,
 * Tag for Attribute Reference (0x42013B), UniqueIdentifier for Unique Identifier sent as an Enumeration.
 */
export function enumForTag(tag: number): EnumDef | undefined {
  if (!enumByTag) loadEnums();
  return enumByTag!.get(tag);
}

/** The bit mask an Integer-typed tag carries (kind 'mask'): Cryptographic Usage Mask, Storage Status Mask, Protection Storage Mask. */
export function maskForTag(tag: number): EnumDef | undefined {
  if (!maskByTag) loadEnums();
  return maskByTag!.get(tag);
}

/**
 * Whether a value is one of the KMIP 3.0 values that no OASIS text here confirms (today the post-quantum
 * Cryptographic Algorithm values, also listed in KMIP3_UNVERIFIED): put them behind a setting.
 */
export function isKmip3Unverified(def: EnumDef | string, value: number): boolean {
  const d = typeof def === 'string' ? enumByName(def) : def;
  return d?.info(value)?.unverified === true;
}
