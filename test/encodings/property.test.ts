// Random item trees (every type, extension tags, odd strings) survive KMIP XML and KMIP JSON.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDateTime, parseDateTime } from '../../src/encodings/datetime.js';
import { fromJson, toJson } from '../../src/encodings/json.js';
import { fromXml, toXml } from '../../src/encodings/xml.js';
import { RUNS, treeArb } from '../helpers/arbitraries.js';
import { canon } from './canon.js';

// XML and JSON runs cost more than TTLV ones; a fifth of the codec's count still covers every type.
const runs = Math.max(100, Math.floor(RUNS / 5));

describe('encodings: random trees', () => {
  it('XML round trip', () => {
    fc.assert(fc.property(treeArb(), (item) => {
      expect(canon(fromXml(toXml(item)))).toEqual(canon(item));
      expect(canon(fromXml(toXml(item, { indent: '' })))).toEqual(canon(item));
    }), { numRuns: runs });
  });

  it('JSON round trip (text and parsed value)', () => {
    fc.assert(fc.property(treeArb(), (item) => {
      const text = toJson(item);
      expect(canon(fromJson(text))).toEqual(canon(item));
      expect(canon(fromJson(JSON.parse(text) as object))).toEqual(canon(item));
    }), { numRuns: runs });
  });

  it('DateTime text agrees with Date inside its range', () => {
    fc.assert(fc.property(fc.integer({ min: -8.64e12, max: 8.64e12 }), (s) => {
      const iso = formatDateTime(BigInt(s));
      const d = new Date(s * 1000).toISOString();
      const year = d.startsWith('+') || d.startsWith('-') ? d.slice(0, 7) : d.slice(0, 4);
      // Date writes 6-digit signed years outside 0000-9999; we write at least 4 digits, '-' only.
      expect(iso.slice(iso.indexOf('-', 1))).toBe(d.slice(year.length).replace('.000Z', '+00:00'));
      expect(parseDateTime(iso)).toBe(BigInt(s));
      expect(parseDateTime(d)).toBe(BigInt(s));
    }), { numRuns: runs });
  });
});
