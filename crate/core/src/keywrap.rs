//! AES key wrap: RFC 3394 (KW, no padding) and RFC 5649 (KWP, with padding), under a 128, 192 or
//! 256-bit key-encryption key, by the RustCrypto `aes-kw` crate. A [`WrapKey`] holds the expanded
//! KEK, zeroized on drop. Lengths follow OpenSSL (and so node:crypto's `id-aes*-wrap` and
//! `id-aes*-wrap-pad`): KW wraps 16 bytes or more in 8-byte steps, KWP wraps 1 byte or more.

use aes_kw::{KekAes128, KekAes192, KekAes256};

/// Largest input either mode takes here (RFC 5649 caps KWP at 2^32 - 1 bytes; KW is held to the same).
pub const MAX_INPUT_BYTES: usize = u32::MAX as usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrapError {
    KeyLength,
    /// KW: not a multiple of 8 or under 16 bytes; KWP: empty; either: too long.
    InputLength,
    OutputLength,
}

impl core::fmt::Display for WrapError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            WrapError::KeyLength => "AES key wrap needs a 16, 24 or 32-byte key-encryption key",
            WrapError::InputLength => "AES key wrap input has a length the mode does not take",
            WrapError::OutputLength => "the output buffer has the wrong length",
        })
    }
}

enum Kek {
    A128(KekAes128),
    A192(KekAes192),
    A256(KekAes256),
}

macro_rules! each {
    ($kek:expr, $k:ident => $body:expr) => {
        match $kek {
            Kek::A128($k) => $body,
            Kek::A192($k) => $body,
            Kek::A256($k) => $body,
        }
    };
}

pub struct WrapKey {
    kek: Kek,
}

/// Length of the RFC 3394 wrap of `n` bytes, or `None` when KW does not take `n` bytes.
pub fn wrapped_len(n: usize) -> Option<usize> {
    (n >= 16 && n.is_multiple_of(8) && n <= MAX_INPUT_BYTES).then_some(n + 8)
}

/// Length of the RFC 5649 wrap of `n` bytes, or `None` when KWP does not take `n` bytes.
pub fn wrapped_len_padded(n: usize) -> Option<usize> {
    (1..=MAX_INPUT_BYTES).contains(&n).then(|| n.div_ceil(8) * 8 + 8)
}

/// Length of the RFC 3394 unwrap of `n` bytes (and the buffer KWP unwraps into), or `None`.
pub fn unwrapped_len(n: usize) -> Option<usize> {
    (n >= 16 && n.is_multiple_of(8) && n <= MAX_INPUT_BYTES + 8).then_some(n - 8)
}

impl WrapKey {
    /// Expands a 16, 24 or 32-byte KEK; the caller zeroizes its own copy.
    pub fn new(key: &[u8]) -> Result<Self, WrapError> {
        let kek = match key.len() {
            16 => Kek::A128(KekAes128::try_from(key).map_err(|_| WrapError::KeyLength)?),
            24 => Kek::A192(KekAes192::try_from(key).map_err(|_| WrapError::KeyLength)?),
            32 => Kek::A256(KekAes256::try_from(key).map_err(|_| WrapError::KeyLength)?),
            _ => return Err(WrapError::KeyLength),
        };
        Ok(WrapKey { kek })
    }

    /// RFC 3394 wrap of `data` into `out` (exactly `data.len() + 8` bytes).
    pub fn wrap_into(&self, data: &[u8], out: &mut [u8]) -> Result<(), WrapError> {
        let need = wrapped_len(data.len()).ok_or(WrapError::InputLength)?;
        if out.len() != need {
            return Err(WrapError::OutputLength);
        }
        each!(&self.kek, k => k.wrap(data, out)).map_err(|_| {
            WrapError::InputLength
        })
    }

    /// RFC 3394 unwrap of `data` into `out` (exactly `data.len() - 8` bytes): true, or false with
    /// `out` zeroed when the integrity check fails.
    pub fn unwrap_into(&self, data: &[u8], out: &mut [u8]) -> Result<bool, WrapError> {
        let need = unwrapped_len(data.len()).ok_or(WrapError::InputLength)?;
        // RFC 3394 wraps at least two 64-bit blocks: 24 bytes of input at least.
        if data.len() < 24 {
            return Err(WrapError::InputLength);
        }
        if out.len() != need {
            return Err(WrapError::OutputLength);
        }
        match each!(&self.kek, k => k.unwrap(data, out)) {
            Ok(()) => Ok(true),
            Err(aes_kw::Error::IntegrityCheckFailed) => {
                zeroize::Zeroize::zeroize(out);
                Ok(false)
            }
            Err(_) => {
                zeroize::Zeroize::zeroize(out);
                Err(WrapError::InputLength)
            }
        }
    }

    /// RFC 5649 wrap of `data` into `out` (exactly [`wrapped_len_padded`] bytes).
    pub fn wrap_padded_into(&self, data: &[u8], out: &mut [u8]) -> Result<(), WrapError> {
        let need = wrapped_len_padded(data.len()).ok_or(WrapError::InputLength)?;
        if out.len() != need {
            return Err(WrapError::OutputLength);
        }
        each!(&self.kek, k => k.wrap_with_padding(data, out)).map_err(|_| WrapError::InputLength)
    }

