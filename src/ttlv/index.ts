// kmipkit/ttlv: decode TTLV bytes to an item tree and back, validate, frame streams.
import { TtlvError } from './errors.js';
import { MAX_DEPTH, MAX_MESSAGE_SIZE } from './limits.js';
import { materialize, type TtlvIndex } from './materialize.js';
import { codecInfo, nativeBinding } from './native.js';
import { indexWordsFor, scanInto, SCAN_ALLOW_TRAILING } from './scan.js';
import type { TtlvItem } from './types.js';

export * from './types.js';
export { TtlvError, TtlvErrorCode, type TtlvErrorName } from './errors.js';
export { MAX_DEPTH, MAX_MESSAGE_SIZE } from './limits.js';
export { encode, type EncodeOptions } from './encode.js';
export { TtlvFramer, createFramerStream, type FramerOptions } from './framer.js';
export { codecInfo, isNativeAccelerationEnabled, type CodecInfo, type NativeMode } from './native.js';
export { fromHex, toHex } from './hex.js';
export type { TtlvIndex } from './materialize.js';

/**
 * Below this size the loader scans in TypeScript. A call into the addon costs about 60 ns before
 * any scanning (Node-API's call, resolving the input's typed array, the int32 result), and the Rust
 * scanner then runs at 3 to 7 times the TypeScript one: on a Get of a 4 KiB key the native scan is
 * about 3.3x faster, on item-dense messages 4 to 7x. Around 56 bytes (four items) the two break
 * even: a 40-byte Protocol Version scans faster in TS (native 0.84x), a 64-byte Request Header
 * about 1.1x faster natively, a 72-byte Request Message 1.2x. Measured by `npm run bench -- codec`
 * (the crossover ladder and the first rung).
 */
export const NATIVE_SCAN_MIN_BYTES = 64;

export interface DecodeOptions {
  /** Deepest nesting accepted (the root is depth 1). */
  maxDepth?: number;
  /** Largest root item accepted, header included. */
  maxSize?: number;
  /** Accept bytes after the root item instead of failing with TRAILING_BYTES. */
  allowTrailing?: boolean;
  /** Which scanner to use: 'auto' (default) picks by size, 'native' requires the addon, 'ts' never uses it. */
  scanner?: 'auto' | 'native' | 'ts';
}

// Index words kept between calls; larger scans get their own array so none lingers in memory.
const SCRATCH_WORDS_MAX = 1 << 20; // 4 MiB of index: messages up to 2 MiB reuse it
let scratch = new Uint32Array(1024);

/** The index the addon holds (setIndex), so the common call passes only the input. */
let registered: Uint32Array | undefined;

function indexFor(byteLength: number): Uint32Array {
  const words = indexWordsFor(byteLength);
  if (words <= scratch.length) return scratch;
  if (words > SCRATCH_WORDS_MAX) return new Uint32Array(words);
  scratch = new Uint32Array(Math.max(words, scratch.length * 2));
  return scratch;
}

// Smallest input the default ('auto') scanner sends to the addon, fixed at load time. With
// KMIPKIT_NATIVE=require every size goes native, so CI cannot test the TS path twice.
const autoNativeMin = !nativeBinding ? Infinity : codecInfo.mode === 'require' ? 0 : NATIVE_SCAN_MIN_BYTES;

function useNative(bytes: Uint8Array, scanner: DecodeOptions['scanner']): boolean {
  if (scanner === undefined || scanner === 'auto') return bytes.length >= autoNativeMin;
  if (scanner === 'ts') return false;
  if (!nativeBinding) throw new Error(`native scanner requested but not loaded: ${codecInfo.detail}`);
  return true;
}

function runScan(bytes: Uint8Array, opts: DecodeOptions): { index: Uint32Array; count: number; asciiText: boolean } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('TTLV input must be a Uint8Array or Buffer');
  const index = indexFor(bytes.length);
  const maxDepth = opts.maxDepth ?? MAX_DEPTH;
  const maxSize = opts.maxSize ?? MAX_MESSAGE_SIZE;
  const flags = opts.allowTrailing ? SCAN_ALLOW_TRAILING : 0;
  let count: number;
  if (useNative(bytes, opts.scanner)) {
    // The addon reads its limits from the index's first words (the contract's "Native boundary").
    index[0] = Math.min(Math.max(maxDepth, 0), 0xffffffff);
    index[1] = Math.min(Math.max(maxSize, 0), 0xffffffff);
    index[2] = flags;
    if (index !== registered) {
      nativeBinding!.setIndex(index);
      registered = index;
    }
    count = nativeBinding!.scanRegistered(bytes);
    // A one-off large index must not stay alive through the addon's reference.
    if (index !== scratch) {
      nativeBinding!.setIndex(scratch);
      registered = scratch;
    }
  } else {
    count = scanInto(bytes, index, maxDepth, maxSize, flags);
  }
  if (count < 0) throw new TtlvError(index[0], index[1]);
  // The word after the root end: 1 when some text string is not pure ASCII (both scanners write it).
  return { index, count, asciiText: index[count * 4 + 1] === 0 };
}

/** Scans and validates without building values; returns the flat index (a copy the caller owns). */
export function scan(bytes: Uint8Array, opts: DecodeOptions = {}): TtlvIndex {
  const { index, count } = runScan(bytes, opts);
  return { bytes, index: index.slice(0, count * 4), count, end: index[count * 4] };
}

/** Validates one TTLV item; returns the offset just past it. Throws TtlvError when malformed. */
export function validate(bytes: Uint8Array, opts: DecodeOptions = {}): number {
  const { index, count } = runScan(bytes, opts);
  return index[count * 4];
}

/** Decodes exactly one TTLV item (by default nothing may follow it). */
export function decode(bytes: Uint8Array, opts: DecodeOptions = {}): TtlvItem {
  const { index, count, asciiText } = runScan(bytes, opts);
  return materialize({ bytes, index, count, end: index[count * 4] }, 0, asciiText);
}

/** Decodes the first item and says how many bytes it took; whatever follows is left alone. */
export function decodePrefix(bytes: Uint8Array, opts: DecodeOptions = {}): { item: TtlvItem; length: number } {
  const { index, count, asciiText } = runScan(bytes, { ...opts, allowTrailing: true });
  const length = index[count * 4];
  return { item: materialize({ bytes, index, count, end: length }, 0, asciiText), length };
}

export { materialize };
