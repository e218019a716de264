//! RSAES-PKCS1-v1_5 decoding (RFC 8017 §7.2.2 step 3) with *implicit rejection*, as in
//! draft-irtf-cfrg-rsa-guidance ("Implementation Guidance for the PKCS #1 RSA Cryptography
//! Specification", the implicit-rejection decryption) and OpenSSL 3.2+: a badly padded encoded
//! message does not fail, it decodes to a synthetic message derived from the private key and the
//! ciphertext, so the result tells nobody whether the padding was good.
//!
//! * `DH = SHA-256(I2OSP(d, k))`, once per key ([`key_hash`]);
//! * `KDK = HMAC-SHA256(DH, C)` with the k-byte ciphertext C;
//! * `PRF(label, n)`: the first n bytes of `HMAC-SHA256(KDK, I2OSP(i, 2) || label || I2OSP(8n, 2))`
//!   for i = 0, 1, …;
//! * the synthetic message is the last L bytes of `PRF("message", k)`, where L is the last of the
//!   128 big-endian 16-bit words of `PRF("length", 256)`, each masked to the bit length of k - 10,
//!   that is below k - 10 (0 if none is).
//!
//! The padding checks and the choice between the real and the synthetic message are made with
//! masks, never a branch or an index that depends on them. The length of the result is not
//! secret: a synthetic message's length is as unpredictable as a real one's.

use aws_lc_rs::{digest, hmac};
use zeroize::{Zeroize, Zeroizing};

/// Bytes of `DH` and of `KDK`.
pub const KEY_HASH_BYTES: usize = 32;
/// The shortest modulus (bytes) that leaves room for the 11 bytes of padding.
pub const MIN_MODULUS_BYTES: usize = 11;
/// The longest modulus (bytes) whose PRF bit length fits the 16-bit field (OpenSSL's limit is 16384 bits).
pub const MAX_MODULUS_BYTES: usize = 8191;
/// Length candidates drawn from the PRF.
const LENGTH_TRIES: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pkcs1Error {
    /// The modulus is shorter than 11 or longer than 8191 bytes.
    ModulusLength,
    /// The private exponent is longer than the modulus.
    ExponentLength,
    /// The ciphertext or the encoded message is not k bytes, or the output is shorter than k - 11.
    Length,
}

impl core::fmt::Display for Pkcs1Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Pkcs1Error::ModulusLength => "RSA modulus must be 11 to 8191 bytes for PKCS#1 v1.5 decryption",
            Pkcs1Error::ExponentLength => "the private exponent is longer than the modulus",
            Pkcs1Error::Length => "the ciphertext and encoded message must be k bytes and the output at least k - 11",
        })
    }
}

// ---- masks: all ones (u32::MAX) for true, zero for false ----

#[inline]
fn msb_mask(x: u32) -> u32 {
    0u32.wrapping_sub(x >> 31)
}

/// `a < b` for values below 2^31.
#[inline]
fn lt_mask(a: u32, b: u32) -> u32 {
    msb_mask(a.wrapping_sub(b))
}

#[inline]
fn is_zero_mask(x: u32) -> u32 {
    msb_mask(!x & x.wrapping_sub(1))
}

#[inline]
fn eq_mask(a: u32, b: u32) -> u32 {
    is_zero_mask(a ^ b)
}

/// `a` where `mask` is all ones, `b` where it is zero. The mask goes through `black_box` so the
/// optimizer cannot see it is boolean and turn the selection into a branch.
#[inline]
fn select(mask: u32, a: u32, b: u32) -> u32 {
    let mask = core::hint::black_box(mask);
    (mask & a) | (!mask & b)
}

/// `DH = SHA-256(I2OSP(d, k))` for the big-endian private exponent `d` (leading zeros allowed) of a
/// k-byte modulus. The caller keeps it per key and passes it to [`unpad_implicit_into`].
pub fn key_hash(d: &[u8], k: usize) -> Result<Zeroizing<[u8; KEY_HASH_BYTES]>, Pkcs1Error> {
    if !(MIN_MODULUS_BYTES..=MAX_MODULUS_BYTES).contains(&k) {
        return Err(Pkcs1Error::ModulusLength);
    }
    // Leading zero bytes of d are not significant (they are restored by the padding below).
    let first = d.iter().position(|&b| b != 0).unwrap_or(d.len());
    let d = &d[first..];
    if d.len() > k {
        return Err(Pkcs1Error::ExponentLength);
    }
    let mut padded = Zeroizing::new(vec![0u8; k]);
    padded[k - d.len()..].copy_from_slice(d);
    let mut out = Zeroizing::new([0u8; KEY_HASH_BYTES]);
    out.copy_from_slice(digest::digest(&digest::SHA256, &padded).as_ref());
    Ok(out)
}

/// The counter-mode PRF over HMAC-SHA256 keyed with `kdk`, filling `out` (at most 8191 bytes).
fn prf(kdk: &hmac::Key, label: &[u8], out: &mut [u8]) {
    let bits = ((out.len() * 8) as u16).to_be_bytes();
    for (i, chunk) in out.chunks_mut(KEY_HASH_BYTES).enumerate() {
        let mut ctx = hmac::Context::with_key(kdk);
        ctx.update(&(i as u16).to_be_bytes());
        ctx.update(label);
        ctx.update(&bits);
        let tag = ctx.sign();
        chunk.copy_from_slice(&tag.as_ref()[..chunk.len()]);
    }
}

