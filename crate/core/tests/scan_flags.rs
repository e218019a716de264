//! The word after the root end: 1 when some Text String holds a character outside ASCII.
use kmipkit_core::{index_words, scan, ScanOptions};

fn text_item(s: &str) -> Vec<u8> {
    let mut v = vec![0x42, 0x00, 0x94, 0x07];
    v.extend_from_slice(&(s.len() as u32).to_be_bytes());
    v.extend_from_slice(s.as_bytes());
    v.resize(8 + s.len().div_ceil(8) * 8, 0);
    v
}

fn structure(children: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = children.concat();
    let mut v = vec![0x42, 0x00, 0x7b, 0x01];
    v.extend_from_slice(&(body.len() as u32).to_be_bytes());
    v.extend(body);
    v
}

fn flag(msg: &[u8]) -> u32 {
    let mut index = vec![u32::MAX; index_words(msg.len())];
    let s = scan(msg, &mut index, &ScanOptions::default()).expect("valid message");
    assert_eq!(index[s.count * 4] as usize, msg.len());
    index[s.count * 4 + 1]
}

#[test]
fn ascii_flag() {
    assert_eq!(flag(&structure(&[text_item("plain ascii text"), text_item("")])), 0);
    assert_eq!(flag(&structure(&[text_item("plain"), text_item("clé")])), 1);
    assert_eq!(flag(&text_item("鍵")), 1);
    assert_eq!(flag(&structure(&[])), 0);
}
