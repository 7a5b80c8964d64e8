//! One-click examples: a visitor who does not know what the models were trained on gets a result
//! without typing.

use leptos::prelude::*;

/// Descriptions of the kind the models saw in training.
const EXAMPLES: &[&str] = &[
    "Return the name.",
    "Read a JSON file and return its contents.",
    "Remove duplicate items from a list.",
    "Check whether the path exists.",
];

/// Each button puts its description in the box and generates; disabled while a generation runs.
#[component]
pub fn Examples(
    description: RwSignal<String>,
    busy: Signal<bool>,
    on_generate: Callback<()>,
) -> impl IntoView {
    let buttons = EXAMPLES
        .iter()
        .map(|&example| {
            view! {
                <button
                    type="button"
                    class="example"
                    disabled=busy
                    on:click=move |_| {
                        description.set(example.to_string());
                        on_generate.run(());
                    }
                >
                    {example}
                </button>
            }
        })
        .collect::<Vec<_>>();
    view! { <p class="examples">"Examples: " {buttons}</p> }
}