/// Decodes the k-byte encoded message `em` (the raw RSA decryption of `ciphertext`) into `out`
/// (at least k - 11 bytes) and returns the message length: the real message when the padding is
/// good, else the synthetic one. `key_hash` is [`key_hash`] of the private key. Errors only for
/// lengths, which are public.
pub fn unpad_implicit_into(
    key_hash: &[u8; KEY_HASH_BYTES],
    ciphertext: &[u8],
    em: &[u8],
    out: &mut [u8],
) -> Result<usize, Pkcs1Error> {
    let k = em.len();
    if !(MIN_MODULUS_BYTES..=MAX_MODULUS_BYTES).contains(&k) {
        return Err(Pkcs1Error::ModulusLength);
    }
    if ciphertext.len() != k || out.len() < k - MIN_MODULUS_BYTES {
        return Err(Pkcs1Error::Length);
    }

    // KDK = HMAC-SHA256(DH, C); the PRF is keyed with it.
    let mut kdk_bytes = Zeroizing::new([0u8; KEY_HASH_BYTES]);
    kdk_bytes.copy_from_slice(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key_hash), ciphertext).as_ref());
    let kdk = hmac::Key::new(hmac::HMAC_SHA256, kdk_bytes.as_ref());

    let mut synthetic = Zeroizing::new(vec![0u8; k]);
    prf(&kdk, b"message", &mut synthetic);
    let mut candidates = Zeroizing::new([0u8; LENGTH_TRIES * 2]);
    prf(&kdk, b"length", candidates.as_mut());

    // The synthetic length: the last candidate below k - 10 (the longest message is k - 11).
    let max_sep_offset = (k - 10) as u32;
    let mut len_mask = max_sep_offset;
    len_mask |= len_mask >> 1;
    len_mask |= len_mask >> 2;
    len_mask |= len_mask >> 4;
    len_mask |= len_mask >> 8;
    let mut synthetic_len = 0u32;
    for pair in candidates.chunks_exact(2) {
        let candidate = ((u32::from(pair[0]) << 8) | u32::from(pair[1])) & len_mask;
        synthetic_len = select(lt_mask(candidate, max_sep_offset), candidate, synthetic_len);
    }

    // EM = 0x00 || 0x02 || PS (at least 8 non-zero bytes) || 0x00 || M.
    let mut good = is_zero_mask(u32::from(em[0])) & eq_mask(u32::from(em[1]), 2);
    let mut found = 0u32;
    let mut zero_index = 0u32;
    for (i, &b) in em.iter().enumerate().skip(2) {
        let is_zero = is_zero_mask(u32::from(b));
        zero_index = select(!found & is_zero, i as u32, zero_index);
        found |= is_zero;
    }
    // No separator leaves zero_index at 0, which fails this too.
    good &= !lt_mask(zero_index, 10);
    let msg_index = select(good, zero_index + 1, k as u32 - synthetic_len) as usize;

    // The start (hence the length) is public from here on; both sources are read at every index.
    let len = k - msg_index;
    let good8 = core::hint::black_box(good as u8);
    for (j, o) in out[..len].iter_mut().enumerate() {
        let i = msg_index + j;
        *o = (good8 & em[i]) | (!good8 & synthetic[i]);
    }
    good.zeroize();
    zero_index.zeroize();
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn decode(em: &[u8], dh: &[u8; 32], ct: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; em.len()];
        let n = unpad_implicit_into(dh, ct, em, &mut out).unwrap();
        out.truncate(n);
        out
    }

    /// An encoded message 00 02 PS 00 M with PS of non-zero bytes.
    fn encode(k: usize, msg: &[u8]) -> Vec<u8> {
        let mut em = vec![0u8; k];
        em[1] = 2;
        for (i, b) in em.iter_mut().enumerate().take(k - msg.len() - 1).skip(2) {
            *b = (i % 251 + 1) as u8;
        }
        em[k - msg.len()..].copy_from_slice(msg);
        em
    }

    #[test]
    fn masks() {
        for a in [0u32, 1, 2, 9, 10, 11, 255, 256, 4095, 0x7fff_fffe] {
            for b in [0u32, 1, 2, 9, 10, 11, 255, 256, 4095, 0x7fff_fffe] {
                assert_eq!(lt_mask(a, b) == u32::MAX, a < b, "{a} < {b}");
                assert_eq!(eq_mask(a, b) == u32::MAX, a == b);
                assert!(lt_mask(a, b) == 0 || lt_mask(a, b) == u32::MAX);
            }
            assert_eq!(is_zero_mask(a) == u32::MAX, a == 0);
        }
    }

    #[test]
    fn good_padding_returns_the_message() {
        let dh = key_hash(&[7u8; 200], 256).unwrap();
        let ct = [0x55u8; 256];
        for len in [0usize, 1, 2, 100, 245] {
            let msg: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            assert_eq!(decode(&encode(256, &msg), &dh, &ct), msg, "length {len}");
        }
    }

    #[test]
    fn bad_padding_returns_a_deterministic_synthetic_message() {
        let dh = key_hash(&[7u8; 200], 256).unwrap();
        let ct = [0x55u8; 256];
        let msg = b"attack at dawn";
        let good = encode(256, msg);
        let mut defects: Vec<Vec<u8>> = Vec::new();
        let mut e = good.clone();
        e[0] = 1;
        defects.push(e);
        let mut e = good.clone();
        e[1] = 1;
        defects.push(e);
        let mut e = good.clone();
        e[9] = 0; // PS of 7 bytes
        defects.push(e);
        let mut e = good.clone();
        e[256 - msg.len() - 1] = 1; // no separator
        defects.push(e);
        for em in &defects {
            let a = decode(em, &dh, &ct);
            assert_ne!(a, msg.to_vec());
            assert!(a.len() <= 256 - 11);
            assert_eq!(a, decode(em, &dh, &ct));
            // The synthetic message depends on the ciphertext and the key only, not on EM.
            assert_eq!(a, decode(&defects[0], &dh, &ct));
        }
        let other = decode(&defects[0], &dh, &[0x56u8; 256]);
        assert_ne!(other, decode(&defects[0], &dh, &ct));
        let dh2 = key_hash(&[8u8; 200], 256).unwrap();
        assert_ne!(decode(&defects[0], &dh2, &ct), decode(&defects[0], &dh, &ct));
        // PS of exactly 8 bytes is good.
        let mut e = vec![0u8; 256];
        e[1] = 2;
        e[2..10].fill(0xff);
        e[11..].fill(0x41);
        assert_eq!(decode(&e, &dh, &ct), vec![0x41u8; 245]);
    }

    #[test]
    fn lengths_are_checked() {
        let dh = [0u8; 32];
        let mut out = [0u8; 256];
        assert_eq!(unpad_implicit_into(&dh, &[0u8; 255], &[0u8; 256], &mut out), Err(Pkcs1Error::Length));
        assert_eq!(unpad_implicit_into(&dh, &[0u8; 10], &[0u8; 10], &mut out), Err(Pkcs1Error::ModulusLength));
        assert_eq!(unpad_implicit_into(&dh, &[0u8; 256], &[0u8; 256], &mut out[..244]), Err(Pkcs1Error::Length));
        assert!(unpad_implicit_into(&dh, &[0u8; 256], &[0u8; 256], &mut out[..245]).is_ok());
        assert_eq!(key_hash(&[1u8; 257], 256).err(), Some(Pkcs1Error::ExponentLength));
        // Leading zeros of d do not count.
        assert_eq!(*key_hash(&[0, 0, 1], 16).unwrap(), *key_hash(&[1], 16).unwrap());
    }

    /// The PRF's second block against a value computed independently with Python's hmac module (the
    /// known-answer vectors of whole decryptions are in tests/rsa_pkcs1_kat.rs).
    #[test]
    fn prf_matches_an_independent_hmac() {
        // python3 -c "import hmac,hashlib;k=bytes(range(32));print(hmac.new(k,b'\x00\x01length\x08\x00',hashlib.sha256).hexdigest())"
        let key = hmac::Key::new(hmac::HMAC_SHA256, &(0u8..32).collect::<Vec<u8>>());
        let mut out = [0u8; 256];
        prf(&key, b"length", &mut out);
        assert_eq!(out[32..64].to_vec(), hex(PRF_BLOCK1));
    }

    /// test/vectors/rsa-pkcs1-implicit-rejection.json: throwaway keys with crafted and random
    /// ciphertexts, and draft-irtf-cfrg-rsa-guidance Appendix B.1/B.2, the messages as pyca/cryptography
    /// on OpenSSL 4.0 decrypts them (provenance in test/vectors/README.md). Each case carries the raw
    /// decryption `em`, so this needs no RSA.
    #[test]
    fn known_answers() {
        let path = format!("{}/../../test/vectors/rsa-pkcs1-implicit-rejection.json", env!("CARGO_MANIFEST_DIR"));
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut seen = (0, 0);
        for group in doc["groups"].as_array().unwrap() {
            let dh: [u8; 32] = hex(group["keyHash"].as_str().unwrap()).try_into().unwrap();
            for case in group["cases"].as_array().unwrap() {
                let id = case["id"].as_str().unwrap();
                let em = hex(case["em"].as_str().unwrap());
                let ct = hex(case["ciphertext"].as_str().unwrap());
                assert_eq!(decode(&em, &dh, &ct), hex(case["message"].as_str().unwrap()), "{} {id}", group["name"]);
                if case["padding"] == "valid" {
                    seen.0 += 1
                } else {
                    seen.1 += 1
                }
            }
        }
        assert!(seen.0 >= 20 && seen.1 >= 40, "{seen:?}");
    }

    const PRF_BLOCK1: &str = "9165ea48d9315569a34c183e7266b1142b394bb9248c35b3840f5a45d9abfa4d";
}
