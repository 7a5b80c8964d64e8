//! Training curves: loss per epoch, train and validation, for several models in one chart.

use super::{FONT, PlotError, draw_legend, render_svg, series_colour};
use plotters::prelude::*;
use std::path::Path;

/// One epoch of a model's training log: `(epoch, train_loss, valid_loss)`.
pub type EpochLosses = (usize, f64, f64);

/// Draws the train (dashed) and validation (solid, with dots) loss of each model against the epoch,
/// one colour per model, into an SVG at `path`.
///
/// Non-finite losses (a diverged run, or an epoch without validation) are left out of the lines.
/// Fails with [`PlotError::BadInput`] when there is no finite loss at all.
pub fn training_curves<S: AsRef<str>>(
    path: impl AsRef<Path>,
    series: &[(S, Vec<EpochLosses>)],
) -> Result<(), PlotError> {
    let path = path.as_ref();
    let lines: Vec<ModelLines> = series
        .iter()
        .map(|(name, epochs)| ModelLines {
            name: name.as_ref(),
            train: finite(epochs, |e| e.1),
            valid: finite(epochs, |e| e.2),
        })
        .collect();

    let points: Vec<&(f64, f64)> = lines
        .iter()
        .flat_map(|l| l.train.iter().chain(&l.valid))
        .collect();
    if points.is_empty() {
        return Err(PlotError::bad_input(path, "no finite loss in any series"));
    }
    // The x axis spans the logged epochs (usually from 1), the y axis starts at 0.
    let x_min = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let y_max = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let x_range = x_min..x_max.max(x_min + 1.0);
    let y_range = 0.0..(y_max * 1.05).max(1e-3);

    render_svg(path, (900, 560), |canvas| {
        let mut chart = ChartBuilder::on(canvas)
            .caption("Training and validation loss", (FONT, 24))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range, y_range)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("loss (cross-entropy per token)")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;

        for (i, ModelLines { name, train, valid }) in lines.iter().enumerate() {
            let colour = series_colour(i);
            chart
                .draw_series(DashedLineSeries::new(
                    train.clone(),
                    8,
                    5,
                    colour.stroke_width(2),
                ))?
                .label(format!("{name} train"))
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new([(0, 0), (7, 0)], colour.stroke_width(2))
                        + PathElement::new([(12, 0), (19, 0)], colour.stroke_width(2))
                });
            chart
                .draw_series(LineSeries::new(valid.clone(), colour.stroke_width(2)).point_size(3))?
                .label(format!("{name} valid"))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 19, y)], colour.stroke_width(2))
                });
        }

        draw_legend(&mut chart)
    })
}

/// One model's two lines, as (epoch, loss) points with the non-finite losses left out.
struct ModelLines<'a> {
    name: &'a str,
    train: Vec<(f64, f64)>,
    valid: Vec<(f64, f64)>,
}

/// The finite `(epoch, loss)` points of one column of the log (`pick` chooses train or valid).
fn finite(epochs: &[EpochLosses], pick: fn(&EpochLosses) -> f64) -> Vec<(f64, f64)> {
    epochs
        .iter()
        .map(|e| (e.0 as f64, pick(e)))
        .filter(|(_, loss)| loss.is_finite())
        .collect()
}
