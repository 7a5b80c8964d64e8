//! The form around the description: the text box, the controls, and the lines under them that explain
//! what Generate will do (the hint, the picked model, the WebGPU status).

use leptos::prelude::*;
use model::tokenizer::{MAX_SRC_LEN, docstring_tokens};

use super::controls::Controls;
use super::gpu_status::GpuStatus;
use super::model_about::ModelAbout;
use crate::query::BackendChoice;
use crate::site::SiteModel;

/// Submitting (the Generate button) calls `on_generate`; Compare all models calls `on_compare`.
/// `generations` counts finished generations, after which the WebGPU status is read again (a
/// generation can find WebGPU broken).
#[component]
pub fn DescriptionForm(
    description: RwSignal<String>,
    model: RwSignal<SiteModel>,
    beam: RwSignal<usize>,
    choice: RwSignal<BackendChoice>,
    replace_unk: RwSignal<bool>,
    busy: Signal<bool>,
    /// A comparison runs (Generate waits for it; a generation it restarts).
    comparing: Signal<bool>,
    #[prop(into)] generations: Signal<usize>,
    on_generate: Callback<()>,
    on_compare: Callback<()>,
) -> impl IntoView {
    let max_src = MAX_SRC_LEN;
    let token_count = Memo::new(move |_| description.with(|d| docstring_tokens(d).len()));
    // Why Generate is disabled, or what it will leave out; the button's tooltip says the same.
    let hint = Signal::derive(move || match token_count.get() {
        0 => "Type a description (or pick an example) to enable Generate.".to_string(),
        n if n > max_src => {
            format!("The description has {n} tokens: the models read only the first {max_src}.")
        }
        _ => String::new(),
    });
    let empty = Signal::derive(move || token_count.get() == 0);

    view! {
        <form on:submit=move |ev| {
            ev.prevent_default();
            on_generate.run(());
        }>
            <label for="description">"Description"</label>
            <textarea
                id="description"
                data-testid="description"
                rows="3"
                placeholder="e.g. Return the name."
                prop:value=move || description.get()
                on:input=move |ev| description.set(event_target_value(&ev))
            ></textarea>
            <Controls
                model=model
                beam=beam
                choice=choice
                replace_unk=replace_unk
                busy=busy
                comparing=comparing
                empty=empty
                hint=hint
                on_compare=on_compare
            />
            <p class="hint" data-testid="hint">{hint}</p>
            <ModelAbout model=model />
            <GpuStatus choice=choice generations=generations />
        </form>
    }
}
