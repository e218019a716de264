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

#[inline]
fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at.wrapping_add(4)).and_then(|s| <[u8; 4]>::try_from(s).ok()) {
        Some(a) => u32::from_be_bytes(a),
        None => 0,
    }
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

/// Checks 8 (value checks) for a non-structure item whose header is at `p` and which ends at `end`.
#[inline]
fn check_value(buf: &[u8], ty: ItemType, p: usize, len: usize, end: usize) -> Result<(), Error> {
    match ty {
        ItemType::Integer | ItemType::Enumeration | ItemType::Interval => {
            if let Some(at) = first_nonzero(buf, p + 12, p + 16) {
                return Err(Error::new(E::NonzeroPadding, at));
            }
        }
        ItemType::Boolean => {
            let ok = buf
                .get(p + 8..p + 16)
                .is_some_and(|v| v.iter().take(7).all(|&b| b == 0) && v.get(7).is_some_and(|&b| b <= 1));
            if !ok {
                return Err(Error::new(E::BadBoolean, p + 8));
            }
        }
        ItemType::TextString => {
            let text = buf.get(p + 8..p + 8 + len).unwrap_or(&[]);
            if let Err(e) = core::str::from_utf8(text) {
                return Err(Error::new(E::BadUtf8, p + 8 + e.valid_up_to()));
            }
            if let Some(at) = first_nonzero(buf, p + 8 + len, end) {
                return Err(Error::new(E::NonzeroPadding, at));
            }
        }
        ItemType::ByteString => {
            if let Some(at) = first_nonzero(buf, p + 8 + len, end) {
                return Err(Error::new(E::NonzeroPadding, at));
            }
        }
        ItemType::Structure
        | ItemType::LongInteger
        | ItemType::BigInteger
        | ItemType::DateTime
        | ItemType::DateTimeExtended => {}
    }
    Ok(())
}

/// Scans one TTLV message into `index` (at least [`index_words`]`(buf.len())` words).
///
/// On success, entries `0..count` hold the items in document order and `index[4 * count]` the
/// root end. On failure the index content is unspecified.
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
        // 2. tag
        let b0 = buf.get(p).copied().unwrap_or(0);
        if b0 != 0x42 && b0 != 0x54 {
            return Err(Error::new(E::BadTag, p));
        }
        // 3. type
        let Some(ty) = ItemType::from_byte(buf.get(p + 3).copied().unwrap_or(0)) else {
            return Err(Error::new(E::BadType, p + 3));
        };
        let len = be32(buf, p + 4);
        // 4. size limit, root only
        if is_root && 8 + u64::from(len) > opts.max_size {
            return Err(Error::new(E::TooLarge, p + 4));
        }
        // 5. length legal for the type
        if !ty.length_ok(len) {
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
        check_value(buf, ty, p, len as usize, end)?;

        let head = be32(buf, p);
        if ty == ItemType::Structure {
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
