//! Objects with the buffer protocol: which element type a buffer holds, and how it reaches the
//! engine.
//!
//! - A buffer whose elements fill one gap-free block of memory (C or Fortran order, reversed or
//!   transposed axes, 0-d) in native byte order, suitably aligned, is summed in place: no copy.
//! - Any other (gaps between elements, the other byte order, misaligned) is first gathered into a
//!   native contiguous copy, with the GIL released, and that copy is summed.
//!
//! Everything that is not a buffer goes to [`crate::iterable`].

use crate::{Total, iterable, sum_error};
use coresum::{Mode, Pool, Summable};
use half::f16;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::borrow::Cow;
use std::ops::Deref;

/// The element types a buffer can hold, by their `struct` format and item size. `?` (bool) is
/// summed as `u8`: numpy and `struct` store `True` as 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Elem {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F16,
    F32,
    F64,
}

/// Runs `$body` with `$t` bound to the Rust type of `$elem`.
macro_rules! with_elem {
    ($elem:expr, $t:ident => $body:expr) => {
        match $elem {
            Elem::U8 => {
                type $t = u8;
                $body
            }
            Elem::I8 => {
                type $t = i8;
                $body
            }
            Elem::U16 => {
                type $t = u16;
                $body
            }
            Elem::I16 => {
                type $t = i16;
                $body
            }
            Elem::U32 => {
                type $t = u32;
                $body
            }
            Elem::I32 => {
                type $t = i32;
                $body
            }
            Elem::U64 => {
                type $t = u64;
                $body
            }
            Elem::I64 => {
                type $t = i64;
                $body
            }
            Elem::F16 => {
                type $t = half::f16;
                $body
            }
            Elem::F32 => {
                type $t = f32;
                $body
            }
            Elem::F64 => {
                type $t = f64;
                $body
            }
        }
    };
}
pub(crate) use with_elem;

impl Elem {
    /// The element type's numpy name, for error messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Elem::U8 => "uint8",
            Elem::I8 => "int8",
            Elem::U16 => "uint16",
            Elem::I16 => "int16",
            Elem::U32 => "uint32",
            Elem::I32 => "int32",
            Elem::U64 => "uint64",
            Elem::I64 => "int64",
            Elem::F16 => "float16",
            Elem::F32 => "float32",
            Elem::F64 => "float64",
        }
    }

    /// The element type of a buffer with `struct` format `format` and items of `size` bytes, and
    /// whether its bytes are in the other order than this machine's.
    fn parse(format: &str, size: usize) -> PyResult<(Elem, bool)> {
        let (order, code) = match format.chars().next() {
            Some(c @ ('@' | '=' | '<' | '>' | '!')) => (c, &format[1..]),
            _ => ('@', format),
        };
        let big = match order {
            '<' => false,
            '>' | '!' => true,
            _ => cfg!(target_endian = "big"),
        };
        let swap = big != cfg!(target_endian = "big");
        let unsupported = |why: &str| {
            PyTypeError::new_err(format!(
                "cannot sum a buffer of format {format:?} ({why}); coresum sums integers, \
                 bools and float16/32/64"
            ))
        };
        let elem = match (code, size) {
            ("b", 1) => Elem::I8,
            ("B" | "?", 1) => Elem::U8,
            ("h" | "i" | "l" | "q" | "n", 2) => Elem::I16,
            ("h" | "i" | "l" | "q" | "n", 4) => Elem::I32,
            ("h" | "i" | "l" | "q" | "n", 8) => Elem::I64,
            ("H" | "I" | "L" | "Q" | "N", 2) => Elem::U16,
            ("H" | "I" | "L" | "Q" | "N", 4) => Elem::U32,
            ("H" | "I" | "L" | "Q" | "N", 8) => Elem::U64,
            ("e", 2) => Elem::F16,
            ("f", 4) => Elem::F32,
            ("d", 8) => Elem::F64,
            ("O", _) => return Err(unsupported("Python objects")),
            (z, _) if z.starts_with('Z') => return Err(unsupported("complex numbers")),
            ("c" | "s" | "p" | "w" | "u", _) => return Err(unsupported("characters")),
            _ => return Err(unsupported("not a numeric type coresum knows")),
        };
        Ok((elem, swap))
    }
}

