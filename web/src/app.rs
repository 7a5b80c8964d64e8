//! The page: the form (description, model, beam width, `<unk>` replacement, backend, examples) and the
//! result (highlighted code, timing and backend, attention heatmap).
//!
//! `App` holds the state that several parts share (the form's fields, seeded from the URL, and the
//! generation) and lays the parts out; each part lives in its own module below.

mod comparison;
mod controls;
mod examples;
mod form;
mod generated;
mod gpu_status;
mod model_about;
mod neighbour;
mod outcome;
mod steps;
mod url_notice;

use leptos::prelude::*;
use model::tokenizer::docstring_tokens;

use crate::generation::{self, Output};
use crate::query::{self, BackendChoice, Query};
use crate::site::SiteModel;
use comparison::{CompareAll, Comparison};
use examples::Examples;
use form::DescriptionForm;
use outcome::{Outcome, state_name};
use url_notice::UrlNotice;

/// A generation as Leptos runs it: dispatched on Generate, pending while it runs, then its result.
type Generate = Action<Request, Result<Output, String>>;

/// What the form held when Generate was clicked: the generation runs on that, whatever is edited
/// while it runs.
#[derive(Debug, Clone)]
struct Request {
    description: String,
    model: SiteModel,
    beam: usize,
    choice: BackendChoice,
    /// The checkbox as ticked; it applies only to the models it can (see [`Request::replaces_unk`]).
    replace_unk: bool,
    /// The first ids, chosen in the steps view instead of by the model (empty for Generate).
    forced: Vec<usize>,
}

impl Request {
    /// Whether the decode replaces `<unk>`: the box is ticked and the model is one it works for.
    fn replaces_unk(&self) -> bool {
        self.replace_unk && self.model.replaces_unk()
    }

    /// The request as the page's URL records it.
    fn query(&self) -> Query {
        Query {
            description: Some(self.description.clone()),
            model: self.model,
            beam: self.beam,
            backend: self.choice,
            replace_unk: self.replace_unk,
            ignored: Vec::new(),
        }
    }
}

/// A URL with a description (`?q=`) generates on load, so that a shared link opens on its result.
#[component]
pub fn App() -> impl IntoView {
    let start = query::from_location();
    let description = RwSignal::new(start.description.clone().unwrap_or_default());
    let model = RwSignal::new(start.model);
    let beam = RwSignal::new(start.beam);
    let choice = RwSignal::new(start.backend);
    let replace_unk = RwSignal::new(start.replace_unk);

    // The running generation's code so far, and the Stop button's request.
    let live = generation::Live::new();
    // The futures hold wasm-only values (JS promises, the device), so the action runs on this thread.
    let generate: Generate = Action::new_local(move |request: &Request| {
        let replace_unk = request.replaces_unk();
        let Request {
            description,
            model,
            beam,
            choice,
            forced,
            ..
        } = request.clone();
        generation::run(model, description, beam, replace_unk, choice, forced, live)
    });
    // Which model the comparison is at, for its progress line.
    let comparing = RwSignal::new(0usize);
    let compare: CompareAll = Action::new_local(move |request: &Request| {
        let request = request.clone();
        comparison::run_all(
            request.description,
            request.beam,
            request.replace_unk,
            request.choice,
            comparing,
            live,
        )
    });
    let generating: Signal<bool> = generate.pending().into();
    let comparing_now = compare.pending();
    // One model run at a time: Generate and Compare wait for each other.
    let busy = Signal::derive(move || generating.get() || comparing_now.get());
    // The last Generate's request, which the steps view decodes again with other first tokens.
    let last_request = StoredValue::new(None::<Request>);

    // A click while a generation runs, or with nothing to generate from, does nothing. The URL follows
    // each generation, so that it can be shared or reloaded.
    let form_request = move || {
        let description = description.get_untracked();
        if busy.get_untracked() || docstring_tokens(&description).is_empty() {
            return None;
        }
        Some(Request {
            description,
            model: model.get_untracked(),
            beam: beam.get_untracked(),
            choice: choice.get_untracked(),
            replace_unk: replace_unk.get_untracked(),
            forced: Vec::new(),
        })
    };
    let run = move || {
        let Some(request) = form_request() else {
            return;
        };
        query::replace_location(&request.query());
        last_request.set_value(Some(request.clone()));
        live.reset();
        generate.dispatch_local(request);
    };
    let on_generate = Callback::new(move |()| run());
    let on_compare = Callback::new(move |()| {
        if let Some(request) = form_request() {
            live.reset();
            compare.dispatch_local(request);
        }
    });
    // Choosing another token in the steps view decodes the shown result's request again, from the
    // tokens up to that choice.
    let on_force = Callback::new(move |forced: Vec<usize>| {
        if let Some(last) = last_request.get_value().filter(|_| !busy.get_untracked()) {
            live.reset();
            generate.dispatch_local(Request { forced, ..last });
        }
    });
    if start.description.is_some() {
        run();
    }

    view! {
        <main class="app" data-state=state_name(generate, busy)>
            <h1>"Describe a function, get Python"</h1>
            <p class="lede">
                "Sequence-to-sequence models (RNN, LSTM, LSTM + attention, copy attention, retrieve-and-edit, a Transformer) \
                 trained on docstring-function pairs of Python packages, running in this page: nothing is sent to a server."
            </p>
            <UrlNotice ignored=start.ignored.clone() />
            <DescriptionForm
                description=description
                model=model
                beam=beam
                choice=choice
                replace_unk=replace_unk
                busy=busy
                generations=generate.version()
                on_generate=on_generate
                on_compare=on_compare
            />
            <Examples description=description busy=busy on_generate=on_generate />
            <Outcome generate=generate busy=generating live=live on_force=on_force />
            <Comparison compare=compare at=comparing live=live />
        </main>
    }
}
