//! The scanner of `docs/ttlv-scan-contract.md`.
//!
//! It writes four `u32` words per item into a caller-provided index and allocates nothing. Nesting
//! is followed iteratively: while a structure is open, word 3 of its index entry (which only gets
//! its final value when the subtree ends) holds the item number of the enclosing open structure,
//! so the stack of open structures lives in the index itself and depth costs no native stack.
//!
//! Two paths decide each item. [`check_item`] applies the contract's checks one by one, in its
//! order, so it also decides which error a malformed item reports. The fast loop in [`scan`] clears
//! the common item in a few dozen instructions (see there) and hands anything else to
//! [`check_item`]: it may refuse a valid item (a Boolean, a Big Integer, non-ASCII text), never accept
//! an invalid one. `tests/props.rs` holds the result to a recursive oracle written from the
//! contract's text, on random trees, random and mutated bytes, and every single-byte change of a
//! message with every item type under eight limits.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use crate::error::{Error, ErrorCode as E};
use crate::item::ItemType;
use crate::{padded, MAX_DEPTH, MAX_MESSAGE_SIZE};

/// `flags` bit 0 of the native boundary.
pub const FLAG_ALLOW_TRAILING: u32 = 1;

/// Marks "no enclosing open structure" in the temporary parent links.
const NO_PARENT: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanOptions {
    /// The root has depth 1; deeper items fail with TOO_DEEP.
    pub max_depth: u32,
    /// The largest root item, header included.
    pub max_size: u64,
    /// Accept bytes after the root item.
    pub allow_trailing: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self { max_depth: MAX_DEPTH, max_size: MAX_MESSAGE_SIZE as u64, allow_trailing: false }
    }
}

impl ScanOptions {
    pub fn new(max_depth: u32, max_size: u64, flags: u32) -> Self {
        Self { max_depth, max_size, allow_trailing: flags & FLAG_ALLOW_TRAILING != 0 }
    }
}

/// A successful scan: `count` items in the index, root ending at `root_end`
/// (also written into `index[4 * count]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scanned {
    pub count: usize,
    pub root_end: usize,
}

/// Index words needed for a buffer of `buf_len` bytes: `4 * (floor(buf_len / 8) + 1)`.
#[inline]
pub const fn index_words(buf_len: usize) -> usize {
    (buf_len / 8).saturating_add(1).saturating_mul(4)
}

/// Offset of the first non-zero byte of `buf[from..to]`, if any.
#[inline]
fn first_nonzero(buf: &[u8], from: usize, to: usize) -> Option<usize> {
    buf.get(from..to).unwrap_or(&[]).iter().position(|&b| b != 0).map(|i| from + i)
}

#[inline]
fn put(index: &mut [u32], item: usize, words: [u32; 4]) -> Result<(), Error> {
    let at = item.wrapping_mul(4);
    match index.get_mut(at..at.wrapping_add(4)) {
        Some(slot) => {
            slot.copy_from_slice(&words);
            Ok(())
        }
        None => Err(Error::new(E::IndexTooSmall, 0)),
    }
}

/// Item `item`'s four index words.
#[inline(always)]
fn entry_mut(index: &mut [u32], item: u32) -> Result<&mut [u32; 4], Error> {
    index.get_mut(item as usize * 4..).and_then(|e| e.first_chunk_mut::<4>()).ok_or(Error::new(E::BadIndex, 0))
}

#[inline]
fn set_word(index: &mut [u32], at: usize, v: u32) -> Result<(), Error> {
    match index.get_mut(at) {
        Some(w) => {
            *w = v;
            Ok(())
        }
        None => Err(Error::new(E::IndexTooSmall, 0)),
    }
}

// Per type byte: the length rule of check 5 as `(len & MASK) == EQ && len >= MIN` (no branch on the
// type), and whether the value needs a check of its own beyond zero padding (Boolean, Text String).
// Type 0 marks a byte that is no item type. Padding is the same rule for every type: the bytes
// between the value's end and the next multiple of 8 are zero (only Integer, Enumeration, Interval,
// Text String and Byte String can have any).
const KIND_NONE: u8 = 0;
const KIND_PLAIN: u8 = 1;
const KIND_BOOLEAN: u8 = 2;
const KIND_TEXT: u8 = 3;

