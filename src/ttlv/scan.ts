// The pure-TypeScript scanner. It implements docs/ttlv-scan-contract.md exactly, as the Rust one does.
import { TtlvErrorCode as E } from './errors.js';
import { NON_ASCII, utf8ErrorOffset } from './utf8.js';

export const SCAN_ALLOW_TRAILING = 1;

/** Text strings at least this long have their ASCII prefix checked by words. */
const WORD_CHECK_MIN = 16;

/** Words an index needs for a buffer of `byteLength` bytes (no item is shorter than 8 bytes). */
export function indexWordsFor(byteLength: number): number {
  return 4 * (Math.floor(byteLength / 8) + 1);
}

// Open-structure stacks, reused: depth is capped by maxDepth, so they only grow to that.
let openItem = new Int32Array(64);
let openLimit = new Float64Array(64);

function fail(index: Uint32Array, code: number, offset: number): number {
  index[0] = code;
  index[1] = offset;
  return -1;
}

/**
 * Scans one root item of `buf` into `index` (see the contract for the layout).
 * Returns the item count (root end in index[4*count]) or -1 with [code, offset] in index[0..1].
 */
export function scanInto(
  buf: Uint8Array,
  index: Uint32Array,
  maxDepth: number,
  maxSize: number,
  flags: number,
): number {
  if (index.length < indexWordsFor(buf.length)) throw new RangeError('index too small for input');
  if (openItem.length < maxDepth + 1) {
    openItem = new Int32Array(maxDepth + 1);
    openLimit = new Float64Array(maxDepth + 1);
  }
  let p = 0;
  let limit = buf.length;
  let depth = 0;
  let count = 0;
  // Made on the first long text string: skipping ASCII by words pays for the view from about 16 bytes.
  let words: DataView | undefined;
  // Whether some text string has a byte above 0x7f (the word after the root end; see the contract).
  let nonAscii = 0;
  do {
    if (limit - p < 8) return fail(index, E.TRUNCATED_HEADER, p);
    const b0 = buf[p];
    if (b0 !== 0x42 && b0 !== 0x54) return fail(index, E.BAD_TAG, p);
    const type = buf[p + 3];
    if (type < 1 || type > 11) return fail(index, E.BAD_TYPE, p + 3);
    const len = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
    if (depth === 0 && 8 + len > maxSize) return fail(index, E.TOO_LARGE, p + 4);
    let badLength: boolean;
    switch (type) {
      case 0x01:
        badLength = len % 8 !== 0;
        break;
      case 0x02:
      case 0x05:
      case 0x0a:
        badLength = len !== 4;
        break;
      case 0x03:
      case 0x06:
      case 0x09:
      case 0x0b:
        badLength = len !== 8;
        break;
      case 0x04:
        badLength = len === 0 || len % 8 !== 0;
        break;
      default:
        badLength = false;
    }
    if (badLength) return fail(index, E.BAD_LENGTH, p + 4);
    const padded = len % 8 === 0 ? len : len + 8 - (len % 8);
    if (p + 8 + padded > limit) return fail(index, depth === 0 ? E.TRUNCATED : E.OVERRUNS_PARENT, p + 4);
    if (depth + 1 > maxDepth) return fail(index, E.TOO_DEEP, p);
    const v = p + 8;
    switch (type) {
      case 0x02:
      case 0x05:
      case 0x0a:
        for (let i = v + 4; i < v + 8; i++) if (buf[i] !== 0) return fail(index, E.NONZERO_PADDING, i);
        break;
      case 0x06:
        if ((buf[v] | buf[v + 1] | buf[v + 2] | buf[v + 3] | buf[v + 4] | buf[v + 5] | buf[v + 6]) !== 0 || buf[v + 7] > 1)
          return fail(index, E.BAD_BOOLEAN, v);
        break;
      case 0x07: {
        if (len >= WORD_CHECK_MIN) words ??= new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        const bad = utf8ErrorOffset(buf, v, v + len, len >= WORD_CHECK_MIN ? words : undefined);
        if (bad >= 0) return fail(index, E.BAD_UTF8, bad);
        if (bad === NON_ASCII) nonAscii = 1;
      }
      // falls through: text strings are padded like byte strings
      case 0x08:
        for (let i = v + len; i < v + padded; i++) if (buf[i] !== 0) return fail(index, E.NONZERO_PADDING, i);
        break;
    }
    const w = count * 4;
    index[w] = (((buf[p] << 16) | (buf[p + 1] << 8) | buf[p + 2]) * 256 + type) >>> 0;
    index[w + 1] = p;
    index[w + 2] = len;
    count++;
    if (type === 0x01) {
      openItem[depth] = count - 1;
      openLimit[depth] = limit;
      depth++;
      limit = v + len;
      p = v;
    } else {
      index[w + 3] = count;
      p = v + padded;
    }
    while (depth > 0 && p === limit) {
      depth--;
      index[openItem[depth] * 4 + 3] = count;
      limit = openLimit[depth];
    }
  } while (depth > 0);
  if (p !== buf.length && (flags & SCAN_ALLOW_TRAILING) === 0) return fail(index, E.TRAILING_BYTES, p);
  index[count * 4] = p;
  index[count * 4 + 1] = nonAscii;
  return count;
}