/// A buffer exported by an object (`PyObject_GetBuffer`), released on drop. pyo3's own
/// `PyBuffer` refuses 0-d arrays (a null shape), which are valid input here.
struct Export(Box<ffi::Py_buffer>);

// SAFETY: the export only hands out reads of the exporter's memory, which stays alive (and
// unresized) until the export is released; releasing takes the GIL, on whichever thread.
unsafe impl Send for Export {}
// SAFETY: as above: shared, read-only access.
unsafe impl Sync for Export {}

impl Export {
    fn get(data: &Bound<'_, PyAny>) -> PyResult<Export> {
        // SAFETY: `Py_buffer` is plain data (pointers and integers): all zeroes is a valid value.
        let mut view: Box<ffi::Py_buffer> = Box::new(unsafe { std::mem::zeroed() });
        // SAFETY: `data` is a live object and `view` a writable `Py_buffer` that stays at this
        // address (boxed) until `PyBuffer_Release` in `drop`.
        if unsafe { ffi::PyObject_GetBuffer(data.as_ptr(), &mut *view, ffi::PyBUF_FULL_RO) } != 0 {
            return Err(PyErr::fetch(data.py()));
        }
        let export = Export(view);
        if export.0.ndim > 0 && (export.0.shape.is_null() || export.0.strides.is_null()) {
            return Err(PyTypeError::new_err("the buffer gives no shape or strides"));
        }
        Ok(export)
    }

    fn ndim(&self) -> usize {
        usize::try_from(self.0.ndim).unwrap_or(0)
    }

    fn shape(&self) -> &[usize] {
        if self.ndim() == 0 {
            return &[];
        }
        // SAFETY: checked non-null in `get`; the exporter gives `ndim` non-negative extents.
        unsafe { std::slice::from_raw_parts(self.0.shape.cast::<usize>(), self.ndim()) }
    }

    fn strides(&self) -> &[isize] {
        if self.ndim() == 0 {
            return &[];
        }
        // SAFETY: checked non-null in `get`; the exporter gives `ndim` strides.
        unsafe { std::slice::from_raw_parts(self.0.strides, self.ndim()) }
    }

    fn indirect(&self) -> bool {
        !self.0.suboffsets.is_null() && {
            // SAFETY: a non-null `suboffsets` holds `ndim` entries.
            let offsets = unsafe { std::slice::from_raw_parts(self.0.suboffsets, self.ndim()) };
            offsets.iter().any(|&o| o >= 0)
        }
    }

    fn format(&self) -> String {
        if self.0.format.is_null() {
            return "B".into(); // the buffer protocol's default: unsigned bytes
        }
        // SAFETY: a non-null `format` is a NUL-terminated string owned by the export.
        unsafe { std::ffi::CStr::from_ptr(self.0.format) }
            .to_string_lossy()
            .into_owned()
    }

    fn item_size(&self) -> usize {
        usize::try_from(self.0.itemsize).unwrap_or(0)
    }

    fn item_count(&self) -> usize {
        self.shape().iter().product()
    }

    fn base(&self) -> *const u8 {
        self.0.buf.cast::<u8>().cast_const()
    }
}

impl Drop for Export {
    fn drop(&mut self) {
        // During interpreter shutdown there is no GIL to be had, and nothing left to release.
        let _ = Python::try_attach(|_| {
            // SAFETY: the view was filled by `PyObject_GetBuffer` and is released once, here.
            unsafe { ffi::PyBuffer_Release(&mut *self.0) }
        });
    }
}

/// An exported buffer and what the engine needs to know about it.
pub(crate) struct Buffer {
    buf: Export,
    pub(crate) elem: Elem,
    /// Where the elements fill one gap-free, native, aligned block: its lowest address and length.
    block: Option<(*const u8, usize)>,
    /// Whether that block holds the elements in C order (what order-sensitive reductions need).
    c_order: bool,
    swap: bool,
}

// SAFETY: the raw pointer in `block` points into the exporter's memory, which the `Export`
// (itself Send + Sync) keeps alive; it is only read.
unsafe impl Send for Buffer {}
// SAFETY: as above: shared, read-only access.
unsafe impl Sync for Buffer {}

