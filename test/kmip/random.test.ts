import { describe, expect, it } from 'vitest';
import { keyBytes, newUid, shortUid } from '../../src/kmip/random.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newUid', () => {
  it('is a version 7 UUID whose first 48 bits are the time in milliseconds', () => {
    const before = Date.now();
    const uid = newUid();
    const after = Date.now();
    expect(uid).toMatch(V7);
    const ms = parseInt(uid.slice(0, 8) + uid.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('never repeats, and identifiers from later milliseconds sort after earlier ones', async () => {
    const first = Array.from({ length: 20_000 }, () => newUid());
    expect(new Set(first).size).toBe(first.length);
    await new Promise((r) => setTimeout(r, 5));
    const later = newUid();
    expect(first.every((u) => u < later)).toBe(true);
  });
});

describe('keyBytes and shortUid', () => {
  it('gives the length asked for, from the block and past it, and never the same bytes twice', () => {
    const seen = new Set<string>();
    for (const n of [1, 16, 24, 32, 64, 512, 513, 4096, 10_000]) {
      for (let i = 0; i < 200; i++) {
        const b = keyBytes(n);
        expect(b.length).toBe(n);
        if (n >= 16) {
          const hex = b.toString('hex');
          expect(seen.has(hex)).toBe(false);
          seen.add(hex);
        }
      }
    }
    expect(keyBytes(0).length).toBe(0);
  });

  it('a draw is its own memory: wiping one key does not touch the next', () => {
    const a = keyBytes(32);
    const b = keyBytes(32);
    const copy = Buffer.from(b);
    a.fill(0);
    expect(b.equals(copy)).toBe(true);
    expect(a.buffer).not.toBe(b.buffer);
  });

  it('refuses a negative or fractional length', () => {
    expect(() => keyBytes(-1)).toThrow(RangeError);
    expect(() => keyBytes(1.5)).toThrow(RangeError);
  });

  it('short unique identifiers are 32 bytes and distinct', () => {
    const all = Array.from({ length: 1000 }, () => shortUid().toString('hex'));
    expect(all.every((h) => h.length === 64)).toBe(true);
    expect(new Set(all).size).toBe(1000);
  });
});
