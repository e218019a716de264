//! kmipkit-core: the KMIP TTLV codec without any Node dependency.
//!
//! * [`scan`]: the scanner of `docs/ttlv-scan-contract.md`, writing a flat `u32` index.
//! * [`decode`]: an owned [`Item`] tree from bytes + index.
//! * [`encode`]: an [`Item`] tree to bytes.
//! * [`frame`]: finding whole messages in a byte stream.
//! * [`aead`]: AES-256-GCM, which seals key material at rest.
//! * [`gcm`]: AES-GCM (128/192/256, 12 to 16-byte tags) for general use.
//! * [`keywrap`]: AES key wrap, RFC 3394 and RFC 5649.
//! * [`kem`]: ML-KEM-512/768/1024 (FIPS 203).
//! * [`dsa`]: ML-DSA-44/65/87 (FIPS 204).
//! * [`slhdsa`]: SLH-DSA, the twelve FIPS 205 parameter sets.
//! * [`rsa_pkcs1`]: RSAES-PKCS1-v1_5 decoding with implicit rejection.
#![deny(unsafe_code)]

pub mod aead;
pub mod gcm;
pub mod dsa;
pub mod slhdsa;
pub mod kem;
pub mod keywrap;
pub mod rsa_pkcs1;
pub mod decode;
pub mod dict;
pub mod encode;
pub mod error;
pub mod frame;
pub mod item;
pub mod scan;

pub use decode::{decode, decode_index};
pub use encode::{encode, encode_with_depth};
pub use error::{Error, ErrorCode};
pub use frame::{frame_ends_into, frame_length, split_messages};
pub use item::{Item, ItemType, Value};
pub use scan::{index_words, scan, scan_to_vec, ScanOptions, Scanned, FLAG_ALLOW_TRAILING};

/// Default nesting limit: the root has depth 1.
pub const MAX_DEPTH: u32 = 64;
/// Default largest root item, header included.
pub const MAX_MESSAGE_SIZE: u32 = 16 * 1024 * 1024;

/// `len` rounded up to a multiple of 8, without overflow.
#[inline]
pub const fn padded(len: u32) -> u64 {
    (len as u64 + 7) & !7
}
