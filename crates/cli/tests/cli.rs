//! The `coresum` command line on generated files: every dtype and byte order, shapes, raw files
//! (also at a misaligned offset), the JSON report, and every kind of bad input (exit status 2, one
//! message, never a panic).

use assert_cmd::Command;
use coresum_cli::npy::write_header;
use std::path::{Path, PathBuf};

fn coresum() -> Command {
    Command::cargo_bin("coresum").unwrap()
}

/// A `.npy` file with `descr`, `shape` and the already encoded `data`.
fn npy(dir: &Path, name: &str, descr: &str, shape: &[usize], data: &[u8]) -> PathBuf {
    let mut file = write_header(descr, shape);
    file.extend(data);
    let path = dir.join(name);
    std::fs::write(&path, file).unwrap();
    path
}

/// Runs `coresum sum <args> --json` and returns the parsed report.
fn report(args: &[&str]) -> serde_json::Value {
    let output = coresum()
        .arg("sum")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "coresum sum {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object")
}

fn sum_of(path: &Path, extra: &[&str]) -> String {
    let mut args = vec![path.to_str().unwrap()];
    args.extend(extra);
    report(&args)["sum"].as_str().unwrap().to_owned()
}

macro_rules! int_cases {
    ($dir:expr; $($t:ident => $code:literal),*) => {$(
        let values: Vec<$t> = (0..1000u32)
            .map(|i| match i % 4 { 0 => <$t>::MAX, 1 => <$t>::MIN, _ => (i as $t).wrapping_mul(37) })
            .collect();
        let expected: i128 = values.iter().map(|&x| x as i128).sum();
        let le: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
        let be: Vec<u8> = values.iter().flat_map(|x| x.to_be_bytes()).collect();
        let size = size_of::<$t>();
        let order = if size == 1 { "|" } else { "<" };
        let little = npy($dir, concat!($code, "-le.npy"), &format!("{order}{}", $code), &[10, 100], &le);
        assert_eq!(sum_of(&little, &[]), expected.to_string(), "{} little-endian", $code);
        if size > 1 {
            let big = npy($dir, concat!($code, "-be.npy"), &format!(">{}", $code), &[1000], &be);
            assert_eq!(sum_of(&big, &[]), expected.to_string(), "{} big-endian", $code);
        }
        // Raw, little- and big-endian.
        let raw = $dir.join(concat!($code, ".raw"));
        std::fs::write(&raw, &le).unwrap();
        let name = stringify!($t);
        assert_eq!(sum_of(&raw, &["--dtype", name]), expected.to_string());
        std::fs::write(&raw, &be).unwrap();
        assert_eq!(sum_of(&raw, &["--dtype", name, "--be"]), expected.to_string());
    )*};
}

#[test]
fn every_integer_dtype_and_byte_order() {
    let dir = tempfile::tempdir().unwrap();
    int_cases!(dir.path(); i8 => "i1", i16 => "i2", i32 => "i4", i64 => "i8",
                           u8 => "u1", u16 => "u2", u32 => "u4", u64 => "u8");
}

#[test]
fn float_dtypes_in_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    // Quarters: every partial sum is exact, so every mode must print the same value.
    let values: Vec<f64> = (0..4096).map(|i| f64::from(i % 97) * 0.25 - 10.0).collect();
    let expected: f64 = values.iter().sum();
    let f8: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    let f4: Vec<u8> = values
        .iter()
        .flat_map(|&x| (x as f32).to_be_bytes())
        .collect();
    let f2: Vec<u8> = values
        .iter()
        .flat_map(|&x| half::f16::from_f64(x).to_le_bytes())
        .collect();
    let files = [
        npy(dir.path(), "f8.npy", "<f8", &[4096], &f8),
        npy(dir.path(), "f4.npy", ">f4", &[64, 64], &f4),
        npy(dir.path(), "f2.npy", "<f2", &[2, 2, 1024], &f2),
    ];
    for file in &files {
        for mode in ["exact", "compensated", "fast"] {
            let sum: f64 = sum_of(file, &["--mode", mode]).parse().unwrap();
            assert_eq!(sum, expected, "{} {mode}", file.display());
        }
    }
    let bf16: Vec<u8> = values
        .iter()
        .flat_map(|&x| half::bf16::from_f64(x).to_le_bytes())
        .collect();
    let raw = dir.path().join("bf16.raw");
    std::fs::write(&raw, bf16).unwrap();
    assert_eq!(
        sum_of(&raw, &["--dtype", "bf16"]).parse::<f64>().unwrap(),
        expected
    );
}

