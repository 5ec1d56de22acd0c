//! `coresum stats` and `coresum dot` against references computed here, exactly: every dtype, over
//! several read buffers (so that chunks merge), repeated extremes (the first index wins), a NaN,
//! an empty file, the `--json` schema, and bad input (exit status 2, one line on stderr).

use assert_cmd::Command;
use coresum_cli::half;
use coresum_cli::npy::write_header;
use num_bigint::BigInt;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn coresum() -> Command {
    Command::cargo_bin("coresum").unwrap()
}

/// Runs `coresum <args> --json` and returns the parsed object.
fn json(args: &[&str]) -> Value {
    let output = coresum().args(args).arg("--json").output().unwrap();
    assert!(
        output.status.success(),
        "coresum {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object")
}

/// Runs `coresum <args>`, which must fail with status 2 and one line on stderr containing `what`.
fn fails(args: &[&str], what: &str) {
    let output = coresum().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(what), "{args:?}: {stderr}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn npy(dir: &Path, name: &str, descr: &str, data: &[u8], count: usize) -> PathBuf {
    let mut file = write_header(descr, &[count]);
    file.extend(data);
    write(dir, name, &file)
}

/// A JSON string field as an `f64`.
fn float(value: &Value) -> f64 {
    value.as_str().expect("a string").parse().unwrap()
}

/// Asserts that `got` is `num / den` correctly rounded (within half an ulp).
fn assert_rounded(got: f64, num: &BigInt, den: &BigInt, what: &str) {
    assert!(got.is_finite(), "{what}: {got}");
    // got = m · 2^e exactly; ulp = 2^(e of the last place).
    let ulp = got.abs().next_up() - got.abs();
    let (m, e) = exact(got);
    let (u, ue) = exact(ulp);
    // 2·|m·2^e·den − num| <= u·2^ue·den, everything scaled by 2^s to integers.
    let s = 1100;
    let lhs: BigInt = ((BigInt::from(m) << (e + s) as u64) * den - (num << s as u64)) * 2;
    let rhs: BigInt = (BigInt::from(u) << (ue + s) as u64) * den;
    assert!(
        lhs.magnitude() <= rhs.magnitude(),
        "{what}: {got} is not {num}/{den}"
    );
}

/// A finite `x` as `m · 2^e` with integers.
fn exact(x: f64) -> (i64, i64) {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = (bits & ((1 << 52) - 1)) as i64;
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | 1 << 52, exp - 1075)
    };
    (if x < 0.0 { -m } else { m }, e)
}

/// Checks a `stats --json` report against `units / scale` per element (exactly).
fn check_stats(report: &Value, units: &[i128], scale: i128, what: &str) {
    let n = units.len();
    assert_eq!(report["count"], n as u64, "{what}");
    let s: BigInt = units.iter().map(|&u| BigInt::from(u)).sum();
    let q: BigInt = units.iter().map(|&u| BigInt::from(u) * u).sum();
    let (nb, sc) = (BigInt::from(n), BigInt::from(scale));
    if scale == 1 {
        assert_eq!(
            report["sum"].as_str().unwrap(),
            s.to_string(),
            "{what}: sum"
        );
    } else {
        assert_rounded(float(&report["sum"]), &s, &sc, &format!("{what}: sum"));
    }
    assert_rounded(
        float(&report["mean"]),
        &s,
        &(&sc * &nb),
        &format!("{what}: mean"),
    );
    for (ddof, key, std) in [(0, "variance", "std"), (1, "variance_ddof1", "std_ddof1")] {
        let var = float(&report[key]);
        let den = &sc * &sc * &nb * BigInt::from(n - ddof);
        assert_rounded(var, &(&nb * &q - &s * &s), &den, &format!("{what}: {key}"));
        assert_eq!(float(&report[std]), var.sqrt(), "{what}: {std}");
    }
    let first = |better: fn(i128, i128) -> bool| {
        (0..n).fold(0, |best, i| {
            if better(units[i], units[best]) {
                i
            } else {
                best
            }
        })
    };
    let (argmin, argmax) = (first(|a, b| a < b), first(|a, b| a > b));
    assert_eq!(report["argmin"], argmin as u64, "{what}: argmin");
    assert_eq!(report["argmax"], argmax as u64, "{what}: argmax");
    for (key, i) in [("min", argmin), ("max", argmax)] {
        let text = report[key].as_str().unwrap();
        if scale == 1 {
            assert_eq!(text, units[i].to_string(), "{what}: {key}");
        } else {
            assert_eq!(
                text.parse::<f64>().unwrap(),
                units[i] as f64 / scale as f64,
                "{what}: {key}"
            );
        }
    }
}

