//! What `coresum sum` prints: the bare sum, or with `--json` one object describing the run. Every
//! front end prints through here, so that their outputs are identical.

use crate::dtype::Dtype;
use crate::sum::Summed;
use crate::total::Total;
use coresum::Mode;
use serde::Serialize;

/// A sum printed the way the command line promises: integers in full, floats as the shortest
/// string that reads back to the same value (`nan`, `inf`, `-inf`, `-0.0` spelled so).
pub trait Printable {
    /// The sum as printed.
    fn print(&self) -> String;
}

impl Printable for i128 {
    fn print(&self) -> String {
        self.to_string()
    }
}

impl Printable for u128 {
    fn print(&self) -> String {
        self.to_string()
    }
}

impl Printable for f64 {
    fn print(&self) -> String {
        if self.is_nan() {
            "nan".into()
        } else if self.is_infinite() {
            if *self > 0.0 {
                "inf".into()
            } else {
                "-inf".into()
            }
        } else {
            // `Debug` is the shortest round-trip form, with an exponent where it is shorter.
            format!("{self:?}")
        }
    }
}

/// The name `--mode` gives `mode`.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Compensated => "compensated",
        Mode::Fast => "fast",
        _ => "exact",
    }
}

/// One finished sum of a file, as `coresum sum` reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct SumReport {
    /// The sum, already [`Printable::print`]ed.
    pub sum: String,
    /// Type of the elements summed.
    pub dtype: Dtype,
    /// Elements summed.
    pub count: usize,
    /// How floats were summed (integers ignore it).
    pub mode: Mode,
    /// Workers that summed it.
    pub threads: usize,
    /// Wall time from opening the file to the result.
    pub seconds: f64,
    /// The file as given on the command line.
    pub file: String,
}

/// The `--json` object. Its keys are in alphabetical order, as they have always been printed.
#[derive(Serialize)]
struct Json<'a> {
    bytes_per_second: f64,
    count: usize,
    dtype: &'a str,
    file: &'a str,
    isa: &'static str,
    mode: &'static str,
    seconds: f64,
    sum: &'a str,
    threads: usize,
}

impl SumReport {
    /// The line `coresum sum` prints: the bare sum, or the JSON object when `json`.
    pub fn render(&self, json: bool) -> String {
        if !json {
            return self.sum.clone();
        }
        let report = Json {
            bytes_per_second: (self.count * self.dtype.size()) as f64 / self.seconds.max(1e-9),
            count: self.count,
            dtype: self.dtype.name(),
            file: &self.file,
            isa: coresum::isa().name(),
            mode: mode_name(self.mode),
            seconds: self.seconds,
            sum: &self.sum,
            threads: self.threads,
        };
        // Serialising plain numbers and strings into a `String` cannot fail.
        serde_json::to_string(&report).unwrap_or_default()
    }
}

/// What `coresum sum` prints for the arrays it summed: one array as [`SumReport::render`] does;
/// several as one line each (`sum  name`) and a last line for their grand total (`sum  total`), or
/// with `json` one object `{"arrays": [...], "total": {...}}`. `seconds` is the whole run's.
pub fn render_all(summed: &[Summed], json: bool, seconds: f64) -> Result<String, String> {
    if let [one] = summed {
        return Ok(one.report.render(json));
    }
    let mut total = summed.first().map_or(Total::Signed(0), |s| s.total.clone());
    for one in summed.iter().skip(1) {
        total.merge(&one.total)?;
    }
    let sum = total.print();
    if !json {
        let mut lines: Vec<String> = summed
            .iter()
            .map(|s| format!("{}  {}", s.report.sum, s.report.file))
            .collect();
        lines.push(format!("{sum}  total"));
        return Ok(lines.join("\n"));
    }
    let dtypes: Vec<Dtype> = summed.iter().map(|s| s.report.dtype).collect();
    let count: usize = summed.iter().map(|s| s.report.count).sum();
    let bytes: usize = summed
        .iter()
        .map(|s| s.report.count * s.report.dtype.size())
        .sum();
    let first = &summed[0].report;
    let arrays: Vec<serde_json::Value> = summed
        .iter()
        .map(|s| serde_json::from_str(&s.report.render(true)).unwrap_or_default())
        .collect();
    let report = serde_json::json!({
        "arrays": arrays,
        "total": {
            "bytes_per_second": bytes as f64 / seconds.max(1e-9),
            "count": count,
            "dtype": if dtypes.iter().all(|&d| d == dtypes[0]) { dtypes[0].name() } else { "mixed" },
            "isa": coresum::isa().name(),
            "mode": mode_name(first.mode),
            "seconds": seconds,
            "sum": sum,
            "threads": summed.iter().map(|s| s.report.threads).max().unwrap_or(1),
        },
    });
    Ok(report.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json() {
        let report = SumReport {
            sum: (-0.0f64).print(),
            dtype: Dtype::F32,
            count: 3,
            mode: Mode::Fast,
            threads: 2,
            seconds: 0.5,
            file: "a \"b\".npy".into(),
        };
        assert_eq!(report.render(false), "-0.0");
        let json: serde_json::Value = serde_json::from_str(&report.render(true)).unwrap();
        assert_eq!(json["sum"], "-0.0");
        assert_eq!(json["dtype"], "f32");
        assert_eq!(json["mode"], "fast");
        assert_eq!(json["bytes_per_second"], 24.0);
        assert_eq!(json["file"], "a \"b\".npy");
        assert!(
            report
                .render(true)
                .starts_with("{\"bytes_per_second\":24.0,\"count\":3,")
        );
        assert_eq!(f64::NAN.print(), "nan");
        assert_eq!(f64::NEG_INFINITY.print(), "-inf");
        assert_eq!(1e300f64.print(), "1e300");
        assert_eq!(u128::MAX.print(), u128::MAX.to_string());
    }
}