impl Buffer {
    /// The buffer of `data`, or `None` if it has none. Unsupported element types are an error.
    pub(crate) fn get(data: &Bound<'_, PyAny>) -> PyResult<Option<Buffer>> {
        // SAFETY: `data` is a live object; `PyObject_CheckBuffer` only reads its type.
        if unsafe { pyo3::ffi::PyObject_CheckBuffer(data.as_ptr()) } == 0 {
            return Ok(None);
        }
        let buf = Export::get(data)?;
        if buf.indirect() {
            return Err(PyTypeError::new_err(
                "cannot sum an indirect buffer (PIL-style suboffsets)",
            ));
        }
        let (elem, swap) = Elem::parse(&buf.format(), buf.item_size())?;
        let align = with_elem!(elem, T => align_of::<T>());
        let block = if swap {
            None
        } else {
            dense_block(buf.shape(), buf.strides(), buf.item_size()).and_then(|(low, len)| {
                let start = buf.base().wrapping_offset(low);
                (len == 0 || start.addr() % align == 0).then_some((start, len))
            })
        };
        let c_order = block.is_some() && is_c_order(buf.shape(), buf.strides(), buf.item_size());
        Ok(Some(Buffer {
            buf,
            elem,
            block,
            c_order,
            swap,
        }))
    }

    /// The elements as a slice, where they can be read in place.
    pub(crate) fn slice<T: Wire>(&self) -> Option<&[T]> {
        let (start, len) = self.block?;
        if len == 0 {
            return Some(&[]);
        }
        debug_assert_eq!(size_of::<T>(), self.buf.item_size());
        // SAFETY: `Buffer::get` checked that the `len` elements fill the block from `start`
        // without gaps, in native order and aligned for `T` (whose size is the item size); the
        // exported buffer keeps the memory alive while `self` lives.
        Some(unsafe { std::slice::from_raw_parts(start.cast::<T>(), len) })
    }

    /// The number of elements.
    pub(crate) fn len(&self) -> usize {
        self.buf.item_count()
    }

    /// The elements in any order (for sums): in place where they fill one block, else a
    /// gathered copy.
    pub(crate) fn elements<T: Wire>(&self) -> Cow<'_, [T]> {
        match self.slice() {
            Some(data) => Cow::Borrowed(data),
            None => Cow::Owned(self.gather()),
        }
    }

    /// The elements in C order (numpy's flat order): in place where the buffer holds them so,
    /// else a gathered copy.
    pub(crate) fn c_elements<T: Wire>(&self) -> Cow<'_, [T]> {
        match self.slice().filter(|_| self.c_order) {
            Some(data) => Cow::Borrowed(data),
            None => Cow::Owned(self.gather()),
        }
    }

    /// A native contiguous copy of the elements, in C order.
    pub(crate) fn gather<T: Wire>(&self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.buf.item_count());
        let base = self.buf.base();
        for_each_offset(self.buf.shape(), self.buf.strides(), 0, &mut |offset| {
            // SAFETY: `offset` is the byte offset of an element of the buffer (an in-bounds index
            // times the strides the exporter gave); `Wire::read` reads it unaligned.
            out.push(unsafe { T::read(base.wrapping_offset(offset), self.swap) });
        });
        out
    }
}

/// The lowest byte offset and the length of the block that the elements fill, if they fill one
/// without gaps (in any axis order and direction); `(0, 0)` when there are none.
fn dense_block(shape: &[usize], strides: &[isize], item: usize) -> Option<(isize, usize)> {
    let len = shape.iter().product::<usize>();
    if len == 0 {
        return Some((0, 0));
    }
    let mut axes: Vec<(usize, isize)> = shape
        .iter()
        .copied()
        .zip(strides.iter().copied())
        .filter(|&(n, _)| n > 1)
        .collect();
    axes.sort_by_key(|&(_, stride)| stride.unsigned_abs());
    let (mut expected, mut low) = (item, 0isize);
    for (n, stride) in axes {
        if stride.unsigned_abs() != expected {
            return None;
        }
        if stride < 0 {
            low += stride * (n as isize - 1);
        }
        expected *= n;
    }
    Some((low, len))
}

/// Whether elements with these extents and byte strides lie in C order without gaps.
fn is_c_order(shape: &[usize], strides: &[isize], item: usize) -> bool {
    let mut expected = item as isize;
    for (&n, &stride) in shape.iter().zip(strides).rev() {
        if n > 1 && stride != expected {
            return false;
        }
        expected *= n as isize;
    }
    true
}

