// Every tag, enumeration, mask and Attribute Name that the 905 OASIS XML test cases use resolves in the
// dictionary, except the names listed below with the reason they cannot.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attributeNameToTag, enumForTag, maskForTag, Tag, tagByName } from '../../src/dict/index.js';
import { TESTCASES } from '../helpers/testdata.js';

/** Elements of the test-case files that are not KMIP tags. */
const NOT_TAGS: Record<string, string> = {
  KMIP: 'root element of the test-case files',
  KmipTestCase: 'root element of the v1.0 profile files Cosmian reconstructed from the HTML',
  TTLV: 'item written by number (<TTLV tag="0x540001" ...>), checked as hex',
};

/**
 * Names only the KMIP Profiles v3.0 csd01 drafts use. KMIP 3.0 tags and values are not in
 * spec-tags.json / spec-enums.json (the 3.0 spec text was not available), so their numbers are unknown
 * and they cannot be added. (test/encodings/corpus.test.ts gives them provisional extension numbers
 * through the codec's `names` option to check those files.)
 */
const KMIP3_TAGS = ['CredentialLink', 'GroupLink', 'NextLink', 'ObjectClass', 'PasswordCredential', 'PreviousLink', 'PrivateKeyLink', 'PublicKeyLink'];
const KMIP3_VALUES = [
  'AttributeReference=NextLink', // KMIP 3.0 tags named as Tag enumeration values
  'AttributeReference=ObjectClass',
  'AttributeReference=PreviousLink',
  'CredentialType=Certificate',
  'CredentialType=Password',
  'ObjectType=DeviceCredential',
  'ObjectType=Group',
  'ObjectType=HashedPasswordCredential',
  'ObjectType=OneTimePasswordCredential',
  'ObjectType=PasswordCredential',
  'ObjectType=User',
  'Operation=CreateCredential',
  'Operation=CreateGroup',
  'Operation=CreateUser',
  'Operation=Deactivate',
  'Operation=Obliterate',
];
/**
 * KMIP 2.x enumerations that have no value table in the spec (PKCS#11 Function: 1-based offsets into
 * PKCS#11's CK_FUNCTION_LIST_3_0; PKCS#11 Return Code: CK_RV values). The names the test cases use get
 * their numbers from scripts/dict-supplement.json, so they resolve.
 */
const SUPPLEMENTED = ['PKCS_11Function=C_Finalize', 'PKCS_11Function=C_GetInfo', 'PKCS_11Function=C_Initialize', 'PKCS_11ReturnCode=OK'];
/** Attribute Names without the x-/y- prefix that are not KMIP attributes: vendor and custom names the test cases define. */
const CUSTOM_ATTRIBUTE_NAMES = [
  'Barcode',
  'CustomAttribute1',
  'CustomAttribute2',
  'CustomAttribute3',
  'CustomAttribute4',
  'Greek Capital Alpha (&#913;) I18N Test - HEX CE91',
  'Group',
  'ID',
  'KMIP Test Case Identifier',
  'Set',
  'VendorAttribute1',
  'VendorAttribute2',
  'VendorAttribute3',
  'attribute1',
  'attribute2',
];

function xmlFiles(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) xmlFiles(p, out);
    else if (f.endsWith('.xml')) out.push(p);
  }
  return out;
}

