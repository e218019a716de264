//! Every vector of testdata/kmip-testcases/ttlv-spec-vectors.json.
mod common;

use common::{hex, opts};
use kmipkit_core::{decode_index, encode, scan_to_vec, ErrorCode, Item, Value};
use serde_json::Value as Json;

fn vectors() -> Json {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kmip-testcases/ttlv-spec-vectors.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Two's complement big-endian to a decimal string.
fn bigint_decimal(bytes: &[u8]) -> String {
    let neg = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut mag: Vec<u8> = bytes.to_vec();
    if neg {
        // magnitude = !x + 1
        for b in mag.iter_mut() {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    let mut digits = Vec::new();
    while mag.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for b in mag.iter_mut() {
            let cur = (rem << 8) | *b as u32;
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    if neg {
        digits.push(b'-');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap()
}

fn upper_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn tag_of(j: &Json) -> u32 {
    u32::from_str_radix(j["tag"].as_str().unwrap(), 16).unwrap()
}

/// Asserts that `item` matches a `{tag, type, value}` JSON node.
fn check(item: &Item, j: &Json, path: &str) {
    assert_eq!(item.tag, tag_of(j), "{path}: tag");
    let ty = j["type"].as_str().unwrap();
    let v = &j["value"];
    let dec = |s: &Json| s.as_str().unwrap().parse::<i64>().unwrap();
    match (&item.value, ty) {
        (Value::Structure(children), "Structure") => {
            let want = v.as_array().unwrap();
            assert_eq!(children.len(), want.len(), "{path}: child count");
            for (i, (c, w)) in children.iter().zip(want).enumerate() {
                check(c, w, &format!("{path}/{i}"));
            }
        }
        (Value::Integer(x), "Integer") => assert_eq!(*x as i64, v.as_i64().unwrap(), "{path}"),
        (Value::LongInteger(x), "LongInteger") => assert_eq!(*x, dec(v), "{path}"),
        (Value::BigInteger(b), "BigInteger") => assert_eq!(bigint_decimal(b), v.as_str().unwrap(), "{path}"),
        (Value::Enumeration(x), "Enumeration") => assert_eq!(*x as u64, v.as_u64().unwrap(), "{path}"),
        (Value::Boolean(x), "Boolean") => assert_eq!(*x, v.as_bool().unwrap(), "{path}"),
        (Value::TextString(s), "TextString") => assert_eq!(s, v.as_str().unwrap(), "{path}"),
        (Value::ByteString(b), "ByteString") => assert_eq!(upper_hex(b), v.as_str().unwrap(), "{path}"),
        (Value::DateTime(x), "DateTime") => assert_eq!(*x, dec(v), "{path}"),
        (Value::Interval(x), "Interval") => assert_eq!(*x as u64, v.as_u64().unwrap(), "{path}"),
        (Value::DateTimeExtended(x), "DateTimeExtended") => assert_eq!(*x, dec(v), "{path}"),
        (got, want) => panic!("{path}: decoded {got:?}, vector says {want}"),
    }
}

/// Scan, decode, re-encode; returns the decoded item.
fn round_trip(id: &str, bytes: &[u8]) -> Item {
    let (index, s) = scan_to_vec(bytes, &opts()).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(s.root_end, bytes.len(), "{id}");
    assert_eq!(index[s.count * 4], bytes.len() as u32, "{id}: root end word");
    assert_eq!(index[3], s.count as u32, "{id}: root subtree spans the index");
    let item = decode_index(bytes, &index, s.count).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(encode(&item).unwrap_or_else(|e| panic!("{id}: {e}")), bytes, "{id}: re-encode");
    let (oracle_index, _) = common::oracle(bytes, &opts()).unwrap();
    assert_eq!(index, oracle_index, "{id}: oracle index");
    item
}

#[test]
fn primitive_and_derived_vectors() {
    let all = vectors();
    let mut n = 0;
    for group in ["primitive_vectors", "derived_vectors"] {
        for v in all[group].as_array().unwrap() {
            let id = v["id"].as_str().unwrap();
            let bytes = hex(v["hex"].as_str().unwrap());
            if let Some(printed) = v.get("hex_as_printed").and_then(Json::as_str) {
                assert_eq!(hex(printed), bytes, "{id}: hex_as_printed");
            }
            let item = round_trip(id, &bytes);
            if v.get("value").is_some() {
                check(&item, v, id);
            }
            n += 1;
        }
    }
    assert_eq!(n, 27);
}

#[test]
fn message_vectors() {
    let all = vectors();
    let list = all["message_vectors"].as_array().unwrap();
    assert!(list.len() >= 77);
    for v in list {
        let id = v["id"].as_str().unwrap();
        let bytes = hex(v["hex"].as_str().unwrap());
        if let Some(len) = v.get("length").and_then(Json::as_u64) {
            assert_eq!(bytes.len() as u64, len, "{id}: length");
        }
        let item = round_trip(id, &bytes);
        assert_eq!(item.tag, u32::from_str_radix(v["top_tag"].as_str().unwrap(), 16).unwrap(), "{id}");
        if let Some(decoded) = v.get("decoded").and_then(Json::as_array) {
            assert_eq!(decoded.len(), 1, "{id}: one root");
            check(&item, &decoded[0], id);
        }
    }
}

#[test]
fn negative_vectors() {
    use ErrorCode as E;
    let expected: &[(&str, Option<(ErrorCode, usize)>)] = &[
        ("neg-invalid-type-00", Some((E::BadType, 3))),
        ("neg-invalid-type-0C", Some((E::BadType, 3))),
        // Valid for a 2.x decoder, which kmipkit is.
        ("neg-date-time-extended-in-1x", None),
        ("neg-integer-length-5", Some((E::BadLength, 4))),
        ("neg-integer-length-8", Some((E::BadLength, 4))),
        ("neg-boolean-value-2", Some((E::BadBoolean, 8))),
        ("neg-big-integer-length-12", Some((E::BadLength, 4))),
        ("neg-structure-length-overflow", Some((E::Truncated, 4))),
        ("neg-structure-length-not-multiple-of-8", Some((E::BadLength, 4))),
        ("neg-truncated-header", Some((E::TruncatedHeader, 0))),
        ("neg-truncated-text-padding", Some((E::Truncated, 4))),
        ("neg-tag-first-byte", Some((E::BadTag, 0))),
    ];
    let all = vectors();
    let list = all["negative_vectors"].as_array().unwrap();
    assert_eq!(list.len(), expected.len());
    for v in list {
        let id = v["id"].as_str().unwrap();
        let bytes = hex(v["hex"].as_str().unwrap());
        let want = expected.iter().find(|(e, _)| *e == id).unwrap_or_else(|| panic!("unexpected vector {id}")).1;
        let got = scan_to_vec(&bytes, &opts());
        assert_eq!(
            common::oracle(&bytes, &opts()).map(|_| ()),
            got.as_ref().map(|_| ()).map_err(|e| *e),
            "{id}: oracle"
        );
        match want {
            None => {
                round_trip(id, &bytes);
            }
            Some((code, offset)) => {
                let e = got.expect_err(id);
                assert_eq!((e.code, e.offset), (code, offset), "{id}");
            }
        }
    }
}
