//! AES-GCM (128, 192 or 256-bit keys; 96-bit nonces; 12 to 16-byte tags) with additional data, for
//! callers other than the store's sealing (which keeps [`crate::aead`]). A [`GcmKey`] holds the
//! expanded key and the GHASH key, both zeroized on drop. Tags shorter than 16 bytes are the leading
//! bytes of the full tag (NIST SP 800-38D, 5.2.1.2); shorter than 12 is refused.
//!
//! Two implementations behind one interface: AWS-LC (`aws-lc-rs`) for 16-byte tags, the common case
//! and the fast one for large inputs; RustCrypto `aes-gcm` for 12 to 15-byte tags, which AWS-LC's
//! AEAD API does not offer. The known-answer tests run every vector through both.

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::consts::{U12, U13, U14, U15, U16};
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::AesGcm;

pub const NONCE_BYTES: usize = 12;
pub const MIN_TAG_BYTES: usize = 12;
pub const MAX_TAG_BYTES: usize = 16;
/// SP 800-38D: at most 2^39 - 256 bits of plaintext per invocation.
pub const MAX_PLAINTEXT_BYTES: u64 = (1u64 << 36) - 32;

/// Why a call was refused. Authentication failure is not one: `open_into` returns `Ok(false)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcmError {
    KeyLength,
    NonceLength,
    TagLength,
    /// The sealed input is shorter than its tag.
    Truncated,
    OutputLength,
    /// Over the SP 800-38D limit for one message.
    TooLong,
}

impl core::fmt::Display for GcmError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            GcmError::KeyLength => "AES-GCM needs a 16, 24 or 32-byte key",
            GcmError::NonceLength => "AES-GCM here takes a 12-byte nonce",
            GcmError::TagLength => "AES-GCM tag length must be 12 to 16 bytes",
            GcmError::Truncated => "sealed data shorter than its tag",
            GcmError::OutputLength => "the output buffer has the wrong length",
            GcmError::TooLong => "AES-GCM input longer than 2^36 - 32 bytes",
        })
    }
}

/// One (key size, tag size) instance of AES-GCM behind a common interface.
trait Engine: Send + Sync {
    fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag_out: &mut [u8]) -> bool;
    fn open(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool;
}

/// RustCrypto `aes-gcm` at one tag size.
struct Rc<C>(C);

impl<C> Engine for Rc<C>
where
    C: AeadInPlace<NonceSize = U12> + Send + Sync,
{
    fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag_out: &mut [u8]) -> bool {
        match self.0.encrypt_in_place_detached(GenericArray::from_slice(nonce), aad, buf) {
            Ok(tag) if tag.len() == tag_out.len() => {
                tag_out.copy_from_slice(&tag);
                true
            }
            _ => false,
        }
    }

    fn open(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool {
        if tag.len() != <C as aes_gcm::aead::AeadCore>::TagSize::USIZE {
            return false;
        }
        // aes-gcm checks the tag (in constant time) before it decrypts; callers zero `buf` on failure.
        self.0.decrypt_in_place_detached(GenericArray::from_slice(nonce), aad, buf, GenericArray::from_slice(tag)).is_ok()
    }
}

use aes_gcm::aead::generic_array::typenum::Unsigned;

/// AWS-LC's AES-GCM (16-byte tags).
struct Lc(aws_lc_rs::aead::LessSafeKey);

impl Lc {
    fn new(key: &[u8]) -> Result<Self, GcmError> {
        use aws_lc_rs::aead::{UnboundKey, AES_128_GCM, AES_192_GCM, AES_256_GCM};
        let alg = match key.len() {
            16 => &AES_128_GCM,
            24 => &AES_192_GCM,
            32 => &AES_256_GCM,
            _ => return Err(GcmError::KeyLength),
        };
        let unbound = UnboundKey::new(alg, key).map_err(|_| GcmError::KeyLength)?;
        Ok(Lc(aws_lc_rs::aead::LessSafeKey::new(unbound)))
    }
}

impl Engine for Lc {
    fn seal(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag_out: &mut [u8]) -> bool {
        use aws_lc_rs::aead::{Aad, Nonce};
        let Ok(nonce) = Nonce::try_assume_unique_for_key(nonce) else { return false };
        match self.0.seal_in_place_separate_tag(nonce, Aad::from(aad), buf) {
            Ok(tag) if tag.as_ref().len() == tag_out.len() => {
                tag_out.copy_from_slice(tag.as_ref());
                true
            }
            _ => false,
        }
    }

