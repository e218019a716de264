//! Encodes an [`Item`] tree to TTLV bytes (one `Vec`, structure lengths back-patched), iteratively.

use crate::error::{Error, ErrorCode as E};
use crate::item::{Item, Value};
use crate::MAX_DEPTH;

/// Encodes with the default depth limit ([`MAX_DEPTH`]).
pub fn encode(item: &Item) -> Result<Vec<u8>, Error> {
    encode_with_depth(item, MAX_DEPTH)
}

/// Encodes `item`; the root has depth 1 and anything deeper than `max_depth` fails with
/// ENCODE_TOO_DEEP at the output offset where that item would start.
pub fn encode_with_depth(item: &Item, max_depth: u32) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    encode_into(item, &mut out, max_depth)?;
    Ok(out)
}

/// Appends the encoding of `item` to `out` (error offsets are positions in `out`).
pub fn encode_into(item: &Item, out: &mut Vec<u8>, max_depth: u32) -> Result<(), Error> {
    if max_depth < 1 {
        return Err(Error::new(E::EncodeTooDeep, out.len()));
    }
    // Open structures: their remaining children and the offset of their header.
    let mut stack: Vec<(core::slice::Iter<'_, Item>, usize)> = Vec::new();
    if let Some(children) = write_item(item, out)? {
        stack.push((children.iter(), out.len() - 8));
    }
    while let Some((children, header)) = stack.last_mut() {
        let header = *header;
        match children.next() {
            Some(child) => {
                if stack.len() as u64 + 1 > u64::from(max_depth) {
                    return Err(Error::new(E::EncodeTooDeep, out.len()));
                }
                if let Some(grand) = write_item(child, out)? {
                    stack.push((grand.iter(), out.len() - 8));
                }
            }
            None => {
                stack.pop();
                let len = u32::try_from(out.len() - header - 8).map_err(|_| Error::new(E::InvalidValue, header))?;
                if let Some(slot) = out.get_mut(header + 4..header + 8) {
                    slot.copy_from_slice(&len.to_be_bytes());
                }
            }
        }
    }
    Ok(())
}

/// Writes one item; for a structure only its header (length 0, patched later) and returns its
/// children.
fn write_item<'a>(item: &'a Item, out: &mut Vec<u8>) -> Result<Option<&'a [Item]>, Error> {
    let at = out.len();
    let tag = item.tag;
    if tag > 0x00FF_FFFF || (tag >> 16 != 0x42 && tag >> 16 != 0x54) {
        return Err(Error::new(E::InvalidValue, at));
    }
    let ty = item.value.item_type() as u8;
    let header = |out: &mut Vec<u8>, len: usize| -> Result<(), Error> {
        let len = u32::try_from(len).map_err(|_| Error::new(E::InvalidValue, at))?;
        out.extend_from_slice(&((tag << 8) | u32::from(ty)).to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        Ok(())
    };
    let padded = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend_from_slice(bytes);
        out.resize(out.len() + (8 - bytes.len() % 8) % 8, 0);
    };
    match &item.value {
        Value::Structure(children) => {
            header(out, 0)?;
            return Ok(Some(children));
        }
        Value::Integer(v) => {
            header(out, 4)?;
            padded(out, &v.to_be_bytes());
        }
        Value::Enumeration(v) | Value::Interval(v) => {
            header(out, 4)?;
            padded(out, &v.to_be_bytes());
        }
        Value::LongInteger(v) | Value::DateTime(v) | Value::DateTimeExtended(v) => {
            header(out, 8)?;
            out.extend_from_slice(&v.to_be_bytes());
        }
        Value::Boolean(b) => {
            header(out, 8)?;
            out.extend_from_slice(&u64::from(*b).to_be_bytes());
        }
        Value::BigInteger(bytes) => {
            if bytes.is_empty() || bytes.len() % 8 != 0 {
                return Err(Error::new(E::InvalidValue, at));
            }
            header(out, bytes.len())?;
            out.extend_from_slice(bytes);
        }
        Value::TextString(s) => {
            header(out, s.len())?;
            padded(out, s.as_bytes());
        }
        Value::ByteString(bytes) => {
            header(out, bytes.len())?;
            padded(out, bytes);
        }
    }
    Ok(None)
}
