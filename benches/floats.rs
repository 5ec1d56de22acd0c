//! Placeholder, replaced by the float benchmark.
fn main() {}
