// Friendly attribute values: keys, enumerations, masks, dates, structures, custom attributes, and the
// TypeErrors bad input gets before anything is sent.
import { describe, expect, it } from 'vitest';
import { Tag } from '../../src/dict/index.js';
import { ItemType } from '../../src/ttlv/types.js';
import { camelKey, fromItem, fromWireAttributes, tagForKey, toItem, toWireAttributes } from '../../src/client/values.js';

describe('keys', () => {
  it.each([
    ['CryptographicAlgorithm', 'cryptographicAlgorithm'],
    ['RNGAlgorithm', 'rngAlgorithm'],
    ['DRBGAlgorithm', 'drbgAlgorithm'],
    ['X_509CertificateIdentifier', 'x_509CertificateIdentifier'],
    ['NISTKeyType', 'nistKeyType'],
    ['IVLength', 'ivLength'],
  ])('%s -> %s, and back to its tag', (name, key) => {
    expect(camelKey(name)).toBe(key);
    expect(tagForKey(key)).toBe((Tag as Record<string, number>)[name]);
  });
  it('the spec words name a tag too', () => expect(tagForKey('Cryptographic Algorithm')).toBe(Tag.CryptographicAlgorithm));
});

describe('attributes both ways', () => {
  it('round-trips the common attributes', () => {
    const when = new Date('2030-01-02T03:04:05Z');
    const wire = toWireAttributes({
      cryptographicAlgorithm: 'AES',
      cryptographicLength: 256,
      cryptographicUsageMask: ['Encrypt', 'Decrypt'],
      name: ['a', 'b'],
      activationDate: when,
      link: { linkType: 'ParentLink', linkedObjectIdentifier: 'p-1' },
      'x-team': 'blue',
      'Contact Information': 'ops',
    });
    expect(wire.map((w) => w.name)).toEqual([
      'Cryptographic Algorithm', 'Cryptographic Length', 'Cryptographic Usage Mask', 'Name', 'Name', 'Activation Date', 'Link', 'x-team', 'Contact Information',
    ]);
    expect(wire[2].value).toEqual({ tag: Tag.CryptographicUsageMask, type: ItemType.Integer, value: 12 });
    expect(wire[5].value).toEqual({ tag: Tag.ActivationDate, type: ItemType.DateTime, value: BigInt(when.getTime() / 1000) });
    expect(fromWireAttributes(wire)).toEqual({
      cryptographicAlgorithm: 'AES',
      cryptographicLength: 256,
      cryptographicUsageMask: ['Encrypt', 'Decrypt'],
      name: ['a', 'b'],
      activationDate: when,
      link: [{ linkType: 'ParentLink', linkedObjectIdentifier: 'p-1' }],
      'x-team': ['blue'],
      contactInformation: 'ops',
    });
  });

  it('a mask may be a number; an enumeration value may be a number', () => {
    expect(toItem(Tag.CryptographicUsageMask, ItemType.Integer, 4)).toMatchObject({ value: 4 });
    expect(toItem(Tag.CryptographicAlgorithm, ItemType.Enumeration, 3)).toMatchObject({ value: 3 });
  });

  it('values unknown to the dictionary come back as numbers, not crashes', () => {
    expect(fromItem({ tag: Tag.CryptographicAlgorithm, type: ItemType.Enumeration, value: 0x8000_0010 })).toBe(0x8000_0010);
    expect(fromItem({ tag: 0x540001, type: ItemType.TextString, value: 'v' })).toBe('v');
  });

  it.each([
    [{ cryptographicAlgorithm: 'ROT13' }, /not a value of CryptographicAlgorithm/],
    [{ cryptographicUsageMask: ['Encrypt', 'Levitate'] }, /not a CryptographicUsageMask bit/],
    [{ cryptographicLength: '256' }, /takes an integer/],
    [{ activationDate: 'yesterday' }, /takes a Date/],
    [{ link: { linkType: 'ParentLink', nonsense: 1 } }, /has no field "nonsense"/],
    [{ nonsense: 1 }, /unknown attribute "nonsense"/],
    [{ 'x-thing': { a: 1 } }, /custom attribute x-thing/],
  ])('%j: TypeError', (attrs, message) => {
    expect(() => toWireAttributes(attrs)).toThrow(TypeError);
    expect(() => toWireAttributes(attrs)).toThrow(message);
  });
});