    fn open(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool {
        use aws_lc_rs::aead::{Aad, Nonce};
        let Ok(nonce) = Nonce::try_assume_unique_for_key(nonce) else { return false };
        // AWS-LC compares tags in constant time; callers zero `buf` on failure.
        tag.len() == MAX_TAG_BYTES && self.0.open_in_place_separate_tag(nonce, Aad::from(aad), tag, buf).is_ok()
    }
}

fn engine<A>(key: &[u8], tag_len: usize) -> Result<Box<dyn Engine>, GcmError>
where
    A: aes::cipher::BlockCipher
        + aes::cipher::BlockSizeUser<BlockSize = U16>
        + aes::cipher::BlockEncrypt
        + KeyInit
        + Send
        + Sync
        + 'static,
{
    fn make<C>(key: &[u8]) -> Result<Box<dyn Engine>, GcmError>
    where
        C: KeyInit + AeadInPlace<NonceSize = U12> + Send + Sync + 'static,
    {
        C::new_from_slice(key).map(|c| Box::new(Rc(c)) as Box<dyn Engine>).map_err(|_| GcmError::KeyLength)
    }
    match tag_len {
        16 => make::<AesGcm<A, U12, U16>>(key),
        15 => make::<AesGcm<A, U12, U15>>(key),
        14 => make::<AesGcm<A, U12, U14>>(key),
        13 => make::<AesGcm<A, U12, U13>>(key),
        12 => make::<AesGcm<A, U12, U12>>(key),
        _ => Err(GcmError::TagLength),
    }
}

pub struct GcmKey {
    engine: Box<dyn Engine>,
    tag_len: usize,
}

impl GcmKey {
    /// Expands `key` (16, 24 or 32 bytes) for tags of `tag_len` bytes (12 to 16). The caller
    /// zeroizes its own copy of the key.
    pub fn new(key: &[u8], tag_len: usize) -> Result<Self, GcmError> {
        if !(MIN_TAG_BYTES..=MAX_TAG_BYTES).contains(&tag_len) {
            return Err(GcmError::TagLength);
        }
        let engine = match key.len() {
            16 | 24 | 32 if tag_len == MAX_TAG_BYTES => Box::new(Lc::new(key)?) as Box<dyn Engine>,
            16 => engine::<Aes128>(key, tag_len)?,
            24 => engine::<Aes192>(key, tag_len)?,
            32 => engine::<Aes256>(key, tag_len)?,
            _ => return Err(GcmError::KeyLength),
        };
        Ok(GcmKey { engine, tag_len })
    }

    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    /// Writes `ciphertext || tag` of `plaintext` into `out` (exactly `plaintext.len() + tag_len`).
    pub fn seal_into(&self, nonce: &[u8], aad: &[u8], plaintext: &[u8], out: &mut [u8]) -> Result<(), GcmError> {
        if nonce.len() != NONCE_BYTES {
            return Err(GcmError::NonceLength);
        }
        if plaintext.len() as u64 > MAX_PLAINTEXT_BYTES {
            return Err(GcmError::TooLong);
        }
        if out.len() != plaintext.len() + self.tag_len {
            return Err(GcmError::OutputLength);
        }
        let (body, tag_out) = out.split_at_mut(plaintext.len());
        body.copy_from_slice(plaintext);
        if self.engine.seal(nonce, aad, body, tag_out) {
            Ok(())
        } else {
            zero(out);
            Err(GcmError::TooLong)
        }
    }

