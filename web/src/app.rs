//! The page: the form (description, model, beam width, backend, examples) and the result (highlighted
//! code, timing and backend, attention heatmap).
//!
//! `App` holds the state that several parts share (the form's fields, seeded from the URL, and the
//! generation) and lays the parts out; each part lives in its own module below.

mod controls;
mod examples;
mod form;
mod generated;
mod gpu_status;
mod model_about;
mod outcome;

use leptos::prelude::*;
use model::models::ModelKind;
use model::tokenizer::docstring_tokens;

use crate::generation::{self, Output};
use crate::query::{self, BackendChoice};
use examples::Examples;
use form::DescriptionForm;
use outcome::{Outcome, state_name};

/// A generation as Leptos runs it: dispatched on Generate, pending while it runs, then its result.
type Generate = Action<Request, Result<Output, String>>;

/// What the form held when Generate was clicked: the generation runs on that, whatever is edited
/// while it runs.
#[derive(Debug, Clone)]
struct Request {
    description: String,
    kind: ModelKind,
    beam: usize,
    choice: BackendChoice,
}

/// The picker's and the result's name for a model.
fn model_label(kind: ModelKind) -> &'static str {
    kind.info().summary
}

/// A URL with a description (`?q=`) generates on load, so that a shared link opens on its result.
#[component]
pub fn App() -> impl IntoView {
    let start = query::from_location();
    let description = RwSignal::new(start.description.clone().unwrap_or_default());
    let kind = RwSignal::new(start.model);
    let beam = RwSignal::new(start.beam);
    let choice = RwSignal::new(start.backend);

    // The futures hold wasm-only values (JS promises, the device), so the action runs on this thread.
    let generate: Generate = Action::new_local(|request: &Request| {
        let Request {
            description,
            kind,
            beam,
            choice,
        } = request.clone();
        generation::run(kind, description, beam, choice)
    });
    let busy: Signal<bool> = generate.pending().into();

    // A click while a generation runs, or with nothing to generate from, does nothing. The URL follows
    // each generation, so that it can be shared or reloaded.
    let run = move || {
        let description = description.get_untracked();
        if busy.get_untracked() || docstring_tokens(&description).is_empty() {
            return;
        }
        let request = Request {
            description,
            kind: kind.get_untracked(),
            beam: beam.get_untracked(),
            choice: choice.get_untracked(),
        };
        query::replace_location(
            &request.description,
            request.kind,
            request.beam,
            request.choice,
        );
        generate.dispatch_local(request);
    };
    let on_generate = Callback::new(move |()| run());
    if start.description.is_some() {
        run();
    }

    view! {
        <main class="app" data-state=state_name(generate, busy)>
            <h1>"Describe a function, get Python"</h1>
            <p class="lede">
                "Sequence-to-sequence models (RNN, LSTM, LSTM + attention) trained on docstring-function pairs of Python packages, \
                 running in this page: nothing is sent to a server."
            </p>
            <DescriptionForm
                description=description
                kind=kind
                beam=beam
                choice=choice
                busy=busy
                generations=generate.version()
                on_generate=on_generate
            />
            <Examples description=description busy=busy on_generate=on_generate />
            <Outcome generate=generate busy=busy />
        </main>
    }
}
