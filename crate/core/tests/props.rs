//! Property tests: round trips, no panics on hostile bytes, agreement with the contract oracle.
mod common;

use kmipkit_core::{decode_index, encode, encode_with_depth, scan_to_vec, ErrorCode, Item, ScanOptions, Value};
use proptest::collection::vec;
use proptest::prelude::*;

fn tag() -> impl Strategy<Value = u32> {
    (prop_oneof![Just(0x42u32), Just(0x54u32)], any::<u16>()).prop_map(|(hi, lo)| (hi << 16) | lo as u32)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::Integer),
        any::<i64>().prop_map(Value::LongInteger),
        (1usize..4, any::<u8>()).prop_flat_map(|(k, _)| vec(any::<u8>(), k * 8)).prop_map(Value::BigInteger),
        any::<u32>().prop_map(Value::Enumeration),
        any::<bool>().prop_map(Value::Boolean),
        any::<String>().prop_map(Value::TextString),
        vec(any::<u8>(), 0..24).prop_map(Value::ByteString),
        any::<i64>().prop_map(Value::DateTime),
        any::<u32>().prop_map(Value::Interval),
        any::<i64>().prop_map(Value::DateTimeExtended),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    let leaf_item = (tag(), leaf()).prop_map(|(t, v)| Item::new(t, v));
    leaf_item.prop_recursive(8, 96, 6, |inner| {
        (tag(), vec(inner, 0..6)).prop_map(|(t, c)| Item::new(t, Value::Structure(c)))
    })
}

fn opts_strategy() -> impl Strategy<Value = ScanOptions> {
    (prop_oneof![Just(64u32), 0u32..6], prop_oneof![Just(1u64 << 24), 0u64..200], any::<bool>())
        .prop_map(|(max_depth, max_size, allow_trailing)| ScanOptions { max_depth, max_size, allow_trailing })
}

/// Scans and checks everything a success promises; compares with the oracle either way.
fn scan_checked(bytes: &[u8], o: &ScanOptions) -> Result<(), TestCaseError> {
    let got = scan_to_vec(bytes, o);
    let want = common::oracle(bytes, o);
    match (&got, &want) {
        (Ok((index, s)), Ok((oi, oend))) => {
            prop_assert_eq!(index, oi);
            prop_assert_eq!(s.root_end, *oend);
            // A successful scan is canonical: decoding and re-encoding gives the same bytes.
            let item = decode_index(bytes, index, s.count).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let again = encode_with_depth(&item, u32::MAX).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&again[..], &bytes[..s.root_end]);
        }
        (Err(e), Err(oe)) => prop_assert_eq!(e, oe),
        _ => prop_assert!(false, "scanner {:?} vs oracle {:?}", got.map(|x| x.1), want.map(|x| x.1)),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn round_trip(it in item()) {
        let bytes = encode_with_depth(&it, 64).unwrap();
        let o = ScanOptions::default();
        let (index, s) = scan_to_vec(&bytes, &o).unwrap();
        prop_assert_eq!(s.root_end, bytes.len());
        prop_assert_eq!(decode_index(&bytes, &index, s.count).unwrap(), it);
        scan_checked(&bytes, &o)?;
    }

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..96), o in opts_strategy()) {
        scan_checked(&bytes, &o)?;
    }

    #[test]
    fn ttlv_looking_bytes(
        parts in vec((prop_oneof![Just(0x42u8), Just(0x54), any::<u8>()], any::<u16>(), 0u8..13, prop_oneof![0u32..40, any::<u32>()], vec(any::<u8>(), 0..16)), 1..6),
        o in opts_strategy(),
    ) {
        let mut bytes = Vec::new();
        for (b0, t, ty, len, body) in parts {
            bytes.push(b0);
            bytes.extend_from_slice(&t.to_be_bytes());
            bytes.push(ty);
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.extend_from_slice(&body);
        }
        scan_checked(&bytes, &o)?;
    }

    #[test]
    fn mutated_encodings(it in item(), edits in vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..4), o in opts_strategy()) {
        let mut bytes = encode(&it).unwrap();
        for (at, val, kind) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = val,
                1 => bytes[i] ^= 1 << (val % 8),
                2 => bytes.truncate(i),
                _ => bytes.insert(i, val),
            }
        }
        scan_checked(&bytes, &o)?;
    }
}

