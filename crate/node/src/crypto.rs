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
