// Every vector of ttlv-spec-vectors.json, in every scanner: decode, compare, re-encode byte for byte.
import { describe, expect, it } from 'vitest';
import { decode, encode, fromHex, toHex, TtlvError } from '../../src/ttlv/index.js';
import { SCANNERS } from '../helpers/codecs.js';
import { readJson } from '../helpers/testdata.js';
import { stripNames, toVectorJson } from '../helpers/vector-json.js';

interface Vec {
  id: string;
  hex: string;
  tag?: string;
  type?: string;
  value?: unknown;
  decoded?: unknown[];
  note?: string;
}
const file = readJson<Record<string, Vec[]>>('ttlv-spec-vectors.json');
const valid = [...file.primitive_vectors, ...file.derived_vectors];
// The file leaves accepting 0x0B to the decoder: we decode KMIP 2.x, where Date Time Extended exists.
const ACCEPTED_NEGATIVES = new Set(['neg-date-time-extended-in-1x']);

describe.each(SCANNERS)('spec vectors, %s scanner', (scanner) => {
  it('has the vector counts the file documents', () => {
    expect(file.primitive_vectors).toHaveLength(10);
    expect(file.derived_vectors).toHaveLength(17);
    expect(file.negative_vectors).toHaveLength(12);
    expect(file.message_vectors).toHaveLength(77);
  });

  it.each(valid.map((v) => [v.id, v] as const))('%s decodes to its value and re-encodes', (_id, v) => {
    const bytes = fromHex(v.hex);
    const item = decode(bytes, { scanner });
    expect(toVectorJson(item)).toEqual(stripNames({ tag: v.tag, type: v.type, value: v.value }));
    expect(toHex(encode(item))).toBe(v.hex);
  });

  it.each(file.message_vectors.map((v) => [v.id, v] as const))('message %s round-trips', (_id, v) => {
    const bytes = fromHex(v.hex);
    const item = decode(bytes, { scanner });
    expect(toVectorJson(item)).toEqual(stripNames(v.decoded![0]));
    expect(toHex(encode(item))).toBe(v.hex);
  });

  it.each(file.negative_vectors.map((v) => [v.id, v] as const))('negative %s', (id, v) => {
    const bytes = fromHex(v.hex);
    if (ACCEPTED_NEGATIVES.has(id)) {
      expect(decode(bytes, { scanner }).type).toBe(0x0b);
      return;
    }
    expect(() => decode(bytes, { scanner })).toThrow(TtlvError);
  });
});
