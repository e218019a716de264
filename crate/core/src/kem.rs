//! ML-KEM (FIPS 203) at the 512, 768 and 1024 parameter sets, by AWS-LC (`aws-lc-rs`). Keys cross
//! this interface in the FIPS 203 byte encodings (encapsulation key `ek`, expanded decapsulation key
//! `dk`), so they interoperate with any FIPS 203 implementation. Secrets leave only through
//! [`Zeroizing`] buffers; AWS-LC cleanses its own copies when it frees them.

use aws_lc_rs::kem::{Algorithm, AlgorithmId, Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_1024, ML_KEM_512, ML_KEM_768};
use zeroize::Zeroizing;

pub const SHARED_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KemError {
    /// Not 512, 768 or 1024.
    ParameterSet,
    KeyLength,
    CiphertextLength,
    OutputLength,
    /// The key was refused or AWS-LC reported a failure.
    Failed,
}

impl core::fmt::Display for KemError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            KemError::ParameterSet => "ML-KEM parameter set must be 512, 768 or 1024",
            KemError::KeyLength => "ML-KEM key has the wrong length for its parameter set",
            KemError::CiphertextLength => "ML-KEM ciphertext has the wrong length for its parameter set",
            KemError::OutputLength => "an output buffer has the wrong length",
            KemError::Failed => "ML-KEM operation failed",
        })
    }
}

/// Byte lengths of one parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub encapsulation_key: usize,
    pub decapsulation_key: usize,
    pub ciphertext: usize,
}

pub fn sizes(level: u32) -> Result<Sizes, KemError> {
    Ok(match level {
        512 => Sizes { encapsulation_key: 800, decapsulation_key: 1632, ciphertext: 768 },
        768 => Sizes { encapsulation_key: 1184, decapsulation_key: 2400, ciphertext: 1088 },
        1024 => Sizes { encapsulation_key: 1568, decapsulation_key: 3168, ciphertext: 1568 },
        _ => return Err(KemError::ParameterSet),
    })
}

fn algorithm(level: u32) -> Result<&'static Algorithm<AlgorithmId>, KemError> {
    Ok(match level {
        512 => &ML_KEM_512,
        768 => &ML_KEM_768,
        1024 => &ML_KEM_1024,
        _ => return Err(KemError::ParameterSet),
    })
}

fn put(out: &mut [u8], bytes: &[u8]) -> Result<(), KemError> {
    if out.len() != bytes.len() {
        return Err(KemError::Failed);
    }
    out.copy_from_slice(bytes);
    Ok(())
}

/// A fresh key pair into `ek` and `dk` (exactly the parameter set's lengths).
pub fn keygen_into(level: u32, ek: &mut [u8], dk: &mut [u8]) -> Result<(), KemError> {
    let s = sizes(level)?;
    if ek.len() != s.encapsulation_key || dk.len() != s.decapsulation_key {
        return Err(KemError::OutputLength);
    }
    let key = DecapsulationKey::generate(algorithm(level)?).map_err(|_| KemError::Failed)?;
    let public = key.encapsulation_key().map_err(|_| KemError::Failed)?;
    put(ek, public.key_bytes().map_err(|_| KemError::Failed)?.as_ref())?;
    let secret = key.key_bytes().map_err(|_| KemError::Failed)?;
    put(dk, secret.as_ref())
}

/// Encapsulates to `ek`: the ciphertext into `ct`, the 32-byte shared secret into `ss`.
pub fn encapsulate_into(level: u32, ek: &[u8], ct: &mut [u8], ss: &mut [u8]) -> Result<(), KemError> {
    let s = sizes(level)?;
    if ek.len() != s.encapsulation_key {
        return Err(KemError::KeyLength);
    }
    if ct.len() != s.ciphertext || ss.len() != SHARED_SECRET_BYTES {
        return Err(KemError::OutputLength);
    }
    let key = EncapsulationKey::new(algorithm(level)?, ek).map_err(|_| KemError::Failed)?;
    let (c, secret) = key.encapsulate().map_err(|_| KemError::Failed)?;
    put(ct, c.as_ref())?;
    put(ss, secret.as_ref())
}

