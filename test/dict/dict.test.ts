// The generated dictionary against the spec's numbers, and every name the OASIS XML test cases use.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attributeNameToTag,
  CryptographicAlgorithm,
  enumByName,
  enumForTag,
  KMIP3_UNVERIFIED,
  maskForTag,
  ObjectType,
  Operation,
  Tag,
  tagByName,
  tagName,
  tagSpecName,
} from '../../src/dict/index.js';
import { ENUM_TABLES } from '../../src/dict/generated/enums.js';
import { ROOT, TESTCASES } from '../helpers/testdata.js';

describe('dictionary', () => {
  it('matches spec numbers', () => {
    expect(Tag.ActivationDate).toBe(0x420001);
    expect(Tag.RequestMessage).toBe(0x420078);
    expect(Tag.X_509CertificateIdentifier).toBe(0x4200b5);
    expect(tagName(0x420001)).toBe('ActivationDate');
    expect(tagSpecName(0x420001)).toBe('Activation Date');
    expect(tagByName('Activation Date')).toBe(0x420001);
    expect(ObjectType.SymmetricKey).toBe(2);
    expect(Operation.Get).toBe(0x0a);
    expect(CryptographicAlgorithm.AES).toBe(3);
    expect(enumForTag(Tag.State)?.valueName(1)).toBe('PreActive');
    expect(maskForTag(Tag.CryptographicUsageMask)?.valueByName('Decrypt')).toBe(8);
    expect(enumForTag(Tag.CryptographicUsageMask)).toBeUndefined();
    expect(attributeNameToTag('Cryptographic Algorithm')).toBe(Tag.CryptographicAlgorithm);
    expect(attributeNameToTag('x-custom')).toBeUndefined();
    expect(tagName(0x540001)).toBeUndefined();
  });

  it('keeps KMIP 1.x values and older spellings', () => {
    expect(enumForTag(Tag.ObjectType)?.valueByName('Template')).toBe(6);
    expect(enumForTag(Tag.ObjectType)?.valueName(6)).toBe('Template');
    expect(maskForTag(Tag.CryptographicUsageMask)?.valueByName('Export')).toBe(0x40);
    expect(enumByName('HashingAlgorithm')?.valueByName('SHA_3_256')).toBe(enumByName('HashingAlgorithm')?.valueByName('SHA3_256'));
  });

  it('marks the KMIP 3.0 post-quantum values as unverified', () => {
    const alg = enumForTag(Tag.CryptographicAlgorithm)!;
    expect(alg.valueByName('ML_KEM_768')).toBe(0x3a);
    expect(KMIP3_UNVERIFIED.has('ML_KEM_768')).toBe(true);
    expect(KMIP3_UNVERIFIED.has('AES')).toBe(false);
  });

  it('round-trips every value name <-> number', () => {
    let n = 0;
    for (const name of Object.keys(ENUM_TABLES)) {
      const def = enumByName(name)!;
      for (const [k, v] of def.values) {
        expect(def.valueByName(k)).toBe(v);
        expect(def.valueByName(def.valueName(v)!)).toBe(v);
        n++;
      }
    }
    expect(n).toBeGreaterThan(644 + 33);
  });

  it('resolves every tag and enumeration name the 905 OASIS XML files use', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith('.xml')) files.push(p);
      }
    };
    walk(TESTCASES);
    expect(files).toHaveLength(905);
    // Names only the KMIP 3.0 csd01 drafts use; their numbers are not in any text we have.
    const KNOWN_UNKNOWN_TAGS = new Set(['NextLink', 'PreviousLink', 'ObjectClass', 'KMIP', 'KmipTestCase', 'TTLV']);
    const unknownTags = new Set<string>();
    const unknownValues = new Set<string>();
    let checked = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8').replace(/<!--[\s\S]*?-->/g, '');
      for (const m of text.matchAll(/<([A-Za-z_][\w]*)\b([^>]*)>/g)) {
        const [, el, attrs] = m;
        checked++;
        if (tagByName(el) === undefined && !KNOWN_UNKNOWN_TAGS.has(el) && !f.includes('/v3.0/')) unknownTags.add(el);
        const e = /type="Enumeration"\s+value="([^"]*)"/.exec(attrs);
        if (e && !e[1].startsWith('$') && !e[1].startsWith('0x') && tagByName(el) !== undefined && !f.includes('/v3.0/')) {
          const def = enumForTag(tagByName(el)!);
          if (def && def.valueByName(e[1]) === undefined) unknownValues.add(`${el}=${e[1]}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(100_000);
    expect([...unknownTags]).toEqual([]);
    // 2.0/2.1 test cases spell these differently from the spec tables (spec-enums.json xml_testcase_check).
    expect([...unknownValues].sort()).toEqual(
      ['MaskGenerator=MGF1', 'PKCS_11Function=C_Finalize', 'PKCS_11Function=C_GetInfo', 'PKCS_11Function=C_Initialize', 'PKCS_11ReturnCode=OK', 'ResultReason=NotAuthorized'].filter((x) => unknownValues.has(x)),
    );
  });

  it('is what the generator makes now (npm run gen:check)', () => {
    const out = execFileSync(process.execPath, ['scripts/gen-dictionary.mjs', '--check'], { cwd: ROOT }).toString();
    expect(out).toMatch(/dictionary up to date: 372 tags/);
  });
});
