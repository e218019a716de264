//! SLH-DSA (FIPS 205), all twelve parameter sets (SHA2 and SHAKE, 128/192/256, s and f), by the
//! RustCrypto `slh-dsa` crate. Pure SLH-DSA through the external interface (`M' = 0 || |ctx| ||
//! ctx || M`), with a context string of up to 255 bytes (empty by default). Signing is hedged by
//! default (a fresh random `opt_rand` from AWS-LC's generator); the deterministic variant of FIPS 205
//! (`opt_rand = PK.seed`) and a caller-given `opt_rand` exist for known-answer tests.
//!
//! Keys cross this interface in the FIPS 205 encodings: `pk = PK.seed || PK.root`,
//! `sk = SK.seed || SK.prf || PK.seed || PK.root`. Key generation from the 3n-byte seed
//! `SK.seed || SK.prf || PK.seed` is `slh_keygen_internal`, which makes it deterministic (the NIST
//! ACVP keyGen vectors). Signing keys zeroize on drop (the crate's `zeroize` feature), and every
//! secret buffer this module makes is a [`Zeroizing`] one.

use slh_dsa::{
    ParameterSet, Sha2_128f, Sha2_128s, Sha2_192f, Sha2_192s, Sha2_256f, Sha2_256s, Shake128f, Shake128s, Shake192f,
    Shake192s, Shake256f, Shake256s, Signature, SigningKey, VerifyingKey,
};
use zeroize::Zeroizing;

/// Longest context string FIPS 205 allows.
pub const MAX_CONTEXT_BYTES: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlhError {
    /// Not one of the twelve parameter set names.
    ParameterSet,
    KeyLength,
    /// The key generation seed is not 3n bytes.
    SeedLength,
    /// A given `opt_rand` is not n bytes.
    RandomnessLength,
    /// The context string is longer than 255 bytes.
    ContextLength,
    OutputLength,
    /// The random number generator failed.
    Failed,
}

impl core::fmt::Display for SlhError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            SlhError::ParameterSet => {
                "SLH-DSA parameter set must be one of SHA2-128s, SHA2-128f, SHA2-192s, SHA2-192f, SHA2-256s, SHA2-256f, SHAKE-128s, SHAKE-128f, SHAKE-192s, SHAKE-192f, SHAKE-256s, SHAKE-256f"
            }
            SlhError::KeyLength => "SLH-DSA key has the wrong length for its parameter set",
            SlhError::SeedLength => "SLH-DSA key generation seed must be 3n bytes (SK.seed || SK.prf || PK.seed)",
            SlhError::RandomnessLength => "SLH-DSA opt_rand must be n bytes",
            SlhError::ContextLength => "SLH-DSA context string must be at most 255 bytes",
            SlhError::OutputLength => "an output buffer has the wrong length",
            SlhError::Failed => "SLH-DSA operation failed (random number generator)",
        })
    }
}

/// The twelve FIPS 205 parameter sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Sha2_128s,
    Sha2_128f,
    Sha2_192s,
    Sha2_192f,
    Sha2_256s,
    Sha2_256f,
    Shake128s,
    Shake128f,
    Shake192s,
    Shake192f,
    Shake256s,
    Shake256f,
}

/// Byte lengths of one parameter set (n is the security parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub n: usize,
    pub public_key: usize,
    pub private_key: usize,
    pub signature: usize,
}

impl Param {
    pub const ALL: [Param; 12] = [
        Param::Sha2_128s,
        Param::Sha2_128f,
        Param::Sha2_192s,
        Param::Sha2_192f,
        Param::Sha2_256s,
        Param::Sha2_256f,
        Param::Shake128s,
        Param::Shake128f,
        Param::Shake192s,
        Param::Shake192f,
        Param::Shake256s,
        Param::Shake256f,
    ];

    /// The name without the `SLH-DSA-` prefix: `SHA2-128s` … `SHAKE-256f` (the prefix is accepted too).
    pub fn from_name(name: &str) -> Result<Param, SlhError> {
        let short = name.strip_prefix("SLH-DSA-").unwrap_or(name);
        Param::ALL.into_iter().find(|p| p.name() == short).ok_or(SlhError::ParameterSet)
    }

