//! The plots (plotters, SVG) in `docs/img/`, and `render`, which writes them and the tables.

use crate::markdown::{best_peer, markdown, size_label, splice};
use crate::report::{FloatRow, Results};
use crate::{DOCS, KIB, Result};
use std::collections::BTreeMap;

type Chart<'a> = plotters::prelude::ChartContext<
    'a,
    plotters::prelude::SVGBackend<'a>,
    plotters::prelude::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// Grouped bars: one group per label, one bar per series; `y` on a log scale when `log`.
fn bars(
    path: &str,
    caption: &str,
    y_desc: &str,
    groups: &[String],
    series: &[(String, Vec<Option<f64>>)],
    log: bool,
) -> Result<()> {
    use plotters::prelude::*;
    let error = |e: &dyn std::fmt::Display| format!("cannot draw {path}: {e}");
    let root = SVGBackend::new(path, (960, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let values = series.iter().flat_map(|(_, v)| v.iter().flatten().copied());
    let (low, high) = values.fold((1.0f64, 1.0f64), |(l, h), v| (l.min(v), h.max(v)));
    // Headroom above the bars for the legend.
    let (low, high) = if log {
        (low / 1.5, high * 4.0)
    } else {
        (0.0, high * 1.4)
    };
    let draw = |chart: &mut Chart, transform: &dyn Fn(f64) -> f64| -> Result<()> {
        let width = 0.8 / series.len() as f64;
        for (k, (name, values)) in series.iter().enumerate() {
            let color = Palette99::pick(k).to_rgba();
            chart
                .draw_series(values.iter().enumerate().filter_map(|(g, v)| {
                    let x = g as f64 - 0.4 + k as f64 * width;
                    v.map(|v| {
                        Rectangle::new(
                            [(x, transform(low)), (x + width * 0.9, transform(v))],
                            color.filled(),
                        )
                    })
                }))
                .map_err(|e| error(&e))?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        chart
            .draw_series(LineSeries::new(
                [
                    (-0.5, transform(1.0)),
                    (groups.len() as f64 - 0.5, transform(1.0)),
                ],
                BLACK.stroke_width(1),
            ))
            .map_err(|e| error(&e))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| error(&e))?;
        Ok(())
    };
    // A log axis is drawn as log10 values with labels raised back.
    let transform: &dyn Fn(f64) -> f64 = if log { &|v: f64| v.log10() } else { &|v| v };
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 20))
        .margin(14)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(
            -0.5..groups.len() as f64 - 0.5,
            transform(low)..transform(high),
        )
        .map_err(|e| error(&e))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(groups.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            let label = (i >= 0.0 && (x - i).abs() < 1e-6).then(|| groups.get(i as usize));
            label.flatten().cloned().unwrap_or_default()
        })
        .y_desc(y_desc)
        .y_label_formatter(&|y| {
            let v = if log { 10f64.powf(*y) } else { *y };
            // Two significant digits.
            let decimals = (1.0 - v.abs().log10().floor()).clamp(0.0, 6.0) as usize;
            format!("{v:.decimals$}")
        })
        .draw()
        .map_err(|e| error(&e))?;
    draw(&mut chart, transform)?;
    root.present().map_err(|e| error(&e))
}

