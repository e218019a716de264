// kmipkit/dict against the spec's numbers (spec-tags.json, spec-enums.json) and its own API contract.
import { describe, expect, it } from 'vitest';
import {
  attributeNameToTag,
  BatchErrorContinuationOption,
  BlockCipherMode,
  CryptographicAlgorithm,
  CryptographicUsageMask,
  ENUM_TABLES,
  enumByName,
  enumForTag,
  formatTagHex,
  HashingAlgorithm,
  isExtensionEnumValue,
  isExtensionTag,
  isKmip3Unverified,
  KeyFormatType,
  KMIP3_UNVERIFIED,
  LinkType,
  maskForTag,
  NameType,
  ObjectType,
  Operation,
  PaddingMethod,
  ResultReason,
  ResultStatus,
  RevocationReasonCode,
  State,
  Tag,
  tagByName,
  tagInfo,
  tagName,
  tagSpecName,
} from '../../src/dict/index.js';
import { readJson } from '../helpers/testdata.js';

interface TagsJson {
  versions: Record<string, { tags: Record<string, { name: string }> }>;
}
interface EnumJson {
  spec_name: string;
  values: Record<string, string>;
  spec_names?: Record<string, string>;
  legacy_values?: Record<string, { value: string; spec_name: string }>;
  aliases?: Record<string, { is: string }>;
  kmip_3_0_unverified?: { values: Record<string, string> };
  tags: { xml: string; hex: string }[];
}
interface EnumsJson {
  spot_checks: { enum: string; name: string; expected: string }[];
  enums: Record<string, EnumJson>;
  masks: Record<string, EnumJson>;
}
const tagsJson = readJson<TagsJson>('spec-tags.json');
const enumsJson = readJson<EnumsJson>('spec-enums.json');
const VERSIONS = ['1.0', '1.1', '1.2', '1.3', '1.4', '2.0', '2.1'];

describe('tags', () => {
  it('spot checks against the spec', () => {
    expect(Tag.ActivationDate).toBe(0x420001);
    expect(Tag.AttributeValue).toBe(0x42000b);
    expect(Tag.RequestMessage).toBe(0x420078);
    expect(Tag.ResponseMessage).toBe(0x42007b);
    expect(Tag.X_509CertificateIdentifier).toBe(0x4200b5);
    expect(Tag.IVCounterNonce).toBe(0x42003d);
    expect(Tag.PKCS_12FriendlyName).toBe(0x4200fb);
    expect(Tag.TemplateAttribute).toBe(0x420091); // KMIP 1.x only
    expect(tagName(0x420001)).toBe('ActivationDate');
    expect(tagSpecName(0x420001)).toBe('Activation Date');
    expect(tagSpecName(0x42003d)).toBe('IV/Counter/Nonce');
    expect(tagByName('ActivationDate')).toBe(0x420001);
    expect(tagByName('Activation Date')).toBe(0x420001);
    expect(tagByName('Template-Attribute')).toBe(0x420091);
    expect(tagByName('activationdate')).toBeUndefined();
    expect(tagName(0x540001)).toBeUndefined();
    expect(tagInfo(0x420001)).toEqual({ tag: 0x420001, name: 'ActivationDate', specName: 'Activation Date', since: '1.0', aliases: [] });
    expect(tagInfo(0x420091)).toMatchObject({ since: '1.0', until: '1.4' });
    expect(tagInfo(0x42013b)).toMatchObject({ name: 'AttributeReference', since: '2.0' });
  });

  it('has every tag of every edition under its number, CamelCase name and spec words', () => {
    const numbers = new Set<number>();
    for (const v of VERSIONS) {
      for (const [h, { name }] of Object.entries(tagsJson.versions[v].tags)) {
        const n = parseInt(h, 16);
        numbers.add(n);
        expect(tagByName(name), `${v} ${name}`).toBe(n);
        expect(tagByName(tagName(n)!)).toBe(n);
        expect(formatTagHex(n)).toBe('0x' + h);
      }
    }
    for (const [h, { name }] of Object.entries(tagsJson.versions['2.1'].tags)) expect(tagSpecName(parseInt(h, 16))).toBe(name);
    expect(numbers.size).toBe(372);
    expect(Object.keys(Tag)).toHaveLength(372);
    for (const [name, n] of Object.entries(Tag)) {
      expect(tagName(n)).toBe(name);
      expect(tagByName(name)).toBe(n);
      expect(tagByName(tagSpecName(n)!)).toBe(n);
    }
  });

  it('extension ranges and hex', () => {
    expect(isExtensionTag(0x540001)).toBe(true);
    expect(isExtensionTag(0x54ffff)).toBe(true);
    expect(isExtensionTag(0x420001)).toBe(false);
    expect(isExtensionTag(0x1540001)).toBe(false);
    expect(isExtensionEnumValue(0x80000001)).toBe(true);
    expect(isExtensionEnumValue(0x80000001 | 0)).toBe(true); // read as a signed 32-bit number
    expect(isExtensionEnumValue(0x8fffffff)).toBe(true);
    expect(isExtensionEnumValue(0x90000000)).toBe(false);
    expect(isExtensionEnumValue(0x0000000a)).toBe(false);
    expect(formatTagHex(0x420001)).toBe('0x420001');
    expect(formatTagHex(0x54000a)).toBe('0x54000A');
  });

  it('maps KMIP 1.x Attribute Names to tags', () => {
    expect(attributeNameToTag('Cryptographic Algorithm')).toBe(0x420028);
    expect(attributeNameToTag('Cryptographic Usage Mask')).toBe(Tag.CryptographicUsageMask);
    expect(attributeNameToTag('X.509 Certificate Identifier')).toBe(Tag.X_509CertificateIdentifier);
    expect(attributeNameToTag('PKCS#12 Friendly Name')).toBe(Tag.PKCS_12FriendlyName);
    expect(attributeNameToTag('Certificate Identifier')).toBe(0x420014); // deprecated in 1.1, gone in 2.0
    expect(attributeNameToTag('Cryptographic   Algorithm')).toBe(0x420028); // as some v1.0 files write it
    expect(attributeNameToTag('x-custom')).toBeUndefined();
    expect(attributeNameToTag('y-Name')).toBeUndefined();
    expect(attributeNameToTag('CryptographicAlgorithm')).toBeUndefined(); // not an Attribute Name
    expect(attributeNameToTag('')).toBeUndefined();
  });
});

