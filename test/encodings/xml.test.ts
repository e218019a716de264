// KMIP XML: every item type both ways, masks, the 1.x Attribute Name rule, extension tags and values,
// placeholders, and malformed input with its error code.
import { describe, expect, it } from 'vitest';
import { enumForTag, maskForTag } from '../../src/dict/index.js';
import { fromJson, toJson } from '../../src/encodings/json.js';
import { fromXml, fromXmlMessages, toXml, toXmlMessages } from '../../src/encodings/xml.js';
import { decode, encode, fromHex, toHex, type TtlvItem } from '../../src/ttlv/index.js';
import { canon } from './canon.js';
import { code, errorOf } from '../helpers/errors.js';

const T = {
  ActivationDate: 0x420001,
  Attribute: 0x420008,
  AttributeName: 0x42000a,
  AttributeValue: 0x42000b,
  BatchCount: 0x42000d,
  BatchOrderOption: 0x420010,
  CryptographicAlgorithm: 0x420028,
  CryptographicUsageMask: 0x42002c,
  IVCounterNonce: 0x42003d,
  Modulus: 0x420052,
  ObjectType: 0x420057,
  Offset: 0x420058,
  OpaqueDataType: 0x420059,
  ProtocolVersion: 0x420069,
  ProtocolVersionMajor: 0x42006a,
  ProtocolVersionMinor: 0x42006b,
  StorageStatusMask: 0x42008e,
  UsageLimitsCount: 0x420096,
  SubmissionDate: 0x420174,
} as const;

const leaf = (name: string, type: string, value: string) => `<${name} type="${type}" value="${value}"/>`;
const one = (xml: string) => fromXml(xml);
/** XML -> item -> XML -> item, TTLV in between: the tree must not change. */
const stable = (item: TtlvItem) => {
  expect(canon(fromXml(toXml(item)))).toEqual(canon(item));
  expect(canon(decode(encode(fromXml(toXml(item)))))).toEqual(canon(item));
};