/// GB/s against threads, one line per peer, one panel per (type, size) at the largest size.
fn scaling_plot(path: &str, r: &Results) -> Result<()> {
    use plotters::prelude::*;
    let error = |e: &dyn std::fmt::Display| format!("cannot draw {path}: {e}");
    let rows = &r.rust.scaling;
    let largest = rows.iter().map(|x| x.bytes).max().unwrap_or(0);
    let panels: Vec<&str> = ["u8", "i32"]
        .into_iter()
        .filter(|t| rows.iter().any(|x| x.ty == *t))
        .collect();
    let root = SVGBackend::new(path, (960, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let max_threads = rows.iter().map(|x| x.threads).max().unwrap_or(1) as f64;
    for (area, ty) in root
        .split_evenly((1, panels.len().max(1)))
        .iter()
        .zip(&panels)
    {
        let mine: Vec<(f64, BTreeMap<String, f64>)> = rows
            .iter()
            .filter(|x| x.ty == *ty && x.bytes == largest)
            .map(|x| (x.threads as f64, r.integer(x)))
            .collect();
        let top = mine
            .iter()
            .flat_map(|(_, g)| g.values())
            .fold(1.0f64, |a, &b| a.max(b));
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{ty}, {}", size_label(largest)), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            // Headroom above the lines for the legend.
            .build_cartesian_2d(0.8..max_threads + 0.2, 0.0..top * 1.6)
            .map_err(|e| error(&e))?;
        chart
            .configure_mesh()
            .x_desc("threads")
            .y_desc("GB/s")
            .x_labels(max_threads as usize + 1)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 {
                    format!("{i}")
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(|e| error(&e))?;
        for (k, peer) in ["coresum", "rayon", "fork_union", "openmp", "ceiling"]
            .iter()
            .enumerate()
        {
            let color = Palette99::pick(k).to_rgba();
            let points: Vec<(f64, f64)> = mine
                .iter()
                .filter_map(|(t, g)| g.get(*peer).map(|&v| (*t, v)))
                .collect();
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(|e| error(&e))?
                .label(peer.replace("openmp", "OpenMP"))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, color.filled())),
                )
                .map_err(|e| error(&e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| error(&e))?;
    }
    root.present().map_err(|e| error(&e))
}

/// Writes `docs/img/compare-*.svg` and the marked section of `docs/PERFORMANCE.md` from
/// `target/compare/*.json`.
pub fn render() -> Result<()> {
    let r = Results::load()?;
    let img = format!("{DOCS}/img");
    std::fs::create_dir_all(&img).map_err(|e| format!("cannot create {img}: {e}"))?;
    let m = &r.rust.machine;
    let machine = format!("{}, {} cores, {}", m.cpu, m.cores.len(), m.started);

    let ints = &r.rust.integers;
    let mut sizes: Vec<usize> = ints.iter().map(|x| x.bytes).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let types = ["u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64"];
    let series: Vec<(String, Vec<Option<f64>>)> = types
        .iter()
        .map(|ty| {
            let per_size = sizes
                .iter()
                .map(|&bytes| {
                    let row = ints.iter().find(|x| x.ty == *ty && x.bytes == bytes)?;
                    let g = r.integer(row);
                    Some(g.get("coresum")? / best_peer(&g)?.1)
                })
                .collect();
            (ty.to_string(), per_size)
        })
        .collect();
    bars(
        &format!("{img}/compare-headline.svg"),
        &format!("coresum ÷ best of std, rayon, fork_union, OpenMP, numpy (all cores) — {machine}"),
        "throughput ratio (log)",
        &sizes.iter().map(|&b| size_label(b)).collect::<Vec<_>>(),
        &series,
        true,
    )?;

    scaling_plot(&format!("{img}/compare-scaling.svg"), &r)?;

    let floats: Vec<&FloatRow> = r
        .rust
        .floats
        .iter()
        .filter(|x| x.bytes == 256 * KIB)
        .collect();
    let methods = [
        "exact",
        "compensated",
        "fast",
        "xsum",
        "accurate",
        "numpy",
        "fsum",
    ];
    let series: Vec<(String, Vec<Option<f64>>)> = methods
        .iter()
        .map(|method| {
            let per_set = floats
                .iter()
                .map(|row| {
                    let (g, _) = r.float(row);
                    Some(g.get(*method)? / g.get("naive")?)
                })
                .collect();
            (method.to_string(), per_set)
        })
        .collect();
    bars(
        &format!("{img}/compare-floats.svg"),
        &format!("float sums, 256 KiB, one thread: throughput ÷ the naive loop's — {machine}"),
        "ratio to naive (log)",
        &floats.iter().map(|x| x.set.clone()).collect::<Vec<_>>(),
        &series,
        true,
    )?;

    let section = markdown(&r, r.rust.settings.quick)
        .map_err(|e| format!("cannot format the report: {e}"))?;
    splice(&section)?;
    eprintln!("wrote docs/PERFORMANCE.md (the marked section) and docs/img/compare-*.svg");
    Ok(())
}
