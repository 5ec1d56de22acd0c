//! The report: what `measure` writes (`target/compare/rust.json`), what `scripts/compare_py.py`
//! adds (`python.json`), and the lookups that join them by row.

use crate::{OUT, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Seconds per call of each peer of a row, by peer name.
pub type Seconds = BTreeMap<String, f64>;

/// Seconds per call of one peer over its samples: the best, the median (the row's figure), the
/// worst, and how many samples (more than the rounds when the row was re-measured).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Spread {
    pub min: f64,
    pub median: f64,
    pub max: f64,
    pub samples: usize,
}

/// Each peer's [`Spread`], by peer name.
pub type Spreads = BTreeMap<String, Spread>;

/// `rust.json`.
#[derive(Serialize, Deserialize)]
pub struct Report {
    pub settings: RunSettings,
    pub machine: Machine,
    pub integers: Vec<IntegerRow>,
    pub scaling: Vec<ScalingRow>,
    pub floats: Vec<FloatRow>,
    pub small: Vec<SmallRow>,
    /// Seconds per round trip, by kind.
    pub round_trips: Seconds,
}

/// How the run measured (`harness::Settings`, as recorded).
#[derive(Serialize, Deserialize)]
pub struct RunSettings {
    pub quick: bool,
    pub rounds: usize,
    pub sample_ms: u64,
    pub settle_ms: u64,
    pub threads: Vec<usize>,
}

/// Where the run measured.
#[derive(Serialize, Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: Vec<usize>,
    pub isa: String,
    pub pool_threads: usize,
    pub inline_bytes: usize,
    pub chunk_bytes: usize,
    pub rustc: String,
    pub gcc: String,
    /// Whether the OpenMP peer could be built.
    pub openmp: bool,
    pub started: String,
    pub load_before: String,
    pub load_after: String,
}

/// Integer sums of one type and size on every core.
#[derive(Serialize, Deserialize)]
pub struct IntegerRow {
    #[serde(rename = "type")]
    pub ty: String,
    pub bytes: usize,
    pub seconds: Seconds,
    #[serde(default)]
    pub spread: Spreads,
    /// The low 64 bits of the sum every peer returned (numpy checks its own against it).
    pub sum_low64: u64,
}

/// Integer sums of one type and size on `threads` threads.
#[derive(Serialize, Deserialize)]
pub struct ScalingRow {
    #[serde(rename = "type")]
    pub ty: String,
    pub bytes: usize,
    pub threads: usize,
    pub seconds: Seconds,
    #[serde(default)]
    pub spread: Spreads,
}

/// Float sums of one data set and size, with every method's result.
#[derive(Serialize, Deserialize)]
pub struct FloatRow {
    pub set: String,
    pub bytes: usize,
    pub seconds: Seconds,
    #[serde(default)]
    pub spread: Spreads,
    pub results: BTreeMap<String, Float>,
}

/// Small sums of one size, inline on the calling thread.
#[derive(Serialize, Deserialize)]
pub struct SmallRow {
    pub bytes: usize,
    pub seconds: Seconds,
    #[serde(default)]
    pub spread: Spreads,
}

/// A float result, written as text: JSON has no infinities (the `f64-wide` sums overflow).
#[derive(Clone, Copy, Debug)]
pub struct Float(pub f64);

impl Serialize for Float {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:?}", self.0))
    }
}

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Float, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumberOrText {
            Number(f64),
            Text(String),
        }
        match NumberOrText::deserialize(d)? {
            NumberOrText::Number(v) => Ok(Float(v)),
            NumberOrText::Text(text) => text
                .parse()
                .map(Float)
                .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a float"))),
        }
    }
}

/// `python.json`: the Python peers, or why they were not measured.
#[derive(Deserialize)]
#[serde(untagged)]
enum PythonFile {
    Skipped { skipped: String },
    Measured(Python),
}

/// The Python peers' measurements.
#[derive(Deserialize)]
pub struct Python {
    pub python: String,
    pub numpy: String,
    pub load_after: String,
    pub integers: Vec<PythonIntegerRow>,
    pub floats: Vec<PythonFloatRow>,
}

/// numpy on one integer row.
#[derive(Deserialize)]
pub struct PythonIntegerRow {
    #[serde(rename = "type")]
    pub ty: String,
    pub bytes: usize,
    pub seconds: f64,
}

