//! One test per error code, with hand-written vectors split at tag | type | length | value.
mod common;

use common::{hex, opts};
use kmipkit_core::{
    encode, encode_with_depth, frame_ends_into, frame_length, index_words, scan, scan_to_vec, ErrorCode as E, Item,
    ScanOptions, Value,
};

/// Scans with `o` and asserts the error code and offset (and that the oracle agrees).
fn fails_with(o: ScanOptions, spaced: &str, code: E, offset: usize) {
    let bytes = hex(spaced);
    let e = scan_to_vec(&bytes, &o).expect_err(spaced);
    assert_eq!((e.code, e.offset), (code, offset), "{spaced}");
    let oe = common::oracle(&bytes, &o).expect_err(spaced);
    assert_eq!((oe.code, oe.offset), (code, offset), "oracle: {spaced}");
    assert_eq!(e.code.number(), code as u32);
}

fn fails(spaced: &str, code: E, offset: usize) {
    fails_with(opts(), spaced, code, offset)
}

fn with(max_depth: u32, max_size: u64, allow_trailing: bool) -> ScanOptions {
    ScanOptions { max_depth, max_size, allow_trailing }
}

#[test]
fn e01_truncated_header() {
    fails("", E::TruncatedHeader, 0);
    fails("42 00 20 | 02 | 00 00 00", E::TruncatedHeader, 0);
    fails("42", E::TruncatedHeader, 0);
    // A child's header must fit in its parent: impossible with aligned children, so only the root.
}

#[test]
fn e02_too_large() {
    fails("42 00 78 | 01 | FF FF FF F8", E::TooLarge, 4);
    // 8 + len (unpadded) against maxSize.
    fails_with(with(64, 11, false), "42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00", E::TooLarge, 4);
    let ok = hex("42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00");
    assert!(scan_to_vec(&ok, &with(64, 12, false)).is_ok());
    // Checked before the length rule, for the root only.
    fails_with(with(64, 16, false), "42 00 20 | 02 | 00 00 00 09 | 00 00 00 00 00 00 00 00", E::TooLarge, 4);
}

#[test]
fn e03_truncated() {
    fails("42 00 20 | 02 | 00 00 00 04 | 00 00 00 08", E::Truncated, 4);
    fails("42 00 20 | 07 | 00 00 00 03 | 41 42 43 00 00", E::Truncated, 4);
    fails("42 00 78 | 01 | 00 00 00 10 | 42 00 20 02 00 00 00 04", E::Truncated, 4);
}

#[test]
fn e04_overruns_parent() {
    fails(
        "42 00 78 | 01 | 00 00 00 10 | 42 00 20 | 07 | 00 00 00 09 | 41 42 43 44 45 46 47 48 49 00 00 00 00 00 00 00",
        E::OverrunsParent,
        12,
    );
    fails("42 00 78 | 01 | 00 00 00 10 | 42 00 79 | 01 | 00 00 00 10 | 42 00 20 02 00 00 00 04", E::OverrunsParent, 12);
    // A grandchild overrunning its own parent, which fits in the root.
    fails("42 00 78 | 01 | 00 00 00 10 | 42 00 79 | 01 | 00 00 00 08 | 42 00 20 02 00 00 00 04", E::OverrunsParent, 20);
}

#[test]
fn e05_bad_length() {
    fails("42 00 20 | 02 | 00 00 00 08 | 00 00 00 00 00 00 00 08", E::BadLength, 4);
    fails("42 00 20 | 06 | 00 00 00 04 | 00 00 00 01 00 00 00 00", E::BadLength, 4);
    fails("42 00 20 | 04 | 00 00 00 00", E::BadLength, 4);
    fails("42 00 78 | 01 | 00 00 00 0C | 42 00 20 02 00 00 00 04 | 00 00 00 08", E::BadLength, 4);
    // Before the bounds check: an Integer of length 5 with no value at all.
    fails("42 00 20 | 02 | 00 00 00 05", E::BadLength, 4);
    // In a child.
    fails("42 00 78 | 01 | 00 00 00 10 | 42 00 20 | 0A | 00 00 00 08 | 00 00 00 00 00 00 00 00", E::BadLength, 12);
}

#[test]
fn e06_nonzero_padding() {
    fails("42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 01 00", E::NonzeroPadding, 14);
    fails("42 00 20 | 05 | 00 00 00 04 | 00 00 00 08 01 00 00 01", E::NonzeroPadding, 12);
    fails("42 00 20 | 0A | 00 00 00 04 | 00 00 00 08 00 00 00 FF", E::NonzeroPadding, 15);
    fails("42 00 20 | 07 | 00 00 00 03 | 41 42 43 00 00 00 00 07", E::NonzeroPadding, 15);
    fails("42 00 20 | 08 | 00 00 00 01 | FF 00 20 00 00 00 00 00", E::NonzeroPadding, 10);
}

