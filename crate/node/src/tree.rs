//! `encodeTree`: walks a JS item tree (src/ttlv/types.ts) through Node-API and encodes it.
//!
//! Validation mirrors src/ttlv/encode.ts check for check and in the same order (pre-order, the item
//! before its children, a structure's length after its children), so both codecs accept the same
//! trees and report the first problem with the same code. The walk is iterative: its stack (on the
//! heap) holds one frame per open structure and never grows past `maxDepth` (or [`HARD_MAX_DEPTH`]).
//!
//! The encoding goes to a [`Sink`]: [`Direct`] writes TTLV into one reused byte vector as it walks
//! (structure lengths back-patched); the result is copied into a new Node Buffer. (Building a
//! `kmipkit_core::Item` tree for `kmipkit_core::encode` instead was measured slower and dropped.)
//!
//! Property reads follow the TS encoder (`tag`, `value`, `type`, then `byteLength` for a
//! BigInteger), so getters see a similar sequence. Error messages never quote a value.

use std::cell::Cell;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use napi::sys::{self, Status, TypedarrayType, ValueType};

/// Nesting bound whatever `maxDepth` says: to the TS encoder NaN and Infinity mean "no limit" (its
/// recursion then ends in a RangeError); here a cyclic tree must still stop.
pub const HARD_MAX_DEPTH: u32 = 1 << 16;

/// Past this output offset the encoding cannot be valid. Offsets and sizes are multiples of 8, so an
/// item ending beyond it leaves the root's children more than 2^32 - 1 bytes, and a leaf within it
/// has a length that fits the u32 field.
const MAX_OUT: u64 = 1 << 32;

const INVALID_VALUE: u32 = 32;
const ENCODE_TOO_DEEP: u32 = 33;

const TYPE_NAMES: [&str; 12] = [
    "",
    "Structure",
    "Integer",
    "LongInteger",
    "BigInteger",
    "Enumeration",
    "Boolean",
    "TextString",
    "ByteString",
    "DateTime",
    "Interval",
    "DateTimeExtended",
];

/// Why a walk stopped.
pub enum Fail {
    /// ERR_TTLV_INVALID_VALUE with the detail after the standard message.
    Invalid(String),
    /// ERR_TTLV_ENCODE_TOO_DEEP.
    TooDeep(f64),
    /// A JS exception is pending (a getter threw): it propagates unchanged.
    Pending,
    /// A Node-API call failed unexpectedly.
    Napi(sys::napi_status),
}

type Walk<T> = std::result::Result<T, Fail>;

/// A JS value handed through napi-rs untouched.
pub struct Raw(pub sys::napi_value);

impl napi::bindgen_prelude::ToNapiValue for Raw {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        Ok(val.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Sinks

/// Receives the items of a valid tree in pre-order (only values that passed validation).
pub trait Sink {
    type Open;
    fn open(&mut self, tag: u32) -> Self::Open;
    /// Closes the structure opened as `open`; `len` is the total of its children.
    fn close(&mut self, open: Self::Open, len: u32);
    /// Integer, Enumeration, Interval: the 32 bits as written.
    fn int32(&mut self, tag: u32, ty: u8, bits: u32);
    /// LongInteger, DateTime, DateTimeExtended.
    fn int64(&mut self, tag: u32, ty: u8, v: i64);
    fn boolean(&mut self, tag: u32, v: bool);
    /// Two's complement of sign and magnitude (little-endian words) in `width` bytes.
    fn big(&mut self, tag: u32, negative: bool, words: &[u64], width: usize);
    fn text(&mut self, tag: u32, utf8: &[u8]);
    fn bytes(&mut self, tag: u32, bytes: &[u8]);
}

/// Writes `negative ? -magnitude : magnitude` big-endian two's complement into all of `slot`
/// (the caller checked it fits).
fn twos_complement(slot: &mut [u8], negative: bool, words: &[u64]) {
    slot.fill(0);
    for (i, b) in slot.iter_mut().rev().enumerate() {
        match words.get(i / 8) {
            Some(w) => *b = (w >> ((i % 8) * 8)) as u8,
            None => break,
        }
    }
    if negative {
        let mut carry = true;
        for b in slot.iter_mut().rev() {
            let (v, c) = (!*b).overflowing_add(u8::from(carry));
            *b = v;
            carry = c;
        }
    }
}

/// TTLV straight into one vector.
pub struct Direct<'a> {
    pub out: &'a mut Vec<u8>,
}

impl Direct<'_> {
    #[inline]
    fn header(&mut self, tag: u32, ty: u8, len: u32) {
        self.out.extend_from_slice(&((tag << 8) | u32::from(ty)).to_be_bytes());
        self.out.extend_from_slice(&len.to_be_bytes());
    }
    #[inline]
    fn padded(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        self.out.resize(self.out.len() + (8 - bytes.len() % 8) % 8, 0);
    }
}