/// Decapsulates `ct` with `dk` into `ss` (32 bytes). A ciphertext that was tampered with yields the
/// FIPS 203 implicit-rejection secret, not an error.
pub fn decapsulate_into(level: u32, dk: &[u8], ct: &[u8], ss: &mut [u8]) -> Result<(), KemError> {
    let s = sizes(level)?;
    if dk.len() != s.decapsulation_key {
        return Err(KemError::KeyLength);
    }
    if ct.len() != s.ciphertext {
        return Err(KemError::CiphertextLength);
    }
    if ss.len() != SHARED_SECRET_BYTES {
        return Err(KemError::OutputLength);
    }
    let key = DecapsulationKey::new(algorithm(level)?, dk).map_err(|_| KemError::Failed)?;
    let secret = key.decapsulate(Ciphertext::from(ct)).map_err(|_| KemError::Failed)?;
    put(ss, secret.as_ref())
}

/// FIPS 203 ML-KEM.KeyGen_internal(d, z) from the 64-byte seed `d || z` (the seed form of RFC 9935's
/// private keys, and what the NIST ACVP keyGen vectors give): `ek` and the expanded `dk`, exactly the
/// parameter set's lengths. AWS-LC generates only from its own randomness, so this one computation
/// is RustCrypto's `ml-kem`; the keys it makes work with AWS-LC's encapsulation and decapsulation.
#[allow(deprecated)] // the expanded dk is the form KMIP Raw keys and AWS-LC use
pub fn keygen_from_seed_into(level: u32, seed: &[u8], ek: &mut [u8], dk: &mut [u8]) -> Result<(), KemError> {
    use ml_kem::{ExpandedKeyEncoding, KeyExport};
    use zeroize::Zeroize;
    let s = sizes(level)?;
    if ek.len() != s.encapsulation_key || dk.len() != s.decapsulation_key {
        return Err(KemError::OutputLength);
    }
    let Ok(seed) = ml_kem::Seed::try_from(seed) else {
        return Err(KemError::KeyLength);
    };
    macro_rules! expand {
        ($set:ident) => {{
            #[allow(deprecated)]
            let key = ml_kem::$set::DecapsulationKey::from_seed(seed);
            #[allow(deprecated)]
            let mut expanded = key.to_expanded_bytes();
            let out = put(ek, key.encapsulation_key().to_bytes().as_slice()).and_then(|()| put(dk, expanded.as_slice()));
            expanded.zeroize();
            out
        }};
    }
    match level {
        512 => expand!(ml_kem_512),
        768 => expand!(ml_kem_768),
        1024 => expand!(ml_kem_1024),
        _ => Err(KemError::ParameterSet),
    }
}

/// Allocating form of [`keygen_into`]: `(ek, dk)`.
pub fn keygen(level: u32) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), KemError> {
    let s = sizes(level)?;
    let mut ek = vec![0u8; s.encapsulation_key];
    let mut dk = Zeroizing::new(vec![0u8; s.decapsulation_key]);
    keygen_into(level, &mut ek, &mut dk)?;
    Ok((ek, dk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_implicit_rejection() {
        for level in [512, 768, 1024] {
            let s = sizes(level).unwrap();
            let (ek, dk) = keygen(level).unwrap();
            let mut ct = vec![0u8; s.ciphertext];
            let mut ss = [0u8; 32];
            encapsulate_into(level, &ek, &mut ct, &mut ss).unwrap();
            let mut ss2 = [0u8; 32];
            decapsulate_into(level, &dk, &ct, &mut ss2).unwrap();
            assert_eq!(ss, ss2);
            assert_ne!(ss, [0u8; 32]);
            ct[5] ^= 1;
            let mut ss3 = [0u8; 32];
            decapsulate_into(level, &dk, &ct, &mut ss3).unwrap();
            assert_ne!(ss3, ss);
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(sizes(256), Err(KemError::ParameterSet));
        let (ek, dk) = keygen(768).unwrap();
        let mut ss = [0u8; 32];
        assert_eq!(encapsulate_into(768, &ek[1..], &mut [0u8; 1088], &mut ss), Err(KemError::KeyLength));
        assert_eq!(encapsulate_into(512, &ek, &mut [0u8; 768], &mut ss), Err(KemError::KeyLength));
        assert_eq!(decapsulate_into(768, &dk, &[0u8; 1087], &mut ss), Err(KemError::CiphertextLength));
        assert_eq!(decapsulate_into(768, &dk, &[0u8; 1088], &mut [0u8; 31]), Err(KemError::OutputLength));
    }
}