    pub fn name(self) -> &'static str {
        match self {
            Param::Sha2_128s => "SHA2-128s",
            Param::Sha2_128f => "SHA2-128f",
            Param::Sha2_192s => "SHA2-192s",
            Param::Sha2_192f => "SHA2-192f",
            Param::Sha2_256s => "SHA2-256s",
            Param::Sha2_256f => "SHA2-256f",
            Param::Shake128s => "SHAKE-128s",
            Param::Shake128f => "SHAKE-128f",
            Param::Shake192s => "SHAKE-192s",
            Param::Shake192f => "SHAKE-192f",
            Param::Shake256s => "SHAKE-256s",
            Param::Shake256f => "SHAKE-256f",
        }
    }

    /// FIPS 205 Table 2.
    pub fn sizes(self) -> Sizes {
        let (n, signature) = match self {
            Param::Sha2_128s | Param::Shake128s => (16, 7856),
            Param::Sha2_128f | Param::Shake128f => (16, 17088),
            Param::Sha2_192s | Param::Shake192s => (24, 16224),
            Param::Sha2_192f | Param::Shake192f => (24, 35664),
            Param::Sha2_256s | Param::Shake256s => (32, 29792),
            Param::Sha2_256f | Param::Shake256f => (32, 49856),
        };
        Sizes { n, public_key: 2 * n, private_key: 4 * n, signature }
    }
}

/// Where signing takes `opt_rand` from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Randomness<'a> {
    /// Fresh random bytes (the default, hedged variant).
    Hedged,
    /// `PK.seed` (the deterministic variant of FIPS 205).
    Deterministic,
    /// These n bytes: known-answer tests only (a fixed value makes signing deterministic).
    Fixed(&'a [u8]),
}

/// Runs `$body` with the type alias `$P` set to the crate's type for `$param`.
macro_rules! with_param {
    ($param:expr, $P:ident => $body:expr) => {
        match $param {
            Param::Sha2_128s => {
                type $P = Sha2_128s;
                $body
            }
            Param::Sha2_128f => {
                type $P = Sha2_128f;
                $body
            }
            Param::Sha2_192s => {
                type $P = Sha2_192s;
                $body
            }
            Param::Sha2_192f => {
                type $P = Sha2_192f;
                $body
            }
            Param::Sha2_256s => {
                type $P = Sha2_256s;
                $body
            }
            Param::Sha2_256f => {
                type $P = Sha2_256f;
                $body
            }
            Param::Shake128s => {
                type $P = Shake128s;
                $body
            }
            Param::Shake128f => {
                type $P = Shake128f;
                $body
            }
            Param::Shake192s => {
                type $P = Shake192s;
                $body
            }
            Param::Shake192f => {
                type $P = Shake192f;
                $body
            }
            Param::Shake256s => {
                type $P = Shake256s;
                $body
            }
            Param::Shake256f => {
                type $P = Shake256f;
                $body
            }
        }
    };
}

fn random(out: &mut [u8]) -> Result<(), SlhError> {
    aws_lc_rs::rand::fill(out).map_err(|_| SlhError::Failed)
}

fn keygen_with<P: ParameterSet>(n: usize, seed: &[u8], pk: &mut [u8], sk: &mut [u8]) -> Result<(), SlhError> {
    let key = SigningKey::<P>::slh_keygen_internal(&seed[..n], &seed[n..2 * n], &seed[2 * n..3 * n]);
    let bytes = Zeroizing::new(key.to_bytes());
    if bytes.len() != sk.len() || pk.len() * 2 != sk.len() {
        return Err(SlhError::OutputLength);
    }
    sk.copy_from_slice(&bytes);
    pk.copy_from_slice(&bytes[2 * n..]);
    Ok(())
}

fn sign_with<P: ParameterSet>(
    sk: &[u8],
    msg: &[u8],
    ctx: &[u8],
    opt_rand: Option<&[u8]>,
    sig: &mut [u8],
) -> Result<(), SlhError> {
    let key = SigningKey::<P>::try_from(sk).map_err(|_| SlhError::KeyLength)?;
    let s = key.try_sign_with_context(msg, ctx, opt_rand).map_err(|_| SlhError::ContextLength)?;
    let bytes = s.to_bytes();
    if bytes.len() != sig.len() {
        return Err(SlhError::OutputLength);
    }
    sig.copy_from_slice(&bytes);
    Ok(())
}

fn verify_with<P: ParameterSet>(pk: &[u8], msg: &[u8], ctx: &[u8], sig: &[u8]) -> Result<bool, SlhError> {
    let key = VerifyingKey::<P>::try_from(pk).map_err(|_| SlhError::KeyLength)?;
    let Ok(sig) = Signature::<P>::try_from(sig) else { return Ok(false) };
    Ok(key.try_verify_with_context(msg, ctx, &sig).is_ok())
}