/// A deterministic pseudo-random sequence.
fn lcg(seed: u64) -> impl Iterator<Item = u64> {
    let mut x = seed;
    std::iter::repeat_with(move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 11
    })
}

/// Elements spanning three read buffers (1 MiB each), with the extremes repeated: the first
/// occurrence is in the second buffer, a later one in the third.
fn length(size: usize) -> usize {
    (5 << 20) / (2 * size) + 3
}

macro_rules! int_stats {
    ($dir:expr; $($t:ident => $code:literal),*) => {$(
        let n = length(size_of::<$t>());
        let mut values: Vec<$t> = lcg(n as u64).take(n).map(|r| r as $t).collect();
        for i in [n / 2, n / 2 + 7, n - 2] {
            values[i] = if i % 2 == 0 { <$t>::MIN } else { <$t>::MAX };
        }
        values[n / 2 + 1] = <$t>::MAX;
        let units: Vec<i128> = values.iter().map(|&x| x as i128).collect();
        let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
        let raw = write($dir, concat!("s.", $code), &bytes);
        let report = json(&["stats", "--dtype", $code, raw.to_str().unwrap()]);
        check_stats(&report, &units, 1, $code);
        assert_eq!(report["dtype"], $code);
        let big: Vec<u8> = values.iter().flat_map(|x| x.to_be_bytes()).collect();
        let raw_be = write($dir, concat!("s-be.", $code), &big);
        let report_be = json(&["stats", "--dtype", $code, "--be", "--threads", "1", raw_be.to_str().unwrap()]);
        assert_eq!(report_be["variance"], report["variance"], "{} big-endian", $code);
        assert_eq!(report_be["argmax"], report["argmax"], "{} big-endian", $code);
    )*};
}

#[test]
fn stats_of_every_integer_type() {
    let dir = tempfile::tempdir().unwrap();
    int_stats!(dir.path(); i8 => "i8", i16 => "i16", i32 => "i32", i64 => "i64",
        u8 => "u8", u16 => "u16", u32 => "u32", u64 => "u64");
}

macro_rules! float_stats {
    ($dir:expr; $($t:ty => $code:literal, $from:expr),*) => {$(
        let n = length(size_of::<$t>());
        // Eighths up to ±255/8: exact in every float type, so the references are exact rationals.
        let mut units: Vec<i128> = lcg(n as u64).take(n).map(|r| (r % 511) as i128 - 255).collect();
        for i in [n / 3, n - 1] {
            units[i] = -300 * 8;
        }
        units[n / 2] = 300 * 8;
        let bytes: Vec<u8> = units
            .iter()
            .flat_map(|&u| $from(u as f32 / 8.0).to_le_bytes())
            .collect();
        let raw = write($dir, concat!("s.", $code), &bytes);
        let report = json(&["stats", "--dtype", $code, raw.to_str().unwrap()]);
        check_stats(&report, &units, 8, $code);
    )*};
}

#[test]
fn stats_of_every_float_type() {
    let dir = tempfile::tempdir().unwrap();
    float_stats!(dir.path();
        f32 => "f32", |x: f32| x,
        f64 => "f64", f64::from,
        half::f16 => "f16", half::f16::from_f32,
        half::bf16 => "bf16", half::bf16::from_f32);
}

#[test]
fn stats_nan_zeros_empty_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let values = [1.5f32, -0.0, 0.0, f32::NAN, -2.0, f32::NAN];
    let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    let nan = npy(dir.path(), "nan.npy", "<f4", &bytes, values.len());
    let report = json(&["stats", nan.to_str().unwrap()]);
    for key in ["sum", "mean", "variance", "std", "min", "max"] {
        assert_eq!(report[key], "nan", "{key}");
    }
    assert_eq!(
        (report["argmin"].clone(), report["argmax"].clone()),
        (3.into(), 3.into())
    );

    let zeros: Vec<u8> = [0.0f64, -0.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let zeros = write(dir.path(), "zeros.f64", &zeros);
    let report = json(&["stats", "--dtype", "f64", zeros.to_str().unwrap()]);
    assert_eq!(
        (&report["min"], &report["argmin"]),
        (&"0.0".into(), &0.into())
    );
    assert_eq!(report["variance"], "0.0");

    let empty = write(dir.path(), "empty.f32", &[]);
    let report = json(&["stats", "--dtype", "f32", empty.to_str().unwrap()]);
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "argmax",
            "argmin",
            "count",
            "dtype",
            "file",
            "max",
            "mean",
            "min",
            "std",
            "std_ddof1",
            "sum",
            "variance",
            "variance_ddof1"
        ]
    );
    assert_eq!(
        (&report["count"], &report["sum"]),
        (&0.into(), &"0.0".into())
    );
    for key in [
        "mean",
        "variance",
        "variance_ddof1",
        "std",
        "min",
        "max",
        "argmin",
        "argmax",
    ] {
        assert!(report[key].is_null(), "{key}");
    }

    let one: Vec<u8> = 7i16.to_le_bytes().to_vec();
    let one = write(dir.path(), "one.i16", &one);
    let output = coresum()
        .args(["stats", "--dtype", "i16", one.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "count          1");
    assert_eq!(lines[1], "sum            7");
    assert!(lines.contains(&"variance       0.0"), "{text}");
    assert!(lines.contains(&"variance_ddof1 null"), "{text}");
}

