//! `coresum sum` over what users hold: several files and their grand total, quoted globs,
//! standard input (raw and `.npy`, across many buffers), `.npz` archives (stored and deflated), an
//! empty raw file, and a file truncated while it is summed.

use assert_cmd::Command;
use coresum_cli::npy::write_header;
use std::io::Write;
use std::path::{Path, PathBuf};

fn coresum() -> Command {
    Command::cargo_bin("coresum").unwrap()
}

fn npy_bytes(descr: &str, data: &[u8], count: usize) -> Vec<u8> {
    let mut file = write_header(descr, &[count]);
    file.extend(data);
    file
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs `coresum sum <args>` (with `stdin`) and returns its stdout; fails the test unless it
/// succeeded.
fn run(args: &[&str], stdin: &[u8]) -> String {
    let output = coresum()
        .arg("sum")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "coresum sum {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn le<T: Copy, const N: usize>(values: &[T], bytes: fn(T) -> [u8; N]) -> Vec<u8> {
    values.iter().flat_map(|&x| bytes(x)).collect()
}

/// Floats whose sum needs exact accumulation: large terms that cancel around small ones.
fn hard_floats(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let x = (i as f64 * 0.618_033_988_7).fract();
            match i % 3 {
                0 => x * 1e16,
                1 => -x * 1e16,
                _ => x * 1e-3,
            }
        })
        .collect()
}

#[test]
fn several_files_and_their_total() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ints: Vec<i64> = (0..5000).map(|i| i64::MAX - i).collect();
    let a = write(
        d,
        "a.npy",
        &npy_bytes("<i8", &le(&ints, i64::to_le_bytes), ints.len()),
    );
    let uints: Vec<u64> = vec![u64::MAX; 3000];
    let b = write(
        d,
        "b.npy",
        &npy_bytes(">u8", &le(&uints, u64::to_be_bytes), uints.len()),
    );
    let int_total = ints.iter().map(|&x| i128::from(x)).sum::<i128>()
        + uints.iter().map(|&x| i128::from(x)).sum::<i128>();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    let text = run(&[a, b], b"");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].ends_with(&format!("  {a}")), "{text}");
    assert_eq!(lines[2], format!("{int_total}  total"));

    // A quoted glob, expanded by coresum in sorted order.
    let pattern = d.join("*.npy");
    assert_eq!(run(&[pattern.to_str().unwrap()], b""), text);

    // Integers and floats: the exact sum of everything, rounded once.
    let floats = hard_floats(10_000);
    let c = write(
        d,
        "c.npy",
        &npy_bytes("<f8", &le(&floats, f64::to_le_bytes), floats.len()),
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(&[a, b, c.to_str().unwrap(), "--json"], b"")).unwrap();
    let arrays = json["arrays"].as_array().unwrap();
    assert_eq!(arrays.len(), 3);
    assert_eq!(arrays[1]["dtype"], "u64");
    assert_eq!(arrays[1]["file"], b);
    assert_eq!(json["total"]["dtype"], "mixed");
    assert_eq!(json["total"]["count"], 18_000);
    // The reference: the floats and the (positive) integer total, in 32-bit pieces that are each
    // an exact f64, summed exactly and rounded once.
    let mut exact = coresum::ExactSum::new();
    exact.add_slice(&floats);
    for piece in 0..4 {
        let bits = (int_total >> (32 * piece)) as u32;
        exact.add(f64::from(bits) * 2f64.powi(32 * piece));
    }
    assert_eq!(json["total"]["sum"], format!("{:?}", exact.finish()));
    // One file keeps its single-object output.
    let one: serde_json::Value = serde_json::from_str(&run(&[a, "--json"], b"")).unwrap();
    assert_eq!(one["file"], a);
    assert_eq!(
        one["sum"],
        ints.iter()
            .map(|&x| i128::from(x))
            .sum::<i128>()
            .to_string()
    );
}

#[test]
fn standard_input_raw_and_npy_across_buffers() {
    // 3.5 MiB of f64 and an odd count: several buffers and a short last one.
    let floats = hard_floats((7 << 20) / 16 + 5);
    let expected = format!("{:?}", coresum::sum(&floats));
    let raw = le(&floats, f64::to_le_bytes);
    assert_eq!(run(&["-", "--dtype", "f64"], &raw).trim(), expected);
    let npy = npy_bytes("<f8", &raw, floats.len());
    assert_eq!(run(&["-"], &npy).trim(), expected);
    let big: Vec<u8> = floats.iter().flat_map(|x| x.to_be_bytes()).collect();
    assert_eq!(run(&["-", "--dtype", "f64", "--be"], &big).trim(), expected);

    // Integers, skipping a 3-byte prefix.
    let ints: Vec<i32> = (0..1_000_003).map(|i| i * 2_000 - 1_000_000_000).collect();
    let mut skewed = vec![1, 2, 3];
    skewed.extend(le(&ints, i32::to_le_bytes));
    let sum: i128 = ints.iter().map(|&x| i128::from(x)).sum();
    assert_eq!(
        run(&["-", "--dtype", "i32", "--offset", "3"], &skewed).trim(),
        sum.to_string()
    );
    let json: serde_json::Value = serde_json::from_str(&run(
        &["-", "--dtype", "i32", "--offset", "3", "--json"],
        &skewed,
    ))
    .unwrap();
    assert_eq!(json["count"], 1_000_003);
    assert_eq!(json["file"], "-");

    // Standard input redirected from a file is read like the file, on every worker.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "floats.npy", &npy);
    let output = coresum()
        .args(["sum", "-", "--json"])
        .pipe_stdin(&file)
        .unwrap()
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["sum"], expected.as_str());
    assert_eq!(json["count"], floats.len());

    // An empty raw stream and an empty raw file sum to zero.
    assert_eq!(run(&["-", "--dtype", "u16"], b"").trim(), "0");
    let empty = write(dir.path(), "empty.raw", b"");
    assert_eq!(
        run(&[empty.to_str().unwrap(), "--dtype", "f32"], b"").trim(),
        "0.0"
    );
}

