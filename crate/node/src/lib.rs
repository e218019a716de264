//! Node-API shim over kmipkit-core: borrowed typed-array views in, numbers out, no allocation on
//! the success path. Panics become thrown JS errors (catch_unwind), never an abort.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod crypto;
mod tree;

use std::panic::{catch_unwind, AssertUnwindSafe};

use kmipkit_core::{index_words, scan, Error as CoreError, ScanOptions};
use napi::bindgen_prelude::{Object, Uint8Array, Unknown};
use napi::sys;
use std::ffi::{c_void, CStr};
use napi::{Env, Error, JsValue, Result, Status};
use napi_derive::napi;

/// The Node-API level this addon is compiled for (napi 10 crashes Node 20).
const NAPI_LEVEL: u32 = 9;

pub(crate) fn range_error(env: &Env, msg: &str) -> Error {
    match env.throw_range_error(msg, None) {
        Ok(()) => Error::from_status(Status::PendingException),
        Err(e) => e,
    }
}

/// Runs `f`, turning a panic into a thrown `Error`.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Error::new(Status::GenericFailure, format!("kmipkit native panic: {what}"))
    })
}

fn overlaps(a: &[u8], b: &[u32]) -> bool {
    let (a0, a1) = (a.as_ptr() as usize, a.as_ptr() as usize + a.len());
    let (b0, b1) = (b.as_ptr() as usize, b.as_ptr() as usize + b.len() * 4);
    !a.is_empty() && !b.is_empty() && a0 < b1 && b0 < a1
}

pub(crate) fn bytes_overlap(a: &[u8], b: &[u8]) -> bool {
    let (a0, a1) = (a.as_ptr() as usize, a.as_ptr() as usize + a.len());
    let (b0, b1) = (b.as_ptr() as usize, b.as_ptr() as usize + b.len());
    !a.is_empty() && !b.is_empty() && a0 < b1 && b0 < a1
}

fn report(out: &mut [u32], e: CoreError) -> i32 {
    if let [code, offset, ..] = out {
        *code = e.code.number();
        *offset = u32::try_from(e.offset).unwrap_or(u32::MAX);
    }
    -1
}

/// Scans `buf` into `index` (checked, then the limits read from its first words).
fn scan_checked(buf: &[u8], index: &mut [u32]) -> std::result::Result<i32, &'static CStr> {
    if u32::try_from(buf.len()).is_err() {
        return Err(c"kmipkit: buffer longer than 4 GiB - 1");
    }
    if index.len() < index_words(buf.len()) {
        return Err(c"kmipkit: index must have at least 4 * (floor(buf.length / 8) + 1) words");
    }
    if overlaps(buf, index) {
        return Err(c"kmipkit: buf and index must not share memory");
    }
    let (max_depth, max_size, flags) = match index {
        [d, s, f, ..] => (*d, u64::from(*s), *f),
        _ => return Err(c"kmipkit: index too small"),
    };
    let opts = ScanOptions::new(max_depth, max_size, flags);
    Ok(match scan(buf, index, &opts) {
        Ok(s) => s.count as i32,
        Err(e) => report(index, e),
    })
}

/// The index `scanRegistered` writes to, set by `setIndex`. One per Node environment (each worker
/// loads the addon anew), reached through the data pointer of the two hand-registered functions:
/// no thread-local lookup and no borrow flag on the hot call. Freed by an environment cleanup hook.
/// `words`/`len` are read once, at `setIndex`: the caller (the loader, whose index is module-private)
/// registers a plain, non-resizable array and never detaches its buffer (docs/ttlv-scan-contract.md).
struct Registered {
    /// Keeps the Uint32Array alive while registered (null before the first `setIndex`).
    reference: sys::napi_ref,
    words: *mut u32,
    len: usize,
}

