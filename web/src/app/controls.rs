//! The row under the description: what to generate with (model, beam width, backend) and the Generate
//! button, which submits the form.

use leptos::prelude::*;
use model::models::ModelKind;

use super::model_label;
use crate::query::{BackendChoice, MAX_BEAM, parse_beam};

/// Invalid entries (an unknown model or backend, a beam width out of range) leave the field's signal
/// as it was. Generate is disabled while a generation runs or while the description is `empty`;
/// `hint` is its tooltip.
#[component]
pub fn Controls(
    kind: RwSignal<ModelKind>,
    beam: RwSignal<usize>,
    choice: RwSignal<BackendChoice>,
    busy: Signal<bool>,
    empty: Signal<bool>,
    hint: Signal<String>,
) -> impl IntoView {
    let models = ModelKind::ALL
        .into_iter()
        .map(|k| {
            view! {
                <option value=k.name() prop:selected=move || kind.get() == k>
                    {model_label(k)}
                </option>
            }
        })
        .collect::<Vec<_>>();
    let choices = BackendChoice::ALL
        .into_iter()
        .map(|c| {
            view! {
                <option value=c.name() prop:selected=move || choice.get() == c>
                    {c.label()}
                </option>
            }
        })
        .collect::<Vec<_>>();

    view! {
        <div class="controls">
            <label>
                "Model "
                <select
                    data-testid="model"
                    on:change=move |ev| {
                        if let Ok(k) = event_target_value(&ev).parse() {
                            kind.set(k);
                        }
                    }
                >
                    {models}
                </select>
            </label>
            <label>
                "Beam width "
                <input
                    type="number"
                    data-testid="beam"
                    min="1"
                    max=MAX_BEAM.to_string()
                    prop:value=move || beam.get().to_string()
                    on:change=move |ev| {
                        if let Some(b) = parse_beam(&event_target_value(&ev)) {
                            beam.set(b);
                        }
                    }
                />
            </label>
            <label>
                "Backend "
                <select
                    data-testid="backend"
                    on:change=move |ev| {
                        if let Some(c) = BackendChoice::parse(&event_target_value(&ev)) {
                            choice.set(c);
                        }
                    }
                >
                    {choices}
                </select>
            </label>
            <button
                type="submit"
                data-testid="generate"
                disabled=move || empty.get() || busy.get()
                title=hint
            >
                {move || if busy.get() { "Generating…" } else { "Generate" }}
            </button>
        </div>
    }
}
