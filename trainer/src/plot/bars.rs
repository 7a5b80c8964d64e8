//! Grouped bar charts: several metrics per model, or BLEU per docstring-length bucket per model.

use super::{FONT, PlotError, draw_legend, render_svg, series_colour};
use crate::metrics::LengthBucket;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Draws one group of bars per entry of `groups` (e.g. one per model), with one bar per
/// `(metric name, value)` inside each group, into an SVG at `path`.
///
/// A metric keeps its colour and its slot across groups (one legend entry each), so a metric missing
/// from one group leaves a gap instead of shifting the others. Each bar is labelled with its value.
/// Fails with [`PlotError::BadInput`] for no bars at all or a value that is not finite.
pub fn bar_chart<G, M>(
    path: impl AsRef<Path>,
    title: &str,
    groups: &[(G, Vec<(M, f64)>)],
) -> Result<(), PlotError>
where
    G: AsRef<str>,
    M: AsRef<str>,
{
    let groups = groups
        .iter()
        .map(|(group, bars)| {
            let bars = bars
                .iter()
                .map(|(name, value)| (name.as_ref().to_string(), *value));
            (group.as_ref().to_string(), bars.collect())
        })
        .collect();
    grouped_bars(path.as_ref(), title, "", "value", groups)
}

/// Draws BLEU per docstring-length bucket, one group per bucket and one bar per model, from the
/// [`EvalSummary::bleu_by_length`](crate::metrics::EvalSummary::bleu_by_length) of each model.
///
/// Buckets are shown in the order they first appear, labelled with their size (`"11-20 (n=93)"`, the
/// first model's count: every model is evaluated on the same test set). Empty buckets draw no bar.
pub fn bleu_by_length<S, B>(path: impl AsRef<Path>, series: &[(S, B)]) -> Result<(), PlotError>
where
    S: AsRef<str>,
    B: AsRef<[LengthBucket]>,
{
    let mut groups: Vec<(String, Vec<(String, f64)>)> = Vec::new();
    let mut bucket_names: Vec<&str> = Vec::new();
    for (model, buckets) in series {
        for bucket in buckets.as_ref() {
            let index = match bucket_names.iter().position(|b| *b == bucket.bucket) {
                Some(index) => index,
                None => {
                    bucket_names.push(&bucket.bucket);
                    groups.push((format!("{} (n={})", bucket.bucket, bucket.n), Vec::new()));
                    bucket_names.len() - 1
                }
            };
            if let Some(bleu) = bucket.bleu {
                groups[index].1.push((model.as_ref().to_string(), bleu));
            }
        }
    }
    grouped_bars(
        path.as_ref(),
        "BLEU by docstring length",
        "docstring length (tokens)",
        "BLEU",
        groups,
    )
}

/// Shared drawing code: `groups` are `(group label, [(bar name, value)])`.
fn grouped_bars(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    groups: Vec<(String, Vec<(String, f64)>)>,
) -> Result<(), PlotError> {
    // Bar names in order of first appearance: their index is the bar's colour and slot in every group.
    let mut names: Vec<&str> = Vec::new();
    for (group, bars) in &groups {
        for (name, value) in bars {
            if !value.is_finite() {
                let message = format!("value of {name:?} in group {group:?} is {value}");
                return Err(PlotError::bad_input(path, message));
            }
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    if names.is_empty() {
        return Err(PlotError::bad_input(path, "no bars to draw"));
    }

    let values = || {
        groups
            .iter()
            .flat_map(|(_, bars)| bars.iter().map(|(_, v)| *v))
    };
    let y_min = values().fold(0.0, f64::min);
    // Headroom above the tallest bar for its value label and the legend.
    let y_max = (values().fold(0.0, f64::max) * 1.35).max(1.0);
    let slot = 0.8 / names.len() as f64;
    let width = (200 + groups.len() * names.len() * 44).max(720) as u32;

    render_svg(path, (width, 520), |canvas| {
        let mut chart = ChartBuilder::on(canvas)
            .caption(title, (FONT, 24))
            .margin(16)
            .x_label_area_size(if x_desc.is_empty() { 36 } else { 60 })
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..groups.len() as f64, y_min..y_max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;

        for (slot_index, name) in names.iter().enumerate() {
            let colour = series_colour(slot_index);
            let bars: Vec<(f64, f64)> = groups
                .iter()
                .enumerate()
                .flat_map(|(g, (_, bars))| {
                    let left = g as f64 + 0.1 + slot_index as f64 * slot;
                    bars.iter()
                        .filter(|(n, _)| n == name)
                        .map(move |(_, v)| (left, *v))
                })
                .collect();
            chart
                .draw_series(bars.iter().map(|&(left, v)| {
                    Rectangle::new([(left, 0.0), (left + slot * 0.92, v)], colour.filled())
                }))?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled())
                });
            let value_style = TextStyle::from((FONT, 12)).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart.draw_series(bars.iter().map(|&(left, v)| {
                Text::new(
                    format!("{v:.1}"),
                    (left + slot * 0.46, v.max(0.0)),
                    value_style.clone(),
                )
            }))?;
        }

        // Group labels under the axis, centred on each group (mesh labels cannot be placed there).
        let label_style = TextStyle::from((FONT, 15)).pos(Pos::new(HPos::Center, VPos::Top));
        for (g, (label, _)) in groups.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(g as f64 + 0.5, y_min));
            canvas.draw(&Text::new(label.as_str(), (x, y + 8), label_style.clone()))?;
        }

        draw_legend(&mut chart)
    })
}