/// The one argument of a hand-registered callback, which must be a typed array of type `want`: its
/// handle, element pointer and length, and the function's data pointer (the environment's
/// [`Registered`]). `Err` carries the RangeError's message: `missing` with no argument, `wrong_type`
/// for anything but that typed array.
///
/// # Safety
/// `env` and `info` are those of the running callback.
unsafe fn typed_arg(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    want: sys::napi_typedarray_type,
    missing: &'static CStr,
    wrong_type: &'static CStr,
) -> std::result::Result<(sys::napi_value, *mut Registered, *mut c_void, usize), &'static CStr> {
    let mut argc: usize = 1;
    let mut argv: [sys::napi_value; 1] = [std::ptr::null_mut()];
    let mut registered: *mut c_void = std::ptr::null_mut();
    // SAFETY: argc/argv describe a one-slot array; `this` is not asked for; the data out-pointer is
    // a valid local.
    let status = unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), std::ptr::null_mut(), &mut registered) };
    if status != sys::Status::napi_ok || argc < 1 || registered.is_null() {
        return Err(missing);
    }
    let mut ty: sys::napi_typedarray_type = 0;
    let mut len: usize = 0;
    let mut data: *mut c_void = std::ptr::null_mut();
    let mut arraybuffer: sys::napi_value = std::ptr::null_mut();
    let mut offset: usize = 0;
    // SAFETY: every out-pointer is a valid local; argv[0] is a live handle of this call.
    let status = unsafe { sys::napi_get_typedarray_info(env, argv[0], &mut ty, &mut len, &mut data, &mut arraybuffer, &mut offset) };
    if status != sys::Status::napi_ok || ty != want {
        return Err(wrong_type);
    }
    Ok((argv[0], registered.cast(), data, len))
}

/// Ends a hand-registered callback: the int32 result, or a thrown RangeError, or (after a panic) a
/// thrown Error.
///
/// # Safety
/// `env` is the running callback's.
unsafe fn finish(env: sys::napi_env, outcome: std::thread::Result<std::result::Result<Option<i32>, &'static CStr>>, name: &'static CStr) -> sys::napi_value {
    let mut result: sys::napi_value = std::ptr::null_mut();
    // SAFETY (all three): a valid env, out-pointer and NUL-terminated messages; a null code is allowed.
    match outcome {
        Ok(Ok(Some(n))) => unsafe {
            sys::napi_create_int32(env, n, &mut result);
        },
        Ok(Ok(None)) => {}
        Ok(Err(msg)) => unsafe {
            sys::napi_throw_range_error(env, std::ptr::null(), msg.as_ptr());
        },
        Err(_) => unsafe {
            sys::napi_throw_error(env, std::ptr::null(), name.as_ptr());
        },
    }
    result
}

/// `setIndex(index: Uint32Array)`: registers the index that `scanRegistered` writes to, and keeps it
/// alive until the next call replaces it. Resolving a typed array costs about 25 ns a call, a
/// sixth of scanning a 4 KiB message: registered once, the index is not resolved again.
unsafe extern "C" fn set_index_raw(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> std::result::Result<Option<i32>, &'static CStr> {
        // SAFETY: this callback's env and info.
        let (value, registered, words, len) = unsafe {
            typed_arg(env, info, sys::TypedarrayType::uint32_array, c"kmipkit: setIndex(index) needs a Uint32Array", c"kmipkit: index must be a Uint32Array")
        }?;
        let mut reference: sys::napi_ref = std::ptr::null_mut();
        // SAFETY: a live value of this call; the out-pointer is a valid local.
        if unsafe { sys::napi_create_reference(env, value, 1, &mut reference) } != sys::Status::napi_ok {
            return Err(c"kmipkit: cannot hold the index");
        }
        // SAFETY: the data pointer is this environment's Registered (raw_exports), only touched on
        // the JS thread, which runs this call.
        let registered = unsafe { &mut *registered };
        if !registered.reference.is_null() {
            // SAFETY: a reference this environment created above in an earlier call.
            unsafe { sys::napi_delete_reference(env, registered.reference) };
        }
        *registered = Registered { reference, words: words.cast(), len };
        Ok(None)
    }));
    // SAFETY: this callback's env.
    unsafe { finish(env, outcome, c"kmipkit native panic in setIndex") }
}