impl Sink for Direct<'_> {
    type Open = usize;
    fn open(&mut self, tag: u32) -> usize {
        let at = self.out.len();
        self.header(tag, 0x01, 0);
        at
    }
    fn close(&mut self, at: usize, len: u32) {
        if let Some(slot) = self.out.get_mut(at + 4..at + 8) {
            slot.copy_from_slice(&len.to_be_bytes());
        }
    }
    fn int32(&mut self, tag: u32, ty: u8, bits: u32) {
        self.header(tag, ty, 4);
        self.out.extend_from_slice(&(u64::from(bits) << 32).to_be_bytes());
    }
    fn int64(&mut self, tag: u32, ty: u8, v: i64) {
        self.header(tag, ty, 8);
        self.out.extend_from_slice(&v.to_be_bytes());
    }
    fn boolean(&mut self, tag: u32, v: bool) {
        self.header(tag, 0x06, 8);
        self.out.extend_from_slice(&u64::from(v).to_be_bytes());
    }
    fn big(&mut self, tag: u32, negative: bool, words: &[u64], width: usize) {
        self.header(tag, 0x04, width as u32);
        let at = self.out.len();
        self.out.resize(at + width, 0);
        if let Some(slot) = self.out.get_mut(at..) {
            twos_complement(slot, negative, words);
        }
    }
    fn text(&mut self, tag: u32, utf8: &[u8]) {
        self.header(tag, 0x07, utf8.len() as u32);
        self.padded(utf8);
    }
    fn bytes(&mut self, tag: u32, bytes: &[u8]) {
        self.header(tag, 0x08, bytes.len() as u32);
        self.padded(bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// Node-API helpers

#[inline]
fn ok(status: sys::napi_status) -> Walk<()> {
    if status == Status::napi_ok {
        Ok(())
    } else {
        Err(failed(status))
    }
}

#[cold]
fn failed(status: sys::napi_status) -> Fail {
    if status == Status::napi_pending_exception {
        Fail::Pending
    } else {
        Fail::Napi(status)
    }
}

const fn pad8(n: u64) -> u64 {
    n.saturating_add(7) & !7
}

/// `Number.isInteger(v)`.
#[inline]
fn is_integer(v: f64) -> bool {
    v.is_finite() && v.trunc() == v
}

/// One open structure.
struct Frame<O> {
    array: sys::napi_value,
    len: u32,
    next: u32,
    /// Depth of the structure itself (the root is 1).
    depth: u32,
    /// Encoded size of the children so far (saturating).
    total: u64,
    tag: u32,
    open: Option<O>,
}

/// What visiting one item gave.
enum Visited<O> {
    Leaf(u64),
    Structure(Frame<O>),
}

struct Walker<'s, S: Sink> {
    env: sys::napi_env,
    sink: &'s mut S,
    key_tag: sys::napi_value,
    key_type: sys::napi_value,
    key_value: sys::napi_value,
    key_byte_length: sys::napi_value,
    uint8_array: sys::napi_value,
    max_depth: f64,
    /// Output offset where the next item starts, as if everything were written.
    pos: u64,
    /// Set once the output would pass [`MAX_OUT`]: the walk goes on validating (an enclosing
    /// structure is then certain to fail its length check) but nothing more reaches the sink.
    skip: bool,
    utf8: Vec<u8>,
    words: Vec<u64>,
}

impl<S: Sink> Walker<'_, S> {
    fn key(env: sys::napi_env, name: &str) -> Walk<sys::napi_value> {
        let mut v = ptr::null_mut();
        ok(unsafe {
            sys::napi_create_string_latin1(env, name.as_ptr().cast::<c_char>(), name.len() as isize, &mut v)
        })?;
        Ok(v)
    }

    #[inline]
    fn get(&self, obj: sys::napi_value, key: sys::napi_value) -> Walk<sys::napi_value> {
        let mut v = ptr::null_mut();
        ok(unsafe { sys::napi_get_property(self.env, obj, key, &mut v) })?;
        Ok(v)
    }

    #[inline]
    fn type_of(&self, v: sys::napi_value) -> Walk<sys::napi_valuetype> {
        let mut t = 0;
        ok(unsafe { sys::napi_typeof(self.env, v, &mut t) })?;
        Ok(t)
    }

    /// The number in `v`, or None when `v` is not a number.
    #[inline]
    fn number(&self, v: sys::napi_value) -> Walk<Option<f64>> {
        let mut x = 0.0;
        match unsafe { sys::napi_get_value_double(self.env, v, &mut x) } {
            Status::napi_ok => Ok(Some(x)),
            Status::napi_number_expected => Ok(None),
            s => Err(failed(s)),
        }
    }

    /// Whether the sink still gets items of `size` bytes at the current offset.
    #[inline]
    fn writes(&mut self, size: u64) -> bool {
        if !self.skip && self.pos.saturating_add(size) > MAX_OUT {
            self.skip = true;
        }
        !self.skip
    }

    /// `invalid(item, why)` of encode.ts: names the type and tag, never the value.
    #[cold]
    fn invalid(&self, tag: Option<f64>, ty: Option<f64>, why: &str) -> Fail {
        let tag = match tag {
            Some(t) if is_integer(t) && (0.0..=9_007_199_254_740_991.0).contains(&t) => format!("0x{:06x}", t as u64),
            Some(t) => format!("{t}"),
            None => "(not a number)".to_owned(),
        };
        let ty = match ty {
            Some(t) if is_integer(t) && (1.0..=11.0).contains(&t) => {
                TYPE_NAMES.get(t as usize).copied().unwrap_or("").to_owned()
            }
            Some(t) => format!("type {t}"),
            None => "type (not a number)".to_owned(),
        };
        Fail::Invalid(format!("{ty} at tag {tag}: {why}"))
    }

    /// Checks and emits one item; a structure is only opened (its children come from the stack).
    fn visit(&mut self, item: sys::napi_value, depth: u32) -> Walk<Visited<S::Open>> {
        if self.type_of(item)? != ValueType::napi_object {
            return Err(Fail::Invalid("item is not an object".to_owned()));
        }
        if f64::from(depth) > self.max_depth || depth > HARD_MAX_DEPTH {
            let limit =
                if self.max_depth < f64::from(HARD_MAX_DEPTH) { self.max_depth } else { f64::from(HARD_MAX_DEPTH) };
            return Err(Fail::TooDeep(limit));
        }
        let tag_v = self.get(item, self.key_tag)?;
        let tag_n = self.number(tag_v)?;
        let tag = match tag_n {
            Some(t)
                if is_integer(t) && (0.0..=16_777_215.0).contains(&t) && matches!((t as u32) >> 16, 0x42 | 0x54) =>
            {
                t as u32
            }
            _ => {
                let ty = self.get(item, self.key_type)?;
                let ty = self.number(ty)?;
                return Err(self.invalid(tag_n, ty, "tag must be 0x42xxxx or 0x54xxxx"));
            }
        };
        let v = self.get(item, self.key_value)?;
        let ty_v = self.get(item, self.key_type)?;
        let ty_n = self.number(ty_v)?;
        // `switch (item.type)`: strict equality with 1..11.
        let ty = match ty_n {
            Some(t) if is_integer(t) && (1.0..=11.0).contains(&t) => t as u8,
            _ => return Err(self.invalid(tag_n, ty_n, "unknown item type")),
        };
        let bad = |why: &str| self.invalid(tag_n, ty_n, why);
        match ty {
            0x01 => {
                let len = match self.array_length(v)? {
                    Some(len) => len,
                    None => return Err(bad("value must be an array of items")),
                };
                let open = if self.writes(8) { Some(self.sink.open(tag)) } else { None };
                self.pos = self.pos.saturating_add(8);
                Ok(Visited::Structure(Frame { array: v, len, next: 0, depth, total: 0, tag, open }))
            }
            0x02 | 0x05 | 0x0a => {
                let x = self.number(v)?;
                let bits = match x {
                    Some(x) if ty == 0x02 && is_integer(x) && (-2_147_483_648.0..=2_147_483_647.0).contains(&x) => {
                        x as i32 as u32
                    }
                    Some(x) if ty != 0x02 && is_integer(x) && (0.0..=4_294_967_295.0).contains(&x) => x as u32,
                    _ if ty == 0x02 => return Err(bad("value must be a 32-bit signed integer")),
                    _ => return Err(bad("value must be a 32-bit unsigned integer")),
                };
                self.leaf(16, |s| s.int32(tag, ty, bits))
            }
            0x03 | 0x09 | 0x0b => {
                let (mut x, mut lossless) = (0i64, false);
                match unsafe { sys::napi_get_value_bigint_int64(self.env, v, &mut x, &mut lossless) } {
                    Status::napi_ok if lossless => {}
                    Status::napi_ok | Status::napi_bigint_expected => {
                        return Err(bad("value must be a bigint in the signed 64-bit range"))
                    }
                    s => return Err(failed(s)),
                }
                self.leaf(16, |s| s.int64(tag, ty, x))
            }
            0x06 => {
                let mut b = false;
                match unsafe { sys::napi_get_value_bool(self.env, v, &mut b) } {
                    Status::napi_ok => {}
                    Status::napi_boolean_expected => return Err(bad("value must be a boolean")),
                    s => return Err(failed(s)),
                }
                self.leaf(16, |s| s.boolean(tag, b))
            }
            0x04 => self.big_integer(item, v, tag, tag_n, ty_n),
            0x07 => self.text(v, tag, tag_n, ty_n),
            0x08 => self.byte_string(v, tag, tag_n, ty_n),
            _ => Err(bad("unknown item type")),
        }
    }

    #[inline]
    fn leaf(&mut self, size: u64, emit: impl FnOnce(&mut S)) -> Walk<Visited<S::Open>> {
        if self.writes(size) {
            emit(self.sink);
        }
        self.pos = self.pos.saturating_add(size);
        Ok(Visited::Leaf(size))
    }

    /// `Array.isArray(v) ? length : None`. Proxies of arrays are arrays to Array.isArray but not to
    /// napi_is_array: that (error-path) case asks Array.isArray itself.
    fn array_length(&self, v: sys::napi_value) -> Walk<Option<u32>> {
        let env = self.env;
        let mut is = false;
        ok(unsafe { sys::napi_is_array(env, v, &mut is) })?;
        if is {
            let mut len = 0;
            ok(unsafe { sys::napi_get_array_length(env, v, &mut len) })?;
            return Ok(Some(len));
        }
        if self.type_of(v)? != ValueType::napi_object {
            return Ok(None);
        }
        let (mut global, mut array, mut is_array, mut result) =
            (ptr::null_mut(), ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        ok(unsafe { sys::napi_get_global(env, &mut global) })?;
        ok(unsafe { sys::napi_get_named_property(env, global, c"Array".as_ptr(), &mut array) })?;
        ok(unsafe { sys::napi_get_named_property(env, array, c"isArray".as_ptr(), &mut is_array) })?;
        ok(unsafe { sys::napi_call_function(env, array, is_array, 1, &v, &mut result) })?;
        ok(unsafe { sys::napi_get_value_bool(env, result, &mut is) })?;
        if !is {
            return Ok(None);
        }
        let len = self.get(v, Self::key(env, "length")?)?;
        // The array iterator's ToLength, for the lengths a proxy of a real array can report.
        Ok(Some(match self.number(len)? {
            Some(n) if n > 0.0 => n.min(f64::from(u32::MAX)) as u32,
            _ => 0,
        }))
    }

    fn big_integer(
        &mut self,
        item: sys::napi_value,
        v: sys::napi_value,
        tag: u32,
        tag_n: Option<f64>,
        ty_n: Option<f64>,
    ) -> Walk<Visited<S::Open>> {
        let env = self.env;
        let mut sign: c_int = 0;
        let mut count = self.words.capacity().max(4);
        self.words.resize(count, 0);
        match unsafe { sys::napi_get_value_bigint_words(env, v, &mut sign, &mut count, self.words.as_mut_ptr()) } {
            Status::napi_ok => {}
            Status::napi_bigint_expected => return Err(self.invalid(tag_n, ty_n, "value must be a bigint")),
            s => return Err(failed(s)),
        }
        if count > self.words.len() {
            self.words.resize(count, 0);
            ok(unsafe { sys::napi_get_value_bigint_words(env, v, &mut sign, &mut count, self.words.as_mut_ptr()) })?;
        }
        self.words.truncate(count);
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
        let negative = sign != 0 && !self.words.is_empty();
        // bigIntWidth: bit length of (v < 0 ? -v - 1 : v), one sign bit, rounded up to 64 bits.
        let mut bits = magnitude_bits(&self.words);
        if negative && is_power_of_two(&self.words) {
            bits -= 1; // |v| - 1 has one bit fewer
        }
        let min = (bits + 1).div_ceil(64) * 8;
        let want = self.get(item, self.key_byte_length)?;
        let width = if self.type_of(want)? == ValueType::napi_undefined {
            min
        } else {
            match self.number(want)? {
                Some(w) if is_integer(w) && w % 8.0 == 0.0 && w >= min as f64 => w as u64, // saturates
                _ => {
                    return Err(self.invalid(
                        tag_n,
                        ty_n,
                        "byteLength must be a multiple of 8 wide enough for the value",
                    ))
                }
            }
        };
        let size = 8u64.saturating_add(width);
        if self.writes(size) {
            let words = std::mem::take(&mut self.words);
            self.sink.big(tag, negative, &words, width as usize);
            self.words = words;
        }
        self.pos = self.pos.saturating_add(size);
        Ok(Visited::Leaf(size))
    }

    fn text(&mut self, v: sys::napi_value, tag: u32, tag_n: Option<f64>, ty_n: Option<f64>) -> Walk<Visited<S::Open>> {
        let env = self.env;
        // One call for the usual short string: V8 writes whole characters only (lone surrogates
        // replaced by U+FFFD), so a result this far below the capacity is the whole string.
        if self.utf8.len() < 256 {
            self.utf8.resize(256, 0);
        }
        let mut n = 0usize;
        match unsafe { sys::napi_get_value_string_utf8(env, v, self.utf8.as_mut_ptr().cast(), self.utf8.len(), &mut n) }
        {
            Status::napi_ok => {}
            Status::napi_string_expected => return Err(self.invalid(tag_n, ty_n, "value must be a string")),
            s => return Err(failed(s)),
        }
        if n + 4 >= self.utf8.len() {
            // Maybe cut short: size for 3 bytes per UTF-16 unit, the most V8 writes.
            let mut units = 0usize;
            ok(unsafe { sys::napi_get_value_string_utf16(env, v, ptr::null_mut(), 0, &mut units) })?;
            self.utf8.resize(units * 3 + 1, 0);
            ok(unsafe {
                sys::napi_get_value_string_utf8(env, v, self.utf8.as_mut_ptr().cast(), self.utf8.len(), &mut n)
            })?;
        }
        let utf8 = self.utf8.get(..n).unwrap_or_default();
        if has_replacement_char(utf8) && !self.well_formed(v)? {
            return Err(self.invalid(tag_n, ty_n, "string has a lone surrogate"));
        }
        let size = 8 + pad8(n as u64);
        if self.writes(size) {
            self.sink.text(tag, self.utf8.get(..n).unwrap_or_default());
        }
        self.pos = self.pos.saturating_add(size);
        Ok(Visited::Leaf(size))
    }

    /// `String.prototype.isWellFormed`, asked only when V8's UTF-8 holds a U+FFFD.
    #[cold]
    fn well_formed(&self, v: sys::napi_value) -> Walk<bool> {
        let mut units = 0usize;
        ok(unsafe { sys::napi_get_value_string_utf16(self.env, v, ptr::null_mut(), 0, &mut units) })?;
        let mut buf = vec![0u16; units + 1];
        let mut n = 0usize;
        ok(unsafe { sys::napi_get_value_string_utf16(self.env, v, buf.as_mut_ptr(), buf.len(), &mut n) })?;
        Ok(char::decode_utf16(buf.iter().take(n).copied()).all(|c| c.is_ok()))
    }

    fn byte_string(
        &mut self,
        v: sys::napi_value,
        tag: u32,
        tag_n: Option<f64>,
        ty_n: Option<f64>,
    ) -> Walk<Visited<S::Open>> {
        let env = self.env;
        // `v instanceof Uint8Array` (a Buffer is one; a Uint8Array of another realm is not).
        let mut is = false;
        if self.type_of(v)? == ValueType::napi_object {
            if self.uint8_array.is_null() {
                let mut global = ptr::null_mut();
                ok(unsafe { sys::napi_get_global(env, &mut global) })?;
                ok(unsafe {
                    sys::napi_get_named_property(env, global, c"Uint8Array".as_ptr(), &mut self.uint8_array)
                })?;
            }
            ok(unsafe { sys::napi_instanceof(env, v, self.uint8_array, &mut is) })?;
        }
        let (mut ty, mut len, mut data) = (0, 0usize, ptr::null_mut::<c_void>());
        if is {
            let (mut ab, mut off) = (ptr::null_mut(), 0usize);
            is = unsafe { sys::napi_get_typedarray_info(env, v, &mut ty, &mut len, &mut data, &mut ab, &mut off) }
                == Status::napi_ok
                && ty == TypedarrayType::uint8_array;
        }
        if !is {
            return Err(self.invalid(tag_n, ty_n, "value must be a Uint8Array"));
        }
        let size = 8u64.saturating_add(pad8(len as u64));
        if self.writes(size) {
            let bytes: &[u8] = if len == 0 || data.is_null() {
                &[]
            } else {
                // SAFETY: V8 reports `len` bytes at `data` (off-heap once napi_get_typedarray_info
                // has asked for the buffer); JS does not run until this copy is done.
                unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }
            };
            self.sink.bytes(tag, bytes);
        }
        self.pos = self.pos.saturating_add(size);
        Ok(Visited::Leaf(size))
    }

    /// The pre-order walk; returns the root's encoded size.
    fn run(&mut self, root: sys::napi_value) -> Walk<u64> {
        let mut stack: Vec<Frame<S::Open>> = Vec::new();
        match self.visit(root, 1)? {
            Visited::Leaf(size) => {
                // Past MAX_OUT only through a BigInteger byteLength or a Uint8Array of about 4 GiB.
                if size > MAX_OUT || self.skip {
                    return Err(Fail::Invalid("item longer than 2^32-1 bytes".to_owned()));
                }
                return Ok(size);
            }
            Visited::Structure(frame) => stack.push(frame),
        }
        while let Some(top) = stack.last_mut() {
            if top.next < top.len {
                let mut child = ptr::null_mut();
                ok(unsafe { sys::napi_get_element(self.env, top.array, top.next, &mut child) })?;
                top.next += 1;
                let depth = top.depth + 1;
                match self.visit(child, depth)? {
                    Visited::Leaf(size) => {
                        if let Some(top) = stack.last_mut() {
                            top.total = top.total.saturating_add(size);
                        }
                    }
                    Visited::Structure(frame) => stack.push(frame),
                }
                continue;
            }
            let Some(done) = stack.pop() else { break };
            if done.total > u64::from(u32::MAX) {
                let tag = Some(f64::from(done.tag));
                return Err(self.invalid(tag, Some(1.0), "structure longer than 2^32-1 bytes"));
            }
            if let Some(open) = done.open {
                if !self.skip {
                    self.sink.close(open, done.total as u32);
                }
            }
            match stack.last_mut() {
                Some(parent) => parent.total = parent.total.saturating_add(8 + done.total),
                None => return Ok(8 + done.total),
            }
        }
        Ok(0)
    }
}