#[test]
fn e07_bad_type() {
    fails("42 00 20 | 00 | 00 00 00 04 | 00 00 00 08 00 00 00 00", E::BadType, 3);
    fails("42 00 20 | 0C | 00 00 00 08 | 00 00 00 00 00 00 00 00", E::BadType, 3);
    fails("42 00 78 | 01 | 00 00 00 08 | 42 00 20 | FF | 00 00 00 00", E::BadType, 11);
}

#[test]
fn e08_bad_tag() {
    fails("43 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00", E::BadTag, 0);
    fails("00 00 00 | 00 | 00 00 00 00", E::BadTag, 0);
    fails("42 00 78 | 01 | 00 00 00 08 | 00 00 20 | 02 | 00 00 00 04", E::BadTag, 8);
    assert!(scan_to_vec(&hex("54 00 01 | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00"), &opts()).is_ok());
}

#[test]
fn e09_bad_boolean() {
    fails("42 00 20 | 06 | 00 00 00 08 | 00 00 00 00 00 00 00 02", E::BadBoolean, 8);
    fails("42 00 20 | 06 | 00 00 00 08 | 00 00 01 00 00 00 00 01", E::BadBoolean, 8);
    fails("42 00 20 | 06 | 00 00 00 08 | 80 00 00 00 00 00 00 00", E::BadBoolean, 8);
}

#[test]
fn e10_bad_utf8() {
    fails("42 00 20 | 07 | 00 00 00 04 | 41 C3 28 42 00 00 00 00", E::BadUtf8, 9);
    // overlong, surrogate, above U+10FFFF, lone continuation, truncated at the end of the value
    fails("42 00 20 | 07 | 00 00 00 02 | C0 80 00 00 00 00 00 00", E::BadUtf8, 8);
    fails("42 00 20 | 07 | 00 00 00 04 | 41 ED A0 80 00 00 00 00", E::BadUtf8, 9);
    fails("42 00 20 | 07 | 00 00 00 05 | 41 42 F4 90 80 00 00 00", E::BadUtf8, 10);
    fails("42 00 20 | 07 | 00 00 00 01 | 80 00 00 00 00 00 00 00", E::BadUtf8, 8);
    fails("42 00 20 | 07 | 00 00 00 03 | 41 E2 82 AC 00 00 00 00", E::BadUtf8, 9);
    // UTF-8 is checked before the padding.
    fails("42 00 20 | 07 | 00 00 00 01 | FF 01 00 00 00 00 00 00", E::BadUtf8, 8);
    assert!(scan_to_vec(&hex("42 00 20 | 07 | 00 00 00 04 | F0 9F 94 91 00 00 00 00"), &opts()).is_ok());
}

#[test]
fn e11_too_deep() {
    fails_with(
        with(1, 1 << 24, false),
        "42 00 78 | 01 | 00 00 00 10 | 42 00 20 02 00 00 00 04 | 00 00 00 01 00 00 00 00",
        E::TooDeep,
        8,
    );
    fails_with(with(0, 1 << 24, false), "42 00 20 | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00", E::TooDeep, 0);
    // Bounds before depth: an overrunning child too deep reports OVERRUNS_PARENT.
    fails_with(with(1, 1 << 24, false), "42 00 78 | 01 | 00 00 00 08 | 42 00 20 02 00 00 00 04", E::OverrunsParent, 12);
    // Depth before value checks.
    fails_with(
        with(1, 1 << 24, false),
        "42 00 78 | 01 | 00 00 00 10 | 42 00 20 06 00 00 00 08 | 00 00 00 00 00 00 00 07",
        E::TooDeep,
        8,
    );
}

#[test]
fn e12_trailing_bytes() {
    let spaced = "42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00 | 42";
    fails(spaced, E::TrailingBytes, 16);
    let bytes = hex(spaced);
    let (index, s) = scan_to_vec(&bytes, &with(64, 1 << 24, true)).unwrap();
    assert_eq!((s.count, s.root_end), (1, 16));
    assert_eq!(index, vec![0x4200_2002, 0, 4, 1, 16]);
    // Errors inside the root still come first.
    fails("42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 01 | 42", E::NonzeroPadding, 15);
}

#[test]
fn e32_invalid_value() {
    let bad_big = Item::new(0x420020, Value::BigInteger(vec![1, 2, 3]));
    assert_eq!(encode(&bad_big).unwrap_err(), common::err(E::InvalidValue, 0));
    let empty_big = Item::new(0x420020, Value::BigInteger(vec![]));
    assert_eq!(encode(&empty_big).unwrap_err().code, E::InvalidValue);
    let bad_tag = Item::new(0x430020, Value::Integer(1));
    assert_eq!(encode(&bad_tag).unwrap_err().code, E::InvalidValue);
    let wide_tag = Item::new(0x0142_0020, Value::Integer(1));
    assert_eq!(encode(&wide_tag).unwrap_err().code, E::InvalidValue);
    // The offset is where the offending item would start in the output.
    let nested = Item::new(
        0x420078,
        Value::Structure(vec![
            Item::new(0x420020, Value::Integer(1)),
            Item::new(0x420020, Value::BigInteger(vec![0; 9])),
        ]),
    );
    assert_eq!(encode(&nested).unwrap_err(), common::err(E::InvalidValue, 24));
}