describe('enumerations and masks', () => {
  it('spot checks against the spec (spec-enums.json spot_checks and more)', () => {
    expect(enumsJson.spot_checks.length).toBeGreaterThan(5);
    for (const c of enumsJson.spot_checks) expect(enumByName(c.enum)?.valueByName(c.name), `${c.enum}.${c.name}`).toBe(parseInt(c.expected, 16));
    expect(ObjectType.SymmetricKey).toBe(2);
    expect(ObjectType.Template).toBe(6); // KMIP 1.x only
    expect(Operation.Get).toBe(0x0a);
    expect(Operation.Locate).toBe(8);
    expect(ResultStatus.Success).toBe(0);
    expect(ResultStatus.OperationFailed).toBe(1);
    expect(ResultReason.ItemNotFound).toBe(1);
    expect(ResultReason.GeneralFailure).toBe(0x100);
    expect(State.PreActive).toBe(1);
    expect(CryptographicAlgorithm.AES).toBe(3);
    expect(CryptographicAlgorithm.DES3).toBe(2);
    expect(BlockCipherMode.GCM).toBe(9);
    expect(PaddingMethod.PKCS5).toBe(3);
    expect(HashingAlgorithm.SHA_256).toBe(6);
    expect(KeyFormatType.TransparentSymmetricKey).toBe(7);
    expect(NameType.UninterpretedTextString).toBe(1);
    expect(LinkType.PublicKeyLink).toBe(0x102);
    expect(RevocationReasonCode.KeyCompromise).toBe(2);
    expect(BatchErrorContinuationOption.Stop).toBe(2);
    expect(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt).toBe(0x0c);
    expect(CryptographicUsageMask.Export).toBe(0x40); // KMIP 1.x only
    const t: ObjectType = ObjectType.SymmetricKey; // the union type
    expect(t).toBe(2);
  });

  it('links tags to enumerations and masks', () => {
    expect(enumForTag(Tag.ObjectType)?.name).toBe('ObjectType');
    expect(enumForTag(Tag.State)?.valueName(1)).toBe('PreActive');
    expect(enumForTag(Tag.MaskGeneratorHashingAlgorithm)?.name).toBe('HashingAlgorithm');
    expect(enumForTag(Tag.ExtensionType)?.name).toBe('ItemType');
    expect(enumForTag(Tag.LinkedObjectIdentifier)?.name).toBe('UniqueIdentifier');
    expect(enumForTag(Tag.UniqueIdentifier)?.valueByName('IDPlaceholder')).toBe(1);
    expect(enumForTag(Tag.ActivationDate)).toBeUndefined();
    // Masks ride on Integer-typed tags: maskForTag, never enumForTag.
    for (const [tag, mask] of [
      [Tag.CryptographicUsageMask, 'CryptographicUsageMask'],
      [Tag.StorageStatusMask, 'StorageStatusMask'],
      [Tag.ProtectionStorageMask, 'ProtectionStorageMask'],
    ] as const) {
      expect(maskForTag(tag)?.name).toBe(mask);
      expect(maskForTag(tag)?.kind).toBe('mask');
      expect(enumForTag(tag)).toBeUndefined();
    }
    expect(maskForTag(Tag.ObjectType)).toBeUndefined();
    expect(maskForTag(Tag.CryptographicUsageMask)?.valueByName('Decrypt')).toBe(8);
    // Every link in spec-enums.json.
    let links = 0;
    for (const [section, kind] of [['enums', 'enumeration'], ['masks', 'mask']] as const) {
      for (const [name, e] of Object.entries(enumsJson[section])) {
        for (const t of e.tags) {
          const def = kind === 'mask' ? maskForTag(parseInt(t.hex, 16)) : enumForTag(parseInt(t.hex, 16));
          expect(def?.name, `${t.xml} -> ${name}`).toBe(name);
          expect(def?.kind).toBe(kind);
          expect(tagByName(t.xml)).toBe(parseInt(t.hex, 16));
          links++;
        }
      }
    }
    expect(links).toBe(Object.values(ENUM_TABLES).reduce((s, t) => s + t.tags.length, 0));
  });

  it('has every value, KMIP 1.x value and alias of spec-enums.json', () => {
    let current = 0;
    let legacy = 0;
    for (const section of ['enums', 'masks'] as const) {
      for (const [name, e] of Object.entries(enumsJson[section])) {
        const def = enumByName(name)!;
        expect(def, name).toBeDefined();
        expect(def.specName).toBe(e.spec_name);
        expect(def.kind).toBe(section === 'masks' ? 'mask' : 'enumeration');
        for (const [k, h] of Object.entries(e.values)) {
          expect(def.valueByName(k), `${name}.${k}`).toBe(parseInt(h, 16));
          if (name !== 'MaskGenerator') {
            expect(def.valueName(parseInt(h, 16))).toBe(k);
            expect(def.info(parseInt(h, 16))?.specName).toBe(e.spec_names?.[k] ?? k);
          }
          current++;
        }
        for (const [k, l] of Object.entries(e.legacy_values ?? {})) {
          const v = parseInt(l.value, 16);
          expect(def.valueByName(k), `${name}.${k}`).toBe(v);
          expect(def.info(v)?.until).toMatch(/^1\.[0-4]$/);
          legacy++;
        }
        for (const [k, a] of Object.entries(e.aliases ?? {})) expect(def.valueByName(k), `${name}.${k}`).toBe(def.valueByName(a.is));
      }
    }
    expect(current).toBe(644 + 33);
    expect(legacy).toBe(174);
  });

  it('keeps KMIP 1.x names, older spellings, and the newest name for output', () => {
    const objectType = enumForTag(Tag.ObjectType)!;
    expect(objectType.valueByName('Template')).toBe(6);
    expect(objectType.valueName(6)).toBe('Template');
    expect(objectType.info(6)).toEqual({ name: 'Template', value: 6, specName: 'Template', since: '1.0', until: '1.4', unverified: false });
    const hashing = enumByName('HashingAlgorithm')!;
    expect(hashing.valueByName('SHA_3_256')).toBe(0x0f); // KMIP 1.4 wording
    expect(hashing.valueByName('SHA3_256')).toBe(0x0f);
    expect(hashing.valueName(0x0f)).toBe('SHA3_256');
    const dsa = enumByName('DigitalSignatureAlgorithm')!;
    expect(dsa.valueByName('SHA_256WithRSAEncryptionPKCS_1V1_5')).toBe(5);
    expect(dsa.valueName(5)).toBe('SHA_256WithRSAEncryption');
    // MaskGenerator 0x01: the 2.x tables misprint MFG1; MGF1 (1.4, 2.x text, every test case) is canonical.
    const mgf = enumByName('MaskGenerator')!;
    expect(mgf.valueName(1)).toBe('MGF1');
    expect(mgf.valueByName('MFG1')).toBe(1);
    // ResultReason 0x39: 'Not Authorised' in the tables, NotAuthorized in the 2.0 test cases.
    const reason = enumByName('ResultReason')!;
    expect(reason.valueName(0x39)).toBe('NotAuthorised');
    expect(reason.valueByName('NotAuthorized')).toBe(0x39);
    // CryptographicUsageMask 0x400: 1.x 'Content Commitment (Non Repudiation)'; ContentCommitment in 2.0 test cases.
    const usage = maskForTag(Tag.CryptographicUsageMask)!;
    expect(usage.valueName(0x400)).toBe('ContentCommitmentNonRepudiation');
    expect(usage.valueByName('ContentCommitment')).toBe(0x400);
    // No value table in the spec; scripts/dict-supplement.json gives what follows from PKCS#11 3.0.
    const fn = enumByName('PKCS_11Function')!;
    expect(fn.values).toEqual([['C_Initialize', 1], ['C_Finalize', 2], ['C_GetInfo', 3], ['C_GetFunctionList', 4]]);
    expect(fn.info(1)).toMatchObject({ name: 'C_Initialize', since: '2.0', unverified: false });
    expect(enumByName('PKCS_11ReturnCode')!.values).toEqual([['OK', 0]]);
  });

  it('carries the Tag enumeration (Attribute Reference)', () => {
    const def = enumForTag(Tag.AttributeReference)!;
    expect(def.name).toBe('Tag');
    expect(def.valueName(0x420001)).toBe('ActivationDate');
    expect(def.valueByName('State')).toBe(Tag.State);
    expect(def.values).toHaveLength(372);
  });

  it('marks the KMIP 3.0 post-quantum values as unverified', () => {
    const alg = enumForTag(Tag.CryptographicAlgorithm)!;
    expect(alg.valueByName('ML_KEM_768')).toBe(0x3a);
    expect(alg.valueName(0x3a)).toBe('ML_KEM_768');
    expect(alg.valueByName('SLH_DSA_SHAKE_256f')).toBe(0x4a);
    expect(alg.info(0x3a)).toMatchObject({ specName: 'ML-KEM-768', since: '3.0', unverified: true });
    expect(CryptographicAlgorithm.ML_DSA_65).toBe(0x3d);
    expect([...KMIP3_UNVERIFIED].sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, i) => 0x39 + i));
    expect(isKmip3Unverified(alg, 0x3a)).toBe(true);
    expect(isKmip3Unverified('CryptographicAlgorithm', 0x3a)).toBe(true);
    expect(isKmip3Unverified(alg, CryptographicAlgorithm.AES)).toBe(false);
    expect(isKmip3Unverified('ObjectType', 0x3a)).toBe(false);
    const flagged = Object.keys(ENUM_TABLES).flatMap((n) => enumByName(n)!.values.filter(([, v]) => enumByName(n)!.info(v)?.unverified).map(([k]) => `${n}.${k}`));
    expect(flagged).toHaveLength(18);
  });

  it('round-trips every value name <-> number, and the generated constants agree', async () => {
    const generated = (await import('../../src/dict/generated/enums.js')) as unknown as Record<string, unknown>;
    let n = 0;
    for (const name of Object.keys(ENUM_TABLES)) {
      const def = enumByName(name)!;
      const numbers = new Set<number>();
      for (const [k, v] of def.values) {
        expect(def.valueByName(k), `${name}.${k}`).toBe(v);
        expect(def.valueName(v), `${name} ${v}`).toBe(k);
        expect(numbers.has(v)).toBe(false);
        numbers.add(v);
        n++;
      }
      if (name === 'Tag') continue;
      expect(generated[name] ?? {}, name).toEqual(Object.fromEntries(def.values));
    }
    // tags (Tag enumeration), 2.1 enumeration values and mask bits, 1.x-only, KMIP 3.0 unverified, PKCS#11 supplement
    expect(n).toBe(372 + 644 + 33 + 174 + 18 + 5);
    expect(Object.keys(ENUM_TABLES)).toHaveLength(67);
  });
});

describe('the codec and the dictionary agree on item types', () => {
  it('src/ttlv ItemType (hand-written, so the codec needs no dictionary) equals the spec table', async () => {
    const { ItemType: codecTypes } = await import('../../src/ttlv/types.js');
    const { ItemType: specTypes } = await import('../../src/dict/index.js');
    expect(codecTypes).toEqual(specTypes);
  });
});
