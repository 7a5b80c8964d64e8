//! The page: the form (description, model, beam width, backend, examples) and the result (highlighted
//! code, timing and backend, attention heatmap).

mod generated;
mod model_about;

use leptos::prelude::*;
use leptos::task::spawn_local;
use model::generate::{GenerateConfig, description_tokens};
use model::models::ModelKind;

use crate::backend::{self, Gpu};
use crate::generation::{self, Output};
use crate::query::{self, BackendChoice, MAX_BEAM, parse_beam};
use generated::Generated;
use model_about::ModelAbout;

/// Descriptions offered as one-click examples.
const EXAMPLES: &[&str] = &[
    "Return the name.",
    "Read a JSON file and return its contents.",
    "Remove duplicate items from a list.",
    "Check whether the path exists.",
];

#[derive(Debug, Clone, PartialEq)]
enum State {
    Idle,
    Busy,
    Done(Output),
    Failed(String),
}

impl State {
    /// `data-state` of the page, for tests.
    fn name(&self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Busy => "busy",
            State::Done(_) => "done",
            State::Failed(_) => "error",
        }
    }
}

/// The picker's and the result's name for a model.
fn model_label(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Rnn => "RNN",
        ModelKind::Lstm => "LSTM",
        ModelKind::Attention => "LSTM + attention",
    }
}

#[component]
pub fn App() -> impl IntoView {
    let start = query::from_location();
    let (description, set_description) = signal(start.description.clone().unwrap_or_default());
    let (kind, set_kind) = signal(start.model);
    let (beam, set_beam) = signal(start.beam);
    let (choice, set_choice) = signal(start.backend);
    let (state, set_state) = signal(State::Idle);
    // WebGPU is set up on startup; the line beside the picker follows it (and a later failure).
    let (gpu, set_gpu) = signal(backend::status());
    spawn_local(async move {
        let _ = backend::webgpu().await;
        set_gpu.set(backend::status());
    });

    let max_src = GenerateConfig::new().max_src_len;
    let token_count = move || description.with(|d| description_tokens(d, usize::MAX).0.len());
    let busy = move || state.with(|s| *s == State::Busy);
    let hint = move || match token_count() {
        0 => "Type a description (or pick an example) to enable Generate.".to_string(),
        n if n > max_src => {
            format!("The description has {n} tokens: the models read only the first {max_src}.")
        }
        _ => String::new(),
    };

    let run = move || {
        let description = description.get_untracked();
        if state.with_untracked(|s| *s == State::Busy)
            || description_tokens(&description, 1).0.is_empty()
        {
            return;
        }
        let (kind, beam, choice) = (
            kind.get_untracked(),
            beam.get_untracked(),
            choice.get_untracked(),
        );
        query::replace_location(&description, kind, beam, choice);
        set_state.set(State::Busy);
        spawn_local(async move {
            set_state.set(
                match generation::run(kind, description, beam, choice).await {
                    Ok(output) => State::Done(output),
                    Err(message) => State::Failed(message),
                },
            );
            set_gpu.set(backend::status());
        });
    };
    if start.description.is_some() {
        run();
    }

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
    let gpu_line = move || {
        let (webgpu, class, text) = match gpu.get() {
            None | Some(Gpu::Starting) => ("starting", "hint", "Looking for WebGPU…".to_string()),
            Some(Gpu::Ready(_, adapter)) => (
                "ready",
                "hint",
                format!("WebGPU available (adapter: {adapter})."),
            ),
            Some(Gpu::Unavailable(reason)) => {
                ("unavailable", "notice", backend::unavailable(&reason))
            }
        };
        view! {
            <p class=class data-testid="webgpu-status" data-webgpu=webgpu>
                {text}
            </p>
        }
    };
    let examples = EXAMPLES
        .iter()
        .map(|&example| {
            view! {
                <button
                    type="button"
                    class="example"
                    disabled=busy
                    on:click=move |_| {
                        set_description.set(example.to_string());
                        run();
                    }
                >
                    {example}
                </button>
            }
        })
        .collect::<Vec<_>>();

    view! {
        <main class="app" data-state=move || state.with(State::name)>
            <h1>"Describe a function, get Python"</h1>
            <p class="lede">
                "Sequence-to-sequence models (RNN, LSTM, LSTM + attention) trained on docstring-function pairs of Python packages, \
                 running in this page: nothing is sent to a server."
            </p>
            <form on:submit=move |ev| {
                ev.prevent_default();
                run();
            }>
                <label for="description">"Description"</label>
                <textarea
                    id="description"
                    data-testid="description"
                    rows="3"
                    placeholder="e.g. Return the name."
                    prop:value=move || description.get()
                    on:input=move |ev| set_description.set(event_target_value(&ev))
                ></textarea>
                <div class="controls">
                    <label>
                        "Model "
                        <select
                            data-testid="model"
                            on:change=move |ev| {
                                if let Ok(k) = event_target_value(&ev).parse() {
                                    set_kind.set(k);
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
                                    set_beam.set(b);
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
                                    set_choice.set(c);
                                }
                            }
                        >
                            {choices}
                        </select>
                    </label>
                    <button
                        type="submit"
                        data-testid="generate"
                        disabled=move || token_count() == 0 || busy()
                        title=hint
                    >
                        {move || if busy() { "Generating…" } else { "Generate" }}
                    </button>
                </div>
                <p class="hint" data-testid="hint">{hint}</p>
                <ModelAbout kind=kind />
                {gpu_line}
            </form>
            <p class="examples">"Examples: " {examples}</p>
            {move || match state.get() {
                State::Idle => ().into_any(),
                State::Busy => view! { <p class="status">"Generating…"</p> }.into_any(),
                State::Failed(message) => {
                    view! { <p class="error" data-testid="error" role="alert">{message}</p> }.into_any()
                }
                State::Done(output) => view! { <Generated output=output /> }.into_any(),
            }}
        </main>
    }
}