#[derive(Clone, Copy)]
struct TypeRule {
    kind: u8,
    mask: u32,
    eq: u32,
    min: u32,
}

const fn rule(kind: u8, mask: u32, eq: u32, min: u32) -> TypeRule {
    TypeRule { kind, mask, eq, min }
}

const NONE: TypeRule = rule(KIND_NONE, 0, 0, 0);
const RULES: [TypeRule; 16] = [
    NONE,
    rule(KIND_PLAIN, 7, 0, 0),          // 0x01 Structure: a multiple of 8
    rule(KIND_PLAIN, u32::MAX, 4, 0),   // 0x02 Integer
    rule(KIND_PLAIN, u32::MAX, 8, 0),   // 0x03 Long Integer
    rule(KIND_PLAIN, 7, 0, 8),          // 0x04 Big Integer: a non-empty multiple of 8
    rule(KIND_PLAIN, u32::MAX, 4, 0),   // 0x05 Enumeration
    rule(KIND_BOOLEAN, u32::MAX, 8, 0), // 0x06 Boolean
    rule(KIND_TEXT, 0, 0, 0),           // 0x07 Text String: any
    rule(KIND_PLAIN, 0, 0, 0),          // 0x08 Byte String: any
    rule(KIND_PLAIN, u32::MAX, 8, 0),   // 0x09 Date Time
    rule(KIND_PLAIN, u32::MAX, 4, 0),   // 0x0A Interval
    rule(KIND_PLAIN, u32::MAX, 8, 0),   // 0x0B Date Time Extended
    NONE,
    NONE,
    NONE,
    NONE,
];

/// Check 8 for the item whose header is at `p`, value `len` bytes, ending (padded) at `end`: whether
/// it is a text string with a character outside ASCII.
#[inline(always)]
fn check_value(buf: &[u8], kind: u8, p: usize, len: usize, end: usize) -> Result<bool, Error> {
    let mut non_ascii = false;
    if kind == KIND_TEXT {
        let text = buf.get(p + 8..p + 8 + len).unwrap_or(&[]);
        if !text.is_ascii() {
            if let Err(e) = core::str::from_utf8(text) {
                return Err(Error::new(E::BadUtf8, p + 8 + e.valid_up_to()));
            }
            non_ascii = true;
        }
    } else if kind == KIND_BOOLEAN {
        let ok = buf
            .get(p + 8..p + 16)
            .is_some_and(|v| v.iter().take(7).all(|&b| b == 0) && v.get(7).is_some_and(|&b| b <= 1));
        if !ok {
            return Err(Error::new(E::BadBoolean, p + 8));
        }
    }
    // The padding (0 to 7 bytes) is the tail of the value's last 8-byte word: one load and a mask.
    let pad = end - (p + 8 + len);
    if pad > 0 {
        let last = buf.get(end - 8..end).and_then(|w| <[u8; 8]>::try_from(w).ok()).map_or(u64::MAX, u64::from_be_bytes);
        if last & (u64::MAX >> (64 - 8 * pad)) != 0 {
            let at = first_nonzero(buf, end - pad, end).unwrap_or(end - pad);
            return Err(Error::new(E::NonzeroPadding, at));
        }
    }
    Ok(non_ascii)
}

/// The header fields of one item that passed every check, and where its value ends (padded).
struct Checked {
    head: u32,
    len: u32,
    end: usize,
    non_ascii: bool,
}

