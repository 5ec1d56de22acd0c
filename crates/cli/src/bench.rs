//! `coresum bench`: generate data, sum it on pinned pools of several sizes, and print coresum's
//! throughput beside the read ceiling (a wrapping u64 add over the same bytes on the same pinned
//! workers) and the single-thread std loop, all measured in this run.

use coresum::{Cores, Pool, Summable};
use coresum_bench_support::data::{Aligned, Integer};
use coresum_bench_support::native;
use coresum_cli::dtype::Dtype;
use coresum_cli::report::Printable;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Element type (integers; the std peer widens them like coresum does).
    #[arg(long, value_enum, default_value_t = Dtype::I32)]
    dtype: Dtype,
    /// Bytes of data, with an optional K, M or G suffix.
    #[arg(long, default_value = "256M")]
    size: String,
    /// Thread counts to measure, e.g. 1,2,4 (default: 1, 2, 4, … and all allowed cores).
    #[arg(long, value_delimiter = ',')]
    threads: Option<Vec<usize>>,
    /// Also sweep sizes from 16 KiB up to --size and draw GB/s against size, per thread count.
    #[arg(long)]
    plot: Option<PathBuf>,
}

/// One measurement: GB/s of coresum, of the ceiling, of std.
struct Row {
    threads: usize,
    bytes: usize,
    coresum: f64,
    ceiling: f64,
    std: f64,
}

fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let (digits, scale) = match text.chars().last() {
        Some('K' | 'k') => (&text[..text.len() - 1], 1 << 10),
        Some('M' | 'm') => (&text[..text.len() - 1], 1 << 20),
        Some('G' | 'g') => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&n| n >= 1024)
        .ok_or_else(|| format!("--size {text:?}: expected a byte count of at least 1K, e.g. 256M"))
}

/// The fastest of enough runs to fill about a quarter of a second (at least three), in seconds.
fn best_time(mut f: impl FnMut()) -> f64 {
    let (mut best, mut spent, mut runs) = (f64::INFINITY, 0.0, 0);
    while runs < 3 || (spent < 0.25 && runs < 10_000) {
        let start = Instant::now();
        f();
        let t = start.elapsed().as_secs_f64();
        best = best.min(t);
        spent += t;
        runs += 1;
    }
    best
}

fn measure<T: Summable + Integer, W>(
    buffer: &Aligned,
    bytes: usize,
    pool: &Pool,
    std_loop: fn(&[T]) -> W,
) -> Row {
    let data: &[T] = buffer.view(0, bytes / size_of::<T>());
    let words: &[u64] = buffer.view(0, bytes / 8);
    let threads = pool.threads();
    let partials: Vec<AtomicU64> = (0..threads).map(|_| AtomicU64::new(0)).collect();
    let share = words.len().div_ceil(threads);
    let ceiling = native::ceiling::best();
    let gbps = |seconds: f64| bytes as f64 / seconds / 1e9;
    Row {
        threads,
        bytes,
        coresum: gbps(best_time(|| {
            black_box(pool.sum(black_box(data)));
        })),
        ceiling: gbps(best_time(|| {
            pool.broadcast(|worker| {
                let part = words.chunks(share).nth(worker).unwrap_or(&[]);
                partials[worker].store(ceiling(part), Ordering::Relaxed);
            })
            .ok();
            black_box(
                partials
                    .iter()
                    .fold(0u64, |a, p| a.wrapping_add(p.load(Ordering::Relaxed))),
            );
        })),
        std: gbps(best_time(|| {
            black_box(std_loop(black_box(data)));
        })),
    }
}

/// What to measure: every size on a pinned pool of each thread count.
struct Plan<'a> {
    buffer: Aligned,
    size: usize,
    sizes: Vec<usize>,
    threads: &'a [usize],
    allowed: &'a [usize],
}

impl Plan<'_> {
    /// Every row for one element type, and the sum of the whole buffer as that type.
    fn measure<T: Summable + Integer, W>(
        &self,
        std_loop: fn(&[T]) -> W,
    ) -> Result<(Vec<Row>, String), String>
    where
        T::Output: Printable,
    {
        let mut rows = Vec::new();
        for &count in self.threads {
            let pool = Pool::builder()
                .threads(count)
                .cores(Cores::List(self.allowed[..count].to_vec()))
                .thread_name_prefix("bench-w")
                .build()
                .map_err(|e| e.to_string())?;
            for &bytes in &self.sizes {
                rows.push(measure(&self.buffer, bytes, &pool, std_loop));
            }
        }
        let whole = self.buffer.view::<T>(0, self.size / size_of::<T>());
        Ok((rows, coresum::sum(whole).print()))
    }
}