const ELEMENT = /<([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/g;
const ATTRIBUTE = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const isPlaceholder = (v: string) => v.startsWith('$');
const isHex = (v: string) => /^0x[0-9a-fA-F]+$/.test(v);
const isNumber = (v: string) => /^[+-]?\d+$/.test(v) || isHex(v);

describe('names in the OASIS XML test cases', () => {
  const files = xmlFiles(TESTCASES);
  const resolvedTags = new Set<string>();
  const resolvedValues = new Set<string>();
  const resolvedMaskBits = new Set<string>();
  const resolvedAttributeNames = new Set<string>();
  const unknownTags = new Map<string, Set<string>>(); // name -> editions
  const unknownValues = new Map<string, Set<string>>(); // Table=Name -> editions
  const unknownAttributeNames = new Set<string>();
  const problems: string[] = [];
  let enumerationItems = 0;

  for (const file of files) {
    const edition = relative(TESTCASES, file).split(sep)[0]; // v1.0 .. v3.0
    const text = readFileSync(file, 'utf8').replace(/<!--[\s\S]*?-->/g, '');
    let attributeName: string | undefined; // the Attribute Name of the enclosing 1.x Attribute
    for (const m of text.matchAll(ELEMENT)) {
      const el = m[1];
      const attrs: Record<string, string> = {};
      for (const a of m[2].matchAll(ATTRIBUTE)) attrs[a[1]] = a[2] ?? a[3];
      if (el in NOT_TAGS) {
        if (el === 'TTLV' && !/^0x[0-9a-fA-F]{6}$/.test(attrs.tag ?? '')) problems.push(`${file}: TTLV tag ${attrs.tag}`);
        continue;
      }
      const tag = tagByName(el);
      if (tag === undefined) {
        if (!unknownTags.has(el)) unknownTags.set(el, new Set());
        unknownTags.get(el)!.add(edition);
        continue;
      }
      resolvedTags.add(el);
      if (tag === Tag.Attribute) attributeName = undefined;
      const { type, value } = attrs;
      if (value === undefined || isPlaceholder(value)) continue;
      if (tag === Tag.AttributeName && type === 'TextString') {
        attributeName = value;
        if (attributeNameToTag(value) !== undefined) resolvedAttributeNames.add(value);
        else if (!/^[xy]-/.test(value)) unknownAttributeNames.add(value);
        continue;
      }
      // A 1.x Attribute Value takes the table of the tag its Attribute Name names.
      const defTag = tag === Tag.AttributeValue && attributeName !== undefined ? attributeNameToTag(attributeName) : tag;
      if (type === 'Enumeration') {
        enumerationItems++;
        if (isHex(value)) continue;
        const def = defTag === undefined ? undefined : enumForTag(defTag);
        if (!def) {
          problems.push(`${edition} ${el}${attributeName ? ` (${attributeName})` : ''}: no enumeration for '${value}'`);
          continue;
        }
        const key = `${tag === Tag.AttributeValue ? def.name : el}=${value}`;
        if (def.valueByName(value) !== undefined) resolvedValues.add(`${def.name}=${value}`);
        else {
          if (!unknownValues.has(key)) unknownValues.set(key, new Set());
          unknownValues.get(key)!.add(edition);
        }
      } else if (type === 'Integer' && !isNumber(value)) {
        // Masks are written as space-separated names (and hex parts).
        const def = defTag === undefined ? undefined : maskForTag(defTag);
        if (!def) {
          problems.push(`${edition} ${el}: '${value}' is not a number and ${el} has no mask`);
          continue;
        }
        for (const part of value.trim().split(/\s+/)) {
          if (isHex(part)) continue;
          if (def.valueByName(part) !== undefined) resolvedMaskBits.add(`${def.name}=${part}`);
          else problems.push(`${edition} ${el}: mask bit '${part}' is not a ${def.name} value`);
        }
      }
    }
  }

  it('reads all 905 files', () => {
    expect(files).toHaveLength(905);
    expect(enumerationItems).toBeGreaterThan(30_000);
    expect(problems).toEqual([]);
  });

  it('resolves every element name but the KMIP 3.0 ones', () => {
    expect([...unknownTags.keys()].sort()).toEqual(KMIP3_TAGS);
    for (const name of KMIP3_TAGS) expect([...unknownTags.get(name)!], name).toEqual(['v3.0']);
    expect(resolvedTags.size).toBe(273);
  });

  it('resolves every Enumeration name but the KMIP 3.0 ones', () => {
    const unknown = [...unknownValues.keys()].sort();
    expect(unknown).toEqual(KMIP3_VALUES);
    for (const key of KMIP3_VALUES) expect([...unknownValues.get(key)!], key).toEqual(['v3.0']);
    for (const key of SUPPLEMENTED) expect(resolvedValues, key).toContain(key);
    // Tag names as Attribute Reference values, 1.x Attribute Values, MGF1, NotAuthorized, PKCS#11 names
    // (scripts/dict-supplement.json), ... all resolve.
    expect(resolvedValues.size).toBe(328);
  });

  it('resolves every mask bit name (Cryptographic Usage Mask "Encrypt Decrypt", ...)', () => {
    expect([...new Set([...resolvedMaskBits].map((k) => k.split('=')[0]))].sort()).toEqual([
      'CryptographicUsageMask',
      'ProtectionStorageMask',
      'StorageStatusMask',
    ]);
    expect(resolvedMaskBits.size).toBe(13);
  });

  it('resolves every KMIP 1.x Attribute Name but custom ones', () => {
    expect([...unknownAttributeNames].sort()).toEqual(CUSTOM_ATTRIBUTE_NAMES);
    expect(resolvedAttributeNames.size).toBe(89);
  });
});
