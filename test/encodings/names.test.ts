// The `names` option of the KMIP XML and JSON encodings: caller-supplied names for extension tags
// (0x54XXXX), unnamed 0x42XXXX tags and enumeration values (0x8XXXXXXX), read and written like the
// dictionary's; validation of the option (ERR_*_BAD_OPTION).
import { describe, expect, it } from 'vitest';
import { Tag } from '../../src/dict/index.js';
import { fromJson, toJson, toJsonValue, type JsonItem } from '../../src/encodings/json.js';
import type { ExtraNames } from '../../src/encodings/names.js';
import { fromXml, fromXmlMessages, toXml, toXmlMessages } from '../../src/encodings/xml.js';
import { decode, encode, type TtlvItem } from '../../src/ttlv/index.js';
import { canon } from './canon.js';

const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as Error & { code: string; path?: string };
  }
  throw new Error('expected an error');
};

/** A vendor's extensions, as a caller would name them. */
const names: ExtraNames = {
  tags: { VendorRecord: 0x540001, VendorMode: 0x540002, VendorLink: 0x540003 },
  values: {
    Operation: { VendorPing: 0x80000001 },
    ObjectType: { VendorBlob: 0x80000010 },
    VendorMode: { Fast: 0x80000001, Safe: 0x80000002 }, // the extension tag's own table
  },
};

const item: TtlvItem = {
  tag: Tag.RequestPayload,
  type: 1,
  value: [
    { tag: Tag.Operation, type: 5, value: 0x80000001 },
    { tag: Tag.ObjectType, type: 5, value: 0x80000010 },
    { tag: Tag.ObjectType, type: 5, value: 2 }, // a standard value stays standard
    { tag: 0x540001, type: 1, value: [{ tag: 0x540002, type: 5, value: 0x80000002 }] },
    { tag: Tag.AttributeReference, type: 5, value: 0x540003 }, // extension tags are Tag enumeration values
    { tag: 0x540099, type: 2, value: 7 }, // not named: hex as before
    { tag: Tag.Operation, type: 5, value: 0x80000002 }, // not named: hex as before
  ],
};

const XML = [
  '<RequestPayload>',
  '  <Operation type="Enumeration" value="VendorPing"/>',
  '  <ObjectType type="Enumeration" value="VendorBlob"/>',
  '  <ObjectType type="Enumeration" value="SymmetricKey"/>',
  '  <VendorRecord>',
  '    <VendorMode type="Enumeration" value="Safe"/>',
  '  </VendorRecord>',
  '  <AttributeReference type="Enumeration" value="VendorLink"/>',
  '  <TTLV tag="0x540099" type="Integer" value="7"/>',
  '  <Operation type="Enumeration" value="0x80000002"/>',
  '</RequestPayload>',
].join('\n');

