//! The scanner of `docs/ttlv-scan-contract.md`.
//!
//! It writes four `u32` words per item into a caller-provided index and allocates nothing. Nesting
//! is followed iteratively: while a structure is open, word 3 of its index entry (which only gets
//! its final value when the subtree ends) holds the item number of the enclosing open structure,
//! so the stack of open structures lives in the index itself and depth costs no native stack.
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

#[inline]
fn word(index: &[u32], at: usize) -> Result<u32, Error> {
    index.get(at).copied().ok_or(Error::new(E::BadIndex, 0))
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

/// Scans one TTLV message into `index` (at least [`index_words`]`(buf.len())` words).
///
/// On success, entries `0..count` hold the items in document order, `index[4 * count]` the root end
/// and `index[4 * count + 1]` 1 when some text string has a character outside ASCII, else 0. On
/// failure the index content is unspecified.
pub fn scan(buf: &[u8], index: &mut [u32], opts: &ScanOptions) -> Result<Scanned, Error> {
    let n = buf.len();
    if u32::try_from(n).is_err() {
        return Err(Error::new(E::InputTooLong, 0));
    }
    if index.len() < index_words(n) {
        return Err(Error::new(E::IndexTooSmall, 0));
    }
    let max_depth = u64::from(opts.max_depth);
    let mut count: usize = 0;
    let mut p: usize = 0;
    // L of the contract: end of the innermost open structure's value, or n for the root.
    let mut limit: usize = n;
    // Item number of the innermost open structure, and how many are open.
    let mut open: u32 = NO_PARENT;
    let mut depth: u64 = 0;
    let mut non_ascii = false;

    loop {
        // Close every structure whose value is exactly consumed.
        while open != NO_PARENT && p == limit {
            let w3 = open as usize * 4 + 3;
            let parent = word(index, w3)?;
            set_word(index, w3, count as u32)?;
            open = parent;
            depth -= 1;
            limit = if open == NO_PARENT {
                n
            } else {
                let o = open as usize * 4;
                word(index, o + 1)? as usize + 8 + word(index, o + 2)? as usize
            };
        }
        if count > 0 && open == NO_PARENT {
            break;
        }
        let is_root = count == 0;

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
        if depth + 1 > max_depth {
            return Err(Error::new(E::TooDeep, p));
        }
        // 8. value
        non_ascii |= check_value(buf, rule.kind, p, len as usize, end)?;

        let head = u32::from_be_bytes([b0, b1, b2, b3]);
        if b3 == ItemType::Structure as u8 {
            put(index, count, [head, p as u32, len, open])?;
            open = count as u32;
            depth += 1;
            limit = end;
            p += 8;
        } else {
            put(index, count, [head, p as u32, len, count as u32 + 1])?;
            p = end;
        }
        count += 1;
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