    /// `ciphertext || tag` of `plaintext`.
    pub fn seal(&self, nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, GcmError> {
        let mut out = vec![0u8; plaintext.len() + self.tag_len];
        self.seal_into(nonce, aad, plaintext, &mut out)?;
        Ok(out)
    }

    /// Writes the plaintext of `sealed` (`ciphertext || tag`) into `out` (exactly
    /// `sealed.len() - tag_len`) and returns true, or false with `out` zeroed when it does not
    /// authenticate under this key, nonce and `aad`.
    pub fn open_into(&self, nonce: &[u8], aad: &[u8], sealed: &[u8], out: &mut [u8]) -> Result<bool, GcmError> {
        if nonce.len() != NONCE_BYTES {
            return Err(GcmError::NonceLength);
        }
        let Some(split) = sealed.len().checked_sub(self.tag_len) else {
            return Err(GcmError::Truncated);
        };
        if split as u64 > MAX_PLAINTEXT_BYTES {
            return Err(GcmError::TooLong);
        }
        if out.len() != split {
            return Err(GcmError::OutputLength);
        }
        let (body, tag) = sealed.split_at(split);
        out.copy_from_slice(body);
        if self.engine.open(nonce, aad, out, tag) {
            Ok(true)
        } else {
            zero(out);
            Ok(false)
        }
    }

    /// Encrypts `buf` in place and appends the tag (one buffer, no copy: the async path's form). Give
    /// `buf` room for the tag: growing it would free the plaintext copy without zeroizing it.
    pub fn seal_in_place(&self, nonce: &[u8], aad: &[u8], buf: &mut Vec<u8>) -> Result<(), GcmError> {
        if nonce.len() != NONCE_BYTES {
            return Err(GcmError::NonceLength);
        }
        if buf.len() as u64 > MAX_PLAINTEXT_BYTES {
            return Err(GcmError::TooLong);
        }
        let n = buf.len();
        buf.resize(n + self.tag_len, 0);
        let (body, tag_out) = buf.split_at_mut(n);
        if self.engine.seal(nonce, aad, body, tag_out) {
            Ok(())
        } else {
            zero(buf);
            Err(GcmError::TooLong)
        }
    }

    /// Opens `ciphertext || tag` in place: true with `buf` cut to the plaintext, or false with `buf`
    /// zeroed and emptied when it does not authenticate.
    pub fn open_in_place(&self, nonce: &[u8], aad: &[u8], buf: &mut Vec<u8>) -> Result<bool, GcmError> {
        if nonce.len() != NONCE_BYTES {
            return Err(GcmError::NonceLength);
        }
        let Some(split) = buf.len().checked_sub(self.tag_len) else {
            return Err(GcmError::Truncated);
        };
        if split as u64 > MAX_PLAINTEXT_BYTES {
            return Err(GcmError::TooLong);
        }
        let (body, tag) = buf.split_at_mut(split);
        if self.engine.open(nonce, aad, body, tag) {
            zero(tag);
            buf.truncate(split);
            Ok(true)
        } else {
            zero(buf);
            buf.clear();
            Ok(false)
        }
    }

    /// The plaintext of `sealed`, or `None` when it does not authenticate.
    pub fn open(&self, nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Option<Vec<u8>>, GcmError> {
        let len = sealed.len().checked_sub(self.tag_len).ok_or(GcmError::Truncated)?;
        let mut out = vec![0u8; len];
        Ok(if self.open_into(nonce, aad, sealed, &mut out)? { Some(out) } else { None })
    }
}

fn zero(buf: &mut [u8]) {
    zeroize::Zeroize::zeroize(buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// (key, iv, pt, aad, ct, tag): from "The Galois/Counter Mode of Operation (GCM)" (McGrew and
    /// Viega, the test cases NIST's GCM validation uses), and from NIST CAVP gcmEncryptExtIV*.rsp.
    pub(crate) const VECTORS: &[(&str, &str, &str, &str, &str, &str)] = &[
        // McGrew-Viega test case 1 (AES-128, empty).
        ("00000000000000000000000000000000", "000000000000000000000000", "", "", "", "58e2fccefa7e3061367f1d57a4e7455a"),
        // Test case 2.
        ("00000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "",
         "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"),
        // Test case 4 (AES-128 with AAD, 60-byte plaintext).
        ("feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
         "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
         "feedfacedeadbeeffeedfacedeadbeefabaddad2",
         "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
         "5bc94fbc3221a5db94fae95ae7121a47"),
        // Test case 13 (AES-256, empty).
        ("0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "", "",
         "530f8afbc74536b9a963b4f1c4cb738b"),
        // Test case 16 (AES-256 with AAD).
        ("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
         "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
         "feedfacedeadbeeffeedfacedeadbeefabaddad2",
         "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
         "76fc6ece0f4e1768cddf8853bb2d551b"),
        // Test case 10 (AES-192 with AAD).
        ("feffe9928665731c6d6a8f9467308308feffe9928665731c", "cafebabefacedbaddecaf888",
         "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
         "feedfacedeadbeeffeedfacedeadbeefabaddad2",
         "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
         "2519498e80f1478f37ba55bd6d27618c"),
        // CAVP gcmEncryptExtIV256.rsp, Keylen 256, IVlen 96, PTlen 128, AADlen 128, Taglen 128.
        ("92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b", "ac93a1a6145299bde902f21a",
         "2d71bcfa914e4ac045b2aa60955fad24", "1e0889016f67601c8ebea4943bc23ad6",
         "8995ae2e6df3dbf96fac7b7137bae67f", "eca5aa77d51d4a0a14d9c51e1da474ab"),
    ];

    #[test]
    fn known_answers_all_tag_lengths() {
        for (k, iv, pt, aad, ct, tag) in VECTORS {
            let (k, iv, pt, aad, ct, tag) = (hex(k), hex(iv), hex(pt), hex(aad), hex(ct), hex(tag));
            for t in MIN_TAG_BYTES..=MAX_TAG_BYTES {
                let key = GcmKey::new(&k, t).unwrap();
                let sealed = key.seal(&iv, &aad, &pt).unwrap();
                assert_eq!(&sealed[..pt.len()], &ct[..]);
                // A truncated tag is the prefix of the full one.
                assert_eq!(&sealed[pt.len()..], &tag[..t]);
                assert_eq!(key.open(&iv, &aad, &sealed).unwrap(), Some(pt.clone()));
                let mut bad = sealed.clone();
                *bad.last_mut().unwrap() ^= 0x80;
                assert_eq!(key.open(&iv, &aad, &bad).unwrap(), None);
            }
        }
    }

    /// Both implementations, on the full-tag vectors: AWS-LC through `GcmKey`, RustCrypto directly.
    #[test]
    fn both_engines_on_the_vectors() {
        for (k, iv, pt, aad, ct, tag) in VECTORS {
            let (k, iv, pt, aad, ct, tag) = (hex(k), hex(iv), hex(pt), hex(aad), hex(ct), hex(tag));
            let rc: Box<dyn Engine> = match k.len() {
                16 => engine::<Aes128>(&k, 16).unwrap(),
                24 => engine::<Aes192>(&k, 16).unwrap(),
                _ => engine::<Aes256>(&k, 16).unwrap(),
            };
            for e in [rc, Box::new(Lc::new(&k).unwrap()) as Box<dyn Engine>] {
                let mut buf = pt.clone();
                let mut t = [0u8; 16];
                assert!(e.seal(&iv, &aad, &mut buf, &mut t));
                assert_eq!((&buf, &t[..]), (&ct, &tag[..]));
                assert!(e.open(&iv, &aad, &mut buf, &t));
                assert_eq!(buf, pt);
            }
        }
    }

    #[test]
    fn agrees_with_the_sealing_key() {
        let k = [0x42u8; 32];
        let a = GcmKey::new(&k, 16).unwrap();
        let b = crate::aead::SealKey::new(&k).unwrap();
        for n in [0usize, 1, 15, 16, 17, 64, 1000] {
            let pt: Vec<u8> = (0..n).map(|i| i as u8).collect();
            assert_eq!(a.seal(&[5u8; 12], b"aad", &pt).unwrap(), b.seal(&[5u8; 12], b"aad", &pt).unwrap());
        }
    }

    #[test]
    fn in_place_forms_match() {
        let key = GcmKey::new(&[8u8; 16], 14).unwrap();
        let pt = b"in place, one buffer".to_vec();
        let mut buf = pt.clone();
        key.seal_in_place(&[2u8; 12], b"x", &mut buf).unwrap();
        assert_eq!(buf, key.seal(&[2u8; 12], b"x", &pt).unwrap());
        let sealed = buf.clone();
        assert_eq!(key.open_in_place(&[2u8; 12], b"x", &mut buf), Ok(true));
        assert_eq!(buf, pt);
        let mut bad = sealed.clone();
        bad[0] ^= 1;
        assert_eq!(key.open_in_place(&[2u8; 12], b"x", &mut bad), Ok(false));
        assert!(bad.is_empty());
        assert_eq!(key.open_in_place(&[2u8; 12], b"x", &mut vec![0u8; 13]), Err(GcmError::Truncated));
    }

    #[test]
    fn refusals() {
        assert!(matches!(GcmKey::new(&[0u8; 20], 16), Err(GcmError::KeyLength)));
        assert!(matches!(GcmKey::new(&[0u8; 16], 11), Err(GcmError::TagLength)));
        assert!(matches!(GcmKey::new(&[0u8; 16], 17), Err(GcmError::TagLength)));
        let key = GcmKey::new(&[1u8; 16], 12).unwrap();
        assert_eq!(key.seal(&[0u8; 8], b"", b"x"), Err(GcmError::NonceLength));
        assert_eq!(key.open(&[0u8; 12], b"", &[0u8; 11]), Err(GcmError::Truncated));
        assert_eq!(key.seal_into(&[0u8; 12], b"", b"x", &mut [0u8; 16]), Err(GcmError::OutputLength));
        let sealed = key.seal(&[0u8; 12], b"a", b"secret").unwrap();
        let mut out = [0xffu8; 6];
        assert_eq!(key.open_into(&[0u8; 12], b"b", &sealed, &mut out), Ok(false));
        assert_eq!(out, [0u8; 6]);
        assert_eq!(key.open_into(&[0u8; 12], b"a", &sealed, &mut out), Ok(true));
        assert_eq!(&out, b"secret");
    }
}