/// Scans one TTLV message per docs/ttlv-scan-contract.md ("Native boundary") into the index given
/// to `setIndex`. The limits arrive in the index itself (`index[0]` maxDepth, `index[1]` maxSize,
/// `index[2]` flags, bit 0 = allowTrailing): each number argument costs napi-rs about 60 ns, a third
/// of a small scan. Returns the item count (root end in `index[4 * count]`), or -1 with the error
/// number in `index[0]` and its offset in `index[1]`.
///
/// Registered by hand (`raw_exports` below) rather than with `#[napi]`: the macro's wrapper opens a
/// borrow scope on every call (allocations, a mutex, thread-local lookups), about 250 ns, more than
/// scanning a 4 KiB message takes. This callback does what the wrapper would for one Uint8Array
/// argument and an int32 result: `napi_get_cb_info`, `napi_get_typedarray_info`, a thrown RangeError
/// on bad input, and a panic turned into a thrown Error.
unsafe extern "C" fn scan_registered_raw(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> std::result::Result<Option<i32>, &'static CStr> {
        // SAFETY: this callback's env and info.
        let (_, registered, data, len) = unsafe {
            typed_arg(env, info, sys::TypedarrayType::uint8_array, c"kmipkit: scanRegistered(buf) needs a Uint8Array", c"kmipkit: buf must be a Uint8Array")
        }?;
        let buf: &[u8] = if data.is_null() || len == 0 {
            &[]
        } else {
            // SAFETY: Node-API gives the view's first byte (byte offset applied) and its length in
            // bytes for a Uint8Array; JS is blocked while this synchronous call runs.
            unsafe { std::slice::from_raw_parts(data as *const u8, len) }
        };
        // SAFETY: this environment's Registered, only touched on the JS thread.
        let registered = unsafe { &*registered };
        if registered.words.is_null() {
            return Err(c"kmipkit: setIndex was not called");
        }
        // SAFETY: the reference keeps the registered array alive; JS is blocked for the duration of
        // this synchronous call; `scan_checked` refuses an index that overlaps `buf`.
        let index = unsafe { std::slice::from_raw_parts_mut(registered.words, registered.len) };
        scan_checked(buf, index).map(Some)
    }));
    // SAFETY: this callback's env.
    unsafe { finish(env, outcome, c"kmipkit native panic in scanRegistered") }
}

/// Frees an environment's [`Registered`] when the environment is torn down (its references go
/// with it).
unsafe extern "C" fn free_registered(arg: *mut c_void) {
    // SAFETY: `arg` is the Box leaked in raw_exports, given to this hook once.
    drop(unsafe { Box::from_raw(arg.cast::<Registered>()) });
}

/// Adds the hand-registered functions (`setIndex`, `scanRegistered`) to the module's exports.
#[napi(module_exports)]
pub fn raw_exports(exports: Object<'_>, env: Env) -> Result<()> {
    let registered = Box::into_raw(Box::new(Registered { reference: std::ptr::null_mut(), words: std::ptr::null_mut(), len: 0 }));
    // SAFETY: a valid env; the hook frees the box once, at teardown.
    if unsafe { sys::napi_add_env_cleanup_hook(env.raw(), Some(free_registered), registered.cast()) } != sys::Status::napi_ok {
        // SAFETY: not shared with anything yet.
        drop(unsafe { Box::from_raw(registered) });
        return Err(Error::new(Status::GenericFailure, "kmipkit: cannot register a cleanup hook".to_owned()));
    }
    type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;
    let functions: [(&CStr, Callback); 2] = [(c"setIndex", set_index_raw), (c"scanRegistered", scan_registered_raw)];
    for (name, callback) in functions {
        let mut f: sys::napi_value = std::ptr::null_mut();
        let bytes = name.to_bytes();
        // SAFETY: a valid env, a name with its length, a callback of the right signature, and the
        // environment's Registered as data (alive until the cleanup hook).
        let status = unsafe {
            sys::napi_create_function(env.raw(), bytes.as_ptr().cast(), bytes.len() as isize, Some(callback), registered.cast(), &mut f)
        };
        if status != sys::Status::napi_ok {
            return Err(Error::new(Status::GenericFailure, "kmipkit: cannot create a native function".to_owned()));
        }
        // SAFETY: exports is this module's exports object; the name is NUL-terminated.
        if unsafe { sys::napi_set_named_property(env.raw(), exports.raw(), name.as_ptr(), f) } != sys::Status::napi_ok {
            return Err(Error::new(Status::GenericFailure, "kmipkit: cannot export a native function".to_owned()));
        }
    }
    Ok(())
}

