//! Partials on the wire: a fixed number of bytes per rank, combined by a user-defined MPI reduction.
//!
//! A partial travels as one element of a contiguous byte datatype of its own length, so MPI never
//! looks inside it (nor converts it: the encodings are little-endian by definition). The operation
//! is registered as commutative: both kinds combine exactly, so any order and grouping of the
//! ranks' partials gives the same bytes.

use coresum::ExactSum;
use mpi::collective::UnsafeUserOperation;
use mpi::datatype::{Equivalence, MutView, UserDatatype, View};
use mpi::ffi::MPI_Datatype;
use mpi::traits::{Communicator, CommunicatorCollectives};
use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

/// How one kind of partial is encoded and combined.
pub(crate) trait Wire {
    /// The encoded length, the same on every rank.
    fn len() -> usize;
    /// Replaces `into` by the combination of `into` and `from` (each [`len`](Wire::len) bytes).
    /// Runs inside MPI, behind a C call: it must not panic.
    fn combine(into: &mut [u8], from: &[u8]);
}

/// A 128-bit integer sum, little-endian two's complement: the same addition serves `i128` and
/// `u128`. It cannot wrap: no data that exists sums beyond 2^125 in magnitude (see
/// [`coresum::Summable`]; even 2^30 ranks of 2^63-byte slices of `u64::MAX` stay below 2^127).
pub(crate) struct Int128;

impl Wire for Int128 {
    fn len() -> usize {
        16
    }

    fn combine(into: &mut [u8], from: &[u8]) {
        let (Ok(a), Ok(b)) = (<[u8; 16]>::try_from(&*into), <[u8; 16]>::try_from(from)) else {
            return;
        };
        let total = i128::from_le_bytes(a).wrapping_add(i128::from_le_bytes(b));
        into.copy_from_slice(&total.to_le_bytes());
    }
}

/// An [`ExactSum`] in its checksummed encoding ([`ExactSum::to_bytes`]).
pub(crate) struct Exact;

impl Wire for Exact {
    fn len() -> usize {
        static LEN: OnceLock<usize> = OnceLock::new();
        *LEN.get_or_init(|| ExactSum::new().to_bytes().len())
    }

    fn combine(into: &mut [u8], from: &[u8]) {
        match (ExactSum::from_bytes(into), ExactSum::from_bytes(from)) {
            (Ok(mut total), Ok(other)) => {
                total.merge(&other);
                into.copy_from_slice(&total.to_bytes());
            }
            // Only a broken transport can get here. Zeros fail to decode on every rank that
            // receives them, so the caller reports it instead of returning a wrong sum.
            _ => into.fill(0),
        }
    }
}

/// The MPI user function of `W`: folds `*len` partials of `invec` into those of `inoutvec`.
///
/// # Safety
///
/// Called by MPI only, for reductions whose datatype is `W::len()` contiguous bytes: `invec` and
/// `inoutvec` then point to `*len` such elements each, and do not overlap.
unsafe extern "C" fn combine_all<W: Wire>(
    invec: *mut c_void,
    inoutvec: *mut c_void,
    len: *mut c_int,
    _datatype: *mut MPI_Datatype,
) {
    // SAFETY: MPI passes a valid count (see this function's contract).
    let count = usize::try_from(unsafe { *len }).unwrap_or(0);
    let bytes = count * W::len();
    // SAFETY: both buffers hold `count` elements of `W::len()` bytes and do not overlap (the
    // function's contract); nothing else touches them during the call.
    let (from, into) = unsafe {
        (
            std::slice::from_raw_parts(invec.cast::<u8>(), bytes),
            std::slice::from_raw_parts_mut(inoutvec.cast::<u8>(), bytes),
        )
    };
    for (into, from) in into
        .chunks_exact_mut(W::len())
        .zip(from.chunks_exact(W::len()))
    {
        W::combine(into, from);
    }
}

/// Combines every rank's `local` partial (`W::len()` bytes) with `MPI_Allreduce`; every rank gets
/// the combined bytes.
pub(crate) fn all_reduce<W: Wire, C: Communicator>(comm: &C, local: &[u8]) -> Vec<u8> {
    assert_eq!(local.len(), W::len(), "a partial of the wrong length");
    let len = mpi::Count::try_from(W::len()).expect("a partial is a few hundred bytes");
    let datatype = UserDatatype::contiguous(len, &u8::equivalent_datatype());
    // SAFETY: `combine_all::<W>` is only called for this reduction, whose datatype is `W::len()`
    // contiguous bytes, as its contract requires; it never panics (`Wire::combine` must not).
    let op = unsafe { UnsafeUserOperation::commutative(combine_all::<W>) };
    let mut total = vec![0u8; W::len()];
    {
        // SAFETY: one element of `datatype` is exactly `W::len()` bytes, the length of both
        // buffers: no padding, nothing beyond them.
        let send = unsafe { View::with_count_and_datatype(local, 1, &datatype) };
        // SAFETY: as above.
        let mut receive = unsafe { MutView::with_count_and_datatype(&mut total[..], 1, &datatype) };
        comm.all_reduce_into(&send, &mut receive, &op);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int128_adds_signed_and_unsigned_alike() {
        let mut into = (-5i128).to_le_bytes();
        Int128::combine(&mut into, &7i128.to_le_bytes());
        assert_eq!(i128::from_le_bytes(into), 2);
        let mut into = (u128::MAX - 3).to_le_bytes();
        Int128::combine(&mut into, &2u128.to_le_bytes());
        assert_eq!(u128::from_le_bytes(into), u128::MAX - 1);
    }

    #[test]
    fn exact_merges_and_poisons_bad_input() {
        let (mut a, mut b) = (ExactSum::new(), ExactSum::new());
        a.add(1e308);
        b.add(-1e308);
        b.add(0.5);
        let mut into = a.to_bytes();
        Exact::combine(&mut into, &b.to_bytes());
        assert_eq!(ExactSum::from_bytes(&into).unwrap().finish(), 0.5);
        let mut corrupt = b.to_bytes();
        corrupt[10] ^= 1;
        Exact::combine(&mut into, &corrupt);
        assert!(ExactSum::from_bytes(&into).is_err());
    }
}
