// kmipkit/dict: names and numbers of every KMIP tag, enumeration and mask (generated tables).
// Lookups build their maps once, on first use.
import { ENUM_TABLES, type EnumTable } from './generated/enums.js';
import { Tag, TAG_TABLE } from './generated/tags.js';

export { Tag, type TagName } from './generated/tags.js';
export * from './generated/enums.js';

export interface EnumDef {
  /** CamelCase name of the enumeration or mask, e.g. 'ObjectType'. */
  readonly name: string;
  readonly kind: 'enumeration' | 'mask';
  /** Canonical (newest) name of a value, or undefined when the table has none. */
  valueName(v: number): string | undefined;
  /** Value of a name: current names, KMIP 1.x names and older spellings. */
  valueByName(name: string): number | undefined;
  /** Current values (and, after them, the KMIP 3.0 unverified ones), in table order. */
  readonly values: ReadonlyArray<readonly [string, number]>;
}

let tagNames: Map<number, string> | undefined;
let tagSpec: Map<number, string> | undefined;
let tagNumbers: Map<string, number> | undefined;

function loadTags(): void {
  tagNames = new Map();
  tagSpec = new Map();
  tagNumbers = new Map();
  for (const [name, n] of Object.entries(Tag)) {
    tagNames.set(n, name);
    tagNumbers.set(name, n);
  }
  for (const [n, spec, , aliases] of TAG_TABLE) {
    tagSpec.set(n, spec);
    tagNumbers.set(spec, n);
    for (const a of aliases) if (!tagNumbers.has(a)) tagNumbers.set(a, n);
  }
}

/** CamelCase name of a tag, e.g. 'ActivationDate'; undefined for unknown and extension tags. */
export function tagName(tag: number): string | undefined {
  if (!tagNames) loadTags();
  return tagNames!.get(tag);
}

/** The spec's words for a tag, e.g. 'Activation Date'. */
export function tagSpecName(tag: number): string | undefined {
  if (!tagSpec) loadTags();
  return tagSpec!.get(tag);
}

/** Tag of a CamelCase name, the spec's words, or an older name. */
export function tagByName(name: string): number | undefined {
  if (!tagNumbers) loadTags();
  return tagNumbers!.get(name);
}

/** KMIP 1.x Attribute Name text ('Cryptographic Algorithm') to its tag; undefined for custom names. */
export function attributeNameToTag(attributeName: string): number | undefined {
  if (!tagSpec) loadTags();
  const n = tagNumbers!.get(attributeName);
  return n !== undefined && tagSpec!.get(n) === attributeName ? n : undefined;
}

export const isExtensionTag = (tag: number): boolean => tag >>> 16 === 0x54;
export const isExtensionEnumValue = (v: number): boolean => v >>> 28 === 0x8;
export const formatTagHex = (tag: number): string => '0x' + tag.toString(16).toUpperCase().padStart(6, '0');

function makeDef(name: string, t: EnumTable): EnumDef {
  const byValue = new Map<number, string>();
  const byName = new Map<string, number>();
  // Later entries never override earlier ones for output: current names win over legacy ones.
  const add = (k: string, v: number) => {
    if (!byValue.has(v)) byValue.set(v, k);
    if (!byName.has(k)) byName.set(k, v);
  };
  const values: (readonly [string, number])[] = Object.entries(t.values);
  for (const [k, v] of values) add(k, v);
  for (const [k, v] of t.legacy) add(k, v);
  for (const [k, v] of t.kmip3Unverified) add(k, v);
  for (const [old, now] of t.aliases) if (byName.has(now) && !byName.has(old)) byName.set(old, byName.get(now)!);
  values.push(...t.kmip3Unverified);
  return {
    name,
    kind: t.kind,
    values,
    valueName: (v) => byValue.get(v),
    valueByName: (n) => byName.get(n),
  };
}

// The Tag enumeration's values are the tags themselves (2.x Attribute Reference and friends).
const TAG_ENUM: EnumDef = {
  name: 'Tag',
  kind: 'enumeration',
  get values() {
    return Object.entries(Tag);
  },
  valueName: (v) => tagName(v),
  valueByName: (n) => tagByName(n),
};

let defs: Map<string, EnumDef> | undefined;
let byTag: Map<number, EnumDef> | undefined;
let maskByTag: Map<number, EnumDef> | undefined;

function loadEnums(): void {
  defs = new Map();
  byTag = new Map();
  maskByTag = new Map();
  for (const [name, t] of Object.entries(ENUM_TABLES)) {
    const def = name === 'Tag' ? TAG_ENUM : makeDef(name, t);
    defs.set(name, def);
    for (const tag of t.tags) (t.kind === 'mask' ? maskByTag : byTag).set(tag, def);
  }
}

/** An enumeration or mask by its CamelCase name ('ObjectType', 'CryptographicUsageMask'). */
export function enumByName(name: string): EnumDef | undefined {
  if (!defs) loadEnums();
  return defs!.get(name);
}

/** The enumeration an Enumeration-typed tag carries. */
export function enumForTag(tag: number): EnumDef | undefined {
  if (!byTag) loadEnums();
  return byTag!.get(tag);
}

/** The bit mask an Integer-typed tag carries (Cryptographic Usage Mask, Storage Status Mask, ...). */
export function maskForTag(tag: number): EnumDef | undefined {
  if (!maskByTag) loadEnums();
  return maskByTag!.get(tag);
}

/** Names of the KMIP 3.0 Cryptographic Algorithm values that no OASIS text here confirms. */
export const KMIP3_UNVERIFIED: ReadonlySet<string> = new Set(
  Object.values(ENUM_TABLES).flatMap((t) => t.kmip3Unverified.map(([k]) => k)),
);