describe('KMIP XML values by type', () => {
  it('Structure: nested elements, type optional, empty', () => {
    const a = one('<ProtocolVersion type="Structure"><ProtocolVersionMajor type="Integer" value="1"/><ProtocolVersionMinor type="Integer" value="0"/></ProtocolVersion>');
    const b = one('<ProtocolVersion>\n  <ProtocolVersionMajor type="Integer" value="1"/>\n  <ProtocolVersionMinor type="Integer" value="0"/>\n</ProtocolVersion>');
    expect(a).toEqual({ tag: T.ProtocolVersion, type: 1, value: [
      { tag: T.ProtocolVersionMajor, type: 2, value: 1 },
      { tag: T.ProtocolVersionMinor, type: 2, value: 0 },
    ] });
    expect(b).toEqual(a);
    expect(one('<PrivateKeyTemplateAttribute type="Structure"/>')).toEqual({ tag: 0x420065, type: 1, value: [] });
    expect(one('<PrivateKeyTemplateAttribute></PrivateKeyTemplateAttribute>')).toEqual({ tag: 0x420065, type: 1, value: [] });
    expect(toXml({ tag: 0x420065, type: 1, value: [] })).toBe('<PrivateKeyTemplateAttribute/>');
  });

  it('Integer: decimal (xsd:int) and 32-bit hex', () => {
    expect(one(leaf('BatchCount', 'Integer', '10')).value).toBe(10);
    expect(one(leaf('BatchCount', 'Integer', '-2147483648')).value).toBe(-0x80000000);
    expect(one(leaf('BatchCount', 'Integer', '0x0000000A')).value).toBe(10);
    expect(one(leaf('BatchCount', 'Integer', '0xffffffff')).value).toBe(-1);
    expect(toXml({ tag: T.BatchCount, type: 2, value: -1 })).toBe('<BatchCount type="Integer" value="-1"/>');
    for (const bad of ['2147483648', '1.5', '', ' 1', '0x100000000', 'ten', 'Encrypt'])
      expect(code(() => one(leaf('BatchCount', 'Integer', bad)))).toBe('ERR_XML_BAD_VALUE');
  });

  it('Integer masks: names (space separated, any run of spaces), hex components, output as names', () => {
    const mask = (v: string) => one(leaf('CryptographicUsageMask', 'Integer', v)).value;
    // The spec's four examples (6.1.6.4), all 0x100C.
    expect(mask('0x0000100c')).toBe(0x100c);
    expect(mask('Encrypt Decrypt CertificateSign')).toBe(0x100c);
    expect(mask('CertificateSign 0x00000004 0x0000008')).toBe(0x100c);
    expect(mask('CertificateSign 0x0000000c')).toBe(0x100c);
    expect(mask('Decrypt   Encrypt')).toBe(12);
    expect(mask('12')).toBe(12);
    expect(mask('0x80000000 Sign')).toBe(-0x7fffffff);
    expect(one(leaf('StorageStatusMask', 'Integer', 'ArchivalStorage OnLineStorage')).value).toBe(3);
    const out = (value: number) => toXml({ tag: T.CryptographicUsageMask, type: 2, value });
    expect(out(12)).toBe('<CryptographicUsageMask type="Integer" value="Encrypt Decrypt"/>');
    expect(out(0)).toBe('<CryptographicUsageMask type="Integer" value="0"/>');
    // A bit with no name stays, as one hex component.
    expect(out(0x80000004 | 0)).toBe('<CryptographicUsageMask type="Integer" value="Encrypt 0x80000000"/>');
    stable({ tag: T.CryptographicUsageMask, type: 2, value: 0x80000004 | 0 });
    expect(code(() => mask('Encrypt Bogus'))).toBe('ERR_XML_BAD_VALUE');
    expect(code(() => mask('Encrypt|Decrypt'))).toBe('ERR_XML_BAD_VALUE');
  });

  it('LongInteger: xsd:long, and 64-bit hex', () => {
    expect(fromXml('<x540001 type="LongInteger" value="-2"/>')).toEqual({ tag: 0x540001, type: 3, value: -2n });
    expect(one(leaf('UsageLimitsCount', 'LongInteger', '1152921504606846976')).value).toBe(1n << 60n);
    expect(one(leaf('UsageLimitsCount', 'LongInteger', '0xfffffffffffffffe')).value).toBe(-2n);
    expect(one(leaf('UsageLimitsCount', 'LongInteger', '9223372036854775807')).value).toBe((1n << 63n) - 1n);
    expect(code(() => one(leaf('UsageLimitsCount', 'LongInteger', '9223372036854775808')))).toBe('ERR_XML_BAD_VALUE');
    expect(toXml({ tag: T.UsageLimitsCount, type: 3, value: -(1n << 63n) })).toBe('<UsageLimitsCount type="LongInteger" value="-9223372036854775808"/>');
  });

  it('BigInteger: xsd:hexBinary, two\'s complement, width kept', () => {
    expect(one(leaf('Modulus', 'BigInteger', '0000000000000000'))).toEqual({ tag: T.Modulus, type: 4, value: 0n, byteLength: 8 });
    expect(one(leaf('Modulus', 'BigInteger', 'ffffffffffffffff')).value).toBe(-1n);
    const wide = one(leaf('Modulus', 'BigInteger', '00000000000000000000000000000001'));
    expect(wide).toEqual({ tag: T.Modulus, type: 4, value: 1n, byteLength: 16 });
    expect(toHex(encode(wide))).toBe('4200520400000010' + '00000000000000000000000000000001');
    expect(toXml(wide)).toBe('<Modulus type="BigInteger" value="00000000000000000000000000000001"/>');
    expect(toXml({ tag: T.Modulus, type: 4, value: -129n })).toBe('<Modulus type="BigInteger" value="ffffffffffffff7f"/>');
    expect(toXml({ tag: T.Modulus, type: 4, value: 1n << 64n })).toBe(`<Modulus type="BigInteger" value="${'0000000000000001' + '0'.repeat(16)}"/>`);
    stable({ tag: T.Modulus, type: 4, value: -(1n << 200n) + 12345n });
    const e = errorOf(() => one(leaf('Modulus', 'BigInteger', 'abcdef1')));
    expect(e.code).toBe('ERR_XML_BAD_VALUE');
    expect(e.message).not.toContain('abcdef1');
    expect(code(() => one(leaf('Modulus', 'BigInteger', '')))).toBe('ERR_XML_BAD_VALUE');
  });

  it('Enumeration: names and 8-digit hex; unknown values kept as hex', () => {
    expect(one(leaf('ObjectType', 'Enumeration', 'SymmetricKey')).value).toBe(2);
    expect(one(leaf('ObjectType', 'Enumeration', '0x00000002')).value).toBe(2);
    expect(toXml({ tag: T.ObjectType, type: 5, value: 2 })).toBe('<ObjectType type="Enumeration" value="SymmetricKey"/>');
    // Extension (8XXXXXXX) and unassigned values travel as hex, never dropped.
    expect(one(leaf('OpaqueDataType', 'Enumeration', '0x80000001')).value).toBe(0x80000001);
    expect(toXml({ tag: T.OpaqueDataType, type: 5, value: 0x80123456 })).toBe('<OpaqueDataType type="Enumeration" value="0x80123456"/>');
    expect(toXml({ tag: T.ObjectType, type: 5, value: 0x8000000a })).toBe('<ObjectType type="Enumeration" value="0x8000000A"/>');
    expect(toXml({ tag: 0x540002, type: 5, value: 7 })).toBe('<TTLV tag="0x540002" type="Enumeration" value="0x00000007"/>');
    stable({ tag: T.ObjectType, type: 5, value: 0xffffffff });
    expect(code(() => one(leaf('ObjectType', 'Enumeration', 'NoSuchObject')))).toBe('ERR_XML_BAD_VALUE');
    expect(code(() => one(leaf('ObjectType', 'Enumeration', '2')))).toBe('ERR_XML_BAD_VALUE');
    expect(code(() => one('<TTLV tag="0x540002" type="Enumeration" value="SymmetricKey"/>'))).toBe('ERR_XML_BAD_VALUE');
  });

  it('Boolean: xsd:boolean', () => {
    expect(one(leaf('BatchOrderOption', 'Boolean', 'true')).value).toBe(true);
    expect(one(leaf('BatchOrderOption', 'Boolean', '1')).value).toBe(true);
    expect(one(leaf('BatchOrderOption', 'Boolean', 'false')).value).toBe(false);
    expect(one(leaf('BatchOrderOption', 'Boolean', '0')).value).toBe(false);
    expect(toXml({ tag: T.BatchOrderOption, type: 6, value: true })).toBe('<BatchOrderOption type="Boolean" value="true"/>');
    for (const bad of ['TRUE', 'yes', '2', ''])
      expect(code(() => one(leaf('BatchOrderOption', 'Boolean', bad)))).toBe('ERR_XML_BAD_VALUE');
  });

  it('TextString: entities, character references, attribute-value normalisation', () => {
    expect(one(leaf('AttributeName', 'TextString', 'Cryptographic Algorithm')).value).toBe('Cryptographic Algorithm');
    expect(one(leaf('AttributeName', 'TextString', '')).value).toBe('');
    expect(one(leaf('AttributeName', 'TextString', 'a&amp;b&lt;c&gt;d&quot;e&apos;f&#65;&#x42;&#x1F600;')).value).toBe('a&b<c>d"e\'fAB\u{1F600}');
    expect(one(`<AttributeName type='TextString' value='say "hi"'/>`).value).toBe('say "hi"');
    // Literal tab/newline in an attribute become spaces (XML 1.0 3.3.3); references do not.
    expect(one('<AttributeName type="TextString" value="a\tb\r\nc&#10;d&#9;e"/>').value).toBe('a b c\nd\te');
    const s = 'x < y & "z" \'q\'\n\t\r\u0001\u0000 ü \u{1F600}';
    expect(toXml({ tag: T.AttributeName, type: 7, value: s })).toBe(
      '<AttributeName type="TextString" value="x &lt; y &amp; &quot;z&quot; \'q\'&#xA;&#x9;&#xD;&#x1;&#x0; ü \u{1F600}"/>',
    );
    stable({ tag: T.AttributeName, type: 7, value: s });
    expect(code(() => toXml({ tag: T.AttributeName, type: 7, value: 'lone \ud800' }))).toBe('ERR_XML_BAD_ITEM');
  });

  it('ByteString: xsd:hexBinary, any case in, lower case out; errors never show the bytes', () => {
    expect(one(leaf('IVCounterNonce', 'ByteString', 'C50F77')).value).toEqual(new Uint8Array([0xc5, 0x0f, 0x77]));
    expect(one(leaf('IVCounterNonce', 'ByteString', '')).value).toEqual(new Uint8Array());
    expect(toXml({ tag: T.IVCounterNonce, type: 8, value: new Uint8Array([0xc5, 0x0f, 0x77]) })).toBe('<IVCounterNonce type="ByteString" value="c50f77"/>');
    for (const bad of ['C50F7', '0xC50F77', 'C5 0F', 'zz']) {
      const e = errorOf(() => one(leaf('IVCounterNonce', 'ByteString', bad)));
      expect(e.code).toBe('ERR_XML_BAD_VALUE');
      expect(e.message).not.toContain(bad);
    }
  });

  it('DateTime: xsd:dateTime in (Z, offsets, fraction truncated), UTC +00:00 out, full 64-bit range', () => {
    const dt = (v: string) => one(leaf('ActivationDate', 'DateTime', v)).value;
    expect(dt('2001-01-01T10:00:00+10:00')).toBe(978307200n);
    expect(dt('2001-01-01T00:00:00Z')).toBe(978307200n);
    expect(dt('2001-01-01T00:00:00')).toBe(978307200n);
    expect(dt('2000-12-31T14:30:00-09:30')).toBe(978307200n);
    expect(dt('2001-01-01T00:00:00.999+00:00')).toBe(978307200n);
    expect(dt('1970-01-01T00:00:06+00:00')).toBe(6n);
    expect(dt('1969-12-31T23:59:59Z')).toBe(-1n);
    // The spec pairs this hex with 10:00+10:00, but 0x3A505520 is 10:00 UTC.
    expect(dt('0x000000003a505520')).toBe(978343200n);
    expect(toXml({ tag: T.ActivationDate, type: 9, value: 978307200n })).toBe('<ActivationDate type="DateTime" value="2001-01-01T00:00:00+00:00"/>');
    const max = (1n << 63n) - 1n;
    const min = -(1n << 63n);
    expect(toXml({ tag: T.ActivationDate, type: 9, value: max })).toBe('<ActivationDate type="DateTime" value="292277026596-12-04T15:30:07+00:00"/>');
    expect(toXml({ tag: T.ActivationDate, type: 9, value: min })).toBe('<ActivationDate type="DateTime" value="-292277022657-01-27T08:29:52+00:00"/>');
    for (const v of [max, min, 0n, -62135596800n, -62167219200n, -62167219201n, 253402300799n, 253402300800n]) stable({ tag: T.ActivationDate, type: 9, value: v });
    expect(dt('0000-01-01T00:00:00Z')).toBe(-62167219200n);
    expect(dt('-0001-12-31T23:59:59Z')).toBe(-62167219201n);
    expect(dt('2000-02-29T00:00:00Z')).toBe(951782400n);
    for (const bad of ['2001-02-29T00:00:00Z', '2001-13-01T00:00:00Z', '2001-01-01 00:00:00Z', '2001-01-01T24:00:00Z', '2001-01-01T00:00:00+15:00', '01-01-01T00:00:00Z', '292277026596-12-04T15:30:08Z', 'now'])
      expect(code(() => dt(bad))).toBe('ERR_XML_BAD_VALUE');
  });

  it('DateTimeExtended: microseconds as six fraction digits', () => {
    const item: TtlvItem = { tag: T.SubmissionDate, type: 11, value: 978307200_000_001n };
    expect(toXml(item)).toBe('<SubmissionDate type="DateTimeExtended" value="2001-01-01T00:00:00.000001+00:00"/>');
    expect(one(leaf('SubmissionDate', 'DateTimeExtended', '2001-01-01T10:00:00.5+10:00')).value).toBe(978307200_500_000n);
    expect(one(leaf('SubmissionDate', 'DateTimeExtended', '2001-01-01T00:00:00.1234567Z')).value).toBe(978307200_123_456n);
    expect(toXml({ tag: T.SubmissionDate, type: 11, value: -1n })).toBe('<SubmissionDate type="DateTimeExtended" value="1969-12-31T23:59:59.999999+00:00"/>');
    for (const v of [-1n, (1n << 63n) - 1n, -(1n << 63n)]) stable({ tag: T.SubmissionDate, type: 11, value: v });
  });

  it('Interval: xsd:unsignedInt and hex', () => {
    expect(one(leaf('Offset', 'Interval', '27')).value).toBe(27);
    expect(one(leaf('Offset', 'Interval', '0x0000001b')).value).toBe(27);
    expect(one(leaf('Offset', 'Interval', '4294967295')).value).toBe(0xffffffff);
    expect(toXml({ tag: T.Offset, type: 10, value: 27 })).toBe('<Offset type="Interval" value="27"/>');
    for (const bad of ['-1', '4294967296', '1e3']) expect(code(() => one(leaf('Offset', 'Interval', bad)))).toBe('ERR_XML_BAD_VALUE');
  });
});

