//! The page: the form (description, model, beam width, `<unk>` replacement, backend, examples) and the
//! result (highlighted code, timing and backend, attention heatmap).
//!
//! `App` holds the state that several parts share (the form's fields, seeded from the URL, and the
//! generation) and lays the parts out; each part lives in its own module below.

mod cache_control;
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
use crate::protocol::Job;
use crate::query::{self, BackendChoice, Query};
use crate::site::SiteModel;
use cache_control::CacheControl;
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

    /// What the worker runs.
    fn job(&self) -> Job {
        Job {
            model: self.model,
            description: self.description.clone(),
            beam: self.beam,
            replace_unk: self.replaces_unk(),
            forced: self.forced.clone(),
        }
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
    // The futures hold wasm-only values (JS promises, channels), so the actions run on this thread.
    let generate: Generate = Action::new_local(move |request: &Request| {
        generation::run(request.job(), request.choice, live)
    });
    // Which model the comparison is at, for its progress line.
    let comparing = RwSignal::new(0usize);
    let compare: CompareAll = Action::new_local(move |request: &Request| {
        // The box as ticked: the comparison applies it to each model it works for.
        let job = Job {
            replace_unk: request.replace_unk,
            ..request.job()
        };
        comparison::run_all(job, request.choice, comparing, live)
    });
    let generating: Signal<bool> = generate.pending().into();
    let comparing_now: Signal<bool> = compare.pending().into();
    let busy = Signal::derive(move || generating.get() || comparing_now.get());
    // The last Generate's request, which the steps view decodes again with other first tokens.
    let last_request = StoredValue::new(None::<Request>);

    // What the form asks for; nothing while there is nothing to generate from.
    let form_request = move || {
        let description = description.get_untracked();
        if docstring_tokens(&description).is_empty() {
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
    // A new generation stops the running one (which still answers, and is replaced); one model
    // runs at a time, so the worker starts the new one when the old has stopped. During a
    // comparison Generate waits. The URL follows each generation, so that it can be shared.
    let start_generation = move |request: Request| {
        if comparing_now.get_untracked() {
            return;
        }
        if generating.get_untracked() {
            live.request_stop();
        }
        query::replace_location(&request.query());
        last_request.set_value(Some(request.clone()));
        live.reset();
        generate.dispatch_local(request);
    };
    let run = move || {
        if let Some(request) = form_request() {
            start_generation(request);
        }
    };
    let on_generate = Callback::new(move |()| run());
    let on_compare = Callback::new(move |()| {
        if let Some(request) = form_request().filter(|_| !busy.get_untracked()) {
            live.reset();
            compare.dispatch_local(request);
        }
    });
    // Choosing another token in the steps view decodes the shown result's request again, from the
    // tokens up to that choice.
    let on_force = Callback::new(move |forced: Vec<usize>| {
        if let Some(last) = last_request.get_value() {
            start_generation(Request { forced, ..last });
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
                comparing=comparing_now
                generations=generate.version()
                on_generate=on_generate
                on_compare=on_compare
            />
            <Examples description=description busy=busy on_generate=on_generate />
            <Outcome generate=generate busy=generating live=live on_force=on_force />
            <CacheControl busy=busy />
            <Comparison compare=compare at=comparing live=live />
        </main>
    }
}
