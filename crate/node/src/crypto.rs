//! AES-GCM and AES key wrap objects over kmipkit-core's `gcm` and `keywrap`. Keys are expanded once
//! and held in Rust (zeroized when the object is collected). Sync methods write into buffers the
//! caller allocated; the async forms of AES-GCM copy their inputs, run on the libuv pool and resolve
//! to a new Buffer, keeping large inputs off the event loop.

use std::sync::Arc;

use kmipkit_core::gcm::{GcmError, GcmKey};
use kmipkit_core::keywrap::{WrapError, WrapKey};
use napi::bindgen_prelude::{AsyncTask, Buffer, Uint8Array};
use napi::{Env, Error, Result, Status, Task};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::{bytes_overlap, guarded, range_error};

fn gcm_error(env: &Env, e: GcmError) -> Error {
    range_error(env, &format!("kmipkit: {e}"))
}

fn wrap_error(env: &Env, e: WrapError) -> Error {
    range_error(env, &format!("kmipkit: {e}"))
}

fn no_overlap(env: &Env, out: &[u8], inputs: &[&[u8]]) -> Result<()> {
    if inputs.iter().any(|i| bytes_overlap(out, i)) {
        return Err(range_error(env, "kmipkit: the output must not share memory with the inputs"));
    }
    Ok(())
}

/// AES-GCM under one 16, 24 or 32-byte key, with 12-byte nonces and tags of `tagLength` bytes.
#[napi(js_name = "AesGcmKey")]
pub struct AesGcmKey {
    inner: Arc<GcmKey>,
}

#[napi]
impl AesGcmKey {
    /// Copies the key; the caller zeroizes its own copy.
    #[napi(constructor)]
    pub fn new(env: Env, key: &[u8], tag_length: u32) -> Result<Self> {
        GcmKey::new(key, tag_length as usize).map(|k| AesGcmKey { inner: Arc::new(k) }).map_err(|e| gcm_error(&env, e))
    }

    #[napi(getter, js_name = "tagLength")]
    pub fn tag_length(&self) -> u32 {
        self.inner.tag_len() as u32
    }

    /// Writes `ciphertext || tag` into `out` (exactly plaintext.length + tagLength bytes).
    #[napi(js_name = "encryptInto")]
    pub fn encrypt_into(&self, env: Env, nonce: &[u8], aad: &[u8], plaintext: &[u8], mut out: Uint8Array) -> Result<()> {
        // SAFETY: JS is blocked during this synchronous call and `out` keeps its memory alive; an
        // output sharing memory with an input is refused before any write.
        let out: &mut [u8] = unsafe { out.as_mut() };
        no_overlap(&env, out, &[nonce, aad, plaintext])?;
        guarded(|| self.inner.seal_into(nonce, aad, plaintext, out))?.map_err(|e| gcm_error(&env, e))
    }

    /// Writes the plaintext of `sealed` (`ciphertext || tag`) into `out` (exactly sealed.length -
    /// tagLength bytes): true, or false with `out` zeroed when it does not authenticate.
    #[napi(js_name = "decryptInto")]
    pub fn decrypt_into(&self, env: Env, nonce: &[u8], aad: &[u8], sealed: &[u8], mut out: Uint8Array) -> Result<bool> {
        // SAFETY: as in encrypt_into.
        let out: &mut [u8] = unsafe { out.as_mut() };
        no_overlap(&env, out, &[nonce, aad, sealed])?;
        guarded(|| self.inner.open_into(nonce, aad, sealed, out))?.map_err(|e| gcm_error(&env, e))
    }

