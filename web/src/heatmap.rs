//! The attention heatmap: a table of generated tokens (rows) by source tokens (columns). Hovering a
//! generated token (or a cell) highlights the source tokens it attended to, in proportion to the
//! weights; hovering a source token highlights the generated tokens that attended to it. For copy
//! models a last column gives each row's p_gen: how much of the token came from the vocabulary rather
//! than from copying the description's tokens (which the row's attention weighs). Row and column
//! labels take the keyboard's focus as they take the mouse, and the heatmap downloads as SVG or
//! JSON (`crate::heatmap_export`).

use leptos::prelude::*;
use model::heads::AttentionHeads;

use crate::heatmap_export::{HeatmapData, json, svg};

/// The heatmap of `weights` (the attention decoding reported) and, for a model with several layers
/// and heads, a picker of which layer or head it shows (the last layer's mean, `weights`, first).
#[component]
pub fn HeadsHeatmap(
    rows: Vec<String>,
    cols: Vec<String>,
    weights: Vec<Vec<f32>>,
    heads: Option<AttentionHeads>,
    p_gen: Option<Vec<f32>>,
) -> impl IntoView {
    let Some(heads) = heads else {
        let title = "attention".to_string();
        return view! { <Heatmap rows=rows cols=cols weights=weights p_gen=p_gen title=title /> }
            .into_any();
    };
    let views = heads.views();
    let (chosen, set_chosen) = signal(0usize);
    let options = views
        .iter()
        .enumerate()
        .map(|(i, v)| view! { <option value=i.to_string()>{v.label()}</option> })
        .collect::<Vec<_>>();
    let heatmap = move || {
        let view = views[chosen.get().min(views.len() - 1)];
        let weights = match chosen.get() {
            0 => weights.clone(),
            _ => heads.matrix(view),
        };
        let (rows, cols, p_gen) = (rows.clone(), cols.clone(), p_gen.clone());
        let title = format!("attention of {}", view.label());
        view! { <Heatmap rows=rows cols=cols weights=weights p_gen=p_gen title=title /> }
    };
    view! {
        <label class="heads-picker">
            "Attention of "
            <select
                data-testid="attention-head"
                on:change=move |ev| set_chosen.set(event_target_value(&ev).parse().unwrap_or(0))
            >
                {options}
            </select>
        </label>
        {heatmap}
    }
    .into_any()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Hover {
    Row(usize),
    Col(usize),
    Cell(usize, usize),
}

/// `weights[row][col]`; each row sums to 1. `p_gen`, for copy models, has one value per row.
#[component]
pub fn Heatmap(
    rows: Vec<String>,
    cols: Vec<String>,
    weights: Vec<Vec<f32>>,
    p_gen: Option<Vec<f32>>,
    /// Which attention it is (the picker's label), for the downloads.
    title: String,
) -> impl IntoView {
    let downloads = download_links(HeatmapData {
        rows: &rows,
        cols: &cols,
        weights: &weights,
        p_gen: p_gen.as_deref(),
        title: &title,
    });
    let (hover, set_hover) = signal(None::<Hover>);
    let row_max: Vec<f32> = (0..rows.len())
        .map(|i| {
            (0..cols.len())
                .map(|j| at(&weights, i, j))
                .fold(1e-9, f32::max)
        })
        .collect();
    let col_max: Vec<f32> = (0..cols.len())
        .map(|j| {
            (0..rows.len())
                .map(|i| at(&weights, i, j))
                .fold(1e-9, f32::max)
        })
        .collect();
    let cells: Vec<Vec<f32>> = (0..rows.len())
        .map(|i| {
            (0..cols.len())
                .map(|j| at(&weights, i, j) / row_max[i])
                .collect()
        })
        .collect();
    let weights = StoredValue::new(weights);
    let (row_max, col_max) = (StoredValue::new(row_max), StoredValue::new(col_max));
    let w = move |i, j| weights.with_value(|w| at(w, i, j));

    // How strongly a source column / a generated row is highlighted, in 0..=1.
    let col_level = move |j: usize| match hover.get() {
        Some(Hover::Row(i) | Hover::Cell(i, _)) => w(i, j) / row_max.with_value(|m| m[i]),
        Some(Hover::Col(c)) => f32::from(u8::from(c == j)),
        None => 0.0,
    };
    let row_level = move |i: usize| match hover.get() {
        Some(Hover::Col(j)) => w(i, j) / col_max.with_value(|m| m[j]),
        Some(Hover::Row(r) | Hover::Cell(r, _)) => f32::from(u8::from(r == i)),
        None => 0.0,
    };
    let shade = |level: f32| format!("background: rgba(255, 140, 0, {level:.3})");

    let header = cols
        .iter()
        .enumerate()
        .map(|(j, token)| {
            view! {
                <th
                    class="src"
                    title=token.clone()
                    data-testid="heatmap-col"
                    data-level=move || format!("{:.3}", col_level(j))
                    style=move || shade(col_level(j))
                    tabindex="0"
                    on:mouseenter=move |_| set_hover.set(Some(Hover::Col(j)))
                    on:focus=move |_| set_hover.set(Some(Hover::Col(j)))
                    on:blur=move |_| set_hover.set(None)
                >
                    {label(token)}
                </th>
            }
        })
        .collect::<Vec<_>>();
    let body = rows
        .iter()
        .zip(cells)
        .enumerate()
        .map(|(i, (token, cells))| {
            let cells = cells
                .into_iter()
                .enumerate()
                .map(|(j, level)| {
                    view! {
                        <td
                            data-testid="heatmap-cell"
                            title=format!("{:.3}", w(i, j))
                            aria-label=format!("{token} → {}: {:.3}", cols[j], w(i, j))
                            style=format!("background: rgba(33, 102, 172, {level:.3})")
                            on:mouseenter=move |_| set_hover.set(Some(Hover::Cell(i, j)))
                        ></td>
                    }
                })
                .collect::<Vec<_>>();
            view! {
                <tr data-testid="heatmap-row">
                    <th
                        class="tgt"
                        title=token.clone()
                        data-level=move || format!("{:.3}", row_level(i))
                        style=move || shade(row_level(i))
                        tabindex="0"
                        on:mouseenter=move |_| set_hover.set(Some(Hover::Row(i)))
                        on:focus=move |_| set_hover.set(Some(Hover::Row(i)))
                        on:blur=move |_| set_hover.set(None)
                    >
                        {label(token)}
                    </th>
                    {cells}
                    {p_gen
                        .as_ref()
                        .map(|p| view! { <PGenCell p_gen=p.get(i).copied().unwrap_or(0.0) /> })}
                </tr>
            }
        })
        .collect::<Vec<_>>();

    view! {
        <div class="heatmap-scroll">
            <table
                class="heatmap"
                data-testid="attention-heatmap"
                data-rows=rows.len().to_string()
                data-cols=cols.len().to_string()
                data-p-gen=p_gen.is_some().to_string()
                on:mouseleave=move |_| set_hover.set(None)
            >
                <thead>
                    <tr>
                        <th class="corner">"generated ↓ / source →"</th>
                        {header}
                        {p_gen
                            .is_some()
                            .then(|| {
                                view! {
                                    <th class="pgen" data-testid="heatmap-pgen-col" title=PGEN_MEANING>
                                        "p_gen"
                                    </th>
                                }
                            })}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        {downloads}
    }
}

/// Links that save the heatmap as an SVG picture or as JSON (data URLs: the page sends nothing).
fn download_links(data: HeatmapData) -> impl IntoView + use<> {
    let url = |kind: &str, text: String| {
        format!(
            "data:{kind};charset=utf-8,{}",
            js_sys::encode_uri_component(&text)
        )
    };
    let (svg, json) = (
        url("image/svg+xml", svg(&data)),
        url("application/json", json(&data)),
    );
    view! {
        <p class="hint downloads">
            "Download this heatmap: "
            <a data-testid="heatmap-svg" download="attention.svg" href=svg>"SVG"</a>
            " · "
            <a data-testid="heatmap-json" download="attention.json" href=json>"JSON"</a>
        </p>
    }
}

/// What the p_gen column means (its header's tooltip).
const PGEN_MEANING: &str = "p_gen: the probability that the token was generated from the vocabulary \
     (1 − p_gen: copied from the description, where the row's attention points)";

/// A row's p_gen, with 2 decimals and a green shade as strong as the value; its tooltip says what it
/// means for this token.
#[component]
fn PGenCell(p_gen: f32) -> impl IntoView {
    view! {
        <td
            class="pgen"
            data-testid="heatmap-pgen"
            data-value=format!("{p_gen:.4}")
            title=format!(
                "p_gen {p_gen:.2}: generated from the vocabulary (1 − p_gen: copied from the description)",
            )
            style=format!("background: rgba(64, 160, 43, {:.3})", 0.6 * p_gen.clamp(0.0, 1.0))
        >
            {format!("{p_gen:.2}")}
        </td>
    }
}

/// `weights[i][j]`, 0 when out of range.
fn at(weights: &[Vec<f32>], i: usize, j: usize) -> f32 {
    weights
        .get(i)
        .and_then(|r| r.get(j))
        .copied()
        .unwrap_or(0.0)
}

/// A column's or row's text: layout markers as arrows, also as subword pieces (`▁<newline>`); other
/// pieces keep their `▁`, which says that they start a word.
pub(crate) fn label(token: &str) -> String {
    match token.strip_prefix('▁').unwrap_or(token) {
        "<newline>" => "↵".into(),
        "<indent>" => "⇥".into(),
        "<dedent>" => "⇤".into(),
        _ => token.into(),
    }
}
