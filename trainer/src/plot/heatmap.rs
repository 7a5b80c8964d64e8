//! Attention heatmap of one generated example: which source (docstring) tokens each generated token
//! attended to.
//!
//! The layout is computed by hand in pixels rather than with a plotters chart: a heatmap is a grid of
//! equal cells, and placing the token labels (rotated under the columns, right-aligned beside the
//! rows) needs exact cell positions anyway.

use super::{Canvas, DrawResult, FONT, PlotError, render_svg};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Number of bands in the colour scale beside the heatmap (each is one `<rect>` in the SVG, next to
/// the one background rectangle and the rows x columns cells).
pub const COLOUR_BAR_STEPS: usize = 50;

/// Side of one cell, in pixels.
const CELL: i32 = 24;
/// Token labels longer than this (long string literals) are cut, with an ellipsis.
const MAX_LABEL_CHARS: usize = 24;
/// Font size of the token labels, and the approximate width of one of their characters.
const LABEL_SIZE: i32 = 13;
const CHAR_WIDTH: i32 = 8;
const MARGIN: i32 = 16;
const TITLE_HEIGHT: i32 = 44;
const BAR_WIDTH: i32 = 18;

/// Draws `weights[g][s]`, the attention of generated token `g` on source token `s`, as a grid with
/// the generated tokens down the left side, the source tokens (rotated) along the bottom, and a
/// viridis colour scale from 0 (or the smallest weight, if negative) to the largest weight.
///
/// Fails with [`PlotError::BadInput`] when there are no tokens on either axis, when `weights` is not
/// `generated_tokens.len()` rows of `src_tokens.len()` weights, or when a weight is not finite.
pub fn attention_heatmap<S: AsRef<str>>(
    path: impl AsRef<Path>,
    src_tokens: &[S],
    generated_tokens: &[S],
    weights: &[Vec<f32>],
) -> Result<(), PlotError> {
    let path = path.as_ref();
    check_shape(src_tokens.len(), generated_tokens, weights)
        .map_err(|m| PlotError::bad_input(path, m))?;

    let src: Vec<String> = src_tokens.iter().map(|t| label(t.as_ref())).collect();
    let generated: Vec<String> = generated_tokens.iter().map(|t| label(t.as_ref())).collect();
    let all_weights = || weights.iter().flatten().copied();
    let low = all_weights().fold(0.0f32, f32::min);
    let high = all_weights().fold(f32::MIN, f32::max);
    let high = if high > low { high } else { low + 1.0 };

    let (rows, cols) = (generated.len() as i32, src.len() as i32);
    let widest =
        |labels: &[String]| labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as i32;
    // Pixel layout, left to right: margin, rotated axis title, row labels, grid, gap, colour bar, ticks.
    let grid_left = MARGIN + 24 + widest(&generated) * CHAR_WIDTH + 8;
    let grid_top = MARGIN + TITLE_HEIGHT;
    let (grid_width, grid_height) = (cols * CELL, rows * CELL);
    let bar_left = grid_left + grid_width + 28;
    let bar_height = grid_height.max(160);
    let labels_bottom = grid_top + grid_height + 8 + widest(&src) * CHAR_WIDTH;
    let width = (bar_left + BAR_WIDTH + 56 + MARGIN).max(360);
    let height = labels_bottom.max(grid_top + bar_height) + 40 + MARGIN;

    render_svg(path, (width as u32, height as u32), |canvas| {
        let centre = Pos::new(HPos::Center, VPos::Center);
        canvas.draw(&Text::new(
            "Attention weights",
            (width / 2, MARGIN + 8),
            TextStyle::from((FONT, 22)).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;

        for (g, row) in weights.iter().enumerate() {
            for (s, &weight) in row.iter().enumerate() {
                let (x, y) = (grid_left + s as i32 * CELL, grid_top + g as i32 * CELL);
                let colour = ViridisRGB::get_color_normalized(weight, low, high);
                canvas.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    colour.filled(),
                ))?;
            }
        }

        let row_style =
            TextStyle::from((FONT, LABEL_SIZE)).pos(Pos::new(HPos::Right, VPos::Center));
        for (g, token) in generated.iter().enumerate() {
            let y = grid_top + g as i32 * CELL + CELL / 2;
            canvas.draw(&Text::new(
                token.as_str(),
                (grid_left - 6, y),
                row_style.clone(),
            ))?;
        }
        // Rotated a quarter turn anticlockwise, right-aligned: each label reads upwards and ends just
        // under its column.
        let column_style = TextStyle::from((FONT, LABEL_SIZE))
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (s, token) in src.iter().enumerate() {
            let x = grid_left + s as i32 * CELL + CELL / 2;
            canvas.draw(&Text::new(
                token.as_str(),
                (x, grid_top + grid_height + 6),
                column_style.clone(),
            ))?;
        }

        // Axis titles centred on the grid, but never so close to the edge that they are cut off
        // (a grid of a few cells is narrower than its title).
        let axis_style = TextStyle::from((FONT, 15)).pos(centre);
        let (source_title, generated_title) = ("source tokens (docstring)", "generated tokens");
        let half_width = |title: &str| title.len() as i32 * CHAR_WIDTH / 2;
        canvas.draw(&Text::new(
            source_title,
            (
                (grid_left + grid_width / 2).max(MARGIN + half_width(source_title)),
                labels_bottom + 22,
            ),
            axis_style.clone(),
        ))?;
        canvas.draw(&Text::new(
            generated_title,
            (
                MARGIN + 8,
                (grid_top + grid_height / 2).max(grid_top + half_width(generated_title)),
            ),
            axis_style.transform(FontTransform::Rotate270),
        ))?;

        colour_bar(canvas, (bar_left, grid_top), bar_height, (low, high))
    })
}

/// The colour scale: [`COLOUR_BAR_STEPS`] bands from `low` (bottom) to `high` (top), with the values
/// at the bottom, middle and top written beside it.
fn colour_bar(
    canvas: &Canvas,
    (left, top): (i32, i32),
    height: i32,
    (low, high): (f32, f32),
) -> DrawResult {
    let steps = COLOUR_BAR_STEPS as i32;
    let band_top = |i: i32| top + height - (i + 1) * height / steps;
    for i in 0..steps {
        let value = low + (high - low) * (i as f32 + 0.5) / steps as f32;
        let colour = ViridisRGB::get_color_normalized(value, low, high);
        let bottom = top + height - i * height / steps;
        canvas.draw(&Rectangle::new(
            [(left, band_top(i)), (left + BAR_WIDTH, bottom)],
            colour.filled(),
        ))?;
    }
    let tick_style = TextStyle::from((FONT, 12)).pos(Pos::new(HPos::Left, VPos::Center));
    for fraction in [0.0f32, 0.5, 1.0] {
        let y = top + height - (fraction * height as f32).round() as i32;
        let tick = [(left + BAR_WIDTH, y), (left + BAR_WIDTH + 4, y)];
        canvas.draw(&PathElement::new(tick, BLACK))?;
        let value = low + (high - low) * fraction;
        canvas.draw(&Text::new(
            format!("{value:.2}"),
            (left + BAR_WIDTH + 7, y),
            tick_style.clone(),
        ))?;
    }
    Ok(())
}

/// Checks that `weights` is `generated.len()` rows of `source_len` finite weights; the error message
/// names the dimension that is off.
fn check_shape<S: AsRef<str>>(
    source_len: usize,
    generated: &[S],
    weights: &[Vec<f32>],
) -> Result<(), String> {
    if source_len == 0 || generated.is_empty() {
        return Err(format!(
            "attention heatmap needs tokens on both axes, got {source_len} source and {} generated tokens",
            generated.len()
        ));
    }
    if weights.len() != generated.len() {
        return Err(format!(
            "attention weights have {} rows but there are {} generated tokens (weights are [generated][source])",
            weights.len(),
            generated.len()
        ));
    }
    for (g, row) in weights.iter().enumerate() {
        if row.len() != source_len {
            return Err(format!(
                "attention weights row {g} (generated token {:?}) has {} columns but there are {source_len} source tokens",
                generated[g].as_ref(),
                row.len()
            ));
        }
        if let Some(s) = row.iter().position(|w| !w.is_finite()) {
            return Err(format!("attention weight [{g}][{s}] is {}", row[s]));
        }
    }
    Ok(())
}

/// A token as an axis label: cut to [`MAX_LABEL_CHARS`] characters.
fn label(token: &str) -> String {
    if token.chars().count() <= MAX_LABEL_CHARS {
        token.to_string()
    } else {
        let cut: String = token.chars().take(MAX_LABEL_CHARS - 1).collect();
        format!("{cut}…")
    }
}
