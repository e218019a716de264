// Property tests: trees round-trip through TTLV in every scanner; on random and mutated bytes the
// native and TS scanners agree exactly (same index, or the same error code at the same offset).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecInfo, decode, encode, scan, TtlvError } from '../../src/ttlv/index.js';
import { RUNS, treeArb, withoutWidths } from '../helpers/arbitraries.js';
import { SCANNERS, type Scanner } from '../helpers/codecs.js';

type Outcome = { ok: true; index: number[]; end: number } | { ok: false; code: string; offset: number };

function outcome(bytes: Uint8Array, scanner: Scanner, allowTrailing: boolean, maxDepth: number): Outcome {
  try {
    const r = scan(bytes, { scanner, allowTrailing, maxDepth });
    return { ok: true, index: Array.from(r.index), end: r.end };
  } catch (err) {
    if (!(err instanceof TtlvError)) throw err;
    return { ok: false, code: err.code, offset: err.offset };
  }
}

describe.each(SCANNERS)('round trip, %s scanner', (scanner) => {
  it('random trees: encode then decode gives the same tree, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(treeArb(), (tree) => {
        const bytes = encode(tree);
        const back = decode(bytes, { scanner });
        expect(withoutWidths(back)).toEqual(tree);
        expect(Buffer.from(encode(back)).equals(bytes)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

// A valid message with a few bytes changed, cut, or grown: reaches deep into the checks.
const mutatedArb = fc
  .tuple(
    treeArb(),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.option(fc.nat(), { nil: undefined }),
    fc.uint8Array({ maxLength: 12 }),
  )
  .map(([tree, edits, cut, extra]) => {
    const bytes = new Uint8Array(encode(tree));
    for (const [at, value] of edits) if (bytes.length) bytes[at % bytes.length] = value;
    const cutAt = cut === undefined ? bytes.length : cut % (bytes.length + 1);
    return Uint8Array.from([...bytes.subarray(0, cutAt), ...extra]);
  });

const bytesArb = fc.oneof(mutatedArb, fc.uint8Array({ maxLength: 64 }));

describe.runIf(codecInfo.native)('native and TS scanners agree', () => {
  it('on random and mutated bytes, strict and with trailing bytes allowed, at several depth caps', () => {
    fc.assert(
      fc.property(bytesArb, fc.boolean(), fc.integer({ min: 1, max: 8 }), (bytes, trailing, depth) => {
        expect(outcome(bytes, 'native', trailing, depth)).toEqual(outcome(bytes, 'ts', trailing, depth));
      }),
      { numRuns: RUNS },
    );
  });

  it('on bytes that are valid TTLV', () => {
    fc.assert(
      fc.property(treeArb(), (tree) => {
        const bytes = encode(tree);
        const ts = outcome(bytes, 'ts', false, 64);
        expect(ts.ok).toBe(true);
        expect(outcome(bytes, 'native', false, 64)).toEqual(ts);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('a native run cannot pass by testing TS twice', () => {
  it.runIf(process.env.KMIPKIT_NATIVE === 'require')('the parity suite above ran', () => {
    expect(codecInfo.native).toBe(true);
  });
});

describe('decoded byte strings own their memory', () => {
  it('changing the input after decoding does not change the value', () => {
    const bytes = Buffer.from(encode({ tag: 0x420043, type: 0x08, value: new Uint8Array([1, 2, 3]) }));
    const item = decode(bytes);
    bytes.fill(0);
    expect(Array.from(item.value as Uint8Array)).toEqual([1, 2, 3]);
    expect(Object.getPrototypeOf(item.value)).toBe(Uint8Array.prototype);
  });
});

describe('UTF-8 checks agree with Node and between scanners', () => {
  // Text items whose bytes are random: mostly ill-formed, often well-formed, some past 256 bytes.
  const textBytesArb = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 300 }).map((s) => new Uint8Array(Buffer.from(s))),
    fc.tuple(fc.string({ unit: 'binary', minLength: 260, maxLength: 400 }), fc.nat(), fc.integer({ min: 0x80, max: 0xff })).map(([s, at, b]) => {
      const bytes = new Uint8Array(Buffer.from(s));
      bytes[at % bytes.length] = b;
      return bytes;
    }),
    // ASCII with one high byte anywhere: the scanner skips ASCII eight bytes at a time from 16 bytes,
    // so the error offset must come out exact whichever word the byte falls in.
    fc.tuple(fc.uint8Array({ min: 0x20, max: 0x7e, minLength: 16, maxLength: 80 }), fc.nat(), fc.integer({ min: 0x80, max: 0xff })).map(([bytes, at, b]) => {
      bytes[at % bytes.length] = b;
      return bytes;
    }),
  );
  const asText = (bytes: Uint8Array) => {
    const padded = (bytes.length + 7) & ~7;
    const out = new Uint8Array(8 + padded);
    out.set([0x42, 0x00, 0x55, 0x07, bytes.length >>> 24, (bytes.length >>> 16) & 0xff, (bytes.length >>> 8) & 0xff, bytes.length & 0xff]);
    out.set(bytes, 8);
    return out;
  };

  it('a text item is valid exactly when Node says its bytes are UTF-8', () => {
    fc.assert(
      fc.property(textBytesArb, (bytes) => {
        const r = outcome(asText(bytes), 'ts', false, 64);
        expect(r.ok).toBe(isWellFormedUtf8(bytes));
        if (codecInfo.native) expect(outcome(asText(bytes), 'native', false, 64)).toEqual(r);
      }),
      { numRuns: RUNS },
    );
  });
});

function isWellFormedUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
