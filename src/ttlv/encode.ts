// TTLV encoder: one sizing pass, one allocation, one writing pass.
import { Buffer } from 'node:buffer';
import { TtlvError, TtlvErrorCode as E } from './errors.js';
import { MAX_DEPTH } from './limits.js';
import { ITEM_TYPE_NAMES, type TtlvItem } from './types.js';

export interface EncodeOptions {
  maxDepth?: number;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function invalid(item: { tag: unknown; type: unknown }, why: string): TtlvError {
  const tag = typeof item.tag === 'number' ? '0x' + item.tag.toString(16).padStart(6, '0') : String(item.tag);
  const type = ITEM_TYPE_NAMES[item.type as number] ?? `type ${String(item.type)}`;
  // The value itself is never quoted: it may be key material.
  return new TtlvError(E.INVALID_VALUE, -1, `${type} at tag ${tag}: ${why}`);
}

function validTag(tag: unknown): boolean {
  if (typeof tag !== 'number' || !Number.isInteger(tag) || tag < 0 || tag > 0xffffff) return false;
  const hi = tag >>> 16;
  return hi === 0x42 || hi === 0x54;
}

/** Minimal two's-complement width in bytes, rounded up to a multiple of 8 (at least 8). */
export function bigIntWidth(v: bigint): number {
  const hex = (v < 0n ? -v - 1n : v).toString(16);
  // Exact bit length of the magnitude, plus one sign bit.
  const bits = (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16))) + 1;
  return Math.ceil(bits / 64) * 8;
}

function isInt32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
}
function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}
function isInt64(v: unknown): v is bigint {
  return typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX;
}

const pad8 = (n: number) => (n + 7) & ~7;

// Short ASCII text (most KMIP text: names, identifiers) is measured and written in JS: two calls into
// C++ per string (isWellFormed, byteLength) cost more than the loop. Longer or non-ASCII text goes to Node.
const ASCII_JS_MAX = 32;

/** The UTF-8 length of `s` when it is short ASCII (then it equals s.length), else undefined. */
function asciiLength(s: string): number | undefined {
  const n = s.length;
  if (n > ASCII_JS_MAX) return undefined;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 0x80) return undefined;
  return n;
}

function utf8Length(item: TtlvItem, s: string): number {
  if (!s.isWellFormed()) throw invalid(item, 'string has a lone surrogate');
  return Buffer.byteLength(s, 'utf8');
}

/** Sizing pass: returns the encoded size of `item` and records value lengths in pre-order. */
function size(item: TtlvItem, depth: number, maxDepth: number, lens: number[]): number {
  if (item === null || typeof item !== 'object') throw new TtlvError(E.INVALID_VALUE, -1, 'item is not an object');
  if (depth > maxDepth) throw new TtlvError(E.ENCODE_TOO_DEEP, -1, `deeper than ${maxDepth}`);
  if (!validTag(item.tag)) throw invalid(item, 'tag must be 0x42xxxx or 0x54xxxx');
  const v = item.value as unknown;
  switch (item.type) {
    case 0x01: {
      if (!Array.isArray(v)) throw invalid(item, 'value must be an array of items');
      const slot = lens.length;
      lens.push(0);
      let total = 0;
      for (const child of v as TtlvItem[]) total += size(child, depth + 1, maxDepth, lens);
      if (total > 0xffffffff) throw invalid(item, 'structure longer than 2^32-1 bytes');
      lens[slot] = total;
      return 8 + total;
    }
    case 0x02:
      if (!isInt32(v)) throw invalid(item, 'value must be a 32-bit signed integer');
      return 16;
    case 0x05:
    case 0x0a:
      if (!isUint32(v)) throw invalid(item, 'value must be a 32-bit unsigned integer');
      return 16;
    case 0x03:
    case 0x09:
    case 0x0b:
      if (!isInt64(v)) throw invalid(item, 'value must be a bigint in the signed 64-bit range');
      return 16;
    case 0x06:
      if (typeof v !== 'boolean') throw invalid(item, 'value must be a boolean');
      return 16;
    case 0x04: {
      if (typeof v !== 'bigint') throw invalid(item, 'value must be a bigint');
      const min = bigIntWidth(v);
      const want = item.byteLength;
      let width = min;
      if (want !== undefined) {
        if (!Number.isInteger(want) || want % 8 !== 0 || want < min)
          throw invalid(item, 'byteLength must be a multiple of 8 wide enough for the value');
        width = want;
      }
      lens.push(width);
      return 8 + width;
    }
    case 0x07: {
      if (typeof v !== 'string') throw invalid(item, 'value must be a string');
      const n = asciiLength(v) ?? utf8Length(item, v);
      lens.push(n);
      return 8 + pad8(n);
    }
    case 0x08:
      if (!(v instanceof Uint8Array)) throw invalid(item, 'value must be a Uint8Array');
      return 8 + pad8(v.length);
    default:
      throw invalid(item, 'unknown item type');
  }
}