fn magnitude_bits(words: &[u64]) -> u64 {
    match words.last() {
        Some(top) => (words.len() as u64 - 1) * 64 + u64::from(64 - top.leading_zeros()),
        None => 0,
    }
}

fn is_power_of_two(words: &[u64]) -> bool {
    match words.split_last() {
        Some((top, rest)) => top.is_power_of_two() && rest.iter().all(|w| *w == 0),
        None => false,
    }
}

fn has_replacement_char(utf8: &[u8]) -> bool {
    utf8.windows(3).any(|w| w == [0xEF, 0xBF, 0xBD])
}

/// Walks `root` into `sink`; returns the root's encoded size.
pub fn walk<S: Sink>(env: sys::napi_env, sink: &mut S, root: sys::napi_value, max_depth: f64) -> Walk<u64> {
    let mut walker = Walker {
        env,
        sink,
        key_tag: Walker::<S>::key(env, "tag")?,
        key_type: Walker::<S>::key(env, "type")?,
        key_value: Walker::<S>::key(env, "value")?,
        key_byte_length: Walker::<S>::key(env, "byteLength")?,
        uint8_array: ptr::null_mut(),
        max_depth,
        pos: 0,
        skip: false,
        utf8: Vec::new(),
        words: Vec::new(),
    };
    walker.run(root)
}