describe('KMIP XML tags', () => {
  it('the generic TTLV element, hex tags, and the spec\'s x540001 element form', () => {
    expect(one('<TTLV tag="0x420001" name="ActivationDate" type="DateTime" value="2001-01-01T10:00:00+10:00"/>')).toEqual({ tag: T.ActivationDate, type: 9, value: 978307200n });
    expect(one('<TTLV tag="0x420001" type="DateTime" value="2001-01-01T10:00:00+10:00"/>').tag).toBe(T.ActivationDate);
    expect(one('<TTLV tag="0x54FFFF" name="SomeExtension" type="DateTime" value="2001-01-01T10:00:00+10:00"/>').tag).toBe(0x54ffff);
    expect(one('<TTLV tag="0x545352" name="SomeExtension" type="TextString" value="This is an extension"/>')).toEqual({ tag: 0x545352, type: 7, value: 'This is an extension' });
    expect(one('<x540001 type="LongInteger" value="-2"/>').tag).toBe(0x540001);
    expect(one('<ActivationDate xmlns="urn:oasis:tc:kmip:xmlns" type="DateTime" value="2001-01-01T10:00:00+10:00"/>').tag).toBe(T.ActivationDate);
  });

  it('writes names where the dictionary has them, the TTLV form otherwise', () => {
    const item: TtlvItem = { tag: 0x540010, type: 1, value: [{ tag: 0x54fffe, type: 7, value: 'na' }, { tag: T.BatchCount, type: 2, value: 1 }] };
    expect(toXml(item)).toBe('<TTLV tag="0x540010">\n  <TTLV tag="0x54FFFE" type="TextString" value="na"/>\n  <BatchCount type="Integer" value="1"/>\n</TTLV>');
    stable(item);
  });

  it('unknown names and tags outside 0x42/0x54 are refused', () => {
    expect(code(() => one('<NoSuchTag type="Integer" value="1"/>'))).toBe('ERR_XML_UNKNOWN_TAG');
    expect(code(() => one('<TTLV tag="0x430001" type="Integer" value="1"/>'))).toBe('ERR_XML_UNKNOWN_TAG');
    expect(code(() => one('<TTLV tag="0x4201" type="Integer" value="1"/>'))).toBe('ERR_XML_UNKNOWN_TAG');
    expect(code(() => one('<kmip:BatchCount type="Integer" value="1"/>'))).toBe('ERR_XML_UNKNOWN_TAG');
    expect(code(() => one('<TTLV type="Integer" value="1"/>'))).toBe('ERR_XML_BAD_SHAPE');
  });
});