#[test]
fn bad_streams_are_errors() {
    let fails = |args: &[&str], stdin: Vec<u8>, expected: &str| {
        let output = coresum()
            .arg("sum")
            .args(args)
            .write_stdin(stdin)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    };
    let data = le(&[1i32, 2, 3, 4], i32::to_le_bytes);
    let npy = npy_bytes("<i4", &data, 4);
    fails(&["-"], data.clone(), "--dtype");
    fails(
        &["-"],
        npy[..npy.len() - 4].to_vec(),
        "ends after 3 of the 4",
    );
    let mut long = npy.clone();
    long.push(0);
    fails(&["-"], long, "goes on after");
    fails(&["-"], npy[..30].to_vec(), "truncated");
    fails(&["-", "--dtype", "i64"], npy, "does not match");
    fails(
        &["-", "--dtype", "i32"],
        data[..7].to_vec(),
        "not a whole number",
    );
}

/// An `.npz` archive of `members` (name, bytes), deflated or stored.
fn npz(path: &Path, members: &[(&str, Vec<u8>)], deflate: bool) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    for (name, bytes) in members {
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn npz_archives_stored_and_deflated() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ints: Vec<u16> = (0..700_000u32).map(|i| (i % 65_536) as u16).collect();
    let floats = hard_floats(300_001);
    let members = [
        (
            "counts.npy",
            npy_bytes("<u2", &le(&ints, u16::to_le_bytes), ints.len()),
        ),
        (
            "x.npy",
            npy_bytes(">f8", &le(&floats, f64::to_be_bytes), floats.len()),
        ),
    ];
    let int_sum: u64 = ints.iter().map(|&x| u64::from(x)).sum();
    let float_sum = format!("{:?}", coresum::sum(&floats));
    for deflate in [false, true] {
        let path = d.join(if deflate {
            "deflated.npz"
        } else {
            "stored.npz"
        });
        npz(&path, &members, deflate);
        let name = path.to_str().unwrap();
        let json: serde_json::Value = serde_json::from_str(&run(&[name, "--json"], b"")).unwrap();
        let arrays = json["arrays"].as_array().unwrap();
        assert_eq!(arrays[0]["file"], format!("{name}:counts"));
        assert_eq!(arrays[0]["sum"], int_sum.to_string());
        assert_eq!(arrays[1]["file"], format!("{name}:x"));
        assert_eq!(arrays[1]["sum"], float_sum.as_str());
        assert_eq!(json["total"]["count"], ints.len() + floats.len());
    }

    let fails = |path: &Path, expected: &str| {
        let output = coresum().arg("sum").arg(path).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    };
    let bad = d.join("bad.npz");
    npz(&bad, &[("notes.txt", b"hello".to_vec())], true);
    fails(&bad, "is not a .npy array");
    npz(&bad, &[("x.npy", members[0].1[..200].to_vec())], false);
    fails(&bad, "ends after");
    npz(&bad, &[], false);
    fails(&bad, "holds no arrays");
    std::fs::write(&bad, b"PK\x03\x04 not really a zip").unwrap();
    fails(&bad, "not a readable .npz archive");
    // A flipped byte inside a deflated member: the checksum (or the inflater) catches it.
    npz(&bad, &members[..1], true);
    let mut bytes = std::fs::read(&bad).unwrap();
    bytes[400] ^= 0x55;
    std::fs::write(&bad, bytes).unwrap();
    let output = coresum().arg("sum").arg(&bad).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// A file cut short while it is summed: the command ends with a one-line error (exit 2), or with
/// the right sum if it finished first; never by a signal (a memory map would die of SIGBUS).
#[test]
fn a_file_truncated_while_summed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shrinking.raw");
    let len = 512usize << 20;
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let block = vec![1u8; 1 << 20];
        for _ in 0..len >> 20 {
            file.write_all(&block).unwrap();
        }
    }
    for delay_ms in [0, 5, 20, 60] {
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("coresum"))
            .args(["sum", "--dtype", "u8", "--threads", "1"])
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            // Finished before the cut, or opened the file after it: either file's right sum.
            Some(0) => {
                let sum = String::from_utf8_lossy(&output.stdout).trim().to_owned();
                assert!(sum == len.to_string() || sum == "4096", "{sum}");
            }
            Some(2) => {
                assert!(
                    stderr.contains("truncated") || stderr.contains("changed"),
                    "{stderr}"
                );
                assert_eq!(stderr.lines().count(), 1, "{stderr}");
            }
            other => panic!("ended with {other:?} ({:?}): {stderr}", output.status),
        }
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len as u64)
            .unwrap();
        // Regrown with zeros: refill so that an untruncated run's sum is `len` again.
        let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let block = vec![1u8; 1 << 20];
        for _ in 0..len >> 20 {
            file.write_all(&block).unwrap();
        }
    }
}