#[test]
fn float_spellings() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[f64], &str); 6] = [
        (&[1.0, f64::NAN], "nan"),
        (&[f64::INFINITY, 1.0], "inf"),
        (&[f64::NEG_INFINITY], "-inf"),
        (&[-0.0, -0.0], "-0.0"),
        (&[0.1, 0.2], "0.30000000000000004"),
        (&[1e308, 1e308, -1e308], "1e308"),
    ];
    for (i, (values, text)) in cases.into_iter().enumerate() {
        let data: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
        let file = npy(
            dir.path(),
            &format!("s{i}.npy"),
            "<f8",
            &[values.len()],
            &data,
        );
        assert_eq!(sum_of(&file, &[]), text);
    }
}

#[test]
fn shapes_and_the_empty_array() {
    let dir = tempfile::tempdir().unwrap();
    let scalar = npy(dir.path(), "scalar.npy", "<i8", &[], &(-5i64).to_le_bytes());
    assert_eq!(sum_of(&scalar, &[]), "-5");
    let empty = npy(dir.path(), "empty.npy", "<f8", &[0], &[]);
    assert_eq!(sum_of(&empty, &[]), "0.0");
    let cube: Vec<u8> = (0..2 * 3 * 4u16).flat_map(|x| x.to_le_bytes()).collect();
    let cube = npy(dir.path(), "cube.npy", "<u2", &[2, 3, 4], &cube);
    assert_eq!(sum_of(&cube, &[]), (0..24).sum::<u32>().to_string());
}

#[test]
fn a_raw_slice_at_a_misaligned_offset() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<i32> = (0..300_000i32)
        .map(|i| i.wrapping_mul(7919).wrapping_sub(1_000_000_000))
        .collect();
    let mut bytes = vec![0xAB, 0xCD, 0xEF];
    bytes.extend(values.iter().flat_map(|x| x.to_le_bytes()));
    let raw = dir.path().join("skewed.raw");
    std::fs::write(&raw, bytes).unwrap();
    let expected: i128 = values.iter().map(|&x| i128::from(x)).sum();
    assert_eq!(
        sum_of(&raw, &["--dtype", "i32", "--offset", "3"]),
        expected.to_string()
    );
}

#[test]
fn the_json_report_keeps_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..(1u32 << 20)).flat_map(|x| x.to_le_bytes()).collect();
    let file = npy(dir.path(), "big.npy", "<u4", &[1 << 20], &data);
    let report = report(&[file.to_str().unwrap(), "--threads", "1", "--mode", "fast"]);
    assert_eq!(report["sum"], (0..(1u64 << 20)).sum::<u64>().to_string());
    assert_eq!(report["dtype"], "u32");
    assert_eq!(report["count"], 1 << 20);
    assert_eq!(report["mode"], "fast");
    assert_eq!(report["threads"], 1);
    assert!(report["seconds"].as_f64().unwrap() > 0.0);
    assert!(report["bytes_per_second"].as_f64().unwrap() > 0.0);
}