/// Checks 1 to 8 of the contract for the item whose header is at `p`, in the contract's order: the
/// exact path, taken for the root and for any item the fast check below does not clear.
#[cold]
#[inline(never)]
fn check_item(buf: &[u8], p: usize, limit: usize, depth: u64, is_root: bool, opts: &ScanOptions) -> Result<Checked, Error> {
    // 1. header present within L
    if limit - p < 8 {
        return Err(Error::new(E::TruncatedHeader, p));
    }
    let Some(&[b0, b1, b2, b3, l0, l1, l2, l3]) = buf.get(p..p + 8).and_then(|h| <&[u8; 8]>::try_from(h).ok()) else {
        return Err(Error::new(E::TruncatedHeader, p));
    };
    // 2. tag
    if b0 != 0x42 && b0 != 0x54 {
        return Err(Error::new(E::BadTag, p));
    }
    // 3. type
    let rule = RULES.get(usize::from(b3)).unwrap_or(&NONE);
    if rule.kind == KIND_NONE {
        return Err(Error::new(E::BadType, p + 3));
    }
    let len = u32::from_be_bytes([l0, l1, l2, l3]);
    // 4. size limit, root only
    if is_root && 8 + u64::from(len) > opts.max_size {
        return Err(Error::new(E::TooLarge, p + 4));
    }
    // 5. length legal for the type
    if (len & rule.mask) != rule.eq || len < rule.min {
        return Err(Error::new(E::BadLength, p + 4));
    }
    // 6. fits within L
    let end = p as u64 + 8 + padded(len);
    if end > limit as u64 {
        let code = if is_root { E::Truncated } else { E::OverrunsParent };
        return Err(Error::new(code, p + 4));
    }
    let end = end as usize;
    // 7. depth
    if depth + 1 > u64::from(opts.max_depth) {
        return Err(Error::new(E::TooDeep, p));
    }
    // 8. value
    let non_ascii = check_value(buf, rule.kind, p, len as usize, end)?;
    Ok(Checked { head: u32::from_be_bytes([b0, b1, b2, b3]), len, end, non_ascii })
}

/// The fast path's rule per type byte, all 256 of them (so the lookup needs no bounds check): the
/// length is legal when `len & mask == eq`, and `kind` says what else to check. Booleans and Big
/// Integers (rare, with checks of their own), and bytes that are no item type, get a rule no length
/// meets, so [`check_item`] decides them.
#[derive(Clone, Copy)]
#[repr(align(16))]
struct FastRule {
    mask: u32,
    eq: u32,
    kind: u8,
}

const FAST_LEAF: u8 = 0;
const FAST_STRUCTURE: u8 = 1;
const FAST_TEXT: u8 = 2;

// Indexing in a constant block: an index out of range would fail the build.
#[allow(clippy::indexing_slicing)]
const FAST_RULES: [FastRule; 256] = {
    let mut t = [FastRule { mask: 0, eq: 1, kind: FAST_LEAF }; 256];
    t[ItemType::Structure as usize] = FastRule { mask: 7, eq: 0, kind: FAST_STRUCTURE };
    t[ItemType::Integer as usize] = FastRule { mask: u32::MAX, eq: 4, kind: FAST_LEAF };
    t[ItemType::LongInteger as usize] = FastRule { mask: u32::MAX, eq: 8, kind: FAST_LEAF };
    t[ItemType::Enumeration as usize] = FastRule { mask: u32::MAX, eq: 4, kind: FAST_LEAF };
    t[ItemType::TextString as usize] = FastRule { mask: 0, eq: 0, kind: FAST_TEXT };
    t[ItemType::ByteString as usize] = FastRule { mask: 0, eq: 0, kind: FAST_LEAF };
    t[ItemType::DateTime as usize] = FastRule { mask: u32::MAX, eq: 8, kind: FAST_LEAF };
    t[ItemType::Interval as usize] = FastRule { mask: u32::MAX, eq: 4, kind: FAST_LEAF };
    t[ItemType::DateTimeExtended as usize] = FastRule { mask: u32::MAX, eq: 8, kind: FAST_LEAF };
    t
};

/// Check 2 per first tag byte: 0x42 (KMIP) or 0x54 (extensions).
#[allow(clippy::indexing_slicing)]
const TAG_OK: [bool; 256] = {
    let mut t = [false; 256];
    t[0x42] = true;
    t[0x54] = true;
    t
};

/// For `pad` bytes of padding (0 to 7), the bits of the value's last word, loaded little-endian,
/// that hold them (its last `pad` bytes).
#[allow(clippy::indexing_slicing)]
const PAD_MASK_LE: [u64; 8] = {
    let mut t = [0u64; 8];
    let mut pad = 1;
    while pad < 8 {
        t[pad] = u64::MAX << (8 * (8 - pad));
        pad += 1;
    }
    t
};

