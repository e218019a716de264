// KMIP JSON: the examples of spec section 4.1.6, every type both ways, masks with '|', the 1.x
// Attribute Name rule, extensions, placeholders, and malformed input with its error code.
import { describe, expect, it } from 'vitest';
import { fromJson, toJson, toJsonValue } from '../../src/encodings/json.js';
import { fromXml } from '../../src/encodings/xml.js';
import { decode, encode, fromHex, toHex, type TtlvItem } from '../../src/ttlv/index.js';
import { canon } from './canon.js';
import { code, errorOf } from '../helpers/errors.js';

const v = (tag: string, type: string | undefined, value: unknown) => fromJson({ tag, ...(type ? { type } : {}), value }).value;
const stable = (item: TtlvItem) => {
  expect(canon(fromJson(toJson(item)))).toEqual(canon(item));
  expect(canon(decode(encode(fromJson(toJson(item)))))).toEqual(canon(item));
};

describe('KMIP JSON: the spec examples (4.1.6)', () => {
  it('tags: names, hex, extension hex with an ignored name', () => {
    expect(fromJson('{"tag": "ActivationDate", "type":"DateTime", "value":"2001-01-01T10:00:00+10:00"}')).toEqual({ tag: 0x420001, type: 9, value: 978307200n });
    expect(fromJson('{"tag": "0x420001", "type":"DateTime", "value":"2001-01-01T10:00:00+10:00"}').tag).toBe(0x420001);
    expect(fromJson('{"tag": "0x54FFFF", "name":"SomeExtension", "type":"Integer", "value":"0x00000001"}')).toEqual({ tag: 0x54ffff, type: 2, value: 1 });
    expect(fromJson('{"tag": "IVCounterNonce", "type":"ByteString", "value":"a1b2c3d4"}').value).toEqual(new Uint8Array([0xa1, 0xb2, 0xc3, 0xd4]));
    expect(fromJson('{"tag": "PrivateKeyTemplateAttribute", "type":"Structure", "value":[]}')).toEqual({ tag: 0x420065, type: 1, value: [] });
    expect(fromJson('{"tag": "0x545352", "type":"TextString", "value":"This is an extension"}')).toEqual({ tag: 0x545352, type: 7, value: 'This is an extension' });
  });

  it('Structure: array value, type optional, null value', () => {
    const pv = [
      { tag: 'ProtocolVersionMajor', type: 'Integer', value: 1 },
      { tag: 'ProtocolVersionMinor', type: 'Integer', value: 0 },
    ];
    const want = { tag: 0x420069, type: 1, value: [{ tag: 0x42006a, type: 2, value: 1 }, { tag: 0x42006b, type: 2, value: 0 }] };
    expect(fromJson({ tag: 'ProtocolVersion', type: 'Structure', value: pv })).toEqual(want);
    expect(fromJson({ tag: 'ProtocolVersion', value: pv })).toEqual(want);
    expect(fromJson({ tag: 'ProtocolVersion', value: null })).toEqual({ tag: 0x420069, type: 1, value: [] });
    expect(fromJson({ tag: 'ProtocolVersion' })).toEqual({ tag: 0x420069, type: 1, value: [] });
    expect(toJsonValue(want as TtlvItem)).toEqual({ tag: 'ProtocolVersion', value: pv });
  });

  it('Integer: number or hex', () => {
    expect(v('BatchCount', 'Integer', 10)).toBe(10);
    expect(v('BatchCount', 'Integer', '0x0000000A')).toBe(10);
    expect(v('BatchCount', 'Integer', '0xffffffff')).toBe(-1);
    expect(toJsonValue({ tag: 0x42000d, type: 2, value: 10 })).toEqual({ tag: 'BatchCount', type: 'Integer', value: 10 });
    for (const bad of [1.5, 2 ** 31, '10', 'ten', true])
      expect(code(() => v('BatchCount', 'Integer', bad))).toBe('ERR_JSON_BAD_VALUE');
  });

  it('Integer masks: names joined by |, hex components', () => {
    const m = (value: unknown) => v('CryptographicUsageMask', 'Integer', value);
    expect(m('0x0000100c')).toBe(0x100c);
    expect(m('Encrypt|Decrypt|CertificateSign')).toBe(0x100c);
    expect(m('CertificateSign|0x00000004|0x0000008')).toBe(0x100c);
    expect(m('CertificateSign|0x0000000c')).toBe(0x100c);
    expect(m('Encrypt | Decrypt')).toBe(12);
    expect(m(12)).toBe(12);
    expect(code(() => m('Encrypt Decrypt'))).toBe('ERR_JSON_BAD_VALUE');
    expect(toJsonValue({ tag: 0x42002c, type: 2, value: 0x100c }).value).toBe('Encrypt|Decrypt|CertificateSign');
    expect(toJsonValue({ tag: 0x42002c, type: 2, value: 0 }).value).toBe(0);
    expect(toJsonValue({ tag: 0x42002c, type: 2, value: 0x80000001 | 0 }).value).toBe('Sign|0x80000000');
    stable({ tag: 0x42002c, type: 2, value: 0x80000001 | 0 });
  });

  it('LongInteger: number below 2^52, hex string beyond', () => {
    expect(v('0x540001', 'LongInteger', '0xfffffffffffffffe')).toBe(-2n);
    expect(v('0x540001', 'LongInteger', -2)).toBe(-2n);
    expect(v('UsageLimitsCount', 'LongInteger', '0x1000000000000000')).toBe(1n << 60n);
    expect(toJsonValue({ tag: 0x420096, type: 3, value: 1n << 60n }).value).toBe('0x1000000000000000');
    expect(toJsonValue({ tag: 0x420096, type: 3, value: -2n }).value).toBe(-2);
    expect(toJsonValue({ tag: 0x420096, type: 3, value: (1n << 52n) - 1n }).value).toBe(2 ** 52 - 1);
    expect(toJsonValue({ tag: 0x420096, type: 3, value: -(1n << 52n) }).value).toBe('0xFFF0000000000000');
    for (const x of [-(1n << 63n), (1n << 63n) - 1n, 1n << 52n]) stable({ tag: 0x420096, type: 3, value: x });
    expect(code(() => v('UsageLimitsCount', 'LongInteger', 2 ** 53))).toBe('ERR_JSON_BAD_VALUE');
    expect(code(() => v('UsageLimitsCount', 'LongInteger', '123'))).toBe('ERR_JSON_BAD_VALUE');
    expect(code(() => v('UsageLimitsCount', 'LongInteger', '0x10000000000000000'))).toBe('ERR_JSON_BAD_VALUE');
  });

  it('BigInteger: number or 0x hex, written as hex at its width', () => {
    expect(fromJson({ tag: 'Modulus', type: 'BigInteger', value: 0 })).toEqual({ tag: 0x420052, type: 4, value: 0n });
    expect(fromJson({ tag: 'Modulus', type: 'BigInteger', value: '0x0000000000000000' })).toEqual({ tag: 0x420052, type: 4, value: 0n, byteLength: 8 });
    expect(v('Modulus', 'BigInteger', '0xffffffffffffff7f')).toBe(-129n);
    expect(toJsonValue({ tag: 0x420052, type: 4, value: 1n, byteLength: 16 }).value).toBe('0x' + '0'.repeat(31) + '1');
    stable({ tag: 0x420052, type: 4, value: (1n << 300n) - 1n });
    const e = errorOf(() => v('Modulus', 'BigInteger', 'c0ffee00c0ffee00'));
    expect(e.code).toBe('ERR_JSON_BAD_VALUE');
    expect(e.message).not.toContain('c0ffee');
  });

  it('Enumeration: number, hex, CamelCase name', () => {
    expect(v('0x420057', 'Enumeration', 2)).toBe(2);
    expect(v('ObjectType', 'Enumeration', '0x00000002')).toBe(2);
    expect(v('ObjectType', 'Enumeration', 'SymmetricKey')).toBe(2);
    expect(toJsonValue({ tag: 0x420057, type: 5, value: 2 }).value).toBe('SymmetricKey');
    expect(toJsonValue({ tag: 0x420057, type: 5, value: 0x80000001 }).value).toBe('0x80000001');
    expect(toJsonValue({ tag: 0x540003, type: 5, value: 1 })).toEqual({ tag: '0x540003', type: 'Enumeration', value: '0x00000001' });
    for (const bad of [-1, 2 ** 32, 'Nope', '2']) expect(code(() => v('ObjectType', 'Enumeration', bad))).toBe('ERR_JSON_BAD_VALUE');
  });

  it('Boolean: true/false or hex', () => {
    expect(v('BatchOrderOption', 'Boolean', true)).toBe(true);
    expect(v('BatchOrderOption', 'Boolean', '0x0000000000000001')).toBe(true);
    expect(v('BatchOrderOption', 'Boolean', '0x0000000000000000')).toBe(false);
    expect(toJsonValue({ tag: 0x420010, type: 6, value: false }).value).toBe(false);
    for (const bad of ['true', 1, '0x0000000000000002']) expect(code(() => v('BatchOrderOption', 'Boolean', bad))).toBe('ERR_JSON_BAD_VALUE');
  });

  it('TextString, ByteString, DateTime, Interval, DateTimeExtended', () => {
    expect(v('AttributeName', 'TextString', 'Cryptographic Algorithm')).toBe('Cryptographic Algorithm');
    expect(code(() => v('AttributeName', 'TextString', 5))).toBe('ERR_JSON_BAD_VALUE');
    expect(v('MACSignature', 'ByteString', 'C50F77')).toEqual(new Uint8Array([0xc5, 0x0f, 0x77]));
    expect(toJsonValue({ tag: 0x42004d, type: 8, value: new Uint8Array([0xc5, 0x0f, 0x77]) })).toEqual({ tag: 'MACSignature', type: 'ByteString', value: 'c50f77' });
    expect(v('ArchiveDate', 'DateTime', '0x000000003a505520')).toBe(0x3a505520n);
    expect(v('ArchiveDate', 'DateTime', '2001-01-01T10:00:00+10:00')).toBe(978307200n);
    expect(toJsonValue({ tag: 0x420005, type: 9, value: 978307200n }).value).toBe('2001-01-01T00:00:00+00:00');
    expect(v('Offset', 'Interval', 27)).toBe(27);
    expect(v('Offset', 'Interval', '0x0000001b')).toBe(27);
    expect(code(() => v('Offset', 'Interval', '27'))).toBe('ERR_JSON_BAD_VALUE');
    expect(code(() => v('Offset', 'Interval', -1))).toBe('ERR_JSON_BAD_VALUE');
    expect(toJsonValue({ tag: 0x420174, type: 11, value: 1n }).value).toBe('1970-01-01T00:00:00.000001+00:00');
    expect(v('SubmissionDate', 'DateTimeExtended', '1970-01-01T00:00:00.000001Z')).toBe(1n);
    stable({ tag: 0x420005, type: 9, value: -(1n << 63n) });
    stable({ tag: 0x420174, type: 11, value: (1n << 63n) - 1n });
    stable({ tag: 0x420055, type: 7, value: 'quote " backslash \\ nul \u0000 \u{1F600}' });
  });

  it('the spec\'s MSGENC-JSON-M-1-10 request matches its TTLV hex', () => {
    const json = `{"tag":"RequestMessage", "value":[
      {"tag":"RequestHeader", "value":[
        {"tag":"ProtocolVersion", "value":[
          {"tag":"ProtocolVersionMajor", "type":"Integer", "value":"0x00000001"},
          {"tag":"ProtocolVersionMinor", "type":"Integer", "value":"0x00000000"}
        ]},
        {"tag":"MaximumResponseSize", "type":"Integer", "value":"0x00000100"},
        {"tag":"BatchCount", "type":"Integer", "value":"0x00000001"}
      ]},
      {"tag":"BatchItem", "value":[
        {"tag":"Operation", "type":"Enumeration", "value":"Query"},
        {"tag":"RequestPayload", "value":[
          {"tag":"QueryFunction", "type":"Enumeration", "value":"QueryOperations"},
          {"tag":"QueryFunction", "type":"Enumeration", "value":"QueryObjects"}
        ]}
      ]}
    ]}`;
    const hex = '42007801000000904200770100000048420069010000002042006a02000000040000000100000000'
      + '42006b020000000400000000000000004200500200000004000001000000000042000d0200000004'
      + '000000010000000042000f010000003842005c050000000400000018000000004200790100000020'
      + '4200740500000004000000010000000042007405000000040000000200000000';
    expect(toHex(encode(fromJson(json)))).toBe(hex.toUpperCase());
    const back = toJson(decode(fromHex(hex)));
    expect(back).toBe(
      '{"tag":"RequestMessage","value":[{"tag":"RequestHeader","value":[{"tag":"ProtocolVersion","value":['
        + '{"tag":"ProtocolVersionMajor","type":"Integer","value":1},{"tag":"ProtocolVersionMinor","type":"Integer","value":0}]},'
        + '{"tag":"MaximumResponseSize","type":"Integer","value":256},{"tag":"BatchCount","type":"Integer","value":1}]},'
        + '{"tag":"BatchItem","value":[{"tag":"Operation","type":"Enumeration","value":"Query"},{"tag":"RequestPayload","value":['
        + '{"tag":"QueryFunction","type":"Enumeration","value":"QueryOperations"},{"tag":"QueryFunction","type":"Enumeration","value":"QueryObjects"}]}]}]}',
    );
    expect(toJson(decode(fromHex(hex)), { indent: 2 })).toContain('\n  "value": [\n');
  });
});