/// numpy and `math.fsum` on one float row, and the peers that could not run.
#[derive(Deserialize)]
pub struct PythonFloatRow {
    pub set: String,
    pub bytes: usize,
    pub seconds: Seconds,
    pub results: BTreeMap<String, Float>,
    #[serde(default)]
    pub errors: BTreeMap<String, String>,
}

/// `rust.json` and, where it measured, `python.json`.
pub struct Results {
    pub rust: Report,
    pub python: Option<Python>,
    /// Why the Python peers are missing, when they are.
    pub python_skipped: Option<String>,
}

/// A row of integer sums: its type, size and seconds per peer.
pub trait IntegerSums {
    fn key(&self) -> (&str, usize);
    fn seconds(&self) -> &Seconds;
}

impl IntegerSums for IntegerRow {
    fn key(&self) -> (&str, usize) {
        (&self.ty, self.bytes)
    }
    fn seconds(&self) -> &Seconds {
        &self.seconds
    }
}

impl IntegerSums for ScalingRow {
    fn key(&self) -> (&str, usize) {
        (&self.ty, self.bytes)
    }
    fn seconds(&self) -> &Seconds {
        &self.seconds
    }
}

impl Report {
    /// Writes `rust.json`.
    pub fn save(&self) -> Result<String> {
        std::fs::create_dir_all(OUT).map_err(|e| format!("cannot create {OUT}: {e}"))?;
        let path = format!("{OUT}/rust.json");
        let text = serde_json::to_string_pretty(self).map_err(|e| format!("{path}: {e}"))?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {path}: {e}"))?;
        Ok(path)
    }
}

impl Results {
    /// Reads `rust.json` (required: run `measure` first) and `python.json` (optional).
    pub fn load() -> Result<Results> {
        let rust_path = format!("{OUT}/rust.json");
        let text = std::fs::read_to_string(&rust_path)
            .map_err(|e| format!("cannot read {rust_path} (run `measure` first): {e}"))?;
        let rust = serde_json::from_str(&text).map_err(|e| format!("{rust_path}: {e}"))?;
        let python_path = format!("{OUT}/python.json");
        let (python, python_skipped) = match std::fs::read_to_string(&python_path) {
            Err(_) => (None, Some("scripts/compare_py.py did not run".into())),
            Ok(text) => match serde_json::from_str(&text) {
                Ok(PythonFile::Measured(python)) => (Some(python), None),
                Ok(PythonFile::Skipped { skipped }) => (None, Some(skipped)),
                Err(e) => return Err(format!("{python_path}: {e}")),
            },
        };
        Ok(Results {
            rust,
            python,
            python_skipped,
        })
    }

    /// GB/s of every peer of an integer row, numpy's included.
    pub fn integer(&self, row: &impl IntegerSums) -> BTreeMap<String, f64> {
        let (ty, bytes) = row.key();
        let gbps = |seconds: f64| bytes as f64 / seconds / 1e9;
        let mut all: BTreeMap<String, f64> = row
            .seconds()
            .iter()
            .map(|(peer, &s)| (peer.clone(), gbps(s)))
            .collect();
        let numpy = self
            .python
            .as_ref()
            .and_then(|p| p.integers.iter().find(|n| n.ty == ty && n.bytes == bytes));
        if let Some(numpy) = numpy {
            all.insert("numpy".into(), gbps(numpy.seconds));
        }
        all
    }

    /// GB/s and results of every method of a float row, numpy's and fsum's included.
    pub fn float(&self, row: &FloatRow) -> (BTreeMap<String, f64>, BTreeMap<String, f64>) {
        let (mut seconds, mut results) = (row.seconds.clone(), as_f64(&row.results));
        let python = self.python.as_ref().and_then(|p| {
            p.floats
                .iter()
                .find(|f| f.set == row.set && f.bytes == row.bytes)
        });
        if let Some(p) = python {
            seconds.extend(p.seconds.clone());
            results.extend(as_f64(&p.results));
        }
        let gbps = seconds
            .into_iter()
            .map(|(method, s)| (method, row.bytes as f64 / s / 1e9))
            .collect();
        (gbps, results)
    }
}

fn as_f64(results: &BTreeMap<String, Float>) -> BTreeMap<String, f64> {
    results.iter().map(|(k, v)| (k.clone(), v.0)).collect()
}
