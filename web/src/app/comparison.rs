//! Compare all models: every checkpoint of the site on one description, one after another (each
//! loads its weights the first time), shown side by side with its code and its time per token, or
//! with why it could not run.

use leptos::prelude::*;

use super::outcome::StopButton;
use crate::generation::{self, Live, Output};
use crate::highlight::highlight_copied;
use crate::protocol::Job;
use crate::query::BackendChoice;
use crate::site::SiteModel;

/// A comparison as Leptos runs it; its value is each model's result, in the picker's order.
pub type CompareAll = Action<super::Request, Vec<(SiteModel, Result<Output, String>)>>;

/// Runs every model on `job`'s description (greedy or beam, `<unk>` replaced where the model can
/// and the box is ticked), counting in `at` which one is running; Stop (`live`) ends the running one
/// and skips the rest.
pub async fn run_all(
    job: Job,
    choice: BackendChoice,
    at: RwSignal<usize>,
    live: Live,
) -> Vec<(SiteModel, Result<Output, String>)> {
    let mut results = Vec::new();
    for (i, model) in SiteModel::ALL.into_iter().enumerate() {
        if live.stop.get_untracked() {
            results.push((
                model,
                Err("Not run: the comparison was stopped.".to_string()),
            ));
            continue;
        }
        at.set(i);
        let job = Job {
            model,
            replace_unk: job.replace_unk && model.replaces_unk(),
            ..job.clone()
        };
        results.push((model, generation::run(job, choice, live).await));
    }
    results
}

#[component]
pub fn Comparison(compare: CompareAll, at: RwSignal<usize>, live: Live) -> impl IntoView {
    let results = compare.value();
    let pending = compare.pending();
    move || {
        if pending.get() {
            let (i, n) = (at.get(), SiteModel::ALL.len());
            let model = SiteModel::ALL[i.min(n - 1)].label();
            return view! {
                <section class="comparison" data-testid="comparison" data-state="busy">
                    <p class="status">
                        {format!("Comparing: {model} ({} of {n})…", i + 1)}
                        <StopButton live=live />
                    </p>
                </section>
            }
            .into_any();
        }
        let Some(results) = results.get() else {
            return ().into_any();
        };
        let cards = results
            .into_iter()
            .map(|(model, result)| view! { <Compared model=model result=result /> })
            .collect_view();
        view! {
            <section class="comparison" data-testid="comparison" data-state="done">
                <h2>"All models"</h2>
                <div class="compared-grid">{cards}</div>
            </section>
        }
        .into_any()
    }
}

/// One model's card: its code and timing, or the message of why it did not run.
#[component]
fn Compared(model: SiteModel, result: Result<Output, String>) -> impl IntoView {
    let body = match result {
        Ok(output) => {
            let t = output.timing;
            let spans = highlight_copied(&output.code, None)
                .into_iter()
                .map(|(kind, text, _)| view! { <span class=kind.class()>{text.to_string()}</span> })
                .collect_view();
            view! {
                <pre class="code"><code data-testid="compared-code">{spans}</code></pre>
                <p
                    class="timing"
                    data-testid="compared-timing"
                    data-ms-per-token=format!("{:.3}", t.ms_per_token())
                    data-steps=t.steps.to_string()
                >
                    {format!(
                        "{:.0} ms · {:.2} ms/token for {} tokens · {}",
                        t.total_ms,
                        t.ms_per_token(),
                        t.steps,
                        output.backend.label()
                    )}
                </p>
            }
            .into_any()
        }
        Err(message) => {
            view! { <p class="error" data-testid="compared-error">{message}</p> }.into_any()
        }
    };
    view! {
        <article class="compared" data-testid="compared" data-model=model.name()>
            <h3>{model.label()}</h3>
            {body}
        </article>
    }
}
