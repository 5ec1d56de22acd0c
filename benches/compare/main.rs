//! Every peer side by side, for `docs/PERFORMANCE.md`: the bench behind `scripts/compare.sh`.
//! `harness.rs` measures peers interleaved, `measure.rs` says which peers on which data,
//! `report.rs` is the typed report (`rust.json`, `python.json`), `markdown.rs` and `plot.rs` render
//! it.
//!
//! `cargo bench --bench compare -- measure [--quick]` measures the Rust-side peers and writes
//! `target/compare/rust.json`; `scripts/compare_py.py` then adds numpy and `math.fsum` over the
//! same bytes (`target/compare/python.json`); `cargo bench --bench compare -- render` merges both
//! into the marked section of `docs/PERFORMANCE.md` and the SVGs in `docs/img/`.
//!
//! The machine is shared and noisy, so peers compared in one table row are measured *interleaved*:
//! `rounds` round-robin passes (the order rotated each pass), each sample a batch of calls lasting
//! about `sample` after a short pause (so that peers that spin after their work — OpenMP, coresum's
//! workers — do not steal the next peer's cores), and each figure the median per call. Noise then
//! hits every peer of a row alike, and the report gives ratios between them.

mod harness;
mod markdown;
mod measure;
mod plot;
mod report;

use std::process::ExitCode;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
const GIB: usize = 1 << 30;
const OUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/compare");
const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs");

/// What went wrong, with the file or step it concerns.
type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    let result = match args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(String::as_str)
    {
        Some("measure") => measure::measure(quick),
        Some("render") => plot::render(),
        _ => Err("usage: cargo bench --bench compare -- measure [--quick] | render".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("compare: {message}");
            ExitCode::FAILURE
        }
    }
}