describe('KMIP 1.x Attribute: Attribute Value named by the sibling Attribute Name', () => {
  const attr = (name: string, type: string, value: string) =>
    `<Attribute><AttributeName type="TextString" value="${name}"/><AttributeValue type="${type}" value="${value}"/></Attribute>`;
  const item = (name: string, type: number, value: number): TtlvItem => ({
    tag: T.Attribute,
    type: 1,
    value: [{ tag: T.AttributeName, type: 7, value: name }, { tag: T.AttributeValue, type, value } as TtlvItem],
  });

  it('Enumeration names resolve through the attribute\'s tag, both ways', () => {
    expect(fromXml(attr('Cryptographic Algorithm', 'Enumeration', 'AES'))).toEqual(item('Cryptographic Algorithm', 5, 3));
    expect(fromXml(attr('Object Type', 'Enumeration', 'SymmetricKey'))).toEqual(item('Object Type', 5, 2));
    expect(toXml(item('Cryptographic Algorithm', 5, 3))).toContain('<AttributeValue type="Enumeration" value="AES"/>');
    expect(toXml(item('Cryptographic Algorithm', 5, 0x80000001))).toContain('<AttributeValue type="Enumeration" value="0x80000001"/>');
    // The Attribute Value may come first.
    const reversed = '<Attribute><AttributeValue type="Enumeration" value="RSA"/><AttributeName type="TextString" value="Cryptographic Algorithm"/></Attribute>';
    expect((fromXml(reversed) as { value: TtlvItem[] }).value[0].value).toBe(4);
  });

  it('masks resolve through the attribute\'s tag, both ways', () => {
    expect(fromXml(attr('Cryptographic Usage Mask', 'Integer', 'Decrypt Encrypt'))).toEqual(item('Cryptographic Usage Mask', 2, 12));
    expect(toXml(item('Cryptographic Usage Mask', 2, 3))).toContain('<AttributeValue type="Integer" value="Sign Verify"/>');
    expect(toXml(item('Cryptographic Length', 2, 256))).toContain('<AttributeValue type="Integer" value="256"/>');
  });

  it('without a known Attribute Name only hex works', () => {
    expect(code(() => fromXml(attr('x-Custom', 'Enumeration', 'AES')))).toBe('ERR_XML_BAD_VALUE');
    expect((fromXml(attr('x-Custom', 'Enumeration', '0x00000003')) as { value: TtlvItem[] }).value[1].value).toBe(3);
    expect(code(() => fromXml('<AttributeValue type="Enumeration" value="AES"/>'))).toBe('ERR_XML_BAD_VALUE');
    expect(toXml(item('x-Custom', 5, 3))).toContain('<AttributeValue type="Enumeration" value="0x00000003"/>');
  });
});