/// A key pair into `pk` and `sk`: from the 3n-byte `seed` (`SK.seed || SK.prf || PK.seed`) when
/// given, else from 3n random bytes.
pub fn keygen_into(param: Param, seed: Option<&[u8]>, pk: &mut [u8], sk: &mut [u8]) -> Result<(), SlhError> {
    let s = param.sizes();
    if pk.len() != s.public_key || sk.len() != s.private_key {
        return Err(SlhError::OutputLength);
    }
    let mut buf = Zeroizing::new([0u8; 96]);
    let seed_buf = &mut buf[..3 * s.n];
    match seed {
        Some(seed) if seed.len() != seed_buf.len() => return Err(SlhError::SeedLength),
        Some(seed) => seed_buf.copy_from_slice(seed),
        None => random(seed_buf)?,
    }
    let seed: &[u8] = seed_buf;
    with_param!(param, P => keygen_with::<P>(s.n, seed, pk, sk))
}

/// Signs `msg` under `sk` with the context string `ctx` into `sig` (exactly the set's signature length).
pub fn sign_into(
    param: Param,
    sk: &[u8],
    msg: &[u8],
    ctx: &[u8],
    randomness: Randomness<'_>,
    sig: &mut [u8],
) -> Result<(), SlhError> {
    let s = param.sizes();
    if sk.len() != s.private_key {
        return Err(SlhError::KeyLength);
    }
    if sig.len() != s.signature {
        return Err(SlhError::OutputLength);
    }
    if ctx.len() > MAX_CONTEXT_BYTES {
        return Err(SlhError::ContextLength);
    }
    let mut fresh = Zeroizing::new([0u8; 32]);
    let opt_rand: Option<&[u8]> = match randomness {
        Randomness::Hedged => {
            random(&mut fresh[..s.n])?;
            Some(&fresh[..s.n])
        }
        Randomness::Deterministic => None,
        Randomness::Fixed(r) if r.len() != s.n => return Err(SlhError::RandomnessLength),
        Randomness::Fixed(r) => Some(r),
    };
    with_param!(param, P => sign_with::<P>(sk, msg, ctx, opt_rand, sig))
}