/// 10,000 nested structures: TOO_DEEP at the 65th header, and no stack overflow even without a
/// depth limit.
#[test]
fn ten_thousand_nested() {
    let n = 10_000usize;
    let mut bytes = Vec::with_capacity(n * 8);
    for i in 0..n {
        let len = ((n - 1 - i) * 8) as u32;
        bytes.extend_from_slice(&[0x42, 0x00, 0x78, 0x01]);
        bytes.extend_from_slice(&len.to_be_bytes());
    }
    let e = scan_to_vec(&bytes, &ScanOptions::default()).unwrap_err();
    assert_eq!((e.code, e.offset), (ErrorCode::TooDeep, 64 * 8));
    let unlimited = ScanOptions { max_depth: u32::MAX, ..ScanOptions::default() };
    let (index, s) = scan_to_vec(&bytes, &unlimited).unwrap();
    assert_eq!(s.count, n);
    assert_eq!(s.root_end, n * 8);
    for i in 0..n {
        assert_eq!(index[i * 4 + 3] as usize, n, "item {i} ends with the whole tree");
    }
    // Truncate the innermost: OVERRUNS_PARENT deep down, still iteratively.
    let mut cut = bytes.clone();
    cut.truncate(n * 8 - 8);
    let root_len = ((n - 1) * 8 - 8) as u32;
    cut[4..8].copy_from_slice(&root_len.to_be_bytes());
    let e = scan_to_vec(&cut, &unlimited).unwrap_err();
    assert_eq!(e.code, ErrorCode::OverrunsParent);
}

/// The scanner takes most items through a fast check and falls back to the contract's checks one
/// by one for anything it does not clear. Every single-byte change of a message holding every item
/// type (empty and padded values, ASCII and non-ASCII text, nested and empty structures), under
/// tight and loose limits, must still give exactly the oracle's answer: the same index, or the same
/// error at the same offset.
#[test]
fn every_byte_changed_under_every_limit() {
    let leaf = |tag: u32, v: Value| Item::new(tag, v);
    let tree = Item::new(
        0x42_0078,
        Value::Structure(vec![
            leaf(0x42_0001, Value::Integer(-7)),
            leaf(0x42_0002, Value::LongInteger(1 << 40)),
            leaf(0x42_0003, Value::BigInteger(vec![0x80, 0, 0, 0, 0, 0, 0, 1])),
            leaf(0x42_0004, Value::Enumeration(0x8000_0001)),
            leaf(0x42_0005, Value::Boolean(true)),
            leaf(0x42_0006, Value::TextString("ascii-uid-0123".into())),
            leaf(0x42_0007, Value::TextString("clé ☃".into())),
            leaf(0x42_0008, Value::TextString(String::new())),
            leaf(0x54_0009, Value::ByteString(vec![1, 2, 3, 4, 5])),
            leaf(0x42_000A, Value::ByteString(Vec::new())),
            leaf(0x42_000B, Value::DateTime(1_700_000_000)),
            leaf(0x42_000C, Value::Interval(86_400)),
            leaf(0x42_000D, Value::DateTimeExtended(-1)),
            Item::new(
                0x42_000E,
                Value::Structure(vec![
                    Item::new(0x42_000F, Value::Structure(vec![leaf(0x42_0010, Value::Enumeration(2))])),
                    Item::new(0x42_0011, Value::Structure(Vec::new())),
                    leaf(0x42_0012, Value::ByteString(vec![0xAB; 16])),
                ]),
            ),
            leaf(0x42_0013, Value::Integer(1)),
        ]),
    );
    let bytes = encode(&tree).unwrap();
    let limits = [
        ScanOptions::default(),
        ScanOptions { max_depth: 0, ..ScanOptions::default() },
        ScanOptions { max_depth: 1, ..ScanOptions::default() },
        ScanOptions { max_depth: 2, ..ScanOptions::default() },
        ScanOptions { max_depth: 3, ..ScanOptions::default() },
        ScanOptions { max_depth: 4, ..ScanOptions::default() },
        ScanOptions { max_size: bytes.len() as u64 - 8, ..ScanOptions::default() },
        ScanOptions { allow_trailing: true, ..ScanOptions::default() },
    ];
    let mut outcomes = std::collections::HashSet::new();
    for o in &limits {
        scan_checked(&bytes, o).unwrap();
        for at in 0..bytes.len() {
            let was = bytes[at];
            for v in [0x00, 0x01, 0x02, 0x07, 0x08, 0x0C, 0x42, 0x54, 0x80, 0xC3, 0xFF, was ^ 1, was ^ 0x80] {
                let mut b = bytes.clone();
                b[at] = v;
                scan_checked(&b, o).unwrap();
                outcomes.insert(scan_to_vec(&b, o).map(|_| 0).unwrap_or_else(|e| e.code.number()));
            }
        }
        // Cut short anywhere, and with a byte appended.
        for cut in 0..bytes.len() {
            scan_checked(&bytes[..cut], o).unwrap();
            outcomes.insert(scan_to_vec(&bytes[..cut], o).map(|_| 0).unwrap_or_else(|e| e.code.number()));
        }
        let mut longer = bytes.clone();
        longer.push(0);
        scan_checked(&longer, o).unwrap();
    }
    // The changes reach every check of the contract, and some leave the message valid.
    let mut seen: Vec<u32> = outcomes.into_iter().collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..=12).collect::<Vec<u32>>());
}
