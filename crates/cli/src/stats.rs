//! `coresum stats` and `coresum dot` (issue 11).
//!
//! `stats` reads its file once, a buffer at a time on every worker of the pool (bounded memory,
//! as `sum` does), and feeds each buffer to a [`coresum::Summary`]: count, exact `Σx` and `Σx²`,
//! extremes and their first indices, merged in file order; the mean and variances are rounded
//! once from the exact sums, so they are the values `coresum::mean` and `coresum::variance` give
//! on the whole array. An empty file has count 0, sum 0 and no other statistic (`null`).
//!
//! `dot` reads both arrays into memory and calls `coresum::dot_with`: the exact float dot's
//! chunk partials are not public, and a chunk-wise sum of rounded partials would not be the
//! correctly rounded value. Its memory is the size of the two arrays.

use crate::dtype::Dtype;
use crate::input::{self, Element, Extent};
use crate::report::{Printable, mode_name};
use crate::sum::{ModeArg, SumArgs, pool_for, unchanged};
use crate::with_dtype;
use coresum::{Mode, Summarize, Summary};
use serde_json::{Value, json};
use std::fs::File;
use std::path::{Path, PathBuf};

/// How a file is read: the options `stats` and `dot` share with `sum`.
#[derive(clap::Args, Clone, Debug)]
pub struct Layout {
    /// Element type of raw data; for a .npy file, its header must agree.
    #[arg(long, value_enum)]
    pub dtype: Option<Dtype>,
    /// Raw data is big-endian (default little-endian).
    #[arg(long)]
    pub be: bool,
    /// Skip this many bytes at the start of raw data.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
}

/// The arguments of `coresum stats`.
#[derive(clap::Args, Clone, Debug)]
pub struct StatsArgs {
    /// A .npy file, or raw binary given --dtype.
    pub file: PathBuf,
    /// --dtype, --be, --offset.
    #[command(flatten)]
    pub layout: Layout,
    /// Worker threads (default: one per allowed core, or CORESUM_THREADS).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Cores to pin the workers to, e.g. 0-3,8 (default: the allowed cores, or CORESUM_CORES).
    #[arg(long)]
    pub cores: Option<String>,
    /// Print one JSON object (numbers that must stay exact as strings).
    #[arg(long)]
    pub json: bool,
}

/// The arguments of `coresum dot`.
#[derive(clap::Args, Clone, Debug)]
pub struct DotArgs {
    /// The first array: a .npy file, or raw binary given --dtype.
    pub a: PathBuf,
    /// The second array, of the same type and length.
    pub b: PathBuf,
    /// --dtype, --be, --offset.
    #[command(flatten)]
    pub layout: Layout,
    /// How a float dot product is computed (integer dot products are always exact).
    #[arg(long, value_enum, default_value_t = ModeArg::Exact)]
    pub mode: ModeArg,
    /// Print one JSON object (the product as a string, exact).
    #[arg(long)]
    pub json: bool,
}

/// An element printed as `stats` prints extremes: integers in full, floats as the shortest string
/// that reads back to the same value of their own type.
trait ElementText {
    fn text(self) -> String;
}

macro_rules! element_text {
    (int: $($t:ty),*) => {$(
        impl ElementText for $t {
            fn text(self) -> String {
                self.to_string()
            }
        }
    )*};
    (float: $($t:ty => $widen:expr),*) => {$(
        impl ElementText for $t {
            fn text(self) -> String {
                let x: f32 = $widen(self);
                match f64::from(x) {
                    // `nan`, `inf`, `-inf` spelled as the sums spell them.
                    special if !special.is_finite() => special.print(),
                    _ => format!("{x:?}"),
                }
            }
        }
    )*};
}
element_text!(int: i8, i16, i32, i64, u8, u16, u32, u64);
element_text!(float: f32 => |x| x, half::f16 => half::f16::to_f32, half::bf16 => half::bf16::to_f32);

impl ElementText for f64 {
    fn text(self) -> String {
        self.print()
    }
}

/// The statistics of one array, as `stats` reports them (each already printed; `None`: there is
/// none, e.g. the mean of no elements).
struct Stats {
    count: u64,
    sum: String,
    mean: Option<String>,
    variance: [Option<String>; 2],
    std: [Option<String>; 2],
    min: Option<String>,
    max: Option<String>,
    argmin: Option<u64>,
    argmax: Option<u64>,
}

impl Stats {
    fn of<T: Summarize + ElementText>(summary: &Summary<T>) -> Stats
    where
        T::Output: Printable,
    {
        let print = |x: Option<f64>| x.map(|x| x.print());
        Stats {
            count: summary.count(),
            sum: summary.sum().print(),
            mean: print(summary.mean()),
            variance: [0, 1].map(|ddof| print(summary.variance(ddof))),
            std: [0, 1].map(|ddof| print(summary.std_dev(ddof))),
            min: summary.min().map(ElementText::text),
            max: summary.max().map(ElementText::text),
            argmin: summary.argmin(),
            argmax: summary.argmax(),
        }
    }