#[test]
fn e33_encode_too_deep() {
    let mut item = Item::new(0x420020, Value::Integer(7));
    for _ in 0..199 {
        item = Item::new(0x420078, Value::Structure(vec![item]));
    }
    assert_eq!(encode(&item).unwrap_err(), common::err(E::EncodeTooDeep, 64 * 8));
    let bytes = encode_with_depth(&item, 200).unwrap();
    assert_eq!(bytes.len(), 199 * 8 + 16);
    assert_eq!(encode_with_depth(&item, 0).unwrap_err(), common::err(E::EncodeTooDeep, 0));
    let (_, s) = scan_to_vec(&bytes, &with(200, 1 << 24, false)).unwrap();
    assert_eq!(s.count, 200);
}

#[test]
fn api_misuse_codes() {
    let bytes = hex("42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00");
    assert_eq!(index_words(bytes.len()), 12);
    let mut small = [0u32; 11];
    assert_eq!(scan(&bytes, &mut small, &opts()).unwrap_err().code, E::IndexTooSmall);
    let mut exact = [0u32; 12];
    assert_eq!(scan(&bytes, &mut exact, &opts()).unwrap().count, 1);
    assert_eq!(exact[4], 16);
    for c in E::ALL {
        assert_eq!(E::from_number(c.number()), Some(c));
    }
    assert_eq!(format!("{}", common::err(E::BadUtf8, 9)), "ERR_TTLV_BAD_UTF8 at offset 9");
}

#[test]
fn index_layout() {
    // Request-like tree: S{ S{ I }, T, S{} }
    let bytes = hex("42 00 78 | 01 | 00 00 00 30 |\
         42 00 77 | 01 | 00 00 00 10 | 42 00 6A | 02 | 00 00 00 04 | 00 00 00 01 00 00 00 00 |\
         42 00 99 | 07 | 00 00 00 04 | 46 72 65 64 00 00 00 00 |\
         54 00 01 | 01 | 00 00 00 00");
    let (index, s) = scan_to_vec(&bytes, &opts()).unwrap();
    assert_eq!(s.count, 5);
    #[rustfmt::skip]
    let want = vec![
        0x4200_7801, 0, 0x30, 5,
        0x4200_7701, 8, 0x10, 3,
        0x4200_6A02, 16, 4, 3,
        0x4200_9907, 32, 4, 4,
        0x5400_0101, 48, 0, 5,
        56,
    ];
    assert_eq!(index, want);
}

#[test]
fn frame_header_checks() {
    let max = 1 << 24;
    assert_eq!(frame_length(&hex(""), max), Ok(None));
    assert_eq!(frame_length(&hex("42 00 78 | 01 | 00 00"), max), Ok(None));
    assert_eq!(frame_length(&hex("42 00 78 | 01 | 00 00 00 10"), max), Ok(Some(24)));
    assert_eq!(frame_length(&hex("42 00 20 | 07 | 00 00 00 03"), max), Ok(Some(16)));
    assert_eq!(frame_length(&hex("43 00 78 | 01 | 00 00 00 10"), max), Err(common::err(E::BadTag, 0)));
    assert_eq!(frame_length(&hex("42 00 78 | 0C | 00 00 00 10"), max), Err(common::err(E::BadType, 3)));
    assert_eq!(frame_length(&hex("42 00 78 | 01 | FF FF FF F8"), max), Err(common::err(E::TooLarge, 4)));
    // Bad lengths are the scanner's business, not the framer's.
    assert_eq!(frame_length(&hex("42 00 20 | 02 | 00 00 00 05"), max), Ok(Some(16)));
}

#[test]
fn frame_split() {
    let max = 1 << 24;
    let one = "42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00";
    let buf = hex(&format!("{one} {one} 42 00 78 01 00 00 00 10 42 00"));
    let (spans, used) = kmipkit_core::split_messages(&buf, max).unwrap();
    assert_eq!((spans, used), (vec![(0, 16), (16, 32)], 32));
    let mut out = [0u32; 4];
    assert_eq!(frame_ends_into(&buf, &mut out, max), Ok(2));
    assert_eq!(&out[..2], &[16, 32]);
    let mut one_slot = [0u32; 1];
    assert_eq!(frame_ends_into(&buf, &mut one_slot, max), Ok(1));
    // A bad header after complete messages: absolute offset.
    let bad = hex(&format!("{one} 42 00 20 | 00 | 00 00 00 04"));
    assert_eq!(kmipkit_core::split_messages(&bad, max), Err(common::err(E::BadType, 19)));
    assert_eq!(frame_ends_into(&bad, &mut out, max), Err(common::err(E::BadType, 19)));
    let big = hex(&format!("{one} 42 00 20 | 08 | 00 00 10 00"));
    assert_eq!(frame_ends_into(&big, &mut out, 4096), Err(common::err(E::TooLarge, 20)));
    assert_eq!(frame_ends_into(&big, &mut out, 4104), Ok(1));
}