describe('KMIP JSON: 1.x Attribute Name rule, extensions, placeholders', () => {
  const attr = (name: string, type: string, value: unknown) => ({
    tag: 'Attribute',
    value: [{ tag: 'AttributeName', type: 'TextString', value: name }, { tag: 'AttributeValue', type, value }],
  });
  it('Attribute Value Enumeration and mask names resolve through the Attribute Name', () => {
    const a = fromJson(attr('Cryptographic Algorithm', 'Enumeration', 'AES')) as { value: TtlvItem[] };
    expect(a.value[1]).toEqual({ tag: 0x42000b, type: 5, value: 3 });
    expect(toJsonValue(a as TtlvItem)).toEqual(attr('Cryptographic Algorithm', 'Enumeration', 'AES'));
    const m = fromJson(attr('Cryptographic Usage Mask', 'Integer', 'Encrypt|Decrypt')) as { value: TtlvItem[] };
    expect(m.value[1].value).toBe(12);
    expect(toJsonValue(m as TtlvItem)).toEqual(attr('Cryptographic Usage Mask', 'Integer', 'Encrypt|Decrypt'));
    expect(code(() => fromJson(attr('x-Custom', 'Enumeration', 'AES')))).toBe('ERR_JSON_BAD_VALUE');
    // Same tree as the XML form.
    const xml = '<Attribute><AttributeName type="TextString" value="Cryptographic Algorithm"/><AttributeValue type="Enumeration" value="AES"/></Attribute>';
    expect(fromXml(xml)).toEqual(a);
  });

  it('extension tags and values are written as hex and read back', () => {
    const item: TtlvItem = { tag: 0x540001, type: 1, value: [{ tag: 0x540002, type: 5, value: 0x80000002 }, { tag: 0x420059, type: 5, value: 0x80123456 }] };
    expect(toJsonValue(item)).toEqual({
      tag: '0x540001',
      value: [{ tag: '0x540002', type: 'Enumeration', value: '0x80000002' }, { tag: 'OpaqueDataType', type: 'Enumeration', value: '0x80123456' }],
    });
    stable(item);
  });

  it('placeholders and type aliases', () => {
    expect(v('UniqueIdentifier', 'TextString', '$UNIQUE_IDENTIFIER_0')).toBe('$UNIQUE_IDENTIFIER_0');
    const e = errorOf(() => v('ActivationDate', 'DateTime', '$NOW'));
    expect(e.code).toBe('ERR_JSON_PLACEHOLDER');
    expect(e.message).toContain('$NOW');
    expect(fromJson({ tag: 'ActivationDate', type: 'DateTime', value: '$NOW' }, { placeholder: () => '1970-01-01T00:00:01Z' }).value).toBe(1n);
    expect(code(() => fromJson({ tag: 'UniqueIdentifier', type: 'Identifier', value: 'x' }))).toBe('ERR_JSON_BAD_TYPE');
    expect(fromJson({ tag: 'UniqueIdentifier', type: 'Identifier', value: 'x' }, { typeAliases: { Identifier: 'TextString' } }).type).toBe(7);
  });
});

