//! The row under the description: what to generate with (model, beam width, `<unk>` replacement,
//! backend), the Generate button, which submits the form, and Compare all models.

use leptos::prelude::*;

use crate::query::{BackendChoice, MAX_BEAM, parse_beam};
use crate::site::SiteModel;

/// Invalid entries (an unknown model or backend, a beam width out of range) leave the field's signal
/// as it was. Generate is disabled while a comparison runs or while the description is `empty`
/// (during a generation it starts over); Compare all models while anything runs. `hint` is
/// Generate's tooltip.
#[component]
pub fn Controls(
    model: RwSignal<SiteModel>,
    beam: RwSignal<usize>,
    choice: RwSignal<BackendChoice>,
    replace_unk: RwSignal<bool>,
    busy: Signal<bool>,
    comparing: Signal<bool>,
    empty: Signal<bool>,
    hint: Signal<String>,
    /// Runs every model on the description.
    on_compare: Callback<()>,
) -> impl IntoView {
    let models = SiteModel::ALL
        .into_iter()
        .map(|m| {
            view! {
                <option value=m.name() prop:selected=move || model.get() == m>
                    {m.label()}
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
                        if let Some(m) = SiteModel::parse(&event_target_value(&ev)) {
                            model.set(m);
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
            <ReplaceUnk replace_unk=replace_unk model=model />
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
                disabled=move || empty.get() || comparing.get()
                title=hint
            >
                "Generate"
            </button>
            <button
                type="button"
                data-testid="compare"
                disabled=move || empty.get() || busy.get()
                title="Every model on this description, one after another, side by side"
                on:click=move |_| on_compare.run(())
            >
                "Compare all models"
            </button>
        </div>
    }
}

/// The `<unk>` replacement checkbox. It is disabled, with a tooltip that says why, for the models it
/// does not apply to; ticking it there is kept for when a model it applies to is picked.
#[component]
fn ReplaceUnk(replace_unk: RwSignal<bool>, model: RwSignal<SiteModel>) -> impl IntoView {
    let applies = move || model.get().replaces_unk();
    let title = move || {
        if applies() {
            "Each <unk> (a word outside the model's vocabulary) becomes the description word the model attended to most when writing it."
        } else {
            "Only for the LSTM + attention model: the RNN and the LSTM have no attention to pick a word by, and subword pieces never need <unk>."
        }
    };
    view! {
        <label title=title>
            <input
                type="checkbox"
                data-testid="replace-unk"
                prop:checked=move || replace_unk.get()
                disabled=move || !applies()
                on:change=move |ev| replace_unk.set(event_target_checked(&ev))
            />
            " Replace <unk> with the description word it attends to"
        </label>
    }
}
