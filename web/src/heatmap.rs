//! The attention heatmap: a table of generated tokens (rows) by source tokens (columns). Hovering a
//! generated token (or a cell) highlights the source tokens it attended to, in proportion to the
//! weights; hovering a source token highlights the generated tokens that attended to it.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Hover {
    Row(usize),
    Col(usize),
    Cell(usize, usize),
}

/// `weights[row][col]`; each row sums to 1.
#[component]
pub fn Heatmap(rows: Vec<String>, cols: Vec<String>, weights: Vec<Vec<f32>>) -> impl IntoView {
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
                    on:mouseenter=move |_| set_hover.set(Some(Hover::Col(j)))
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
                        on:mouseenter=move |_| set_hover.set(Some(Hover::Row(i)))
                    >
                        {label(token)}
                    </th>
                    {cells}
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
                on:mouseleave=move |_| set_hover.set(None)
            >
                <thead>
                    <tr>
                        <th class="corner">"generated ↓ / source →"</th>
                        {header}
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
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

/// Short labels for the layout tokens.
fn label(token: &str) -> String {
    match token {
        "<newline>" => "↵".into(),
        "<indent>" => "⇥".into(),
        "<dedent>" => "⇤".into(),
        _ => token.into(),
    }
}
