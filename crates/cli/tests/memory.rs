//! Bounded memory: a big-endian file at a misaligned offset is decoded in fixed-size buffers, not
//! copied whole. Its own test binary, so that the peak resident size (`VmHWM`) is this sum's.

use coresum_cli::dtype::Dtype;
use coresum_cli::sum::{ModeArg, SumArgs};
use std::io::Write;

/// The process's peak resident set size, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 1024
}

#[test]
#[cfg(target_os = "linux")]
fn a_big_endian_file_sums_in_bounded_memory() {
    const MIB: usize = 1 << 20;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big-endian.raw");
    let elements_per_mib = MIB / 4;
    let mib = 384;
    let mut expected = 0i128;
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        file.write_all(&[7, 7, 7]).unwrap(); // misaligns every element
        let mut block = Vec::with_capacity(MIB);
        for m in 0..mib {
            block.clear();
            for i in 0..elements_per_mib {
                let x = ((m * elements_per_mib + i) as i32).wrapping_mul(-1_640_531_535);
                expected += i128::from(x);
                block.extend(x.to_be_bytes());
            }
            file.write_all(&block).unwrap();
        }
    }
    let before = peak_rss();
    let args = SumArgs {
        files: vec![path],
        dtype: Some(Dtype::I32),
        be: true,
        offset: 3,
        mode: ModeArg::Exact,
        threads: Some(2),
        cores: None,
        json: false,
    };
    let summed = args.run().unwrap();
    let grown = peak_rss().saturating_sub(before);
    assert_eq!(summed[0].report.sum, expected.to_string());
    assert_eq!(summed[0].report.count, mib * elements_per_mib);
    // One 1 MiB buffer per worker, and the pool's threads; a whole copy would be 384 MiB.
    assert!(
        grown < 32 * MIB as u64,
        "peak RSS grew by {} MiB",
        grown >> 20
    );
}
