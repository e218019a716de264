#![allow(dead_code)]
//! Helpers shared by the integration tests.

use kmipkit_core::{Error, ErrorCode, ScanOptions};

/// Parses hex with any spaces or `|` separators, e.g. `"42 00 20 | 02 | 00 00 00 04 | ..."`.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    assert!(s.bytes().all(|b| b.is_ascii_hexdigit() || b == b' ' || b == b'|' || b == b'\n'), "bad hex {s:?}");
    assert!(digits.len().is_multiple_of(2), "odd hex {s:?}");
    digits.chunks(2).map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
}

pub fn opts() -> ScanOptions {
    ScanOptions::default()
}

pub fn err(code: ErrorCode, offset: usize) -> Error {
    Error::new(code, offset)
}

/// A simple recursive implementation written straight from the contract text, to cross-check
/// the iterative scanner (it recurses at most `max_depth` deep).
pub fn oracle(buf: &[u8], o: &ScanOptions) -> Result<(Vec<u32>, usize), Error> {
    use ErrorCode as E;
    fn padded(len: u32) -> u64 {
        (len as u64).div_ceil(8) * 8
    }
    fn item(
        buf: &[u8],
        o: &ScanOptions,
        p: usize,
        l: usize,
        depth: u64,
        out: &mut Vec<[u32; 4]>,
    ) -> Result<usize, Error> {
        let root = out.is_empty();
        if l - p < 8 {
            return Err(Error::new(E::TruncatedHeader, p));
        }
        if buf[p] != 0x42 && buf[p] != 0x54 {
            return Err(Error::new(E::BadTag, p));
        }
        let ty = buf[p + 3];
        if !(1..=11).contains(&ty) {
            return Err(Error::new(E::BadType, p + 3));
        }
        let len = u32::from_be_bytes(buf[p + 4..p + 8].try_into().unwrap());
        if root && 8 + len as u64 > o.max_size {
            return Err(Error::new(E::TooLarge, p + 4));
        }
        let ok = match ty {
            1 => len % 8 == 0,
            2 | 5 | 10 => len == 4,
            3 | 6 | 9 | 11 => len == 8,
            4 => len >= 8 && len % 8 == 0,
            _ => true,
        };
        if !ok {
            return Err(Error::new(E::BadLength, p + 4));
        }
        if p as u64 + 8 + padded(len) > l as u64 {
            return Err(Error::new(if root { E::Truncated } else { E::OverrunsParent }, p + 4));
        }
        let end = p + 8 + padded(len) as usize;
        if depth > o.max_depth as u64 {
            return Err(Error::new(E::TooDeep, p));
        }
        let v = p + 8;
        let pad_check = |from: usize| -> Result<(), Error> {
            match (from..end).find(|&i| buf[i] != 0) {
                Some(i) => Err(Error::new(E::NonzeroPadding, i)),
                None => Ok(()),
            }
        };
        match ty {
            2 | 5 | 10 => pad_check(p + 12)?,
            6 if buf[v..v + 7].iter().any(|&b| b != 0) || buf[v + 7] > 1 => {
                return Err(Error::new(E::BadBoolean, v));
            }
            7 => {
                if let Err(e) = std::str::from_utf8(&buf[v..v + len as usize]) {
                    return Err(Error::new(E::BadUtf8, v + e.valid_up_to()));
                }
                pad_check(v + len as usize)?;
            }
            8 => pad_check(v + len as usize)?,
            _ => {}
        }
        let me = out.len();
        out.push([u32::from_be_bytes(buf[p..p + 4].try_into().unwrap()), p as u32, len, 0]);
        if ty == 1 {
            let mut c = v;
            while c < end {
                c = item(buf, o, c, end, depth + 1, out)?;
            }
        }
        let n = out.len() as u32;
        out[me][3] = n;
        Ok(end)
    }
    let mut out = Vec::new();
    let root_end = item(buf, o, 0, buf.len(), 1, &mut out)?;
    if root_end != buf.len() && !o.allow_trailing {
        return Err(Error::new(E::TrailingBytes, root_end));
    }
    let mut flat: Vec<u32> = out.into_iter().flatten().collect();
    flat.push(root_end as u32);
    Ok((flat, root_end))
}