/// Calls `f` with the byte offset of every element, in C order.
fn for_each_offset(shape: &[usize], strides: &[isize], base: isize, f: &mut impl FnMut(isize)) {
    match (shape.split_first(), strides.split_first()) {
        (Some((&n, shape)), Some((&stride, strides))) => {
            for i in 0..n as isize {
                for_each_offset(shape, strides, base + i * stride, f);
            }
        }
        _ => f(base),
    }
}

/// An element type as a buffer stores it.
pub(crate) trait Wire: Summable<Output: Into<Total>> {
    /// Reads one element at `ptr`, swapping its bytes if `swap`.
    ///
    /// # Safety
    /// `ptr` must be valid for reading `size_of::<Self>()` bytes (at any alignment).
    unsafe fn read(ptr: *const u8, swap: bool) -> Self;

    /// One element as a result (`min`, `max`): a Python int or float.
    fn value(self) -> Total;
}

macro_rules! wire {
    ($($t:ty => $bits:ty, $from:expr, $total:ident;)*) => {$(
        impl Wire for $t {
            fn value(self) -> Total {
                Total::$total(self.into())
            }

            unsafe fn read(ptr: *const u8, swap: bool) -> Self {
                // SAFETY: the caller guarantees `size_of::<$bits>()` readable bytes at `ptr`.
                let bits = unsafe { ptr.cast::<$bits>().read_unaligned() };
                $from(if swap { bits.swap_bytes() } else { bits })
            }
        }
    )*};
}

wire! {
    u8 => u8, std::convert::identity, Unsigned;
    i8 => i8, std::convert::identity, Signed;
    u16 => u16, std::convert::identity, Unsigned;
    i16 => i16, std::convert::identity, Signed;
    u32 => u32, std::convert::identity, Unsigned;
    i32 => i32, std::convert::identity, Signed;
    u64 => u64, std::convert::identity, Unsigned;
    i64 => i64, std::convert::identity, Signed;
    f16 => u16, f16::from_bits, Float;
    f32 => u32, f32::from_bits, Float;
    f64 => u64, f64::from_bits, Float;
}

/// A buffer's elements owned for an asynchronous sum: the export itself where the elements can be
/// read in place, else the gathered copy.
pub(crate) enum Owned<T> {
    InPlace(Buffer),
    Copy(Vec<T>),
}

impl<T: Wire> Deref for Owned<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Owned::InPlace(buffer) => buffer.slice().unwrap_or_default(),
            Owned::Copy(vec) => vec,
        }
    }
}

impl<T: Wire> Owned<T> {
    pub(crate) fn new(buffer: Buffer) -> Self {
        if buffer.block.is_some() {
            Owned::InPlace(buffer)
        } else {
            Owned::Copy(buffer.gather())
        }
    }
}

/// The sum of the elements of `buffer`, on `pool` (or inline where there is none).
pub(crate) fn sum_buffer(buffer: &Buffer, mode: Mode, pool: Option<&Pool>) -> Total {
    fn on<T: Summable<Output: Into<Total>>>(pool: Option<&Pool>, data: &[T], mode: Mode) -> Total {
        match pool {
            Some(pool) => pool.sum_with(data, mode).into(),
            None => coresum::sum_with(data, mode).into(),
        }
    }
    with_elem!(buffer.elem, T => on(pool, &buffer.elements::<T>(), mode))
}

/// `coresum.sum` of anything: a buffer (GIL released while it is summed) or an iterable.
pub(crate) fn sum_any(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    mode: Mode,
    pool: Option<&Pool>,
) -> PyResult<Py<PyAny>> {
    match Buffer::get(data)? {
        Some(buffer) => {
            let total = py.detach(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    sum_buffer(&buffer, mode, pool)
                }))
            });
            drop(buffer);
            total
                .map_err(|_| sum_error(coresum::SumError::Panicked("summing a buffer".into())))?
                .into_py(py)
        }
        None => iterable::sum_iterable(py, refuse_text(data)?),
    }
}

/// `data` unless it is text, which iterates as characters and is never meant as numbers.
pub(crate) fn refuse_text<'a, 'py>(data: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyAny>> {
    if data.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "cannot sum a str: pass numbers, not text",
        ));
    }
    Ok(data)
}
