// UTF-8 well-formedness as Unicode Table 3-7 defines it (the same rules as Rust's str::from_utf8).
import { isUtf8 } from 'node:buffer';

// Past the ASCII prefix, a remainder at least this long goes to Node's C++ check.
const NATIVE_CHECK_MIN = 256;

/** What utf8ErrorOffset returns for well-formed text with a byte above 0x7f (-1: all ASCII). */
export const NON_ASCII = -2;

/** Offset of the first byte of the first ill-formed sequence in buf[start, end), else -1 when every
 *  byte is ASCII and NON_ASCII when the text is well-formed with other characters. With `words`
 *  (a view of the same bytes), the ASCII prefix is skipped eight bytes at a time first: a word with a
 *  high bit set is left to the byte loop, which finds the exact offset. */
export function utf8ErrorOffset(buf: Uint8Array, start: number, end: number, words?: DataView): number {
  // Most KMIP text is ASCII: a plain loop beats making a subarray and calling into C++.
  let i = start;
  if (words !== undefined) while (i + 8 <= end && ((words.getUint32(i) | words.getUint32(i + 4)) & 0x80808080) === 0) i += 8;
  while (i < end && buf[i] < 0x80) i++;
  if (i === end) return -1;
  if (end - i >= NATIVE_CHECK_MIN && isUtf8(buf.subarray(i, end))) return NON_ASCII;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) (need = 2), (lo = 0xa0);
    else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) need = 2;
    else if (b === 0xed) (need = 2), (hi = 0x9f);
    else if (b === 0xf0) (need = 3), (lo = 0x90);
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else if (b === 0xf4) (need = 3), (hi = 0x8f);
    else return i;
    if (i + 1 >= end || buf[i + 1] < lo || buf[i + 1] > hi) return i;
    for (let k = 2; k <= need; k++) {
      if (i + k >= end || (buf[i + k] & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return NON_ASCII;
}
