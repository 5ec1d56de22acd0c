//! [`mean`], [`min`], [`max`], [`argmin`], [`argmax`] across ranks: the same result on every rank,
//! the one `coresum`'s function of the same name gives for the ranks' slices concatenated in rank
//! order.

use crate::{Element, all_reduce_exact, all_reduce_i128, node_pool};
use mpi::traits::{Communicator, CommunicatorCollectives};

/// The correctly rounded mean of every rank's `local` slice, on every rank; `None` when every
/// slice is empty. The exact global sum (integers exactly, floats as [`coresum::ExactSum`] states)
/// and the global count are reduced, then divided once ([`coresum::ExactSum::finish_mean`]):
/// bit-identical to `coresum::mean` of all the data, for any number of ranks and any split.
/// Collective over `comm`.
///
/// # Panics
///
/// As [`crate::sum_with`]: if a state arrives corrupted.
pub fn mean<T: Element, C: Communicator>(comm: &C, local: &[T]) -> Option<f64> {
    let pool = node_pool(comm);
    let state = T::exact_state(pool.as_deref(), local);
    let count = all_reduce_i128(comm, local.len() as i128) as u64;
    all_reduce_exact(comm, &state).finish_mean(count)
}

/// Bytes of one rank's candidate: its slice's length, the candidate's index in it, whether it has
/// one, and the candidate's bytes.
const RECORD: usize = 32;

/// The first best element over every rank's slice and its global index (ranks in rank order):
/// each rank finds its own first best, every rank gathers all the candidates, and `coresum`'s own
/// rule picks the first best of them, so that NaN, `-0.0`/`+0.0` and ties are decided exactly as
/// in one process.
fn extreme<T: Element, C: Communicator>(comm: &C, local: &[T], max: bool) -> Option<(T, u64)> {
    let pool = node_pool(comm);
    let best = match (pool.as_deref(), max) {
        (Some(pool), true) => pool.argmax(local),
        (Some(pool), false) => pool.argmin(local),
        (None, true) => coresum::argmax(local),
        (None, false) => coresum::argmin(local),
    };
    let mut record = [0u8; RECORD];
    record[..8].copy_from_slice(&(local.len() as u64).to_le_bytes());
    if let Some(index) = best {
        record[8..16].copy_from_slice(&(index as u64).to_le_bytes());
        record[16] = 1;
        // SAFETY: `Element` types are primitive numbers (sealed): plain data of `size_of::<T>()`
        // ≤ 8 bytes, no padding; `record[24..]` has room for them.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (&raw const local[index]).cast::<u8>(),
                record[24..].as_mut_ptr(),
                size_of::<T>(),
            );
        }
    }
    let size = usize::try_from(comm.size()).expect("MPI sizes are positive");
    let mut all = vec![0u8; RECORD * size];
    comm.all_gather_into(&record[..], &mut all[..]);
    let (mut values, mut places) = (Vec::new(), Vec::new());
    let mut offset = 0u64;
    for record in all.chunks_exact(RECORD) {
        let word = |at: usize| u64::from_le_bytes(record[at..at + 8].try_into().expect("8 bytes"));
        if record[16] == 1 {
            // SAFETY: `Element` types accept every bit pattern; the bytes were copied from a `T`
            // (an unaligned read: the record is bytes).
            values.push(unsafe { std::ptr::read_unaligned(record[24..].as_ptr().cast::<T>()) });
            places.push(offset + word(8));
        }
        offset += word(0);
    }
    let first = if max {
        coresum::argmax(&values)
    } else {
        coresum::argmin(&values)
    }?;
    Some((values[first], places[first]))
}

macro_rules! extremes {
    ($($name:ident, $what:literal, $max:literal, |$best:ident| $out:expr => $ty:ty;)*) => {$(
        #[doc = concat!("The ", $what, " of every rank's `local` slice (ranks in rank order), on every rank;")]
        /// `None` when every slice is empty. The same as `coresum`'s function of the same name over
        /// the concatenated slices: a NaN wins, `-0.0` and `+0.0` tie, the first of a tie wins.
        /// Collective over `comm`.
        pub fn $name<T: Element, C: Communicator>(comm: &C, local: &[T]) -> Option<$ty> {
            extreme(comm, local, $max).map(|$best| $out)
        }
    )*};
}

extremes! {
    min, "smallest element", false, |best| best.0 => T;
    max, "largest element", true, |best| best.0 => T;
    argmin, "global index of the first smallest element", false, |best| best.1 => u64;
    argmax, "global index of the first largest element", true, |best| best.1 => u64;
}
