// The published entry points, imported by package name as a user would (from dist/, which
// `npm test` builds first).
import { describe, expect, it } from 'vitest';

describe('package entry points', () => {
  it('kmipkit/ttlv has the codec, the framer, the loader info and the XML/JSON encodings', async () => {
    const m = await import('kmipkit/ttlv');
    for (const name of ['decode', 'encode', 'decodePrefix', 'validate', 'scan', 'TtlvFramer', 'createFramerStream', 'fromXml', 'toXml', 'fromJson', 'toJson', 'toText'])
      expect(typeof (m as Record<string, unknown>)[name], name).toBe('function');
    const item = m.fromXml('<Operation type="Enumeration" value="Get"/>');
    expect(m.toHex(m.encode(item))).toBe('42005C05000000040000000A00000000');
    expect(m.codecInfo.mode).toMatch(/^(off|auto|require)$/);
  });

  it('kmipkit/dict and kmipkit', async () => {
    const dict = await import('kmipkit/dict');
    expect(dict.Tag.ActivationDate).toBe(0x420001);
    const root = await import('kmipkit');
    expect(root.dict.tagName(0x420001)).toBe('ActivationDate');
    expect(typeof root.decode).toBe('function');
  });
});
