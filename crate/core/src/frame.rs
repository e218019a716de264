//! Stream framing: whole messages out of bytes that arrive split or coalesced.
//!
//! Only the 8-byte header is looked at (BAD_TAG, BAD_TYPE, TOO_LARGE, in this order, at the
//! contract's offsets), so an oversized message is refused before its body is buffered. The body
//! itself is checked later by [`crate::scan`].
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use crate::error::{Error, ErrorCode as E};
use crate::item::ItemType;
use crate::padded;

/// For `buf` starting at a message header: `Ok(None)` while fewer than 8 bytes are present,
/// then `Ok(Some(8 + padded(len)))`, or the header's error (offsets relative to `buf`).
pub fn frame_length(buf: &[u8], max_size: u64) -> Result<Option<usize>, Error> {
    let Some(h) = buf.get(..8) else {
        return Ok(None);
    };
    let byte = |i: usize| h.get(i).copied().unwrap_or(0);
    if byte(0) != 0x42 && byte(0) != 0x54 {
        return Err(Error::new(E::BadTag, 0));
    }
    if ItemType::from_byte(byte(3)).is_none() {
        return Err(Error::new(E::BadType, 3));
    }
    let len = u32::from_be_bytes([byte(4), byte(5), byte(6), byte(7)]);
    if 8 + u64::from(len) > max_size {
        return Err(Error::new(E::TooLarge, 4));
    }
    usize::try_from(8 + padded(len)).map(Some).map_err(|_| Error::new(E::TooLarge, 4))
}

fn shift(e: Error, by: usize) -> Error {
    Error::new(e.code, e.offset + by)
}

/// Writes the end offset of each complete message of `buf` into `out`, stopping when `out` is
/// full or at the first incomplete message; returns how many were written. A bad header anywhere
/// before that point is an error whose offset is absolute in `buf`.
pub fn frame_ends_into(buf: &[u8], out: &mut [u32], max_size: u64) -> Result<usize, Error> {
    if u32::try_from(buf.len()).is_err() {
        return Err(Error::new(E::InputTooLong, 0));
    }
    let mut start = 0usize;
    let mut count = 0usize;
    for slot in out.iter_mut() {
        let rest = buf.get(start..).unwrap_or(&[]);
        match frame_length(rest, max_size).map_err(|e| shift(e, start))? {
            Some(total) if total <= rest.len() => {
                start += total;
                *slot = start as u32;
                count += 1;
            }
            _ => break,
        }
    }
    Ok(count)
}

/// Splits coalesced messages: the `(start, end)` of each complete message, and how many bytes
/// they cover (the rest is an incomplete message). Error offsets are absolute in `buf`.
pub fn split_messages(buf: &[u8], max_size: u64) -> Result<(Vec<(usize, usize)>, usize), Error> {
    let mut spans = Vec::new();
    let mut start = 0usize;
    loop {
        let rest = buf.get(start..).unwrap_or(&[]);
        match frame_length(rest, max_size).map_err(|e| shift(e, start))? {
            Some(total) if total <= rest.len() => {
                spans.push((start, start + total));
                start += total;
            }
            _ => return Ok((spans, start)),
        }
    }
}