describe('placeholders and type aliases', () => {
  it('without a hook: kept in a TextString, an error naming it elsewhere', () => {
    expect(one(leaf('UniqueIdentifier', 'TextString', '$UNIQUE_IDENTIFIER_0')).value).toBe('$UNIQUE_IDENTIFIER_0');
    const e = errorOf(() => one(leaf('ActivationDate', 'DateTime', '$NOW-3600')));
    expect(e.code).toBe('ERR_XML_PLACEHOLDER');
    expect(e.message).toContain('$NOW-3600');
    expect(code(() => one(leaf('IVCounterNonce', 'ByteString', '$IV_COUNTER_NONCE')))).toBe('ERR_XML_PLACEHOLDER');
  });

  it('the hook sees value, type and tag name, and its text is parsed as the type', () => {
    const seen: string[] = [];
    const placeholder = (v: string, type: string, tag: string) => {
      seen.push(`${v} ${type} ${tag}`);
      return type === 'DateTime' ? '1970-01-01T00:01:00Z' : type === 'TextString' ? 'uid-1' : undefined;
    };
    const msg = fromXml(
      `<Attributes>${leaf('UniqueIdentifier', 'TextString', '$UNIQUE_IDENTIFIER_1')}${leaf('ActivationDate', 'DateTime', '$NOW')}</Attributes>`,
      { placeholder },
    );
    expect(msg.value).toEqual([{ tag: 0x420094, type: 7, value: 'uid-1' }, { tag: T.ActivationDate, type: 9, value: 60n }]);
    expect(seen).toEqual(['$UNIQUE_IDENTIFIER_1 TextString UniqueIdentifier', '$NOW DateTime ActivationDate']);
    expect(code(() => one(leaf('BatchCount', 'Integer', '$COUNT')))).toBe('ERR_XML_PLACEHOLDER');
    expect(code(() => fromXml(leaf('BatchCount', 'Integer', '$COUNT'), { placeholder }))).toBe('ERR_XML_PLACEHOLDER');
  });

  it('non-TTLV type names are refused unless aliased', () => {
    expect(code(() => one(leaf('UniqueIdentifier', 'Identifier', 'abc')))).toBe('ERR_XML_BAD_TYPE');
    expect(fromXml(leaf('UniqueIdentifier', 'Identifier', 'abc'), { typeAliases: { Identifier: 'TextString' } })).toEqual({ tag: 0x420094, type: 7, value: 'abc' });
    expect(code(() => one(leaf('BatchCount', 'integer', '1')))).toBe('ERR_XML_BAD_TYPE');
  });
});

