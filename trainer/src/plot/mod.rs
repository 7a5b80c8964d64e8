//! SVG plots for the evaluation reports, drawn with `plotters`' SVG backend.
//!
//! SVG only, on purpose: it needs no font or image system library (text is left to the viewer), so
//! it builds anywhere, and the files are small, diffable and open in any browser.
//!
//! * [`training_curves`]: train and validation loss per epoch, one colour per model.
//! * [`bar_chart`]: grouped bars, e.g. BLEU / token accuracy / exact match / syntax validity per model.
//! * [`bleu_by_length`]: BLEU per docstring-length bucket, one bar per model.
//! * [`attention_heatmap`]: attention weights of one generated example, with token labels.
//!
//! Every function renders into memory first and writes the file last, creating missing parent
//! folders, so a failure never leaves a half-written SVG behind and each error names the file.

pub mod bars;
pub mod curves;
pub mod heatmap;
pub mod time;

pub use bars::{bar_chart, bleu_by_length};
pub use curves::{EpochLosses, training_curves};
pub use heatmap::{COLOUR_BAR_STEPS, attention_heatmap};
pub use time::bleu_against_time;

use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Why a plot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The SVG could not be written (or its folder created).
    #[error("cannot write plot {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The data does not fit the plot, e.g. attention weights whose shape is not tokens x tokens.
    #[error("cannot plot {}: {message}", path.display())]
    BadInput { path: PathBuf, message: String },
    /// plotters failed while drawing (not expected with the SVG backend, which draws into memory).
    #[error("cannot draw plot {}: {message}", path.display())]
    Draw { path: PathBuf, message: String },
}

impl PlotError {
    pub(crate) fn bad_input(path: &Path, message: impl Into<String>) -> Self {
        PlotError::BadInput {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// The drawing surface the plot functions draw on.
pub(crate) type Canvas<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Errors from plotters inside a drawing closure; turned into [`PlotError::Draw`].
pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Draws an SVG of `size` pixels (width, height) with `draw` on a white background and writes it to
/// `path`.
pub(crate) fn render_svg(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Canvas) -> DrawResult,
) -> Result<(), PlotError> {
    let mut svg = String::new();
    {
        let canvas = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let drawn = canvas
            .fill(&WHITE)
            .map_err(Into::into)
            .and_then(|()| draw(&canvas))
            .and_then(|()| canvas.present().map_err(Into::into));
        drawn.map_err(|e| PlotError::Draw {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    }
    let write_error = |source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(write_error)?;
    }
    // Atomically, so that a failed write leaves the previous plot whole.
    crate::atomic::write_file(path, svg.as_bytes()).map_err(|e| write_error(e.source))
}

/// The legend of every multi-series plot: upper right, on a translucent white box.
pub(crate) fn draw_legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
) -> DrawResult {
    draw_legend_at(chart, SeriesLabelPosition::UpperRight)
}

/// [`draw_legend`] at `position`.
pub(crate) fn draw_legend_at<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    position: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 14))
        .draw()?;
    Ok(())
}

/// The colour of the `i`-th model or metric: matplotlib's "tab10" palette, distinct and colour-blind
/// friendlier than plotters' primaries.
pub(crate) fn series_colour(i: usize) -> RGBColor {
    const TAB10: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let (r, g, b) = TAB10[i % TAB10.len()];
    RGBColor(r, g, b)
}

/// The font of every label: a generic family, since SVG leaves the choice to the viewer.
pub(crate) const FONT: &str = "sans-serif";
