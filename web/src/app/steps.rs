//! What the model could have written: each generated token as a button shaded by how unsure the
//! model was of it. Selecting one lists the most probable tokens the syntax rules allowed at that
//! step; choosing one of those decodes again with the tokens before it kept and that one forced.

use leptos::prelude::*;
use model::generate::Alternative;

use crate::heatmap::label;

/// One generation's steps: `rows` are its tokens (with `<eos>` when it finished), `ids` its ids
/// (without `<eos>`), `forced` how many of the first were chosen by the user.
#[component]
pub fn Steps(
    rows: Vec<String>,
    ids: Vec<usize>,
    confidence: Vec<f32>,
    alternatives: Vec<Vec<Alternative>>,
    forced: usize,
    /// Decode again with these first ids.
    on_force: Callback<Vec<usize>>,
) -> impl IntoView {
    let selected = RwSignal::new(None::<usize>);
    let chips = rows
        .iter()
        .zip(&confidence)
        .enumerate()
        .map(|(t, (row, &p))| {
            view! {
                <button
                    type="button"
                    class="step"
                    class:forced=t < forced
                    data-testid="step"
                    data-token=row.clone()
                    data-p=format!("{p:.6}")
                    title=format!("{row}: {:.1}%", 100.0 * p)
                    aria-pressed=move || (selected.get() == Some(t)).to_string()
                    style=format!("background: rgba(255, 140, 0, {:.3})", 1.0 - p)
                    on:click=move |_| selected.set(Some(t))
                >
                    {label(row)}
                </button>
            }
        })
        .collect_view();
    let steps = StoredValue::new((ids, alternatives));
    let panel = move || {
        let t = selected.get()?;
        let options = steps.with_value(|(ids, alternatives)| {
            alternatives[t]
                .iter()
                .map(|a| option(a, ids, t, on_force))
                .collect_view()
        });
        Some(view! {
            <div class="alternatives" data-testid="alternatives" data-step=t.to_string()>
                <p class="hint">
                    {format!(
                        "Step {}: the most probable tokens the syntax rules allowed. Choose one to \
                         keep the code before it and let the model go on from there.",
                        t + 1
                    )}
                </p>
                <ol>{options}</ol>
            </div>
        })
    };
    view! {
        <h2>"Steps"</h2>
        <p class="hint">
            "Each token the model wrote, shaded by how unsure it was (the darker, the lower the \
             probability it gave the token). Select one to see what it could have written instead."
        </p>
        <div class="steps" data-testid="steps" data-forced=forced.to_string()>
            {chips}
        </div>
        {panel}
    }
}

/// One alternative of step `t`: a button that forces it after the first `t` ids (the model's own
/// choice is shown, not offered).
fn option(
    a: &Alternative,
    ids: &[usize],
    t: usize,
    on_force: Callback<Vec<usize>>,
) -> impl IntoView + use<> {
    let chosen = ids
        .get(t)
        .map_or(a.id == model::vocab::EOS, |&id| id == a.id);
    let mut forced = ids[..t.min(ids.len())].to_vec();
    forced.push(a.id);
    view! {
        <li>
            <button
                type="button"
                data-testid="alternative"
                data-id=a.id.to_string()
                data-piece=a.piece.clone()
                data-p=format!("{:.6}", a.probability)
                disabled=chosen
                on:click=move |_| on_force.run(forced.clone())
            >
                <code>{label(&a.piece)}</code>
                {format!(" {:.1}%", 100.0 * a.probability)}
                {chosen.then_some(" (written)")}
            </button>
        </li>
    }
}