/// The entry of a 256-entry table for byte `b` (every byte has one, so no check is compiled in).
#[inline(always)]
#[allow(clippy::indexing_slicing)]
fn by_byte<T>(table: &[T; 256], b: u8) -> &T {
    &table[usize::from(b)]
}

/// The padding mask for `pad` mod 8 bytes of padding.
#[inline(always)]
#[allow(clippy::indexing_slicing)]
fn pad_mask(pad: usize) -> u64 {
    PAD_MASK_LE[pad & 7]
}

/// Whether `words` (whole 8-byte words) holds only ASCII bytes.
#[inline(always)]
fn ascii_words(words: &[u8]) -> bool {
    let mut acc = 0u64;
    for w in words.chunks_exact(8) {
        if let Ok(w) = <[u8; 8]>::try_from(w) {
            acc |= u64::from_ne_bytes(w);
        }
    }
    acc & 0x8080_8080_8080_8080 == 0
}

/// Scans one TTLV message into `index` (at least [`index_words`]`(buf.len())` words).
///
/// On success, entries `0..count` hold the items in document order, `index[4 * count]` the root end
/// and `index[4 * count + 1]` 1 when some text string has a character outside ASCII, else 0. On
/// failure the index content is unspecified.
///
/// Every item below the root first meets a fast check: one header load, a table lookup and a few
/// comparisons, the padding read from the value's last word, text tested for ASCII a word at a time.
/// Whatever it does not clear (a Boolean, a Big Integer, non-ASCII text, and anything malformed) goes
/// to [`check_item`], which applies the contract's checks one by one and so decides both the outcome
/// and which error comes first.
pub fn scan(buf: &[u8], index: &mut [u32], opts: &ScanOptions) -> Result<Scanned, Error> {
    let n = buf.len();
    if u32::try_from(n).is_err() {
        return Err(Error::new(E::InputTooLong, 0));
    }
    if index.len() < index_words(n) {
        return Err(Error::new(E::IndexTooSmall, 0));
    }
    // The root is nearly always a structure (a KMIP message): take it without the exact checks'
    // call when it plainly passes them.
    let root = match buf.first_chunk::<8>().map(|h| u64::from_be_bytes(*h)) {
        Some(h)
            if h >> 32 & 0xff == ItemType::Structure as u64
                && *by_byte(&TAG_OK, (h >> 56) as u8)
                && h & 7 == 0
                && (h & 0xffff_ffff) + 8 <= (n as u64).min(opts.max_size)
                && opts.max_depth >= 1 =>
        {
            Checked { head: (h >> 32) as u32, len: h as u32, end: (h as u32) as usize + 8, non_ascii: false }
        }
        _ => check_item(buf, 0, n, 0, true, opts)?,
    };
    let mut non_ascii = root.non_ascii;
    let mut count: usize = 1;
    let mut p: usize;
    if root.head & 0xff != ItemType::Structure as u32 {
        put(index, 0, [root.head, 0, root.len, 1])?;
        p = root.end;
    } else {
        put(index, 0, [root.head, 0, root.len, NO_PARENT])?;
        p = 8;
        // L of the contract: the end of the innermost open structure's value.
        let mut limit = root.end;
        // The bytes from `p` to L: the fast loop's bounds checks on this slice are the contract's
        // checks 1 and 6 as well.
        let mut rest: &[u8] = buf.get(p..limit).unwrap_or(&[]);
        // Item number of the innermost open structure.
        let mut open: u32 = 0;
        // How many more levels may open below the innermost open structure (check 7): its
        // children are too deep when this is 0. The root is open, so one level is used. Only a
        // structure can open a level, so the fast loop tests this when it opens one: a child of a
        // structure that leaves no level is always too deep, and goes to the exact checks.
        let mut levels = u64::from(opts.max_depth).saturating_sub(1);
        // Whether the item at `p` goes to the exact checks: one the fast loop did not clear, or
        // the first child of a structure that leaves no level (which they refuse).
        let mut exact = levels == 0 && !rest.is_empty();
        'items: loop {
            while exact {
                let depth = u64::from(opts.max_depth) - levels;
                let c = check_item(buf, p, limit, depth, false, opts)?;
                non_ascii |= c.non_ascii;
                if c.head & 0xff == ItemType::Structure as u32 {
                    put(index, count, [c.head, p as u32, c.len, open])?;
                    open = count as u32;
                    levels -= 1;
                    limit = c.end;
                    p += 8;
                } else {
                    put(index, count, [c.head, p as u32, c.len, count as u32 + 1])?;
                    p = c.end;
                }
                rest = buf.get(p..limit).ok_or(Error::new(E::BadIndex, p))?;
                count += 1;
                exact = levels == 0 && !rest.is_empty();
            }
            // The fast loop: it leaves only when the whole tree is scanned, or for one item that
            // the fast check does not clear, which the exact checks then decide (no call inside it,
            // so its state stays in registers).
            loop {
                // Close every structure whose value is exactly consumed.
                while rest.is_empty() {
                    let entry = entry_mut(index, open)?;
                    let parent = entry[3];
                    entry[3] = count as u32;
                    if parent == NO_PARENT {
                        break 'items;
                    }
                    open = parent;
                    levels += 1;
                    let [_, offset, len, _] = *entry_mut(index, open)?;
                    limit = offset as usize + 8 + len as usize;
                    rest = buf.get(p..limit).ok_or(Error::new(E::BadIndex, p))?;
                }
                // Check 1: a header within L.
                let Some((h, after)) = rest.split_first_chunk::<8>() else { break };
                let h = u64::from_be_bytes(*h);
                let ty = (h >> 32) as u8;
                let len = h as u32;
                let rule = by_byte(&FAST_RULES, ty);
                // Checks 2, 3 and 5 (7 is the structure's, below).
                if !(*by_byte(&TAG_OK, (h >> 56) as u8) & ((len & rule.mask) == rule.eq)) {
                    break;
                }
                // (`padded` in u64, then usize: no wrap-around where usize is 32 bits.)
                let Ok(span) = usize::try_from(padded(len)) else { break };
                // Check 6: the value within L.
                let Some((value, next)) = after.split_at_checked(span) else { break };
                if rule.kind == FAST_STRUCTURE {
                    put(index, count, [(h >> 32) as u32, p as u32, len, open])?;
                    open = count as u32;
                    levels -= 1;
                    limit = p + 8 + span;
                    rest = value;
                    p += 8;
                    if levels == 0 && !rest.is_empty() {
                        count += 1;
                        break;
                    }
                } else {
                    // Check 8.
                    if rule.kind == FAST_TEXT && !ascii_words(value) {
                        break;
                    }
                    // The padding: the last bytes of the value's last word.
                    let last = value.last_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w));
                    if last & pad_mask(span - len as usize) != 0 {
                        break;
                    }
                    put(index, count, [(h >> 32) as u32, p as u32, len, count as u32 + 1])?;
                    rest = next;
                    p += 8 + span;
                }
                count += 1;
            }
            // The fast check did not clear the item at `p`: the exact checks decide it.
            exact = true;
        }
    }

    let root_end = p;
    if root_end != n && !opts.allow_trailing {
        return Err(Error::new(E::TrailingBytes, root_end));
    }
    set_word(index, count * 4, root_end as u32)?;
    // The word after the root end: 1 when some text string is not pure ASCII (decoders may then skip
    // looking for such characters again).
    set_word(index, count * 4 + 1, u32::from(non_ascii))?;
    Ok(Scanned { count, root_end })
}

/// [`scan`] into a freshly allocated index (sized from `buf.len()`), truncated to
/// `4 * count + 1` words (the last is the root end).
pub fn scan_to_vec(buf: &[u8], opts: &ScanOptions) -> Result<(Vec<u32>, Scanned), Error> {
    if u32::try_from(buf.len()).is_err() {
        return Err(Error::new(E::InputTooLong, 0));
    }
    let mut index = vec![0u32; index_words(buf.len())];
    let s = scan(buf, &mut index, opts)?;
    index.truncate(s.count * 4 + 1);
    Ok((index, s))
}