    /// RFC 5649 unwrap of `data` into `out` (exactly `data.len() - 8` bytes). Returns the length of
    /// the unwrapped key (the rest of `out` is zeroed), or `None` with `out` zeroed when the integrity
    /// check fails.
    pub fn unwrap_padded_into(&self, data: &[u8], out: &mut [u8]) -> Result<Option<usize>, WrapError> {
        let need = unwrapped_len(data.len()).ok_or(WrapError::InputLength)?;
        if out.len() != need {
            return Err(WrapError::OutputLength);
        }
        match each!(&self.kek, k => k.unwrap_with_padding(data, out).map(|s| s.len())) {
            Ok(n) => {
                if let Some(rest) = out.get_mut(n..) {
                    zeroize::Zeroize::zeroize(rest);
                }
                Ok(Some(n))
            }
            Err(aes_kw::Error::IntegrityCheckFailed) => {
                zeroize::Zeroize::zeroize(out);
                Ok(None)
            }
            Err(_) => {
                zeroize::Zeroize::zeroize(out);
                Err(WrapError::InputLength)
            }
        }
    }

    pub fn wrap(&self, data: &[u8]) -> Result<Vec<u8>, WrapError> {
        let mut out = vec![0u8; wrapped_len(data.len()).ok_or(WrapError::InputLength)?];
        self.wrap_into(data, &mut out)?;
        Ok(out)
    }

    pub fn unwrap(&self, data: &[u8]) -> Result<Option<Vec<u8>>, WrapError> {
        let mut out = vec![0u8; unwrapped_len(data.len()).ok_or(WrapError::InputLength)?];
        Ok(if self.unwrap_into(data, &mut out)? { Some(out) } else { None })
    }

    pub fn wrap_padded(&self, data: &[u8]) -> Result<Vec<u8>, WrapError> {
        let mut out = vec![0u8; wrapped_len_padded(data.len()).ok_or(WrapError::InputLength)?];
        self.wrap_padded_into(data, &mut out)?;
        Ok(out)
    }

    pub fn unwrap_padded(&self, data: &[u8]) -> Result<Option<Vec<u8>>, WrapError> {
        let mut out = vec![0u8; unwrapped_len(data.len()).ok_or(WrapError::InputLength)?];
        Ok(self.unwrap_padded_into(data, &mut out)?.map(|n| {
            out.truncate(n);
            out
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    const KEK256: &str = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";

    /// RFC 3394 section 4: (KEK, key data, wrapped).
    const RFC3394: &[(&str, &str, &str)] = &[
        ("000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
         "1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5"),
        ("000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF",
         "96778B25AE6CA435 F92B5B97C050AED2 468AB8A17AD84E5D"),
        (KEK256, "00112233445566778899AABBCCDDEEFF", "64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7"),
        ("000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF0001020304050607",
         "031D33264E15D332 68F24EC260743EDC E1C6C7DDEE725A93 6BA814915C6762D2"),
        (KEK256, "00112233445566778899AABBCCDDEEFF0001020304050607",
         "A8F9BC1612C68B3F F6E6F4FBE30E71E4 769C8B80A32CB895 8CD5D17D6B254DA1"),
        (KEK256, "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
         "28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21"),
    ];

    /// RFC 5649 section 6.
    const RFC5649: &[(&str, &str, &str)] = &[
        ("5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8", "c37b7e6492584340 bed1220780894115 5068f738",
         "138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a"),
        ("5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8", "466f7250617369", "afbeb0f07dfbf541 9200f2ccb50bb24f"),
    ];

    #[test]
    fn rfc3394_vectors() {
        for (kek, data, wrapped) in RFC3394 {
            let key = WrapKey::new(&hex(kek)).unwrap();
            assert_eq!(key.wrap(&hex(data)).unwrap(), hex(wrapped));
            assert_eq!(key.unwrap(&hex(wrapped)).unwrap(), Some(hex(data)));
            let mut bad = hex(wrapped);
            bad[3] ^= 1;
            assert_eq!(key.unwrap(&bad).unwrap(), None);
        }
    }

    #[test]
    fn rfc5649_vectors() {
        for (kek, data, wrapped) in RFC5649 {
            let key = WrapKey::new(&hex(kek)).unwrap();
            assert_eq!(key.wrap_padded(&hex(data)).unwrap(), hex(wrapped));
            assert_eq!(key.unwrap_padded(&hex(wrapped)).unwrap(), Some(hex(data)));
            let mut bad = hex(wrapped);
            bad[9] ^= 1;
            assert_eq!(key.unwrap_padded(&bad).unwrap(), None);
            // A KWP blob is not a KW blob.
            if bad.len() >= 24 {
                assert_eq!(key.unwrap(&hex(wrapped)).unwrap(), None);
            }
        }
    }

    #[test]
    fn refusals_and_zeroing() {
        assert!(matches!(WrapKey::new(&[0u8; 8]), Err(WrapError::KeyLength)));
        let key = WrapKey::new(&[3u8; 32]).unwrap();
        assert_eq!(key.wrap(&[0u8; 8]), Err(WrapError::InputLength));
        assert_eq!(key.wrap(&[0u8; 17]), Err(WrapError::InputLength));
        assert_eq!(key.wrap_padded(&[]), Err(WrapError::InputLength));
        assert_eq!(key.unwrap(&[0u8; 16]), Err(WrapError::InputLength));
        assert_eq!(key.unwrap(&[0u8; 25]), Err(WrapError::InputLength));
        assert_eq!(key.unwrap_padded(&[0u8; 8]), Err(WrapError::InputLength));
        assert_eq!(key.wrap_into(&[0u8; 16], &mut [0u8; 23]), Err(WrapError::OutputLength));
        let mut out = [0xAAu8; 24];
        assert_eq!(key.unwrap_into(&[0x55u8; 32], &mut out), Ok(false));
        assert_eq!(out, [0u8; 24]);
        let wrapped = key.wrap_padded(&[9u8; 5]).unwrap();
        let mut out = [0xAAu8; 8];
        assert_eq!(key.unwrap_padded_into(&wrapped, &mut out), Ok(Some(5)));
        assert_eq!(out, [9, 9, 9, 9, 9, 0, 0, 0]);
    }
}
