//! Materialises an [`Item`] tree from bytes and the scanner's index (iteratively).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use crate::error::{Error, ErrorCode as E};
use crate::item::{Item, ItemType, Value};
use crate::scan::{scan_to_vec, ScanOptions};

/// Scans `buf` with `opts` and decodes its root item.
pub fn decode(buf: &[u8], opts: &ScanOptions) -> Result<Item, Error> {
    let (index, scanned) = scan_to_vec(buf, opts)?;
    decode_index(buf, &index, scanned.count)
}

struct Open {
    tag: u32,
    children: Vec<Item>,
    /// Item number just past the structure's last descendant.
    end: usize,
}

fn bad(offset: usize) -> Error {
    Error::new(E::BadIndex, offset)
}

fn fixed<const N: usize>(v: &[u8], at: usize) -> Result<[u8; N], Error> {
    v.get(..N).and_then(|s| <[u8; N]>::try_from(s).ok()).ok_or(bad(at))
}

fn leaf(ty: ItemType, v: &[u8], at: usize) -> Result<Value, Error> {
    Ok(match ty {
        ItemType::Integer => Value::Integer(i32::from_be_bytes(fixed(v, at)?)),
        ItemType::LongInteger => Value::LongInteger(i64::from_be_bytes(fixed(v, at)?)),
        ItemType::BigInteger => Value::BigInteger(v.to_vec()),
        ItemType::Enumeration => Value::Enumeration(u32::from_be_bytes(fixed(v, at)?)),
        ItemType::Boolean => Value::Boolean(u64::from_be_bytes(fixed(v, at)?) != 0),
        ItemType::TextString => match core::str::from_utf8(v) {
            Ok(s) => Value::TextString(s.to_owned()),
            Err(e) => return Err(Error::new(E::BadUtf8, at + 8 + e.valid_up_to())),
        },
        ItemType::ByteString => Value::ByteString(v.to_vec()),
        ItemType::DateTime => Value::DateTime(i64::from_be_bytes(fixed(v, at)?)),
        ItemType::Interval => Value::Interval(u32::from_be_bytes(fixed(v, at)?)),
        ItemType::DateTimeExtended => Value::DateTimeExtended(i64::from_be_bytes(fixed(v, at)?)),
        ItemType::Structure => Value::Structure(Vec::new()),
    })
}

/// Decodes the root item from the first `count` entries of an index produced by
/// [`crate::scan`] for this `buf`. An inconsistent index gives BAD_INDEX, never a panic.
pub fn decode_index(buf: &[u8], index: &[u32], count: usize) -> Result<Item, Error> {
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Item> = None;

    fn attach(stack: &mut [Open], root: &mut Option<Item>, item: Item, at: usize) -> Result<(), Error> {
        match stack.last_mut() {
            Some(top) => top.children.push(item),
            None if root.is_none() => *root = Some(item),
            None => return Err(bad(at)),
        }
        Ok(())
    }

    for i in 0..count {
        let w = index
            .get(i.wrapping_mul(4)..i.wrapping_mul(4).wrapping_add(4))
            .and_then(|s| <[u32; 4]>::try_from(s).ok())
            .ok_or(bad(0))?;
        let [head, off, len, next] = w;
        let (off, len, next) = (off as usize, len as usize, next as usize);
        let tag = head >> 8;
        let ty = ItemType::from_byte((head & 0xFF) as u8).ok_or(bad(off))?;
        if ty == ItemType::Structure {
            if next <= i || next > count {
                return Err(bad(off));
            }
            stack.push(Open { tag, children: Vec::new(), end: next });
        } else {
            let v = buf.get(off + 8..off + 8 + len).ok_or(bad(off))?;
            let value = leaf(ty, v, off)?;
            attach(&mut stack, &mut root, Item { tag, value }, off)?;
        }
        while stack.last().is_some_and(|top| top.end <= i + 1) {
            if let Some(done) = stack.pop() {
                attach(&mut stack, &mut root, Item { tag: done.tag, value: Value::Structure(done.children) }, off)?;
            }
        }
    }
    if !stack.is_empty() {
        return Err(bad(0));
    }
    root.ok_or(bad(0))
}
