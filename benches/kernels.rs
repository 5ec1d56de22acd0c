//! Placeholder until the kernel benchmark lands.
fn main() {}