/// Runs a command that must fail cleanly: status 2, a message naming the problem, nothing on
/// stdout, no panic.
fn fails(args: &[&str], expected: &str) {
    let output = coresum().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        output.stdout.is_empty(),
        "{args:?} printed {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    assert!(
        stderr.to_lowercase().contains(&expected.to_lowercase()),
        "{args:?}: expected {expected:?} in {stderr:?}"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = |name: &str| d.join(name).to_str().unwrap().to_owned();
    let good: Vec<u8> = (0..64i32).flat_map(|x| x.to_le_bytes()).collect();
    let valid = npy(d, "valid.npy", "<i4", &[64], &good);
    let valid_bytes = std::fs::read(&valid).unwrap();

    fails(&["sum", &path("missing.npy")], "cannot open");
    fails(&["sum", d.to_str().unwrap(), "--dtype", "i32"], "directory");
    std::fs::write(d.join("empty"), b"").unwrap();
    fails(&["sum", &path("empty")], "--dtype");
    std::fs::write(d.join("short-header.npy"), &valid_bytes[..40]).unwrap();
    fails(&["sum", &path("short-header.npy")], "truncated");
    std::fs::write(
        d.join("short-body.npy"),
        &valid_bytes[..valid_bytes.len() - 3],
    )
    .unwrap();
    fails(&["sum", &path("short-body.npy")], "holds");
    npy(d, "malformed.npy", "<i4", &[64], &good);
    let mut malformed = std::fs::read(d.join("malformed.npy")).unwrap();
    malformed[10] = b'[';
    std::fs::write(d.join("malformed.npy"), malformed).unwrap();
    fails(&["sum", &path("malformed.npy")], "malformed");
    for descr in ["<c8", "|O", "<U4", "|S3", "|b1"] {
        npy(d, "unsupported.npy", descr, &[2], &[0; 32]);
        fails(&["sum", &path("unsupported.npy")], "unsupported dtype");
    }
    std::fs::write(d.join("ragged.raw"), [0u8; 7]).unwrap();
    fails(
        &["sum", &path("ragged.raw"), "--dtype", "i32"],
        "whole number",
    );
    fails(&["sum", &path("ragged.raw")], "--dtype");
    fails(
        &["sum", valid.to_str().unwrap(), "--dtype", "i128"],
        "invalid value",
    );
    // NumPy's codes are not dtype names: its `i8` is Rust's `i64`.
    fails(
        &["sum", &path("ragged.raw"), "--dtype", "i4"],
        "invalid value",
    );
    fails(
        &["sum", valid.to_str().unwrap(), "--dtype", "i8"],
        "does not match",
    );
    fails(&["sum", valid.to_str().unwrap(), "--be"], "little-endian");
    fails(
        &["sum", valid.to_str().unwrap(), "--offset", "4"],
        "--offset",
    );
    fails(
        &["sum", &path("ragged.raw"), "--dtype", "u8", "--offset", "8"],
        "past its end",
    );
    fails(
        &["sum", valid.to_str().unwrap(), &path("missing.npy")],
        "cannot open",
    );
    fails(&["sum", &path("nothing-*.npy")], "no file matches");
    fails(&["sum", &path("bad-[glob")], "bad glob pattern");
    fails(
        &["sum", valid.to_str().unwrap(), "--mode", "approximate"],
        "invalid value",
    );
    fails(
        &["sum", valid.to_str().unwrap(), "--threads", "0"],
        "at least one thread",
    );
    fails(
        &["sum", valid.to_str().unwrap(), "--cores", "100000"],
        "not allowed",
    );
    fails(&["sum", valid.to_str().unwrap(), "--cores", "x"], "--cores");
    fails(&["bench", "--size", "12Q"], "--size");
    fails(&["bench", "--threads", "0"], "--threads");
    fails(&["frobnicate"], "unrecognized subcommand");
}

#[test]
fn info_and_a_small_bench_run() {
    let info = coresum().arg("info").output().unwrap();
    assert!(info.status.success());
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        text.contains("isa in use") && text.contains("default pool"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("plot.svg");
    let bench = coresum()
        .args(["bench", "--size", "1M", "--threads", "1", "--plot"])
        .arg(&plot)
        .output()
        .unwrap();
    assert!(
        bench.status.success(),
        "{}",
        String::from_utf8_lossy(&bench.stderr)
    );
    assert!(String::from_utf8_lossy(&bench.stdout).contains("×ceiling"));
    assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));
}
