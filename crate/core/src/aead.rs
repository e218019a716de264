//! AES-256-GCM with 96-bit nonces and 128-bit tags, the construction that seals key material at rest.
//! A [`SealKey`] holds the expanded key and zeroizes it on drop.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

pub const KEY_BYTES: usize = 32;
pub const NONCE_BYTES: usize = 12;
pub const TAG_BYTES: usize = 16;

/// Why a call was refused. Authentication failure is not an error of this kind: `open` returns `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AeadError {
    KeyLength,
    NonceLength,
    /// The sealed input is shorter than a tag.
    Truncated,
    /// An output buffer of the wrong length.
    OutputLength,
}

impl core::fmt::Display for AeadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            AeadError::KeyLength => "AES-256-GCM needs a 32-byte key",
            AeadError::NonceLength => "AES-256-GCM here takes a 12-byte nonce",
            AeadError::Truncated => "sealed data shorter than the 16-byte tag",
            AeadError::OutputLength => "the output buffer has the wrong length",
        })
    }
}

pub struct SealKey {
    cipher: Aes256Gcm,
}

impl SealKey {
    pub fn new(key: &[u8]) -> Result<Self, AeadError> {
        let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| AeadError::KeyLength)?;
        Ok(SealKey { cipher })
    }

    /// `ciphertext || tag` of `plaintext`.
    pub fn seal(&self, nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, AeadError> {
        if nonce.len() != NONCE_BYTES {
            return Err(AeadError::NonceLength);
        }
        let mut out = Vec::with_capacity(plaintext.len() + TAG_BYTES);
        out.extend_from_slice(plaintext);
        let tag = self
            .cipher
            .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, &mut out)
            // Only for inputs over GCM's 64 GiB limit, which a 4 GiB JS buffer cannot reach.
            .map_err(|_| AeadError::Truncated)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Writes `ciphertext || tag` of `plaintext` into `out`, which must be exactly `plaintext.len() + 16`
    /// bytes long (no allocation).
    pub fn seal_into(&self, nonce: &[u8], aad: &[u8], plaintext: &[u8], out: &mut [u8]) -> Result<(), AeadError> {
        if nonce.len() != NONCE_BYTES {
            return Err(AeadError::NonceLength);
        }
        if out.len() != plaintext.len() + TAG_BYTES {
            return Err(AeadError::OutputLength);
        }
        let (body, tag_out) = out.split_at_mut(plaintext.len());
        body.copy_from_slice(plaintext);
        let tag = self
            .cipher
            .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, body)
            .map_err(|_| AeadError::Truncated)?;
        tag_out.copy_from_slice(&tag);
        Ok(())
    }

    /// Writes the plaintext of `ciphertext || tag` into `out` (exactly `sealed.len() - 16` bytes) and
    /// returns true, or returns false, with `out` zeroed, when it does not authenticate.
    pub fn open_into(&self, nonce: &[u8], aad: &[u8], sealed: &[u8], out: &mut [u8]) -> Result<bool, AeadError> {
        if nonce.len() != NONCE_BYTES {
            return Err(AeadError::NonceLength);
        }
        let Some(split) = sealed.len().checked_sub(TAG_BYTES) else {
            return Err(AeadError::Truncated);
        };
        if out.len() != split {
            return Err(AeadError::OutputLength);
        }
        let (body, tag) = sealed.split_at(split);
        out.copy_from_slice(body);
        match self.cipher.decrypt_in_place_detached(Nonce::from_slice(nonce), aad, out, Tag::from_slice(tag)) {
            Ok(()) => Ok(true),
            Err(_) => {
                out.iter_mut().for_each(|b| *b = 0);
                Ok(false)
            }
        }
    }

    /// The plaintext of `ciphertext || tag`, or `None` when it does not authenticate.
    pub fn open(&self, nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Option<Vec<u8>>, AeadError> {
        if nonce.len() != NONCE_BYTES {
            return Err(AeadError::NonceLength);
        }
        let Some(split) = sealed.len().checked_sub(TAG_BYTES) else {
            return Err(AeadError::Truncated);
        };
        let (body, tag) = sealed.split_at(split);
        let mut out = body.to_vec();
        match self.cipher.decrypt_in_place_detached(Nonce::from_slice(nonce), aad, &mut out, Tag::from_slice(tag)) {
            Ok(()) => Ok(Some(out)),
            Err(_) => {
                // decrypt_in_place_detached leaves the buffer as it was (ciphertext); clear it anyway.
                out.iter_mut().for_each(|b| *b = 0);
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    // NIST GCM test vectors (gcmEncryptExtIV256.rsp), Keylen 256, IVlen 96, Taglen 128.
    #[test]
    fn nist_vector_with_aad() {
        let key = SealKey::new(&hex("92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b")).unwrap();
        let nonce = hex("ac93a1a6145299bde902f21a");
        let pt = hex("2d71bcfa914e4ac045b2aa60955fad24");
        let aad = hex("1e0889016f67601c8ebea4943bc23ad6");
        let sealed = key.seal(&nonce, &aad, &pt).unwrap();
        assert_eq!(sealed, hex("8995ae2e6df3dbf96fac7b7137bae67feca5aa77d51d4a0a14d9c51e1da474ab"));
        assert_eq!(key.open(&nonce, &aad, &sealed).unwrap(), Some(pt));
    }

    #[test]
    fn nist_vector_empty() {
        let key = SealKey::new(&hex("b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4")).unwrap();
        let nonce = hex("516c33929df5a3284ff463d7");
        let sealed = key.seal(&nonce, &[], &[]).unwrap();
        assert_eq!(sealed, hex("bdc1ac884d332457a1d2664f168c76f0"));
    }

    #[test]
    fn tampering_and_bad_lengths() {
        let key = SealKey::new(&[7u8; 32]).unwrap();
        let nonce = [1u8; 12];
        let mut sealed = key.seal(&nonce, b"uid-1", b"material").unwrap();
        assert_eq!(key.open(&nonce, b"uid-2", &sealed).unwrap(), None);
        sealed[0] ^= 1;
        assert_eq!(key.open(&nonce, b"uid-1", &sealed).unwrap(), None);
        assert_eq!(key.open(&nonce, b"", &[0u8; 15]), Err(AeadError::Truncated));
        assert_eq!(key.seal(&[0u8; 16], b"", b"x"), Err(AeadError::NonceLength));
        assert!(matches!(SealKey::new(&[0u8; 16]), Err(AeadError::KeyLength)));
    }

    #[test]
    fn into_forms_match_the_allocating_ones() {
        let key = SealKey::new(&[9u8; 32]).unwrap();
        let nonce = [3u8; 12];
        let pt = b"thirty-two bytes of test input!!";
        let mut sealed = vec![0u8; pt.len() + TAG_BYTES];
        key.seal_into(&nonce, b"a", pt, &mut sealed).unwrap();
        assert_eq!(sealed, key.seal(&nonce, b"a", pt).unwrap());
        let mut out = vec![0xAAu8; pt.len()];
        assert_eq!(key.open_into(&nonce, b"a", &sealed, &mut out), Ok(true));
        assert_eq!(&out[..], &pt[..]);
        assert_eq!(key.open_into(&nonce, b"b", &sealed, &mut out), Ok(false));
        assert!(out.iter().all(|&b| b == 0));
        assert_eq!(key.open_into(&nonce, b"a", &sealed, &mut [0u8; 3]), Err(AeadError::OutputLength));
        assert_eq!(key.seal_into(&nonce, b"a", pt, &mut [0u8; 3]), Err(AeadError::OutputLength));
    }
}
