//! Shared by the property tests: values placed at an exact offset from a 128-byte boundary.

/// Backing storage aligned to 128 bytes, so that an element offset is an exact position relative to
/// cache lines and vector widths.
#[repr(C, align(128))]
#[derive(Clone, Copy)]
struct Line([u8; 128]);

/// `values` copied into fresh 128-byte-aligned storage, starting `offset` elements in.
pub struct Placed<T> {
    storage: Vec<Line>,
    offset: usize,
    len: usize,
    _t: std::marker::PhantomData<T>,
}

impl<T: Copy> Placed<T> {
    /// Copies `values` to `offset` elements past a 128-byte boundary.
    pub fn new(values: &[T], offset: usize) -> Self {
        let bytes = (offset + values.len()) * size_of::<T>();
        let mut storage = vec![Line([0; 128]); bytes.div_ceil(128) + 1];
        let base = storage.as_mut_ptr().cast::<T>();
        // SAFETY: the storage holds `offset + len` elements of `T` (alignment <= 128); the element
        // types used (integers, floats) accept every bit pattern, including the initial zeros.
        unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), base.add(offset), values.len()) };
        Placed {
            storage,
            offset,
            len: values.len(),
            _t: std::marker::PhantomData,
        }
    }

    /// The placed values.
    pub fn slice(&self) -> &[T] {
        // SAFETY: `new` wrote `len` elements at `offset`; the storage outlives the borrow.
        unsafe {
            std::slice::from_raw_parts(self.storage.as_ptr().cast::<T>().add(self.offset), self.len)
        }
    }
}