describe('documents', () => {
  it('declaration, comments, BOM, CRLF', () => {
    const text = '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- c -->\r\n<BatchCount type="Integer" value="1"/>\r\n<!-- after -->\r\n';
    expect(fromXml(text)).toEqual({ tag: T.BatchCount, type: 2, value: 1 });
  });

  it('a test-case document: <KMIP> or <KmipTestCase> wrapping messages, # TIME markers ignored', () => {
    const msg = '<RequestMessage><RequestHeader><BatchCount type="Integer" value="1"/></RequestHeader></RequestMessage>';
    const want = { tag: 0x420078, type: 1, value: [{ tag: 0x420077, type: 1, value: [{ tag: T.BatchCount, type: 2, value: 1 }] }] };
    expect(fromXmlMessages(`<?xml version="1.0" ?>\n<!-- x -->\n<KMIP>\n# TIME 0\n${msg}\n# TIME 1\n${msg}</KMIP>`)).toEqual([want, want]);
    expect(fromXmlMessages(`<KmipTestCase>${msg}</KmipTestCase>`)).toEqual([want]);
    expect(fromXmlMessages(msg)).toEqual([want]);
    expect(fromXmlMessages('<KMIP/>')).toEqual([]);
    expect(fromXmlMessages(toXmlMessages([want as TtlvItem, want as TtlvItem]))).toEqual([want, want]);
    expect(toXmlMessages([want as TtlvItem], { indent: '' })).toBe(`<KMIP>${msg}</KMIP>`);
  });

  it('matches the spec\'s MSGENC-XML-M-1-10 request and its TTLV hex', () => {
    const xml = `<RequestMessage>
  <RequestHeader>
    <ProtocolVersion>
      <ProtocolVersionMajor type="Integer" value="1"/>
      <ProtocolVersionMinor type="Integer" value="0"/>
    </ProtocolVersion>
    <MaximumResponseSize type="Integer" value="256"/>
    <BatchCount type="Integer" value="1"/>
  </RequestHeader>
  <BatchItem>
    <Operation type="Enumeration" value="Query"/>
    <RequestPayload>
      <QueryFunction type="Enumeration" value="QueryOperations"/>
      <QueryFunction type="Enumeration" value="QueryObjects"/>
    </RequestPayload>
  </BatchItem>
</RequestMessage>`;
    const hex = '42007801000000904200770100000048420069010000002042006a02000000040000000100000000'
      + '42006b020000000400000000000000004200500200000004000001000000000042000d0200000004'
      + '000000010000000042000f010000003842005c050000000400000018000000004200790100000020'
      + '4200740500000004000000010000000042007405000000040000000200000000';
    const item = fromXml(xml);
    expect(toHex(encode(item))).toBe(hex.toUpperCase());
    expect(toXml(decode(fromHex(hex)))).toBe(xml);
  });
});