/// Encodes an item tree (src/ttlv/types.ts) to a TTLV Buffer, accepting and rejecting exactly what
/// src/ttlv/encode.ts does: a rejected tree throws an Error with `code` ERR_TTLV_INVALID_VALUE or
/// ERR_TTLV_ENCODE_TOO_DEEP (and `errno`, `offset` -1). A getter that throws propagates as is.
#[napi(js_name = "encodeTree", ts_args_type = "item: object, maxDepth: number", ts_return_type = "Buffer")]
pub fn encode_tree(env: Env, item: Unknown<'_>, max_depth: f64) -> Result<tree::Raw> {
    let raw = env.raw();
    guarded(|| tree::encode_direct(raw, item.raw(), max_depth))?.map(tree::Raw).map_err(|f| tree::throw(raw, f))
}

/// The kmipkit-node crate version.
#[napi]
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The Node-API level the addon was built for.
#[napi(js_name = "napiLevel")]
pub fn napi_level() -> u32 {
    NAPI_LEVEL
}

/// AES-256-GCM under one key (kmipkit-core's `aead`): the store's sealing of key material at rest.
/// The expanded key lives in Rust and is zeroized when the object is collected. Blobs are laid out
/// `header byte | 12-byte nonce | ciphertext | 16-byte tag`; the header is the caller's (ignored here),
/// and every output goes into a buffer the caller allocated: no allocation crosses the boundary.
#[napi(js_name = "SealKey")]
pub struct SealKey {
    inner: kmipkit_core::aead::SealKey,
}

const BLOB_NONCE: std::ops::Range<usize> = 1..1 + kmipkit_core::aead::NONCE_BYTES;

fn aead_error(env: &Env, e: kmipkit_core::aead::AeadError) -> Error {
    range_error(env, &format!("kmipkit: {e}"))
}

#[napi]
impl SealKey {
    /// Copies the 32-byte key; the caller zeroizes its own copy.
    #[napi(constructor)]
    pub fn new(env: Env, key: &[u8]) -> Result<Self> {
        kmipkit_core::aead::SealKey::new(key).map(|inner| SealKey { inner }).map_err(|e| aead_error(&env, e))
    }

    /// Seals `plaintext` into `blob` (exactly 1 + 12 + plaintext.length + 16 bytes), whose nonce bytes
    /// the caller has filled with fresh random bytes.
    #[napi(js_name = "sealInto")]
    pub fn seal_into(&self, env: Env, aad: &[u8], plaintext: &[u8], mut blob: Uint8Array) -> Result<()> {
        // SAFETY: JS is blocked during this synchronous call and `blob` keeps the memory alive; an
        // output sharing memory with an input is refused before any write.
        let blob: &mut [u8] = unsafe { blob.as_mut() };
        if bytes_overlap(blob, plaintext) || bytes_overlap(blob, aad) {
            return Err(range_error(&env, "kmipkit: the blob must not share memory with the inputs"));
        }
        let mut nonce = [0u8; kmipkit_core::aead::NONCE_BYTES];
        match blob.get(BLOB_NONCE) {
            Some(n) => nonce.copy_from_slice(n),
            None => return Err(range_error(&env, "kmipkit: blob too short")),
        }
        let Some(out) = blob.get_mut(BLOB_NONCE.end..) else {
            return Err(range_error(&env, "kmipkit: blob too short"));
        };
        guarded(|| self.inner.seal_into(&nonce, aad, plaintext, out))?.map_err(|e| aead_error(&env, e))
    }

    /// Opens `blob` into `out` (exactly blob.length - 29 bytes): true, or false with `out` zeroed when
    /// the blob does not authenticate under this key and `aad`.
    #[napi(js_name = "openInto")]
    pub fn open_into(&self, env: Env, aad: &[u8], blob: &[u8], mut out: Uint8Array) -> Result<bool> {
        // SAFETY: as in seal_into.
        let out: &mut [u8] = unsafe { out.as_mut() };
        if bytes_overlap(out, blob) || bytes_overlap(out, aad) {
            return Err(range_error(&env, "kmipkit: the output must not share memory with the inputs"));
        }
        let (Some(nonce), Some(sealed)) = (blob.get(BLOB_NONCE), blob.get(BLOB_NONCE.end..)) else {
            return Err(range_error(&env, "kmipkit: blob too short"));
        };
        guarded(|| self.inner.open_into(nonce, aad, sealed, out))?.map_err(|e| aead_error(&env, e))
    }
}
