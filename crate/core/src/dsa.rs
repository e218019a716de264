//! ML-DSA (FIPS 204) at the 44, 65 and 87 parameter sets, by AWS-LC (`aws-lc-rs`): pure ML-DSA with
//! an empty context string, hedged (randomized) signing. Keys cross this interface in the FIPS 204
//! encodings (public key `pk`, expanded private key `sk`); key generation can take the 32-byte seed
//! ξ, which makes it deterministic (and comparable with any FIPS 204 implementation). AWS-LC's raw
//! key buffers zeroize on drop and its key objects live in memory OPENSSL_free cleanses.

use aws_lc_rs::encoding::AsRawBytes;
use aws_lc_rs::signature::{
    KeyPair, PqdsaKeyPair, PqdsaSigningAlgorithm, PqdsaVerificationAlgorithm, UnparsedPublicKey, ML_DSA_44, ML_DSA_44_SIGNING,
    ML_DSA_65, ML_DSA_65_SIGNING, ML_DSA_87, ML_DSA_87_SIGNING,
};

pub const SEED_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsaError {
    /// Not 44, 65 or 87.
    ParameterSet,
    KeyLength,
    SeedLength,
    OutputLength,
    /// The key was refused or AWS-LC reported a failure.
    Failed,
}

impl core::fmt::Display for DsaError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            DsaError::ParameterSet => "ML-DSA parameter set must be 44, 65 or 87",
            DsaError::KeyLength => "ML-DSA key has the wrong length for its parameter set",
            DsaError::SeedLength => "ML-DSA key generation seed must be 32 bytes",
            DsaError::OutputLength => "an output buffer has the wrong length",
            DsaError::Failed => "ML-DSA operation failed (key refused)",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub public_key: usize,
    pub private_key: usize,
    pub signature: usize,
}

pub fn sizes(level: u32) -> Result<Sizes, DsaError> {
    Ok(match level {
        44 => Sizes { public_key: 1312, private_key: 2560, signature: 2420 },
        65 => Sizes { public_key: 1952, private_key: 4032, signature: 3309 },
        87 => Sizes { public_key: 2592, private_key: 4896, signature: 4627 },
        _ => return Err(DsaError::ParameterSet),
    })
}

fn algorithms(level: u32) -> Result<(&'static PqdsaSigningAlgorithm, &'static PqdsaVerificationAlgorithm), DsaError> {
    Ok(match level {
        44 => (&ML_DSA_44_SIGNING, &ML_DSA_44),
        65 => (&ML_DSA_65_SIGNING, &ML_DSA_65),
        87 => (&ML_DSA_87_SIGNING, &ML_DSA_87),
        _ => return Err(DsaError::ParameterSet),
    })
}

fn put(out: &mut [u8], bytes: &[u8]) -> Result<(), DsaError> {
    if out.len() != bytes.len() {
        return Err(DsaError::Failed);
    }
    out.copy_from_slice(bytes);
    Ok(())
}

/// A key pair into `pk` and `sk`: from the 32-byte `seed` (FIPS 204 ξ) when given, else random.
pub fn keygen_into(level: u32, seed: Option<&[u8]>, pk: &mut [u8], sk: &mut [u8]) -> Result<(), DsaError> {
    let s = sizes(level)?;
    if pk.len() != s.public_key || sk.len() != s.private_key {
        return Err(DsaError::OutputLength);
    }
    let (alg, _) = algorithms(level)?;
    let pair = match seed {
        Some(seed) if seed.len() != SEED_BYTES => return Err(DsaError::SeedLength),
        Some(seed) => PqdsaKeyPair::from_seed(alg, seed).map_err(|_| DsaError::Failed)?,
        None => PqdsaKeyPair::generate(alg).map_err(|_| DsaError::Failed)?,
    };
    put(pk, pair.public_key().as_ref())?;
    let raw = pair.private_key().as_raw_bytes().map_err(|_| DsaError::Failed)?;
    put(sk, raw.as_ref())
}

/// Signs `msg` with `sk` into `sig` (exactly the set's signature length).
pub fn sign_into(level: u32, sk: &[u8], msg: &[u8], sig: &mut [u8]) -> Result<(), DsaError> {
    let s = sizes(level)?;
    if sk.len() != s.private_key {
        return Err(DsaError::KeyLength);
    }
    if sig.len() != s.signature {
        return Err(DsaError::OutputLength);
    }
    let (alg, _) = algorithms(level)?;
    let pair = PqdsaKeyPair::from_raw_private_key(alg, sk).map_err(|_| DsaError::Failed)?;
    let n = pair.sign(msg, sig).map_err(|_| DsaError::Failed)?;
    if n != s.signature {
        return Err(DsaError::Failed);
    }
    Ok(())
}

/// Whether `sig` is a valid signature of `msg` under `pk`. A signature of the wrong length is
/// simply invalid; a public key of the wrong length is an error.
pub fn verify(level: u32, pk: &[u8], msg: &[u8], sig: &[u8]) -> Result<bool, DsaError> {
    let s = sizes(level)?;
    if pk.len() != s.public_key {
        return Err(DsaError::KeyLength);
    }
    let (_, alg) = algorithms(level)?;
    Ok(UnparsedPublicKey::new(alg, pk).verify(msg, sig).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_deterministic_keygen() {
        for level in [44, 65, 87] {
            let s = sizes(level).unwrap();
            let (mut pk, mut sk) = (vec![0u8; s.public_key], vec![0u8; s.private_key]);
            keygen_into(level, Some(&[7u8; 32]), &mut pk, &mut sk).unwrap();
            let (mut pk2, mut sk2) = (vec![0u8; s.public_key], vec![0u8; s.private_key]);
            keygen_into(level, Some(&[7u8; 32]), &mut pk2, &mut sk2).unwrap();
            assert_eq!((&pk, &sk), (&pk2, &sk2));
            keygen_into(level, None, &mut pk2, &mut sk2).unwrap();
            assert_ne!(pk, pk2);
            let mut sig = vec![0u8; s.signature];
            sign_into(level, &sk, b"message", &mut sig).unwrap();
            assert_eq!(verify(level, &pk, b"message", &sig), Ok(true));
            assert_eq!(verify(level, &pk, b"messagE", &sig), Ok(false));
            assert_eq!(verify(level, &pk2, b"message", &sig), Ok(false));
            assert_eq!(verify(level, &pk, b"message", &sig[1..]), Ok(false));
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(sizes(50), Err(DsaError::ParameterSet));
        let mut pk = vec![0u8; 1952];
        let mut sk = vec![0u8; 4032];
        assert_eq!(keygen_into(65, Some(&[0u8; 31]), &mut pk, &mut sk), Err(DsaError::SeedLength));
        assert_eq!(keygen_into(65, None, &mut pk[1..], &mut sk), Err(DsaError::OutputLength));
        assert_eq!(sign_into(65, &sk[1..], b"m", &mut [0u8; 3309]), Err(DsaError::KeyLength));
        assert_eq!(verify(65, &pk[1..], b"m", &[0u8; 3309]), Err(DsaError::KeyLength));
    }
}