    /// `ciphertext || tag`, computed on the libuv pool. Bad lengths throw here, synchronously.
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn encrypt(&self, env: Env, nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<AsyncTask<GcmTask>> {
        self.task(&env, true, nonce, aad, plaintext)
    }

    /// The plaintext of `sealed`, or null when it does not authenticate, computed on the libuv pool.
    #[napi(ts_return_type = "Promise<Buffer | null>")]
    pub fn decrypt(&self, env: Env, nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<AsyncTask<GcmTask>> {
        self.task(&env, false, nonce, aad, sealed)
    }
}

/// One AES-GCM seal without a key object: an `AesGcmKey` costs about 5 µs to create and collect,
/// more than sealing a kilobyte, which is what a KMIP Encrypt does with a key it reads once. Writes
/// `ciphertext || tag` into `out` (plaintext.length + tagLength bytes); the expanded key lives only
/// for this call.
#[napi(js_name = "aesGcmSealOnce")]
pub fn aes_gcm_seal_once(env: Env, key: &[u8], tag_length: u32, nonce: &[u8], aad: &[u8], plaintext: &[u8], mut out: Uint8Array) -> Result<()> {
    // SAFETY: as in AesGcmKey::encrypt_into.
    let out: &mut [u8] = unsafe { out.as_mut() };
    no_overlap(&env, out, &[key, nonce, aad, plaintext])?;
    guarded(|| GcmKey::new(key, tag_length as usize).and_then(|k| k.seal_into(nonce, aad, plaintext, out)))?.map_err(|e| gcm_error(&env, e))
}

/// One AES-GCM open without a key object: the plaintext of `ciphertext` under `tag` (12 to 16 bytes)
/// into `out` (ciphertext.length bytes): true, or false with `out` zeroed when it does not authenticate.
#[napi(js_name = "aesGcmOpenOnce")]
pub fn aes_gcm_open_once(env: Env, key: &[u8], nonce: &[u8], aad: &[u8], ciphertext: &[u8], tag: &[u8], mut out: Uint8Array) -> Result<bool> {
    // SAFETY: as in AesGcmKey::encrypt_into.
    let out: &mut [u8] = unsafe { out.as_mut() };
    no_overlap(&env, out, &[key, nonce, aad, ciphertext, tag])?;
    let mut sealed = Vec::with_capacity(ciphertext.len() + tag.len());
    sealed.extend_from_slice(ciphertext);
    sealed.extend_from_slice(tag);
    guarded(|| GcmKey::new(key, tag.len()).and_then(|k| k.open_into(nonce, aad, &sealed, out)))?.map_err(|e| gcm_error(&env, e))
}

impl AesGcmKey {
    fn task(&self, env: &Env, seal: bool, nonce: &[u8], aad: &[u8], input: &[u8]) -> Result<AsyncTask<GcmTask>> {
        let tag = self.inner.tag_len();
        let Ok(nonce) = <[u8; kmipkit_core::gcm::NONCE_BYTES]>::try_from(nonce) else {
            return Err(gcm_error(env, GcmError::NonceLength));
        };
        if input.len() as u64 > kmipkit_core::gcm::MAX_PLAINTEXT_BYTES + tag as u64 {
            return Err(gcm_error(env, GcmError::TooLong));
        }
        if !seal && input.len() < tag {
            return Err(gcm_error(env, GcmError::Truncated));
        }
        Ok(AsyncTask::new(GcmTask {
            key: Arc::clone(&self.inner),
            seal,
            nonce,
            aad: aad.to_vec(),
            input: Zeroizing::new(copy_with_room(input, kmipkit_core::gcm::MAX_TAG_BYTES)),
        }))
    }
}

/// A copy of `input` with capacity for `extra` more bytes, so sealing in place never reallocates
/// (a reallocation would free the plaintext copy without zeroizing it).
fn copy_with_room(input: &[u8], extra: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(input.len() + extra);
    v.extend_from_slice(input);
    v
}

pub struct GcmTask {
    key: Arc<GcmKey>,
    seal: bool,
    nonce: [u8; kmipkit_core::gcm::NONCE_BYTES],
    aad: Vec<u8>,
    /// The caller's input, copied (plaintext when sealing), worked in place: what is left of it is
    /// zeroized when the task is dropped; the output moves to JS.
    input: Zeroizing<Vec<u8>>,
}

impl Task for GcmTask {
    type Output = Option<Vec<u8>>;
    type JsValue = Option<Buffer>;

    fn compute(&mut self) -> Result<Self::Output> {
        let key = &self.key;
        let (seal, nonce, aad) = (self.seal, &self.nonce, &self.aad[..]);
        // Works in the task's own copy of the input, which becomes the output: no second buffer.
        let buf = &mut self.input;
        let result = guarded(|| {
            if seal {
                key.seal_in_place(nonce, aad, buf).map(|()| true)
            } else {
                key.open_in_place(nonce, aad, buf)
            }
        })?;
        match result {
            Ok(true) => Ok(Some(std::mem::take(&mut **buf))),
            Ok(false) => Ok(None),
            Err(e) => Err(Error::new(Status::InvalidArg, format!("kmipkit: {e}"))),
        }
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(output.map(Buffer::from))
    }
}

/// AES key wrap (RFC 3394) and key wrap with padding (RFC 5649) under one 16, 24 or 32-byte KEK.
#[napi(js_name = "AesKeyWrapKey")]
pub struct AesKeyWrapKey {
    inner: WrapKey,
}

#[napi]
impl AesKeyWrapKey {
    /// Copies the KEK; the caller zeroizes its own copy.
    #[napi(constructor)]
    pub fn new(env: Env, key: &[u8]) -> Result<Self> {
        WrapKey::new(key).map(|inner| AesKeyWrapKey { inner }).map_err(|e| wrap_error(&env, e))
    }

    /// RFC 3394 wrap of `data` (16 bytes or more, a multiple of 8) into `out` (data.length + 8 bytes).
    #[napi(js_name = "wrapInto")]
    pub fn wrap_into(&self, env: Env, data: &[u8], mut out: Uint8Array) -> Result<()> {
        // SAFETY: as in AesGcmKey::encrypt_into.
        let out: &mut [u8] = unsafe { out.as_mut() };
        no_overlap(&env, out, &[data])?;
        guarded(|| self.inner.wrap_into(data, out))?.map_err(|e| wrap_error(&env, e))
    }

    /// RFC 3394 unwrap into `out` (data.length - 8 bytes): true, or false with `out` zeroed when the
    /// integrity check fails.
    #[napi(js_name = "unwrapInto")]
    pub fn unwrap_into(&self, env: Env, data: &[u8], mut out: Uint8Array) -> Result<bool> {
        // SAFETY: as in AesGcmKey::encrypt_into.
        let out: &mut [u8] = unsafe { out.as_mut() };
        no_overlap(&env, out, &[data])?;
        guarded(|| self.inner.unwrap_into(data, out))?.map_err(|e| wrap_error(&env, e))
    }

    /// RFC 5649 wrap of `data` (1 byte or more) into `out` (ceil(data.length / 8) * 8 + 8 bytes).
    #[napi(js_name = "wrapPaddedInto")]
    pub fn wrap_padded_into(&self, env: Env, data: &[u8], mut out: Uint8Array) -> Result<()> {
        // SAFETY: as in AesGcmKey::encrypt_into.
        let out: &mut [u8] = unsafe { out.as_mut() };
        no_overlap(&env, out, &[data])?;
        guarded(|| self.inner.wrap_padded_into(data, out))?.map_err(|e| wrap_error(&env, e))
    }

    /// RFC 5649 unwrap into `out` (data.length - 8 bytes): the key's length (the rest of `out`
    /// zeroed), or -1 with `out` zeroed when the integrity check fails.
    #[napi(js_name = "unwrapPaddedInto")]
    pub fn unwrap_padded_into(&self, env: Env, data: &[u8], mut out: Uint8Array) -> Result<i64> {
        // SAFETY: as in AesGcmKey::encrypt_into.
        let out: &mut [u8] = unsafe { out.as_mut() };
        no_overlap(&env, out, &[data])?;
        let r = guarded(|| self.inner.unwrap_padded_into(data, out))?.map_err(|e| wrap_error(&env, e))?;
        Ok(r.map_or(-1, |n| n as i64))
    }
}

fn kem_error(env: &Env, e: kmipkit_core::kem::KemError) -> Error {
    range_error(env, &format!("kmipkit: {e}"))
}

/// ML-KEM key generation (FIPS 203, parameter set 512, 768 or 1024) into `ek` and `dk`, buffers of
/// exactly the set's lengths.
#[napi(js_name = "mlKemKeygenInto")]
pub fn ml_kem_keygen_into(env: Env, level: u32, mut ek: Uint8Array, mut dk: Uint8Array) -> Result<()> {
    // SAFETY: JS is blocked during this synchronous call; both arrays keep their memory alive, and
    // overlapping outputs are refused before any write.
    let (ek, dk): (&mut [u8], &mut [u8]) = unsafe { (ek.as_mut(), dk.as_mut()) };
    no_overlap(&env, ek, &[dk])?;
    guarded(|| kmipkit_core::kem::keygen_into(level, ek, dk))?.map_err(|e| kem_error(&env, e))
}

/// ML-KEM key generation from the 64-byte seed `d || z` (FIPS 203 ML-KEM.KeyGen_internal) into `ek`
/// and `dk`, buffers of exactly the set's lengths.
#[napi(js_name = "mlKemKeygenFromSeedInto")]
pub fn ml_kem_keygen_from_seed_into(env: Env, level: u32, seed: &[u8], mut ek: Uint8Array, mut dk: Uint8Array) -> Result<()> {
    // SAFETY: as in ml_kem_keygen_into.
    let (ek, dk): (&mut [u8], &mut [u8]) = unsafe { (ek.as_mut(), dk.as_mut()) };
    no_overlap(&env, ek, &[dk, seed])?;
    no_overlap(&env, dk, &[seed])?;
    guarded(|| kmipkit_core::kem::keygen_from_seed_into(level, seed, ek, dk))?.map_err(|e| kem_error(&env, e))
}

/// ML-KEM encapsulation to `ek`: the ciphertext into `ct`, the 32-byte shared secret into `ss`.
#[napi(js_name = "mlKemEncapsulateInto")]
pub fn ml_kem_encapsulate_into(env: Env, level: u32, ek: &[u8], mut ct: Uint8Array, mut ss: Uint8Array) -> Result<()> {
    // SAFETY: as in ml_kem_keygen_into.
    let (ct, ss): (&mut [u8], &mut [u8]) = unsafe { (ct.as_mut(), ss.as_mut()) };
    no_overlap(&env, ct, &[ek, ss])?;
    no_overlap(&env, ss, &[ek])?;
    guarded(|| kmipkit_core::kem::encapsulate_into(level, ek, ct, ss))?.map_err(|e| kem_error(&env, e))
}

/// ML-KEM decapsulation of `ct` with `dk` into `ss` (32 bytes).
#[napi(js_name = "mlKemDecapsulateInto")]
pub fn ml_kem_decapsulate_into(env: Env, level: u32, dk: &[u8], ct: &[u8], mut ss: Uint8Array) -> Result<()> {
    // SAFETY: as in ml_kem_keygen_into.
    let ss: &mut [u8] = unsafe { ss.as_mut() };
    no_overlap(&env, ss, &[dk, ct])?;
    guarded(|| kmipkit_core::kem::decapsulate_into(level, dk, ct, ss))?.map_err(|e| kem_error(&env, e))
}

fn dsa_error(env: &Env, e: kmipkit_core::dsa::DsaError) -> Error {
    range_error(env, &format!("kmipkit: {e}"))
}

/// ML-DSA key generation (FIPS 204, parameter set 44, 65 or 87) into `pk` and `sk`; deterministic
/// from `seed` (32 bytes, FIPS 204 ξ) when it is not empty.
#[napi(js_name = "mlDsaKeygenInto")]
pub fn ml_dsa_keygen_into(env: Env, level: u32, seed: &[u8], mut pk: Uint8Array, mut sk: Uint8Array) -> Result<()> {
    // SAFETY: as in ml_kem_keygen_into.
    let (pk, sk): (&mut [u8], &mut [u8]) = unsafe { (pk.as_mut(), sk.as_mut()) };
    no_overlap(&env, pk, &[sk, seed])?;
    no_overlap(&env, sk, &[seed])?;
    let seed = if seed.is_empty() { None } else { Some(seed) };
    guarded(|| kmipkit_core::dsa::keygen_into(level, seed, pk, sk))?.map_err(|e| dsa_error(&env, e))
}

/// ML-DSA signature (hedged, empty context) of `msg` under `sk`, into `sig`.
#[napi(js_name = "mlDsaSignInto")]
pub fn ml_dsa_sign_into(env: Env, level: u32, sk: &[u8], msg: &[u8], mut sig: Uint8Array) -> Result<()> {
    // SAFETY: as in ml_kem_keygen_into.
    let sig: &mut [u8] = unsafe { sig.as_mut() };
    no_overlap(&env, sig, &[sk, msg])?;
    guarded(|| kmipkit_core::dsa::sign_into(level, sk, msg, sig))?.map_err(|e| dsa_error(&env, e))
}

/// Whether `sig` is a valid ML-DSA signature of `msg` under `pk` (empty context).
#[napi(js_name = "mlDsaVerify")]
pub fn ml_dsa_verify(env: Env, level: u32, pk: &[u8], msg: &[u8], sig: &[u8]) -> Result<bool> {
    guarded(|| kmipkit_core::dsa::verify(level, pk, msg, sig))?.map_err(|e| dsa_error(&env, e))
}

fn slh_error(env: &Env, e: kmipkit_core::slhdsa::SlhError) -> Error {
    range_error(env, &format!("kmipkit: {e}"))
}

fn slh_param(env: &Env, name: &str) -> Result<kmipkit_core::slhdsa::Param> {
    kmipkit_core::slhdsa::Param::from_name(name).map_err(|e| slh_error(env, e))
}

/// SLH-DSA key generation (FIPS 205; `param` is a set name such as "SHA2-128f") into `pk` and `sk`,
/// buffers of exactly the set's lengths; deterministic from `seed` (3n bytes, SK.seed || SK.prf ||
/// PK.seed) when it is not empty.
#[napi(js_name = "slhDsaKeygenInto")]
pub fn slh_dsa_keygen_into(env: Env, param: String, seed: &[u8], mut pk: Uint8Array, mut sk: Uint8Array) -> Result<()> {
    let param = slh_param(&env, &param)?;
    // SAFETY: as in ml_kem_keygen_into.
    let (pk, sk): (&mut [u8], &mut [u8]) = unsafe { (pk.as_mut(), sk.as_mut()) };
    no_overlap(&env, pk, &[sk, seed])?;
    no_overlap(&env, sk, &[seed])?;
    let seed = if seed.is_empty() { None } else { Some(seed) };
    guarded(|| kmipkit_core::slhdsa::keygen_into(param, seed, pk, sk))?.map_err(|e| slh_error(&env, e))
}

/// SLH-DSA signature (pure, external interface) of `msg` under `sk` with the context string `ctx`
/// (at most 255 bytes), into `sig`. `optRand` empty: hedged, with fresh random bytes; else the n
/// bytes of opt_rand (PK.seed for the deterministic variant, a fixed value for known-answer tests).
#[napi(js_name = "slhDsaSignInto")]
pub fn slh_dsa_sign_into(env: Env, param: String, sk: &[u8], msg: &[u8], ctx: &[u8], opt_rand: &[u8], mut sig: Uint8Array) -> Result<()> {
    let param = slh_param(&env, &param)?;
    // SAFETY: as in ml_kem_keygen_into.
    let sig: &mut [u8] = unsafe { sig.as_mut() };
    no_overlap(&env, sig, &[sk, msg, ctx, opt_rand])?;
    let randomness = if opt_rand.is_empty() {
        kmipkit_core::slhdsa::Randomness::Hedged
    } else {
        kmipkit_core::slhdsa::Randomness::Fixed(opt_rand)
    };
    guarded(|| kmipkit_core::slhdsa::sign_into(param, sk, msg, ctx, randomness, sig))?.map_err(|e| slh_error(&env, e))
}

/// Whether `sig` is a valid SLH-DSA signature of `msg` under `pk` with the context string `ctx`.
#[napi(js_name = "slhDsaVerify")]
pub fn slh_dsa_verify(env: Env, param: String, pk: &[u8], msg: &[u8], ctx: &[u8], sig: &[u8]) -> Result<bool> {
    let param = slh_param(&env, &param)?;
    guarded(|| kmipkit_core::slhdsa::verify(param, pk, msg, ctx, sig))?.map_err(|e| slh_error(&env, e))
}

/// SLH-DSA signature as `slhDsaSignInto`, computed on the libuv pool (signing takes 10 ms to
/// seconds, so a server keeps it off the event loop). Bad names and lengths throw here, synchronously.
#[napi(js_name = "slhDsaSign", ts_return_type = "Promise<Buffer>")]
pub fn slh_dsa_sign(env: Env, param: String, sk: &[u8], msg: &[u8], ctx: &[u8], opt_rand: &[u8]) -> Result<AsyncTask<SlhSignTask>> {
    use kmipkit_core::slhdsa::{SlhError, MAX_CONTEXT_BYTES};
    let param = slh_param(&env, &param)?;
    let s = param.sizes();
    if sk.len() != s.private_key {
        return Err(slh_error(&env, SlhError::KeyLength));
    }
    if ctx.len() > MAX_CONTEXT_BYTES {
        return Err(slh_error(&env, SlhError::ContextLength));
    }
    if !opt_rand.is_empty() && opt_rand.len() != s.n {
        return Err(slh_error(&env, SlhError::RandomnessLength));
    }
    Ok(AsyncTask::new(SlhSignTask {
        param,
        sk: Zeroizing::new(sk.to_vec()),
        msg: msg.to_vec(),
        ctx: ctx.to_vec(),
        opt_rand: Zeroizing::new(opt_rand.to_vec()),
    }))
}

pub struct SlhSignTask {
    param: kmipkit_core::slhdsa::Param,
    /// Copies of the caller's secret key and opt_rand, zeroized when the task is dropped.
    sk: Zeroizing<Vec<u8>>,
    msg: Vec<u8>,
    ctx: Vec<u8>,
    opt_rand: Zeroizing<Vec<u8>>,
}

impl Task for SlhSignTask {
    type Output = Vec<u8>;
    type JsValue = Buffer;

    fn compute(&mut self) -> Result<Self::Output> {
        let mut sig = vec![0u8; self.param.sizes().signature];
        let randomness = if self.opt_rand.is_empty() {
            kmipkit_core::slhdsa::Randomness::Hedged
        } else {
            kmipkit_core::slhdsa::Randomness::Fixed(&self.opt_rand)
        };
        let r = guarded(|| kmipkit_core::slhdsa::sign_into(self.param, &self.sk, &self.msg, &self.ctx, randomness, &mut sig))?;
        r.map_err(|e| Error::new(Status::InvalidArg, format!("kmipkit: {e}")))?;
        Ok(sig)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(Buffer::from(output))
    }
}

/// SLH-DSA key generation on the libuv pool (0.2 to 1.2 s for the 's' sets), resolving to the
/// secret key `SK.seed || SK.prf || PK.seed || PK.root`, whose second half is the public key.
/// Deterministic from `seed` (3n bytes) when it is not empty; bad names and lengths throw here.
#[napi(js_name = "slhDsaKeygen", ts_return_type = "Promise<Buffer>")]
pub fn slh_dsa_keygen(env: Env, param: String, seed: &[u8]) -> Result<AsyncTask<SlhKeygenTask>> {
    let param = slh_param(&env, &param)?;
    if !seed.is_empty() && seed.len() != 3 * param.sizes().n {
        return Err(slh_error(&env, kmipkit_core::slhdsa::SlhError::SeedLength));
    }
    Ok(AsyncTask::new(SlhKeygenTask { param, seed: Zeroizing::new(seed.to_vec()) }))
}

pub struct SlhKeygenTask {
    param: kmipkit_core::slhdsa::Param,
    /// A copy of the caller's seed (empty: random), zeroized when the task is dropped.
    seed: Zeroizing<Vec<u8>>,
}

impl Task for SlhKeygenTask {
    type Output = Vec<u8>;
    type JsValue = Buffer;

    fn compute(&mut self) -> Result<Self::Output> {
        let s = self.param.sizes();
        let mut pk = [0u8; 64];
        // The secret key moves to JS as it is (no copy left behind).
        let mut sk = vec![0u8; s.private_key];
        let seed = if self.seed.is_empty() { None } else { Some(&self.seed[..]) };
        let Some(pk) = pk.get_mut(..s.public_key) else {
            return Err(Error::new(Status::GenericFailure, "kmipkit: SLH-DSA public key larger than 64 bytes".to_owned()));
        };
        let r = guarded(|| kmipkit_core::slhdsa::keygen_into(self.param, seed, pk, &mut sk))?;
        r.map_err(|e| Error::new(Status::InvalidArg, format!("kmipkit: {e}")))?;
        Ok(sk)
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(Buffer::from(output))
    }
}

/// RSAES-PKCS1-v1_5 decoding with implicit rejection (kmipkit-core `rsa_pkcs1`): `em` is the raw RSA
/// decryption of the k-byte `ciphertext`, `keyHash` is SHA-256 of the private exponent as k bytes.
/// Writes the message, or for bad padding the synthetic message, into `out` (at least k - 11 bytes)
/// and returns its length. Throws for wrong lengths only, which are public.
#[napi(js_name = "rsaPkcs1UnpadInto")]
pub fn rsa_pkcs1_unpad_into(
    env: Env,
    key_hash: &[u8],
    ciphertext: &[u8],
    em: &[u8],
    mut out: Uint8Array,
) -> Result<u32> {
    use kmipkit_core::rsa_pkcs1::{unpad_implicit_into, KEY_HASH_BYTES};
    // SAFETY: as in ml_kem_keygen_into.
    let out: &mut [u8] = unsafe { out.as_mut() };
    no_overlap(&env, out, &[key_hash, ciphertext, em])?;
    let mut dh = Zeroizing::new([0u8; KEY_HASH_BYTES]);
    if key_hash.len() != KEY_HASH_BYTES {
        return Err(range_error(&env, "kmipkit: the RSA key hash must be 32 bytes"));
    }
    dh.copy_from_slice(key_hash);
    let n = guarded(|| unpad_implicit_into(&dh, ciphertext, em, out))?
        .map_err(|e| range_error(&env, &format!("kmipkit: {e}")))?;
    // At most 8191 - 11 bytes.
    Ok(n as u32)
}
