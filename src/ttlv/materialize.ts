// Builds the item tree from bytes and a flat index. Both scanners feed this one function, so the
// native and TS decode paths cannot differ in how values are read.
import type { TtlvItem } from './types.js';

export interface TtlvIndex {
  /** The scanned bytes. */
  readonly bytes: Uint8Array;
  /** Four words per item: (tag << 8 | type), header offset, length, next-sibling item number. */
  readonly index: Uint32Array;
  readonly count: number;
  /** Offset just past the root item. */
  readonly end: number;
}


export function bigIntFromBytes(bytes: Uint8Array, start: number, end: number): bigint {
  if (end - start <= 8) {
    // Fits one 64-bit word after sign extension: avoid building a hex string.
    let v = 0n;
    for (let i = start; i < end; i++) v = (v << 8n) | BigInt(bytes[i]);
    const bits = BigInt((end - start) * 8);
    return bytes[start] & 0x80 ? v - (1n << bits) : v;
  }
  let hex = '';
  for (let i = start; i < end; i++) hex += HEX[bytes[i]];
  const v = BigInt('0x' + hex);
  return bytes[start] & 0x80 ? v - (1n << BigInt((end - start) * 8)) : v;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function text(bytes: Uint8Array, start: number, end: number): string {
  // Short ASCII strings (most KMIP names and identifiers) are cheaper to build by hand.
  if (end - start <= 24) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      if (c >= 0x80) return utf8(bytes, start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8(bytes, start, end);
}

const decoder = new TextDecoder('utf-8', { fatal: true });
function utf8(bytes: Uint8Array, start: number, end: number): string {
  return decoder.decode(bytes.subarray(start, end));
}

/** Materialises item `first` (default: the root) and its subtree. */
export function materialize(ix: TtlvIndex, first = 0): TtlvItem {
  const { bytes, index } = ix;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let cur = first;
  const node = (): TtlvItem => {
    const w = cur * 4;
    const head = index[w];
    const v = index[w + 1] + 8;
    const len = index[w + 2];
    const next = index[w + 3];
    cur++;
    const tag = head >>> 8;
    switch (head & 0xff) {
      case 0x01: {
        const value: TtlvItem[] = [];
        while (cur < next) value.push(node());
        return { tag, type: 0x01, value };
      }
      case 0x02:
        return { tag, type: 0x02, value: view.getInt32(v) };
      case 0x03:
        return { tag, type: 0x03, value: view.getBigInt64(v) };
      case 0x04:
        return { tag, type: 0x04, value: bigIntFromBytes(bytes, v, v + len), byteLength: len };
      case 0x05:
        return { tag, type: 0x05, value: view.getUint32(v) };
      case 0x06:
        return { tag, type: 0x06, value: bytes[v + 7] === 1 };
      case 0x07:
        return { tag, type: 0x07, value: text(bytes, v, v + len) };
      case 0x08:
        // A copy, as a plain Uint8Array (Buffer#slice would share the input's memory).
        return { tag, type: 0x08, value: new Uint8Array(bytes.subarray(v, v + len)) };
      case 0x09:
        return { tag, type: 0x09, value: view.getBigInt64(v) };
      case 0x0a:
        return { tag, type: 0x0a, value: view.getUint32(v) };
      default:
        return { tag, type: 0x0b, value: view.getBigInt64(v) };
    }
  };
  return node();
}