describe('the names option', () => {
  it('XML: writes and reads the names, hex for the rest', () => {
    expect(toXml(item, { names })).toBe(XML);
    expect(canon(fromXml(XML, { names }))).toEqual(canon(item));
    expect(fromXmlMessages(toXmlMessages([item, item], { names }), { names }).map(canon)).toEqual([canon(item), canon(item)]);
  });

  it('JSON: writes and reads the names, hex for the rest', () => {
    const json = toJsonValue(item, { names });
    expect(json.value).toEqual([
      { tag: 'Operation', type: 'Enumeration', value: 'VendorPing' },
      { tag: 'ObjectType', type: 'Enumeration', value: 'VendorBlob' },
      { tag: 'ObjectType', type: 'Enumeration', value: 'SymmetricKey' },
      { tag: 'VendorRecord', value: [{ tag: 'VendorMode', type: 'Enumeration', value: 'Safe' }] },
      { tag: 'AttributeReference', type: 'Enumeration', value: 'VendorLink' },
      { tag: '0x540099', type: 'Integer', value: 7 },
      { tag: 'Operation', type: 'Enumeration', value: '0x80000002' },
    ]);
    expect(canon(fromJson(toJson(item, { names }), { names }))).toEqual(canon(item));
    expect(canon(fromJson(json, { names }))).toEqual(canon(item));
  });

  it('round-trips TTLV -> XML/JSON -> TTLV without loss', () => {
    const bytes = encode(item);
    expect(encode(fromXml(toXml(decode(bytes), { names }), { names }))).toEqual(bytes);
    expect(encode(fromJson(toJson(decode(bytes), { names }), { names }))).toEqual(bytes);
  });

  it('without the option: hex is written, and the names are unknown when read', () => {
    expect(toXml(item)).toContain('<TTLV tag="0x540001">');
    expect(toXml(item)).toContain('<Operation type="Enumeration" value="0x80000001"/>');
    expect((toJsonValue(item).value as JsonItem[])[4]).toEqual({ tag: 'AttributeReference', type: 'Enumeration', value: '0x00540003' });
    expect(canon(fromXml(toXml(item)))).toEqual(canon(item));
    expect(errorOf(() => fromXml(XML)).code).toBe('ERR_XML_BAD_VALUE');
    expect(errorOf(() => fromXml('<VendorRecord/>')).code).toBe('ERR_XML_UNKNOWN_TAG');
    expect(errorOf(() => fromJson({ tag: 'VendorRecord', value: [] })).code).toBe('ERR_JSON_UNKNOWN_TAG');
  });

  it('names an unnamed 0x42XXXX tag; standard names restated with their own numbers are accepted', () => {
    const draft: ExtraNames = { tags: { DraftTag: 0x42ff00, ActivationDate: Tag.ActivationDate }, values: { Operation: { Get: 0x0a } } };
    const x: TtlvItem = { tag: 0x42ff00, type: 7, value: 'v' };
    expect(toXml(x, { names: draft })).toBe('<DraftTag type="TextString" value="v"/>');
    expect(fromXml('<DraftTag type="TextString" value="v"/>', { names: draft })).toEqual(x);
    expect(fromJson({ tag: 'ActivationDate', type: 'Integer', value: 1 }, { names: draft }).tag).toBe(Tag.ActivationDate);
    expect(toXml({ tag: Tag.Operation, type: 5, value: 0x0a }, { names: draft })).toBe('<Operation type="Enumeration" value="Get"/>');
  });

  it('an empty option is the dictionary alone', () => {
    expect(toXml(item, { names: {} })).toBe(toXml(item));
    expect(toJson(item, { names: { tags: {}, values: {} } })).toBe(toJson(item));
  });

  it('refuses an invalid option with ERR_<format>_BAD_OPTION and its path', () => {
    const bad = (n: unknown) => {
      const x = errorOf(() => fromXml('<BatchCount type="Integer" value="1"/>', { names: n as ExtraNames }));
      const j = errorOf(() => toJson({ tag: Tag.BatchCount, type: 2, value: 1 }, { names: n as ExtraNames }));
      expect(x.code).toBe('ERR_XML_BAD_OPTION');
      expect(j.code).toBe('ERR_JSON_BAD_OPTION');
      expect(j.path).toBe(x.path);
      return [x.path, x.message.replace(/ \(at .*\)$/, '')];
    };
    // Tags: range, type, name syntax, clashes with the dictionary, two names for one tag.
    expect(bad({ tags: { Foo: 0x430001 } })).toEqual(['names.tags.Foo', 'a tag must be a number 0x42XXXX or 0x54XXXX']);
    expect(bad({ tags: { Foo: 0x54000001 } })[0]).toBe('names.tags.Foo');
    expect(bad({ tags: { Foo: '0x540001' } })[0]).toBe('names.tags.Foo');
    expect(bad({ tags: { Foo: 5505025.5 } })[0]).toBe('names.tags.Foo');
    expect(bad({ tags: { 'Not A Name': 0x540001 } })[1]).toBe("'Not A Name' is not a valid tag name");
    expect(bad({ tags: { TTLV: 0x540001 } })[1]).toBe("'TTLV' is not a valid tag name");
    expect(bad({ tags: { x540002: 0x540001 } })[1]).toBe("'x540002' is not a valid tag name");
    expect(bad({ tags: { '0x540001': 0x540001 } })[0]).toBe('names.tags.0x540001');
    expect(bad({ tags: { Foo: Tag.ActivationDate } })[1]).toBe('0x420001 is the standard tag ActivationDate');
    expect(bad({ tags: { ActivationDate: 0x540001 } })[1]).toBe('ActivationDate is the standard tag 0x420001');
    expect(bad({ tags: { Foo: 0x540001, Bar: 0x540001 } })).toEqual(['names.tags.Bar', '0x540001 is already named Foo']);
    // Values: enumeration, name syntax, uint32, clashes, two names for one value.
    expect(bad({ values: { NoSuchTable: { A: 1 } } })[1]).toBe("'NoSuchTable' is neither an enumeration nor a tag in names.tags");
    expect(bad({ values: { Tag: { A: 0x540001 } } })[1]).toBe('Tag enumeration values are tag names: give them in names.tags');
    expect(bad({ values: { CryptographicUsageMask: { A: 0x80000000 } } })[1]).toBe('CryptographicUsageMask is a mask; only enumerations take extra values');
    expect(bad({ values: { Operation: { 'A B': 0x80000001 } } })).toEqual(['names.values.Operation.A B', "'A B' is not a valid value name"]);
    expect(bad({ values: { Operation: { A: -1 } } })[1]).toBe('a value must be an unsigned 32-bit integer');
    expect(bad({ values: { Operation: { A: 2 ** 32 } } })[1]).toBe('a value must be an unsigned 32-bit integer');
    expect(bad({ values: { Operation: { Get: 0x80000001 } } })[1]).toBe('Get is the standard Operation value 0x0000000A');
    expect(bad({ values: { Operation: { Fetch: 0x0a } } })[1]).toBe('0x0000000A is the standard Operation value Get');
    expect(bad({ values: { Operation: { A: 0x80000001, B: 0x80000001 } } })[1]).toBe('0x80000001 is already named A');
    // Shapes.
    expect(bad(null)[0]).toBe('names');
    expect(bad({ tags: [] })[0]).toBe('names.tags');
    expect(bad({ values: { Operation: 5 } })[0]).toBe('names.values.Operation');
  });
});
