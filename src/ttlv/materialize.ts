// Builds the item tree from bytes and a flat index. Both scanners feed this one function, so the
// native and TS decode paths cannot differ in how values are read.
import { Buffer } from 'node:buffer';
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

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bigIntFromBytes(bytes: Uint8Array, start: number, end: number): bigint {
  let hex = '';
  for (let i = start; i < end; i++) hex += HEX[bytes[i]];
  const v = BigInt('0x' + hex);
  return bytes[start] & 0x80 ? v - (1n << BigInt((end - start) * 8)) : v;
}

// The walk's state lives here rather than in a closure made per call: decode is synchronous and
// not re-entrant, and this keeps small-message decodes free of per-call allocations.
// Buffer#utf8Slice is Node's own fast path for toString('utf8', s, e), without argument coercion.
type NodeBuffer = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };
const EMPTY = Buffer.alloc(0) as NodeBuffer;
const EMPTY_INDEX = new Uint32Array(0);
let b: NodeBuffer = EMPTY;
let ix: Uint32Array = EMPTY_INDEX;
let view: DataView | undefined;
let cur = 0;

// Dense text (a Locate response's identifiers, a batch of names): making one string per item costs a
// call into C++ each (about 100 ns, most of a decode); when long text strings fill at least half of a
// subtree of at least SHARE_MIN_ITEMS items, the subtree's bytes become one Latin-1 string and each
// ASCII text value is a substring of it, which V8 makes without copying. Such a value keeps that one
// string alive (at most twice the text it holds, by the rule below) while any of them lives; sparse
// text, non-ASCII text and everything else is copied as before.
const SHARE_MIN_ITEMS = 32;
const SHARE_MIN_LENGTH = 13; // V8 copies shorter substrings anyway (SlicedString::kMinLength)
let shared: string | undefined;
let sharedBase = 0;
/** The scan already showed all text to be ASCII: no second look per value. */
let knownAscii = false;

function denseText(first: number, last: number, start: number, end: number): boolean {
  if (last - first < SHARE_MIN_ITEMS) return false;
  let text = 0;
  for (let w = first * 4; w < last * 4; w += 4) {
    if ((ix[w] & 0xff) === 0x07 && ix[w + 2] >= SHARE_MIN_LENGTH) text += ix[w + 2];
  }
  return text * 2 >= end - start;
}

/** Whether bytes [v, end) are all ASCII: four at a time, then the tail. */
function ascii(v: number, end: number): boolean {
  view ??= new DataView(b.buffer, b.byteOffset, b.byteLength);
  let acc = 0;
  let i = v;
  for (; i + 4 <= end; i += 4) acc |= view.getUint32(i);
  for (; i < end; i++) acc |= b[i];
  return (acc & 0x80808080) === 0;
}

function int64(at: number): bigint {
  // Only messages with 64-bit items or dense text pay for a DataView.
  view ??= new DataView(b.buffer, b.byteOffset, b.byteLength);
  return view.getBigInt64(at);
}

function node(): TtlvItem {
  const w = cur * 4;
  const head = ix[w];
  const v = ix[w + 1] + 8;
  const len = ix[w + 2];
  const next = ix[w + 3];
  cur++;
  const tag = head >>> 8;
  switch (head & 0xff) {
    case 0x01: {
      const value: TtlvItem[] = [];
      while (cur < next) value.push(node());
      return { tag, type: 0x01, value };
    }
    case 0x02:
      return { tag, type: 0x02, value: (b[v] << 24) | (b[v + 1] << 16) | (b[v + 2] << 8) | b[v + 3] };
    case 0x03:
      return { tag, type: 0x03, value: int64(v) };
    case 0x04:
      return { tag, type: 0x04, value: bigIntFromBytes(b, v, v + len), byteLength: len };
    case 0x05:
      return { tag, type: 0x05, value: ((b[v] << 24) | (b[v + 1] << 16) | (b[v + 2] << 8) | b[v + 3]) >>> 0 };
    case 0x06:
      return { tag, type: 0x06, value: b[v + 7] === 1 };
    case 0x07:
      // Already validated as UTF-8 by the scan.
      if (shared !== undefined && (knownAscii || ascii(v, v + len))) return { tag, type: 0x07, value: shared.substring(v - sharedBase, v - sharedBase + len) };
      return { tag, type: 0x07, value: b.utf8Slice(v, v + len) };
    case 0x08:
      // A copy, as a plain Uint8Array (Buffer#slice would share the input's memory).
      return { tag, type: 0x08, value: new Uint8Array(b.subarray(v, v + len)) };
    case 0x09:
      return { tag, type: 0x09, value: int64(v) };
    case 0x0a:
      return { tag, type: 0x0a, value: ((b[v] << 24) | (b[v + 1] << 16) | (b[v + 2] << 8) | b[v + 3]) >>> 0 };
    default:
      return { tag, type: 0x0b, value: int64(v) };
  }
}

/** Materialises item `first` (default: the root) and its subtree. `asciiText`: the caller's scan found
 *  every text string of the message to be ASCII (a hint; without it each value is checked). */
export function materialize(index: TtlvIndex, first = 0, asciiText = false): TtlvItem {
  const bytes = index.bytes;
  b = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as NodeBuffer;
  ix = index.index;
  view = undefined;
  cur = first;
  const w = first * 4;
  const last = first === 0 ? index.count : ix[w + 3];
  const start = ix[w + 1];
  const end = start + 8 + ix[w + 2];
  if (denseText(first, last, start, end)) {
    shared = b.latin1Slice(start, end);
    sharedBase = start;
    knownAscii = asciiText;
  }
  try {
    return node();
  } finally {
    // Drop references so a large input is not kept alive by the module.
    b = EMPTY;
    ix = EMPTY_INDEX;
    view = undefined;
    shared = undefined;
    knownAscii = false;
  }
}