pub fn run(args: Args) -> Result<(), String> {
    let dtype = args.dtype;
    if dtype.is_float() {
        return Err(format!("bench measures integer types, not {dtype}"));
    }
    let size = parse_size(&args.size)?;
    let size = size / 128 * 128;
    let allowed = coresum::pool::allowed_cores();
    let threads = args.threads.unwrap_or_else(|| {
        let mut counts: Vec<usize> = (0..)
            .map(|p| 1 << p)
            .take_while(|&n| n < allowed.len())
            .collect();
        counts.push(allowed.len());
        counts
    });
    if let Some(bad) = threads.iter().find(|&&t| t == 0 || t > allowed.len()) {
        return Err(format!(
            "--threads {bad}: between 1 and {} (the allowed cores)",
            allowed.len()
        ));
    }
    let sizes: Vec<usize> = if args.plot.is_some() {
        (0..)
            .map(|p| (16 << 10) << (2 * p))
            .take_while(|&s| s < size)
            .chain([size])
            .collect()
    } else {
        vec![size]
    };
    println!(
        "coresum bench: {dtype}, {} MiB, path {}, cores {:?}",
        size >> 20,
        coresum::isa(),
        allowed
    );
    let plan = Plan {
        buffer: Aligned::new(size),
        size,
        sizes,
        threads: &threads,
        allowed: &allowed,
    };
    let (rows, total) = match dtype {
        Dtype::I8 => plan.measure(native::i8::best())?,
        Dtype::I16 => plan.measure(native::i16::best())?,
        Dtype::I32 => plan.measure(native::i32::best())?,
        Dtype::I64 => plan.measure(native::i64::best())?,
        Dtype::U8 => plan.measure(native::u8::best())?,
        Dtype::U16 => plan.measure(native::u16::best())?,
        Dtype::U32 => plan.measure(native::u32::best())?,
        Dtype::U64 => plan.measure(native::u64::best())?,
        _ => return Err(format!("bench measures integer types, not {dtype}")),
    };
    println!(
        "{:>8} {:>10} {:>14} {:>14} {:>10} {:>12} {:>8}",
        "threads", "bytes", "coresum GB/s", "ceiling GB/s", "×ceiling", "std GB/s", "×std"
    );
    for row in &rows {
        println!(
            "{:>8} {:>10} {:>14.1} {:>14.1} {:>10.2} {:>12.1} {:>8.2}",
            row.threads,
            row.bytes,
            row.coresum,
            row.ceiling,
            row.coresum / row.ceiling,
            row.std,
            row.coresum / row.std
        );
    }
    println!("sum of the {size} bytes as {dtype}: {total}");
    if let Some(path) = args.plot {
        plot(&path, &rows, &threads)?;
        println!("plot written to {}", path.display());
    }
    Ok(())
}

/// GB/s against size, one line per thread count (plotters, SVG).
fn plot(path: &std::path::Path, rows: &[Row], threads: &[usize]) -> Result<(), String> {
    use plotters::prelude::*;
    let error = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", path.display());
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let max_gbps = rows
        .iter()
        .map(|r| r.coresum.max(r.ceiling))
        .fold(1.0, f64::max)
        * 1.1;
    let min_size = rows.iter().map(|r| r.bytes).min().unwrap_or(1 << 14) as f64;
    let max_size = rows.iter().map(|r| r.bytes).max().unwrap_or(1 << 20) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption("coresum::sum throughput", ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d((min_size..max_size * 1.01).log_scale(), 0.0..max_gbps)
        .map_err(|e| error(&e))?;
    chart
        .configure_mesh()
        .x_desc("bytes")
        .y_desc("GB/s")
        .x_label_formatter(&|b| format!("{}K", (*b as usize) >> 10))
        .draw()
        .map_err(|e| error(&e))?;
    for (i, &count) in threads.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.threads == count)
            .map(|r| (r.bytes as f64, r.coresum))
            .collect();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(|e| error(&e))?
            .label(format!("{count} threads"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .draw()
        .map_err(|e| error(&e))?;
    root.present().map_err(|e| error(&e))
}