function writeBigInt(out: Buffer, at: number, v: bigint, width: number): void {
  const unsigned = v < 0n ? v + (1n << BigInt(width * 8)) : v;
  if (width === 8) {
    out.writeBigUInt64BE(unsigned, at);
    return;
  }
  out.write(unsigned.toString(16).padStart(width * 2, '0'), at, width, 'hex');
}

// The writing pass's state lives here rather than in a closure made per call (encode is synchronous and
// not re-entrant), as in materialize.ts.
let out: Buffer = Buffer.alloc(0);
let view: DataView | undefined;
let at = 0;
let li = 0;
let lens: number[] = [];

function u32(p: number, x: number): void {
  out[p] = x >>> 24;
  out[p + 1] = (x >>> 16) & 0xff;
  out[p + 2] = (x >>> 8) & 0xff;
  out[p + 3] = x & 0xff;
}

function write(it: TtlvItem): void {
  const p = at;
  const tag = it.tag;
  out[p] = tag >>> 16;
  out[p + 1] = (tag >>> 8) & 0xff;
  out[p + 2] = tag & 0xff;
  out[p + 3] = it.type;
  const v = p + 8;
  switch (it.type) {
    case 0x01: {
      u32(p + 4, lens[li++]);
      at = v;
      const children = it.value;
      for (let i = 0; i < children.length; i++) write(children[i]);
      return;
    }
    case 0x02:
    case 0x05:
    case 0x0a:
      // The sizing pass checked the range; >>> 0 gives a negative Integer its two's complement bytes.
      out[p + 7] = 4;
      u32(v, it.value >>> 0);
      break;
    case 0x03:
    case 0x09:
    case 0x0b:
      out[p + 7] = 8;
      view ??= new DataView(out.buffer, out.byteOffset, out.byteLength);
      view.setBigInt64(v, it.value);
      break;
    case 0x06:
      out[p + 7] = 8;
      out[v + 7] = it.value ? 1 : 0;
      break;
    case 0x04: {
      const width = lens[li++];
      u32(p + 4, width);
      writeBigInt(out, v, it.value, width);
      at = v + width;
      return;
    }
    case 0x07: {
      const n = lens[li++];
      u32(p + 4, n);
      const s = it.value;
      if (n === s.length && n <= ASCII_JS_MAX) for (let i = 0; i < n; i++) out[v + i] = s.charCodeAt(i);
      else out.write(s, v, n, 'utf8');
      at = v + pad8(n);
      return;
    }
    case 0x08:
      u32(p + 4, it.value.length);
      out.set(it.value, v);
      at = v + pad8(it.value.length);
      return;
  }
  at = v + 8;
}

export function encode(item: TtlvItem, opts: EncodeOptions = {}): Buffer {
  const sizes: number[] = [];
  const total = size(item, 1, opts.maxDepth ?? MAX_DEPTH, sizes);
  // Zero-filled: padding bytes must be zero, and nothing stale may leak through them. allocUnsafe then
  // fill: the same bytes as Buffer.alloc, from Node's pool below 4 KiB (a new ArrayBuffer per message
  // cost a KMIP response about a microsecond, and the garbage collector more).
  const buf = Buffer.allocUnsafe(total).fill(0);
  out = buf;
  lens = sizes;
  at = 0;
  li = 0;
  try {
    write(item);
  } finally {
    // Drop references so a large message is not kept alive by the module.
    out = EMPTY;
    view = undefined;
    lens = NO_LENS;
  }
  return buf;
}

const EMPTY = Buffer.alloc(0);
const NO_LENS: number[] = [];
