//! BLEU against training time: one line per model through its checkpoints (e.g. the epochs a run kept
//! with `train --keep-epochs`), so that models are compared at equal CPU time rather than equal epochs.

use super::{FONT, PlotError, draw_legend_at, render_svg, series_colour};
use plotters::prelude::*;
use std::path::Path;

/// Draws each model's `(training hours, BLEU)` points, joined in order of time, into an SVG at
/// `path`. Fails with [`PlotError::BadInput`] when no series has a point.
pub fn bleu_against_time<S: AsRef<str>>(
    path: impl AsRef<Path>,
    series: &[(S, Vec<(f64, f64)>)],
) -> Result<(), PlotError> {
    let path = path.as_ref();
    let mut lines: Vec<(&str, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(name, points)| {
            let mut points: Vec<(f64, f64)> = points
                .iter()
                .copied()
                .filter(|(t, b)| t.is_finite() && b.is_finite())
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            (name.as_ref(), points)
        })
        .collect();
    lines.retain(|(_, points)| !points.is_empty());
    let all: Vec<(f64, f64)> = lines.iter().flat_map(|(_, p)| p.iter().copied()).collect();
    if all.is_empty() {
        return Err(PlotError::bad_input(
            path,
            "no checkpoint with a training time",
        ));
    }
    let x_max = all.iter().map(|p| p.0).fold(0.0, f64::max);
    let y_max = all.iter().map(|p| p.1).fold(0.0, f64::max);
    render_svg(path, (900, 560), |canvas| {
        let mut chart = ChartBuilder::on(canvas)
            .caption("Test BLEU against training time", (FONT, 24))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..(x_max * 1.05).max(0.1), 0.0..(y_max * 1.1).max(1.0))?;
        chart
            .configure_mesh()
            .x_desc("training wall time (hours)")
            .y_desc("strict BLEU")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;
        for (i, (name, points)) in lines.iter().enumerate() {
            let colour = series_colour(i);
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)).point_size(4))?
                .label(*name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 19, y)], colour.stroke_width(2))
                });
        }
        // Lower right: the latest, best points are usually upper right.
        draw_legend_at(&mut chart, SeriesLabelPosition::LowerRight)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_line_per_model_and_refuses_nothing_to_draw() {
        let dir = std::env::temp_dir().join(format!("plot-time-{}", std::process::id()));
        let path = dir.join("time.svg");
        let series = [
            ("Transformer", vec![(1.0, 4.0), (0.5, 3.0)]),
            ("LSTM", vec![(2.0, 5.0)]),
        ];
        bleu_against_time(&path, &series).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(
            svg.contains("Transformer") && svg.contains("LSTM"),
            "legend"
        );
        assert!(svg.contains("training wall time (hours)"));
        let empty: [(&str, Vec<(f64, f64)>); 1] = [("x", vec![(f64::NAN, 1.0)])];
        assert!(matches!(
            bleu_against_time(&path, &empty),
            Err(PlotError::BadInput { .. })
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
