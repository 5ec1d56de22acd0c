//! The algorithms, each written once over a crate-private vector trait, with no instruction of
//! its own: [`int`] (widening integer sums over `int::Vector`) and [`float`] (the fast, certified
//! and error-free float passes over `float::FloatVector`).
//!
//! Every function here is `#[inline(always)]` and `unsafe`: it only becomes machine code inside
//! the `#[target_feature]` functions that `arch::kernel_table!` generates per ISA, whose table is
//! the proof that the CPU supports the instructions the vector type uses. A new reduction starts
//! here, as one more generic function (docs/DESIGN.md, "Adding a reduction").

// column sums of a tile (issue 12).
pub(crate) mod columns;
// dot (issue 11).
pub(crate) mod dot;
pub(crate) mod extreme;
pub(crate) mod float;
pub(crate) mod int;
// The integer dot products on AVX-512 VNNI (issue 11).
#[cfg(coresum_x86)]
pub(crate) mod vnni;
// layouts (issue 12).
pub(crate) mod layout;
// fused masked and strided sums (issue 12, "fused"): the lane masks the sum kernels load through.
pub(crate) mod mask;