    /// `key  value` lines, or one JSON object whose keys are in alphabetical order.
    fn render(&self, dtype: Dtype, file: &str, json: bool) -> String {
        let rows: [(&str, Value); 11] = [
            ("argmax", json!(self.argmax)),
            ("argmin", json!(self.argmin)),
            ("count", json!(self.count)),
            ("max", json!(self.max)),
            ("mean", json!(self.mean)),
            ("min", json!(self.min)),
            ("std", json!(self.std[0])),
            ("std_ddof1", json!(self.std[1])),
            ("sum", json!(self.sum)),
            ("variance", json!(self.variance[0])),
            ("variance_ddof1", json!(self.variance[1])),
        ];
        if json {
            let mut object: serde_json::Map<String, Value> =
                rows.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            object.insert("dtype".into(), json!(dtype.name()));
            object.insert("file".into(), json!(file));
            return Value::Object(object).to_string();
        }
        const ORDER: [usize; 11] = [2, 8, 4, 9, 10, 6, 7, 5, 3, 1, 0];
        ORDER
            .iter()
            .map(|&i| {
                let (key, value) = &rows[i];
                let value = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                format!("{key:<15}{value}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Opens the regular file `path` and finds its elements as `sum` would with `layout`.
fn open(path: &Path, layout: &Layout) -> Result<(File, String, Dtype, Extent), String> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{name} is not a regular file"));
    }
    let args = SumArgs {
        files: vec![path.to_owned()],
        dtype: layout.dtype,
        be: layout.be,
        offset: layout.offset,
        mode: ModeArg::Exact,
        threads: None,
        cores: None,
        json: false,
    };
    let (dtype, extent) = args.locate(&file, &name, meta.len())?;
    Ok((file, name, dtype, extent))
}

impl StatsArgs {
    /// The whole command: the report it prints.
    pub fn run(&self) -> Result<String, String> {
        let pool = pool_for(self.threads, self.cores.as_deref())?;
        let (file, name, dtype, extent) = open(&self.file, &self.layout)?;
        let before = file
            .metadata()
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        let stats = with_dtype!(dtype, T => summarize::<T>(&file, &name, extent, &pool)?);
        unchanged(&file, &name, &before)?;
        Ok(stats.render(dtype, &name, self.json))
    }
}

/// The statistics of `extent` in `file`, one pass on every worker of `pool`.
fn summarize<T>(
    file: &File,
    name: &str,
    extent: Extent,
    pool: &coresum::Pool,
) -> Result<Stats, String>
where
    T: Element + Summarize + ElementText,
    T::Output: Printable,
{
    let mut chunks = input::fold_file(
        file,
        name,
        extent,
        pool,
        Vec::new,
        |chunks, chunk, data: &[T]| chunks.push((chunk, Summary::of(data))),
        |mut a, b| {
            a.extend(b);
            Ok(a)
        },
    )?;
    chunks.sort_unstable_by_key(|&(chunk, _)| chunk);
    let mut summary = Summary::new();
    for (_, next) in chunks {
        summary.append(next);
    }
    Ok(Stats::of(&summary))
}

impl DotArgs {
    /// The whole command: the line it prints.
    pub fn run(&self) -> Result<String, String> {
        let (file_a, name_a, dtype_a, extent_a) = open(&self.a, &self.layout)?;
        let (file_b, name_b, dtype_b, extent_b) = open(&self.b, &self.layout)?;
        if dtype_a != dtype_b {
            return Err(format!(
                "{name_a} holds {dtype_a} but {name_b} holds {dtype_b}: dot takes two arrays of one type"
            ));
        }
        if extent_a.count != extent_b.count {
            return Err(format!(
                "{name_a} has {} elements but {name_b} has {}: dot takes two arrays of one length",
                extent_a.count, extent_b.count
            ));
        }
        let mode = Mode::from(self.mode);
        macro_rules! dot {
            ($t:ty) => {{
                let x = input::read_file::<$t>(&file_a, &name_a, extent_a)?;
                let y = input::read_file::<$t>(&file_b, &name_b, extent_b)?;
                coresum::dot_with(&x, &y, mode)
                    .map_err(|e| e.to_string())?
                    .print()
            }};
        }
        let product = match dtype_a {
            Dtype::I8 => dot!(i8),
            Dtype::I16 => dot!(i16),
            Dtype::I32 => dot!(i32),
            Dtype::U8 => dot!(u8),
            Dtype::U16 => dot!(u16),
            Dtype::U32 => dot!(u32),
            Dtype::F16 => dot!(half::f16),
            Dtype::Bf16 => dot!(half::bf16),
            Dtype::F32 => dot!(f32),
            Dtype::F64 => dot!(f64),
            Dtype::I64 | Dtype::U64 => {
                return Err(format!(
                    "dot of {dtype_a} is not supported: its exact products need 128 bits each"
                ));
            }
        };
        if !self.json {
            return Ok(product);
        }
        Ok(json!({
            "count": extent_a.count,
            "dot": product,
            "dtype": dtype_a.name(),
            "files": [name_a, name_b],
            "mode": mode_name(mode),
        })
        .to_string())
    }
}