/// Whether `sig` is a valid signature of `msg` under `pk` with the context string `ctx`. A
/// signature of the wrong length is simply invalid; a public key of the wrong length or a context
/// longer than 255 bytes is an error.
pub fn verify(param: Param, pk: &[u8], msg: &[u8], ctx: &[u8], sig: &[u8]) -> Result<bool, SlhError> {
    if pk.len() != param.sizes().public_key {
        return Err(SlhError::KeyLength);
    }
    if ctx.len() > MAX_CONTEXT_BYTES {
        return Err(SlhError::ContextLength);
    }
    with_param!(param, P => verify_with::<P>(pk, msg, ctx, sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the crate takes exactly the lengths of [`Param::sizes`] (and not one byte less or more).
    fn crate_takes<P: ParameterSet>(s: Sizes) -> bool {
        let z = vec![0u8; s.signature + 1];
        let pk = |l: usize| VerifyingKey::<P>::try_from(&z[..l]).is_ok();
        let sk = |l: usize| SigningKey::<P>::try_from(&z[..l]).is_ok();
        let sig = |l: usize| Signature::<P>::try_from(&z[..l]).is_ok();
        pk(s.public_key)
            && !pk(s.public_key - 1)
            && !pk(s.public_key + 1)
            && sk(s.private_key)
            && !sk(s.private_key - 1)
            && !sk(s.private_key + 1)
            && sig(s.signature)
            && !sig(s.signature - 1)
            && !sig(s.signature + 1)
    }

    #[test]
    fn sizes_match_the_crate_and_names_round_trip() {
        for p in Param::ALL {
            let s = p.sizes();
            assert!(with_param!(p, P => crate_takes::<P>(s)), "{}", p.name());
            assert_eq!(Param::from_name(p.name()), Ok(p));
            assert_eq!(Param::from_name(&format!("SLH-DSA-{}", p.name())), Ok(p));
        }
        assert_eq!(Param::from_name("SHA2-128S"), Err(SlhError::ParameterSet));
        assert_eq!(Param::from_name(""), Err(SlhError::ParameterSet));
    }

    #[test]
    fn sign_verify_and_deterministic_keygen_fast_sets() {
        for p in [Param::Sha2_128f, Param::Shake128f, Param::Sha2_192f, Param::Shake256f] {
            let s = p.sizes();
            let seed: Vec<u8> = (0..3 * s.n as u8).collect();
            let (mut pk, mut sk) = (vec![0u8; s.public_key], vec![0u8; s.private_key]);
            keygen_into(p, Some(&seed), &mut pk, &mut sk).unwrap();
            assert_eq!(&sk[..3 * s.n], &seed[..], "sk starts with the seed");
            assert_eq!(&sk[2 * s.n..], &pk[..]);
            let (mut pk2, mut sk2) = (vec![0u8; s.public_key], vec![0u8; s.private_key]);
            keygen_into(p, Some(&seed), &mut pk2, &mut sk2).unwrap();
            assert_eq!((&pk, &sk), (&pk2, &sk2));
            keygen_into(p, None, &mut pk2, &mut sk2).unwrap();
            assert_ne!(pk, pk2);

            let mut sig = vec![0u8; s.signature];
            sign_into(p, &sk, b"message", b"", Randomness::Hedged, &mut sig).unwrap();
            assert_eq!(verify(p, &pk, b"message", b"", &sig), Ok(true));
            assert_eq!(verify(p, &pk, b"messagE", b"", &sig), Ok(false));
            assert_eq!(verify(p, &pk, b"message", b"c", &sig), Ok(false));
            assert_eq!(verify(p, &pk2, b"message", b"", &sig), Ok(false));
            assert_eq!(verify(p, &pk, b"message", b"", &sig[1..]), Ok(false));
            let mut sig2 = vec![0u8; s.signature];
            sign_into(p, &sk, b"message", b"", Randomness::Hedged, &mut sig2).unwrap();
            assert_ne!(sig, sig2, "hedged signatures differ");

            let (mut d1, mut d2) = (vec![0u8; s.signature], vec![0u8; s.signature]);
            sign_into(p, &sk, b"message", b"ctx", Randomness::Deterministic, &mut d1).unwrap();
            sign_into(p, &sk, b"message", b"ctx", Randomness::Fixed(&pk[..s.n]), &mut d2).unwrap();
            assert_eq!(d1, d2, "deterministic = opt_rand PK.seed");
            assert_eq!(verify(p, &pk, b"message", b"ctx", &d1), Ok(true));
            assert_eq!(verify(p, &pk, b"message", b"", &d1), Ok(false));
        }
    }

    #[test]
    fn refusals() {
        let p = Param::Sha2_128f;
        let s = p.sizes();
        let (mut pk, mut sk) = (vec![0u8; 32], vec![0u8; 64]);
        assert_eq!(keygen_into(p, Some(&[0u8; 47]), &mut pk, &mut sk), Err(SlhError::SeedLength));
        assert_eq!(keygen_into(p, Some(&[0u8; 72]), &mut pk, &mut sk), Err(SlhError::SeedLength));
        assert_eq!(keygen_into(p, None, &mut pk[1..], &mut sk), Err(SlhError::OutputLength));
        assert_eq!(keygen_into(p, None, &mut pk, &mut vec![0u8; 96]), Err(SlhError::OutputLength));
        keygen_into(p, None, &mut pk, &mut sk).unwrap();
        let mut sig = vec![0u8; s.signature];
        assert_eq!(sign_into(p, &sk[1..], b"m", b"", Randomness::Hedged, &mut sig), Err(SlhError::KeyLength));
        assert_eq!(sign_into(p, &sk, b"m", b"", Randomness::Hedged, &mut sig[1..]), Err(SlhError::OutputLength));
        assert_eq!(sign_into(p, &sk, b"m", &[0u8; 256], Randomness::Hedged, &mut sig), Err(SlhError::ContextLength));
        assert_eq!(
            sign_into(p, &sk, b"m", b"", Randomness::Fixed(&[0u8; 15]), &mut sig),
            Err(SlhError::RandomnessLength)
        );
        assert_eq!(
            sign_into(p, &sk, b"m", b"", Randomness::Fixed(&[0u8; 32]), &mut sig),
            Err(SlhError::RandomnessLength)
        );
        sign_into(p, &sk, b"m", &[7u8; 255], Randomness::Hedged, &mut sig).unwrap();
        assert_eq!(verify(p, &pk, b"m", &[7u8; 255], &sig), Ok(true));
        assert_eq!(verify(p, &pk, b"m", &[7u8; 256], &sig), Err(SlhError::ContextLength));
        assert_eq!(verify(p, &pk[1..], b"m", b"", &sig), Err(SlhError::KeyLength));
        assert_eq!(verify(p, &pk, b"m", b"", &[]), Ok(false));
        // A key of another set's length is refused, not read past.
        assert_eq!(
            sign_into(Param::Sha2_256f, &sk, b"m", b"", Randomness::Hedged, &mut vec![0u8; 49856]),
            Err(SlhError::KeyLength)
        );
    }
}