describe('KMIP JSON: malformed input', () => {
  it('syntax errors say where, never what', () => {
    const e = errorOf(() => fromJson('{"tag": "IVCounterNonce", "type": "ByteString",\n "value": "deadbeef" x}'));
    expect(e.code).toBe('ERR_JSON_SYNTAX');
    expect(e.message).not.toContain('deadbeef');
    expect(code(() => fromJson(''))).toBe('ERR_JSON_SYNTAX');
  });

  it('unknown tags and types', () => {
    expect(code(() => fromJson({ tag: 'NoSuchTag', type: 'Integer', value: 1 }))).toBe('ERR_JSON_UNKNOWN_TAG');
    expect(code(() => fromJson({ tag: '0x430001', type: 'Integer', value: 1 }))).toBe('ERR_JSON_UNKNOWN_TAG');
    expect(code(() => fromJson({ tag: 'BatchCount', type: 'Int', value: 1 }))).toBe('ERR_JSON_BAD_TYPE');
  });

  it('shape errors', () => {
    expect(code(() => fromJson('[]'))).toBe('ERR_JSON_BAD_SHAPE');
    expect(code(() => fromJson('"x"'))).toBe('ERR_JSON_BAD_SHAPE');
    expect(code(() => fromJson({ type: 'Integer', value: 1 }))).toBe('ERR_JSON_BAD_SHAPE');
    expect(code(() => fromJson({ tag: 'BatchCount', type: 'Integer', value: 1, extra: 1 }))).toBe('ERR_JSON_BAD_SHAPE');
    expect(code(() => fromJson({ tag: 'BatchCount', type: 'Integer' }))).toBe('ERR_JSON_BAD_SHAPE');
    expect(code(() => fromJson({ tag: 'BatchCount', type: 'Integer', value: [] }))).toBe('ERR_JSON_BAD_SHAPE');
    expect(code(() => fromJson({ tag: 'ProtocolVersion', value: 'x' }))).toBe('ERR_JSON_BAD_SHAPE');
    expect(code(() => fromJson({ tag: 'ProtocolVersion', value: [1] }))).toBe('ERR_JSON_BAD_SHAPE');
    const e = errorOf(() => fromJson({ tag: 'ProtocolVersion', value: [{ tag: 'ProtocolVersionMajor', type: 'Integer', value: 'x' }] }));
    expect(e).toMatchObject({ code: 'ERR_JSON_BAD_VALUE', path: 'ProtocolVersion[0].ProtocolVersionMajor' });
  });

  it('nesting beyond the cap, including cycles', () => {
    const nest = (n: number): object => (n === 0 ? { tag: 'Attributes', value: [] } : { tag: 'Attributes', value: [nest(n - 1)] });
    expect(fromJson(nest(63)).tag).toBe(0x420125);
    expect(code(() => fromJson(nest(64)))).toBe('ERR_JSON_TOO_DEEP');
    expect(code(() => fromJson(JSON.stringify(nest(5)), { maxDepth: 5 }))).toBe('ERR_JSON_TOO_DEEP');
    const cyclic: { tag: string; value: unknown[] } = { tag: 'Attributes', value: [] };
    cyclic.value.push(cyclic);
    expect(code(() => fromJson(cyclic))).toBe('ERR_JSON_TOO_DEEP');
    const text = '{"tag":"Attributes","value":['.repeat(100_000) + ']}'.repeat(100_000);
    expect(code(() => fromJson(text))).toBe('ERR_JSON_TOO_DEEP');
    const loop: TtlvItem = { tag: 0x420125, type: 1, value: [] };
    loop.value.push(loop);
    expect(code(() => toJson(loop))).toBe('ERR_JSON_TOO_DEEP');
  });

  it('invalid trees are refused on output', () => {
    expect(code(() => toJson({ tag: 0x42000d, type: 2, value: 0.5 }))).toBe('ERR_JSON_BAD_ITEM');
    expect(code(() => toJson({ tag: 0x420096, type: 3, value: 1n << 63n }))).toBe('ERR_JSON_BAD_ITEM');
    expect(code(() => toJson(null as unknown as TtlvItem))).toBe('ERR_JSON_BAD_ITEM');
  });
});