thread_local! {
    /// The output vector, kept between calls (taken out during one, so a re-entrant call from a
    /// getter simply gets a fresh one).
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Largest output vector kept for the next call.
const SCRATCH_KEEP: usize = 4 << 20;

fn buffer_copy(env: sys::napi_env, bytes: &[u8]) -> Walk<sys::napi_value> {
    let (mut data, mut buf) = (ptr::null_mut(), ptr::null_mut());
    ok(unsafe { sys::napi_create_buffer_copy(env, bytes.len(), bytes.as_ptr().cast(), &mut data, &mut buf) })?;
    Ok(buf)
}

/// `encodeTree(item, maxDepth)`: TTLV written as the walk goes, into one reused vector.
pub fn encode_direct(env: sys::napi_env, root: sys::napi_value, max_depth: f64) -> Walk<sys::napi_value> {
    let mut out = SCRATCH.with(Cell::take);
    out.clear();
    let result = walk(env, &mut Direct { out: &mut out }, root, max_depth).and_then(|_| buffer_copy(env, &out));
    if out.capacity() <= SCRATCH_KEEP {
        SCRATCH.with(|s| s.set(out));
    }
    result
}

/// Throws `fail` as a JS Error with `code` ERR_TTLV_*, `errno` and `offset` -1 (a pending
/// exception is left as it is).
pub fn throw(env: sys::napi_env, fail: Fail) -> napi::Error {
    let (errno, code, message) = match fail {
        Fail::Pending => return napi::Error::from_status(napi::Status::PendingException),
        Fail::Napi(s) => {
            return napi::Error::new(
                napi::Status::GenericFailure,
                format!("kmipkit: Node-API call failed (status {s})"),
            )
        }
        Fail::Invalid(detail) => {
            (INVALID_VALUE, "ERR_TTLV_INVALID_VALUE", format!("value cannot be encoded as its item type ({detail})"))
        }
        Fail::TooDeep(limit) => (
            ENCODE_TOO_DEEP,
            "ERR_TTLV_ENCODE_TOO_DEEP",
            format!("item tree nested deeper than the depth limit (deeper than {limit})"),
        ),
    };
    let thrown = (|| -> Walk<()> {
        let string = |s: &str| -> Walk<sys::napi_value> {
            let mut v = ptr::null_mut();
            ok(unsafe { sys::napi_create_string_utf8(env, s.as_ptr().cast::<c_char>(), s.len() as isize, &mut v) })?;
            Ok(v)
        };
        let (mut err, mut errno_v, mut offset_v) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        ok(unsafe { sys::napi_create_error(env, string(code)?, string(&message)?, &mut err) })?;
        ok(unsafe { sys::napi_create_uint32(env, errno, &mut errno_v) })?;
        ok(unsafe { sys::napi_create_int32(env, -1, &mut offset_v) })?;
        ok(unsafe { sys::napi_set_named_property(env, err, c"errno".as_ptr(), errno_v) })?;
        ok(unsafe { sys::napi_set_named_property(env, err, c"offset".as_ptr(), offset_v) })?;
        ok(unsafe { sys::napi_throw(env, err) })
    })();
    match thrown {
        Ok(()) | Err(Fail::Pending) => napi::Error::from_status(napi::Status::PendingException),
        Err(_) => napi::Error::new(napi::Status::GenericFailure, message),
    }
}