#[test]
fn dot_of_every_type() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_003;
    macro_rules! int_dot {
        ($($t:ident),*) => {$(
            let a: Vec<$t> = lcg(1).take(n).map(|r| r as $t).collect();
            let b: Vec<$t> = lcg(2).take(n).map(|r| r as $t).collect();
            let expected: i128 = a.iter().zip(&b).map(|(&x, &y)| x as i128 * y as i128).sum();
            let code = stringify!($t);
            let pa = write(dir.path(), &format!("a.{code}"), &a.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>());
            let pb = write(dir.path(), &format!("b.{code}"), &b.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>());
            let report = json(&["dot", "--dtype", code, pa.to_str().unwrap(), pb.to_str().unwrap()]);
            assert_eq!(report["dot"], expected.to_string(), "{code}");
            assert_eq!(report["count"], n as u64);
        )*};
    }
    int_dot!(i8, i16, i32, u8, u16, u32);
    macro_rules! float_dot {
        ($($code:literal, $from:expr);*) => {$(
            let ua: Vec<i64> = lcg(3).take(n).map(|r| (r % 511) as i64 - 255).collect();
            let ub: Vec<i64> = lcg(4).take(n).map(|r| (r % 511) as i64 - 255).collect();
            // Σ (a/8)(b/8) = Σab / 64, exact in an f64.
            let expected = ua.iter().zip(&ub).map(|(x, y)| x * y).sum::<i64>() as f64 / 64.0;
            let encode = |u: &[i64]| -> Vec<u8> { u.iter().flat_map(|&u| $from(u as f32 / 8.0).to_le_bytes()).collect() };
            let pa = write(dir.path(), concat!("a.", $code), &encode(&ua));
            let pb = write(dir.path(), concat!("b.", $code), &encode(&ub));
            for mode in ["exact", "compensated", "fast"] {
                let report = json(&["dot", "--dtype", $code, "--mode", mode, pa.to_str().unwrap(), pb.to_str().unwrap()]);
                assert_eq!(float(&report["dot"]), expected, "{} {mode}", $code);
                assert_eq!(report["mode"], mode);
            }
        )*};
    }
    float_dot!("f32", |x: f32| x; "f64", f64::from; "f16", half::f16::from_f32; "bf16", half::bf16::from_f32);
    let output = coresum()
        .args([
            "dot",
            "--dtype",
            "i16",
            dir.path().join("a.i16").to_str().unwrap(),
            dir.path().join("b.i16").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.trim_end().parse::<i128>().is_ok(), "{text}");
}

#[test]
fn bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = |path: &PathBuf| path.to_str().unwrap().to_owned();
    let ints = npy(dir.path(), "i.npy", "<i4", &[0; 12], 3);
    let floats = npy(dir.path(), "f.npy", "<f4", &[0; 12], 3);
    let short = npy(dir.path(), "s.npy", "<i4", &[0; 8], 2);
    let longs = write(dir.path(), "l.i64", &[0; 16]);
    fails(&["stats", "/nonexistent/x.npy"], "cannot open");
    fails(
        &["stats", &p(&dir.path().to_path_buf())],
        "not a regular file",
    );
    fails(&["stats", &p(&longs)], "--dtype");
    fails(
        &[
            "stats",
            "--dtype",
            "i32",
            &p(&write(dir.path(), "odd", &[0; 7])),
        ],
        "whole number",
    );
    fails(&["stats", "--dtype", "f32", &p(&ints)], "does not match");
    fails(
        &["stats", "--dtype", "u8", "--offset", "99", &p(&longs)],
        "past its end",
    );
    fails(&["dot", &p(&ints), &p(&floats)], "one type");
    fails(&["dot", &p(&ints), &p(&short)], "one length");
    fails(&["dot", &p(&ints), "/nonexistent/y.npy"], "cannot open");
    fails(
        &["dot", "--dtype", "i64", &p(&longs), &p(&longs)],
        "not supported",
    );
}
