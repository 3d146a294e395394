//! PNG plots of a run (plotters, bitmap backend, pure Rust): loss curves,
//! predicted vs true on validation, and tuning trials.
//!
//! Text needs a TrueType font. It is read at run time from `VALENCE_FONT`
//! or the usual system places (DejaVu Sans on Debian: package
//! `fonts-dejavu-core`); without one, plots are skipped with a message and
//! everything else still works. Reading it at run time keeps the build free
//! of any font file.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, bail, Result};
use plotters::prelude::*;

use super::report::EpochRecord;

const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// Registers a font with plotters once per process; the error says why
/// plots cannot be drawn.
fn ensure_font() -> Result<()> {
    static FONT: OnceLock<Result<(), String>> = OnceLock::new();
    FONT.get_or_init(|| {
        let candidates: Vec<String> = std::env::var("VALENCE_FONT")
            .into_iter()
            .chain(FONT_PATHS.iter().map(|s| s.to_string()))
            .collect();
        for path in &candidates {
            if let Ok(bytes) = std::fs::read(path) {
                // Registered fonts must live for the whole process.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(
            "no TrueType font found for the plots (install fonts-dejavu-core or set VALENCE_FONT \
             to a .ttf file); plots skipped"
                .to_string(),
        )
    })
    .clone()
    .map_err(|e| anyhow!(e))
}

fn draw_err<E: std::fmt::Debug>(path: &Path) -> impl Fn(E) -> anyhow::Error + '_ {
    move |e| anyhow!("cannot draw {}: {e:?}", path.display())
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad, hi + pad)
}

/// Renders into a temporary PNG and moves it into place (atomically).
fn render_atomically(path: &Path, draw: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    ensure_font()?;
    crate::atomic::write_atomically_to_path(path, draw)
}

/// Loss curves: training loss as trained, training and validation MSE in
/// evaluation mode, the best epoch marked.
pub fn loss_curves(path: &Path, history: &[EpochRecord], best_epoch: usize) -> Result<()> {
    if history.is_empty() {
        bail!("no epochs to plot");
    }
    render_atomically(path, |tmp| {
        let err = draw_err(path);
        let root = BitMapBackend::new(tmp, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        let n = history.len() as f64;
        let (lo, hi) = range(
            history
                .iter()
                .flat_map(|r| [r.train_loss, r.train.mse, r.val.mse]),
        );
        let mut chart = ChartBuilder::on(&root)
            .caption("Loss (MSE, label units)", ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5..n + 0.5, lo.max(0.0)..hi)
            .map_err(&err)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("MSE")
            .draw()
            .map_err(&err)?;
        type Series = (&'static str, RGBColor, fn(&EpochRecord) -> f64);
        let series: [Series; 3] = [
            ("training loss (as trained)", RGBColor(150, 150, 150), |r| {
                r.train_loss
            }),
            ("training MSE (eval mode)", BLUE, |r| r.train.mse),
            ("validation MSE (eval mode)", RED, |r| r.val.mse),
        ];
        for (label, color, f) in series {
            chart
                .draw_series(LineSeries::new(
                    history.iter().map(|r| (r.epoch as f64, f(r))),
                    color.stroke_width(2),
                ))
                .map_err(&err)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        if best_epoch > 0 {
            let b = best_epoch as f64;
            chart
                .draw_series(LineSeries::new(
                    vec![(b, lo.max(0.0)), (b, hi)],
                    BLACK.mix(0.4),
                ))
                .map_err(&err)?
                .label(format!("best epoch ({best_epoch})"))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.4)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(&err)?;
        root.present().map_err(&err)?;
        Ok(())
    })
}

/// Predicted against true validation labels, with the identity line.
pub fn predicted_vs_true(path: &Path, predicted: &[f32], truth: &[f32], title: &str) -> Result<()> {
    render_atomically(path, |tmp| {
        let err = draw_err(path);
        let root = BitMapBackend::new(tmp, (640, 640)).into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        let (lo, hi) = range(predicted.iter().chain(truth).map(|&v| v as f64));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(lo..hi, lo..hi)
            .map_err(&err)?;
        chart
            .configure_mesh()
            .x_desc("true valence")
            .y_desc("predicted valence")
            .draw()
            .map_err(&err)?;
        chart
            .draw_series(LineSeries::new(vec![(lo, lo), (hi, hi)], BLACK.mix(0.5)))
            .map_err(&err)?;
        chart
            .draw_series(
                truth
                    .iter()
                    .zip(predicted)
                    .map(|(&t, &p)| Circle::new((t as f64, p as f64), 3, BLUE.mix(0.5).filled())),
            )
            .map_err(&err)?;
        root.present().map_err(&err)?;
        Ok(())
    })
}

/// Tuning trials: each trial's validation MSE and the best so far.
pub fn trials(path: &Path, values: &[f64], n_initial: usize) -> Result<()> {
    if values.is_empty() {
        bail!("no trials to plot");
    }
    render_atomically(path, |tmp| {
        let err = draw_err(path);
        let root = BitMapBackend::new(tmp, (800, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(&err)?;
        let n = values.len() as f64;
        let (lo, hi) = range(values.iter().copied());
        let mut chart = ChartBuilder::on(&root)
            .caption("Tuning trials (validation MSE)", ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5..n + 0.5, lo..hi)
            .map_err(&err)?;
        chart
            .configure_mesh()
            .x_desc("trial")
            .y_desc("validation MSE")
            .draw()
            .map_err(&err)?;
        let mut best = f64::INFINITY;
        let best_so_far: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                best = best.min(v);
                (i as f64 + 1.0, best)
            })
            .collect();
        chart
            .draw_series(LineSeries::new(best_so_far, RED.stroke_width(2)))
            .map_err(&err)?
            .label("best so far")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let color = if i < n_initial { BLACK } else { BLUE };
                Circle::new((i as f64 + 1.0, v), 5, color.filled())
            }))
            .map_err(&err)?
            .label("trial (black: initial, blue: guided)")
            .legend(|(x, y)| Circle::new((x + 10, y), 5, BLUE.filled()));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(&err)?;
        root.present().map_err(&err)?;
        Ok(())
    })
}