describe('malformed input', () => {
  const syntax = [
    ['unclosed element', '<ProtocolVersion><BatchCount type="Integer" value="1"/>'],
    ['mismatched close', '<ProtocolVersion></BatchCount>'],
    ['second root', '<BatchCount type="Integer" value="1"/><BatchCount type="Integer" value="1"/>'],
    ['stray close after root', '<KMIP></KMIP></KMIP>'],
    ['unquoted attribute', '<BatchCount type=Integer value="1"/>'],
    ['duplicate attribute', '<BatchCount type="Integer" type="Integer" value="1"/>'],
    ['undeclared entity', '<AttributeName type="TextString" value="&nbsp;"/>'],
    ['bare ampersand', '<AttributeName type="TextString" value="a & b"/>'],
    ['< in attribute', '<AttributeName type="TextString" value="a < b"/>'],
    ['reference to a surrogate', '<AttributeName type="TextString" value="&#xD800;"/>'],
    ['raw control character', '<AttributeName type="TextString" value="a\u0001"/>'],
    ['no whitespace between attributes', '<BatchCount type="Integer"value="1"/>'],
    ['empty document', '  '],
    ['unterminated comment', '<!-- <BatchCount type="Integer" value="1"/>'],
    ['processing instruction', '<?php x ?><BatchCount type="Integer" value="1"/>'],
    ['CDATA', '<KMIP><![CDATA[x]]></KMIP>'],
    ['bad declaration', '<?xml version="2.0"?><BatchCount type="Integer" value="1"/>'],
  ] as const;
  it.each(syntax)('%s -> ERR_XML_SYNTAX', (_name, text) => {
    expect(code(() => fromXmlMessages(text))).toBe('ERR_XML_SYNTAX');
  });

  it('reports line and column', () => {
    const e = errorOf(() => fromXml('<ProtocolVersion>\n  <ProtocolVersionMajor type="Integer" value="1"/>\n  </BatchCount>\n</ProtocolVersion>'));
    expect(e).toMatchObject({ code: 'ERR_XML_SYNTAX', line: 3, column: 3 });
    expect(e.message).toContain('line 3, column 3');
    const v = errorOf(() => fromXml('<ProtocolVersion>\n  <ProtocolVersionMajor type="Integer" value="x"/>\n</ProtocolVersion>'));
    expect(v).toMatchObject({ code: 'ERR_XML_BAD_VALUE', line: 2, column: 3, path: '/ProtocolVersion/ProtocolVersionMajor' });
  });

  it('DOCTYPE and entity declarations are refused', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><AttributeName type="TextString" value="&lol;"/>';
    expect(code(() => fromXml(bomb))).toBe('ERR_XML_DTD');
    expect(code(() => fromXml('<KMIP><!ENTITY x "y"></KMIP>'))).toBe('ERR_XML_DTD');
  });

  it('shape errors', () => {
    expect(code(() => one('<ProtocolVersion value="1"/>'))).toBe('ERR_XML_BAD_SHAPE');
    expect(code(() => one('<BatchCount type="Integer" value="1"><BatchCount type="Integer" value="1"/></BatchCount>'))).toBe('ERR_XML_BAD_SHAPE');
    expect(code(() => one('<BatchCount type="Integer"/>'))).toBe('ERR_XML_BAD_SHAPE');
    expect(code(() => one('<BatchCount type="Integer" value="1" extra="x"/>'))).toBe('ERR_XML_BAD_SHAPE');
    expect(code(() => one('<BatchCount xmlns="urn:other" type="Integer" value="1"/>'))).toBe('ERR_XML_BAD_SHAPE');
    expect(code(() => one('<ProtocolVersion>text</ProtocolVersion>'))).toBe('ERR_XML_BAD_SHAPE');
  });

  it('nesting beyond the cap (default 64) is refused, however deep', () => {
    const nest = (n: number) => '<Attributes>'.repeat(n) + '</Attributes>'.repeat(n);
    expect(fromXml(nest(64)).tag).toBe(0x420125);
    expect(code(() => fromXml(nest(65)))).toBe('ERR_XML_TOO_DEEP');
    expect(code(() => fromXmlMessages(`<KMIP>${nest(65)}</KMIP>`))).toBe('ERR_XML_TOO_DEEP');
    expect(code(() => fromXmlMessages(nest(65)))).toBe('ERR_XML_TOO_DEEP');
    expect(code(() => fromXml('<Attributes>'.repeat(200_000)))).toBe('ERR_XML_TOO_DEEP');
    expect(code(() => fromXml(nest(5), { maxDepth: 4 }))).toBe('ERR_XML_TOO_DEEP');
    let deep: TtlvItem = { tag: T.BatchCount, type: 2, value: 1 };
    for (let i = 0; i < 70; i++) deep = { tag: 0x420125, type: 1, value: [deep] };
    expect(code(() => toXml(deep))).toBe('ERR_XML_TOO_DEEP');
  });

  it('invalid trees are refused on output', () => {
    expect(code(() => toXml({ tag: T.BatchCount, type: 2, value: 2 ** 31 }))).toBe('ERR_XML_BAD_ITEM');
    expect(code(() => toXml({ tag: 0x430000, type: 2, value: 1 }))).toBe('ERR_XML_BAD_ITEM');
    expect(code(() => toXml({ tag: T.ActivationDate, type: 9, value: 1 as unknown as bigint }))).toBe('ERR_XML_BAD_ITEM');
    expect(code(() => toXml({ tag: T.BatchCount, type: 99, value: 1 } as unknown as TtlvItem))).toBe('ERR_XML_BAD_ITEM');
  });
});

describe('every dictionary name', () => {
  it('each Enumeration value and mask bit of every tag round-trips by name in XML and JSON', () => {
    let checked = 0;
    for (let tag = 0x420000; tag <= 0x4201ff; tag++) {
      const def = enumForTag(tag);
      for (const [name, value] of def?.values ?? []) {
        const item: TtlvItem = { tag, type: 5, value };
        const xml = toXml(item);
        expect(xml).toContain(`value="${def!.valueName(value)}"`);
        expect(fromXml(xml), `${def!.name}.${name}`).toEqual(item);
        expect(fromJson(toJson(item)), `${def!.name}.${name}`).toEqual(item);
        checked++;
      }
      const mask = maskForTag(tag);
      for (const [name, bit] of mask?.values ?? []) {
        const item: TtlvItem = { tag, type: 2, value: bit | 0 };
        expect(toXml(item)).toContain(`value="${mask!.valueName(bit)}"`);
        expect(fromXml(toXml(item)), `${mask!.name}.${name}`).toEqual(item);
        expect(fromJson(toJson(item)), `${mask!.name}.${name}`).toEqual(item);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });
});
